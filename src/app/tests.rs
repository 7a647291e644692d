//! `update` as a pure function: keys in, state and effects out.

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::model::Model;
use super::order::order;
use super::state::{App, View};
use super::update::{update, Effect, Msg};
use crate::console::Console;
use crate::demo::Demo;
use crate::keymap::Keymap;

fn setup() -> (Console, chrono::DateTime<Utc>) {
    let mut demo = Demo::new(3);
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    for i in 0..10 {
        demo.step(now + chrono::Duration::seconds(i));
    }
    (demo.console(), now)
}

fn press(app: &mut App, fleet: &Console, now: chrono::DateTime<Utc>, code: KeyCode) -> Vec<Effect> {
    let model = Model::pull(fleet, app, now);
    update(
        app,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        &model,
        &Keymap::default(),
    )
}

fn typed(app: &mut App, fleet: &Console, now: chrono::DateTime<Utc>, text: &str) {
    for c in text.chars() {
        press(app, fleet, now, KeyCode::Char(c));
    }
}

#[test]
fn enter_drills_into_the_selected_row_and_esc_comes_back() {
    let (fleet, now) = setup();
    let mut app = App::new(false, true);
    press(&mut app, &fleet, now, KeyCode::Char('j'));
    let model = Model::pull(&fleet, &app, now);
    let second = order(&app, &model)[1];
    press(&mut app, &fleet, now, KeyCode::Enter);
    assert_eq!(app.screen().view, View::Cluster { cluster: second });
    press(&mut app, &fleet, now, KeyCode::Esc);
    assert_eq!(app.screen().view, View::Fleet);
    assert_eq!(app.screens.len(), 1);
    press(&mut app, &fleet, now, KeyCode::Esc);
    assert_eq!(app.screens.len(), 1, "the root stays");
}

#[test]
fn filter_narrows_then_esc_clears_it() {
    let (fleet, now) = setup();
    let mut app = App::new(false, true);
    press(&mut app, &fleet, now, KeyCode::Char('/'));
    typed(&mut app, &fleet, now, "standby");
    press(&mut app, &fleet, now, KeyCode::Enter);
    let model = Model::pull(&fleet, &app, now);
    let names: Vec<&str> = order(&app, &model)
        .iter()
        .map(|i| model.rows[*i].meta.name.as_str())
        .collect();
    assert_eq!(names, vec!["prod-eu-standby", "prod-us-standby"]);
    // `!` inverts.
    app.screen_mut().filter = "!prod".into();
    let model = Model::pull(&fleet, &app, now);
    assert_eq!(order(&app, &model).len(), 2);
    press(&mut app, &fleet, now, KeyCode::Esc);
    assert!(app.screen().filter.is_empty());
    let model = Model::pull(&fleet, &app, now);
    assert_eq!(order(&app, &model).len(), 6);
}

#[test]
fn selection_is_clamped_and_sort_cycles() {
    let (fleet, now) = setup();
    let mut app = App::new(false, true);
    for _ in 0..20 {
        press(&mut app, &fleet, now, KeyCode::Char('j'));
    }
    assert_eq!(app.screen().selected, 5);
    press(&mut app, &fleet, now, KeyCode::Char('g'));
    assert_eq!(app.screen().selected, 0);
    for _ in 0..6 {
        press(&mut app, &fleet, now, KeyCode::Char('o'));
    }
    assert_eq!(app.screen().sort, 0, "six sort keys wrap around");
}

#[test]
fn commands_go_places_or_say_why_not() {
    let (fleet, now) = setup();
    let mut app = App::new(false, true);
    press(&mut app, &fleet, now, KeyCode::Char(':'));
    typed(&mut app, &fleet, now, "ctx dev");
    press(&mut app, &fleet, now, KeyCode::Enter);
    let model = Model::pull(&fleet, &app, now);
    let View::Cluster { cluster } = app.screen().view else {
        panic!("not in a cluster view: {:?}", app.screen().view)
    };
    assert_eq!(model.rows[cluster].meta.name, "dev");
    press(&mut app, &fleet, now, KeyCode::Char(':'));
    typed(&mut app, &fleet, now, "bogus");
    press(&mut app, &fleet, now, KeyCode::Enter);
    assert!(app
        .message
        .as_deref()
        .unwrap_or("")
        .contains("unknown command"));
    press(&mut app, &fleet, now, KeyCode::Char(':'));
    typed(&mut app, &fleet, now, "q");
    press(&mut app, &fleet, now, KeyCode::Enter);
    assert!(app.quit);
}

#[test]
fn yaml_on_a_workload_asks_for_it() {
    let (fleet, now) = setup();
    let mut app = App::new(false, true);
    press(&mut app, &fleet, now, KeyCode::Enter);
    let effects = press(&mut app, &fleet, now, KeyCode::Char('y'));
    assert!(
        matches!(effects.as_slice(), [Effect::FetchYaml { .. }]),
        "{effects:?}"
    );
    assert!(matches!(app.screen().view, View::Detail { yaml: true, .. }));
    update(
        &mut app,
        Msg::Yaml(Err("no connection".into())),
        &Model::default(),
        &Keymap::default(),
    );
    assert_eq!(
        app.yaml,
        Some(super::state::Yaml::Failed("no connection".into()))
    );
}

fn plan_for(target: crate::ops::target::Target, replicas: i32) -> crate::ops::pipeline::Plan {
    use crate::ops::action::{workload_request, Operation};
    let op = Operation::Scale { replicas };
    let ar = target.api_resource();
    let mut before = kube::api::DynamicObject::new(&target.name, &ar);
    before.metadata.resource_version = Some("7".into());
    before.data = serde_json::json!({"spec": {"replicas": 1}});
    let request = workload_request(&op, &target, now());
    let view = serde_json::json!({"spec": {"replicas": 1}});
    crate::ops::pipeline::plan_from(&target, op, vec![request], before, view)
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

#[test]
fn scale_asks_replicas_plans_then_needs_a_reason_before_executing() {
    use super::dialog::Stage;
    use crate::ops::pipeline::Preflight;
    let (fleet, now) = setup();
    let mut app = App::new(false, true);
    press(&mut app, &fleet, now, KeyCode::Enter); // into the first cluster
    press(&mut app, &fleet, now, KeyCode::Char('s'));
    let d = app.dialog.as_ref().expect("dialog open");
    assert!(matches!(&d.stage, Stage::Replicas(_)), "{:?}", d.stage);
    press(&mut app, &fleet, now, KeyCode::Backspace);
    press(&mut app, &fleet, now, KeyCode::Backspace);
    typed(&mut app, &fleet, now, "4");
    let effects = press(&mut app, &fleet, now, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Plan { .. }]),
        "{effects:?}"
    );
    let target = app.dialog.as_ref().unwrap().target.clone();
    let model = Model::pull(&fleet, &app, now);
    let after = serde_json::json!({"spec": {"replicas": 4}});
    update(
        &mut app,
        Msg::Planned(Ok(Box::new((
            plan_for(target, 4),
            Preflight::Ready { after },
        )))),
        &model,
        &Keymap::default(),
    );
    assert!(matches!(
        app.dialog.as_ref().unwrap().stage,
        Stage::Confirm(_)
    ));
    // Enter without a reason does nothing.
    assert!(press(&mut app, &fleet, now, KeyCode::Enter).is_empty());
    typed(&mut app, &fleet, now, "traffic spike");
    let effects = press(&mut app, &fleet, now, KeyCode::Enter);
    match effects.as_slice() {
        [Effect::Execute { reason, plan, .. }] => {
            assert_eq!(reason, "traffic spike");
            assert_eq!(plan.rv_before, "7");
        }
        other => panic!("expected Execute, got {other:?}"),
    }
    update(
        &mut app,
        Msg::Executed(Ok("done".into())),
        &model,
        &Keymap::default(),
    );
    assert!(matches!(
        app.dialog.as_ref().unwrap().stage,
        Stage::Finished { ok: true, .. }
    ));
    press(&mut app, &fleet, now, KeyCode::Esc);
    assert!(app.dialog.is_none());
}

#[test]
fn destructive_scale_needs_the_name_typed() {
    use super::dialog::{Confirm, Stage};
    let (fleet, now) = setup();
    let mut app = App::new(false, true);
    press(&mut app, &fleet, now, KeyCode::Enter);
    press(&mut app, &fleet, now, KeyCode::Char('s'));
    let target = app.dialog.as_ref().unwrap().target.clone();
    let name = target.name.clone();
    app.dialog.as_mut().unwrap().stage = Stage::Confirm(Box::new(Confirm::new(
        plan_for(target, 0),
        String::new(),
        false,
    )));
    typed(&mut app, &fleet, now, "drain it");
    assert!(
        press(&mut app, &fleet, now, KeyCode::Enter).is_empty(),
        "name not typed yet"
    );
    typed(&mut app, &fleet, now, &name);
    let effects = press(&mut app, &fleet, now, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Execute { .. }]),
        "{effects:?}"
    );
}

#[test]
fn read_only_explains_instead_of_acting() {
    use super::dialog::Stage;
    let (fleet, now) = setup();
    let mut app = App::new(true, true);
    press(&mut app, &fleet, now, KeyCode::Enter);
    let effects = press(&mut app, &fleet, now, KeyCode::Char('r'));
    assert!(effects.is_empty());
    match &app.dialog.as_ref().unwrap().stage {
        Stage::Unavailable(why) => assert!(why.contains("read-only"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn quitting_while_a_failover_runs_asks_then_stops_it_and_waits() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let (fleet, now) = setup();
    let mut app = App::new(false, true);
    let flag = Arc::new(AtomicBool::new(false));
    app.failover
        .entry("checkout-us".into())
        .or_default()
        .running = Some(flag.clone());
    press(&mut app, &fleet, now, KeyCode::Char('q'));
    assert!(!app.quit, "the first q only asks");
    let msg = app.message.clone().unwrap_or_default();
    assert!(
        msg.starts_with("failover checkout-us in flight — q again"),
        "{msg}"
    );
    // Any other key withdraws the question.
    press(&mut app, &fleet, now, KeyCode::Char('j'));
    press(&mut app, &fleet, now, KeyCode::Char('q'));
    assert!(!app.quit);
    press(&mut app, &fleet, now, KeyCode::Char('q'));
    assert!(
        app.quit && flag.load(Ordering::SeqCst),
        "stopped between actions"
    );
    assert!(
        !super::quit::may_leave(&app),
        "waits for the run's end record"
    );
    app.failover.get_mut("checkout-us").unwrap().running = None;
    assert!(super::quit::may_leave(&app));
    // :q! leaves at once.
    let mut app = App::new(false, true);
    app.failover.entry("x".into()).or_default().running = Some(flag);
    press(&mut app, &fleet, now, KeyCode::Char(':'));
    typed(&mut app, &fleet, now, "q!");
    press(&mut app, &fleet, now, KeyCode::Enter);
    assert!(super::quit::may_leave(&app));
}

#[test]
fn tab_completes_ctx_fuzzily_and_cycles() {
    let (fleet, now) = setup();
    let mut app = App::new(false, true);
    press(&mut app, &fleet, now, KeyCode::Char(':'));
    typed(&mut app, &fleet, now, "ctx usst");
    press(&mut app, &fleet, now, KeyCode::Tab);
    let text = |app: &App| app.input.as_ref().map(|i| i.text.clone());
    assert_eq!(text(&app).as_deref(), Some("ctx prod-us-standby"));
    // Another Tab: the next match of what was typed, not of the completion.
    app.input.as_mut().unwrap().text = "ctx standby".into();
    app.input.as_mut().unwrap().completion = None;
    press(&mut app, &fleet, now, KeyCode::Tab);
    let first = text(&app).unwrap();
    press(&mut app, &fleet, now, KeyCode::Tab);
    let second = text(&app).unwrap();
    assert_ne!(first, second);
    assert!(first.ends_with("standby") && second.ends_with("standby"));
    press(&mut app, &fleet, now, KeyCode::Enter);
    assert!(matches!(app.screen().view, View::Cluster { .. }));
}

#[test]
fn grouping_gathers_clusters_and_enter_opens_a_gathering() {
    use super::fleet_list::{fleet_list, Line};
    let (fleet, now) = setup();
    let mut app = App::new(false, true);
    press(&mut app, &fleet, now, KeyCode::Char('v'));
    let model = Model::pull(&fleet, &app, now);
    let list = fleet_list(&app, &model);
    let keys: Vec<_> = list.gatherings.iter().map(|g| g.key.clone()).collect();
    assert_eq!(
        keys,
        vec![
            Some("dev".into()),
            Some("prod".into()),
            Some("staging".into())
        ]
    );
    assert_eq!(list.lines.len(), 3, "closed: headers only");
    // Second header (prod): enter opens it, its clusters follow it.
    press(&mut app, &fleet, now, KeyCode::Char('j'));
    press(&mut app, &fleet, now, KeyCode::Enter);
    assert_eq!(app.screen().view, View::Fleet, "a header does not drill in");
    let model = Model::pull(&fleet, &app, now);
    let list = fleet_list(&app, &model);
    assert_eq!(list.lines.len(), 3 + 4);
    let Line::Cluster(first) = list.lines[2] else {
        panic!("a cluster follows its open header: {:?}", list.lines);
    };
    assert_eq!(model.rows[first].meta.group.as_deref(), Some("prod"));
    // Enter on a cluster drills in as ever.
    press(&mut app, &fleet, now, KeyCode::Char('j'));
    press(&mut app, &fleet, now, KeyCode::Enter);
    assert_eq!(app.screen().view, View::Cluster { cluster: first });
    press(&mut app, &fleet, now, KeyCode::Esc);
    // Enter on the header again closes it.
    press(&mut app, &fleet, now, KeyCode::Char('k'));
    press(&mut app, &fleet, now, KeyCode::Enter);
    let model = Model::pull(&fleet, &app, now);
    assert_eq!(fleet_list(&app, &model).lines.len(), 3);
}

#[test]
fn a_filter_opens_every_gathering_and_group_cycles_to_flat() {
    use super::fleet_list::fleet_list;
    let (fleet, now) = setup();
    let mut app = App::new(false, true);
    press(&mut app, &fleet, now, KeyCode::Char(':'));
    typed(&mut app, &fleet, now, "group region");
    press(&mut app, &fleet, now, KeyCode::Enter);
    assert_eq!(app.group_by, Some(crate::fleet::groups::GroupBy::Region));
    app.screen_mut().filter = "standby".into();
    let model = Model::pull(&fleet, &app, now);
    let list = fleet_list(&app, &model);
    let members: usize = list.gatherings.iter().map(|g| g.members.len()).sum();
    assert_eq!(members, 2);
    assert_eq!(list.lines.len(), list.gatherings.len() + 2, "matches shown");
    app.screen_mut().filter.clear();
    press(&mut app, &fleet, now, KeyCode::Char(':'));
    typed(&mut app, &fleet, now, "group bogus");
    press(&mut app, &fleet, now, KeyCode::Enter);
    assert!(app.message.as_deref().unwrap().contains("expected group"));
    for _ in 0..2 {
        press(&mut app, &fleet, now, KeyCode::Char('v'));
    }
    assert_eq!(app.group_by, None, "region → provider → flat");
    let model = Model::pull(&fleet, &app, now);
    assert_eq!(fleet_list(&app, &model).lines.len(), 6);
}
