//! Render snapshots of every view from the deterministic demo fleet with a
//! frozen clock (ratatui TestBackend + insta), tiny sizes, and every theme.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fleetdeck::app::model::Model;
use fleetdeck::app::state::App;
use fleetdeck::app::update::{update, Msg};
use fleetdeck::console::Console;
use fleetdeck::demo::Demo;
use fleetdeck::keymap::Keymap;
use fleetdeck::theme::Theme;
use fleetdeck::ui::{draw, Ctx};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

/// The demo after `ticks` seconds, clock frozen at the last tick.
fn demo_at(ticks: i64) -> (Demo, Console, DateTime<Utc>) {
    let mut demo = Demo::new(7);
    let mut now = t0();
    for i in 0..ticks {
        now = t0() + chrono::Duration::seconds(i);
        demo.step(now);
    }
    let fleet = demo.console();
    // One SLO evaluation, as the TUI's background refresh would do.
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(fleet.slo.refresh());
    (demo, fleet, now)
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn named(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Feeds keys through `update`, pulling the model as the TUI loop does.
fn drive(app: &mut App, fleet: &Console, now: DateTime<Utc>, keys: Vec<Msg>) -> Model {
    let keymap = Keymap::default();
    let mut model = Model::pull(fleet, app, now);
    for k in keys {
        update(app, k, &model, &keymap);
        model = Model::pull(fleet, app, now);
    }
    model
}

fn render(app: &App, model: &Model, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
    let keymap = Keymap::default();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| {
        draw(
            f,
            &Ctx {
                app,
                model,
                theme,
                keymap: &keymap,
            },
        )
    })
    .unwrap();
    term
}

/// prod-eu-west's checkout (calls into payments fail there), then `t`.
fn graph_keys(then: Vec<Msg>) -> Vec<Msg> {
    let mut keys = vec![key('j'), key('j'), named(KeyCode::Enter), key('/')];
    keys.extend("checkout".chars().map(key));
    keys.extend([named(KeyCode::Enter), key('t')]);
    keys.extend(then);
    keys
}

fn screens() -> Vec<(&'static str, Vec<Msg>)> {
    vec![
        ("fleet", vec![]),
        ("fleet_sorted_by_pods", vec![key('o'), key('o'), key('o')]),
        (
            "cluster_workloads",
            vec![key('j'), key('j'), named(KeyCode::Enter)],
        ),
        ("fleet_workloads", vec![key('2')]),
        ("fleet_grouped", vec![key('v')]),
        (
            "fleet_grouped_opened",
            vec![key('v'), named(KeyCode::Enter), key('j')],
        ),
        ("fleet_by_provider", vec![key('v'), key('v'), key('v')]),
        (
            "workload_detail",
            vec![
                key('j'),
                key('j'),
                named(KeyCode::Enter),
                key('j'),
                named(KeyCode::Enter),
            ],
        ),
        ("help", vec![key('?')]),
        ("journal_empty", vec![key('3')]),
        (
            "cluster_filtered_to_nothing",
            vec![
                named(KeyCode::Enter),
                key('/'),
                key('z'),
                key('z'),
                named(KeyCode::Enter),
            ],
        ),
        (
            "filter_typing",
            vec![key('/'), key('p'), key('r'), key('o'), key('d')],
        ),
        ("palette", vec![key(':'), key('w')]),
        ("rollouts", vec![key('4')]),
        ("slo", vec![key('5')]),
        ("cost", vec![key('6')]),
        ("cost_cluster", vec![key('6'), named(KeyCode::Enter)]),
        ("rollout_detail", vec![key('4'), named(KeyCode::Enter)]),
        ("backups", vec![key('9')]),
        ("backups_now_in_the_demo", vec![key('9'), key('B')]),
        ("chaos", vec![key('0')]),
        ("dependency_graph", graph_keys(vec![])),
        // Enter on a caller: the graph around the storefront.
        (
            "dependency_graph_rerooted",
            graph_keys(vec![named(KeyCode::Enter)]),
        ),
        (
            "chaos_pause_in_the_demo",
            vec![key('0'), key('j'), key('x')],
        ),
    ]
}

#[test]
fn every_view_at_120x40() {
    // Tick 110: the canary is mid-way and prod-us-standby is unreachable.
    let (_demo, fleet, now) = demo_at(110);
    for (name, keys) in screens() {
        let mut app = App::new(false, true);
        let model = drive(&mut app, &fleet, now, keys);
        let term = render(&app, &model, &Theme::default(), 120, 40);
        insta::assert_snapshot!(name, term.backend());
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    let (_demo, fleet, now) = demo_at(30);
    for (_, keys) in screens() {
        let mut app = App::new(true, true);
        let model = drive(&mut app, &fleet, now, keys);
        for (w, h) in [(20, 5), (1, 1), (0, 0), (200, 3), (3, 200)] {
            render(&app, &model, &Theme::default(), w, h);
        }
    }
}

#[test]
fn each_theme_styles_the_fleet_view() {
    let (_demo, fleet, now) = demo_at(110);
    let mut seen = Vec::new();
    for name in Theme::presets() {
        let theme = Theme::load(name, None).unwrap();
        let mut app = App::new(true, true);
        let model = drive(&mut app, &fleet, now, vec![]);
        let term = render(&app, &model, &theme, 120, 12);
        let buf = term.backend().buffer();
        // The styles of the header badges, the table header and the first row.
        let styles: Vec<String> = [(1, 0), (20, 0), (1, 3), (1, 4)]
            .iter()
            .map(|(x, y)| {
                let c = &buf[(*x, *y)];
                format!(
                    "({x},{y}) {:?} fg={:?} bg={:?} {:?}",
                    c.symbol(),
                    c.fg,
                    c.bg,
                    c.modifier
                )
            })
            .collect();
        insta::assert_snapshot!(format!("theme_{name}"), styles.join("\n"));
        seen.push(styles);
    }
    seen.dedup();
    assert_eq!(seen.len(), Theme::presets().len(), "themes look different");
}

/// The model as the TUI loop fills it for the Failover view and the Fleet
/// view's hint (plans from the demo's config, its newest run from `runs`).
fn with_plans(mut model: Model, config: &fleetdeck::config::Config) -> Model {
    let slos: Vec<_> = model.slos.iter().map(|(r, _)| r.clone()).collect();
    model.failover_hint = fleetdeck::app::failover::hint(&config.failover, &model.rows, &slos);
    model.plans = fleetdeck::app::failover::rows(&config.failover, &model.rows, |_| None);
    model
}

#[test]
fn failover_views_at_120x40() {
    use fleetdeck::app::failover::{on_event, Event};
    use fleetdeck::failover::run::{Progress, StepState};
    let (_demo, fleet, now) = demo_at(110);
    let mut config = fleetdeck::config::Config::default();
    fleetdeck::demo::failover_config(&mut config);
    let keymap = Keymap::default();
    let mut app = App::new(false, true);
    // The Fleet view offers the plan: prod-us-east pages on its SLO.
    let model = with_plans(Model::pull(&fleet, &app, now), &config);
    let hint = model.failover_hint.clone().expect("a failover hint");
    assert_eq!(
        hint,
        "prod-us-east pages (SLO checkout-availability): failover plan checkout-us → prod-us-standby (:fo checkout-us)"
    );
    let term = render(&app, &model, &Theme::default(), 120, 40);
    insta::assert_snapshot!("failover_fleet_hint", term.backend());
    for (name, k) in [
        ("failover_list", key('7')),
        ("failover_plan", named(KeyCode::Enter)),
    ] {
        let model = with_plans(Model::pull(&fleet, &app, now), &config);
        update(&mut app, k, &model, &keymap);
        let model = with_plans(Model::pull(&fleet, &app, now), &config);
        insta::assert_snapshot!(
            name,
            render(&app, &model, &Theme::default(), 120, 40).backend()
        );
    }
    // A run part-way: step 1 done, step 2 waiting; then the confirm prompt.
    for ev in [
        Progress::Step {
            index: 0,
            state: StepState::Done,
        },
        Progress::Line(
            "step 1: scale prod-us-standby/checkout/deployment/checkout-worker to 2".into(),
        ),
        Progress::Step {
            index: 1,
            state: StepState::Running,
        },
    ] {
        on_event(&mut app, "checkout-us", Event::Progress(ev));
    }
    let model = with_plans(Model::pull(&fleet, &app, now), &config);
    update(&mut app, key('b'), &model, &keymap);
    assert!(app.prompt.is_some(), "b opens the confirm prompt");
    insta::assert_snapshot!(
        "failover_running_prompt",
        render(&app, &model, &Theme::default(), 120, 40).backend()
    );
}

#[test]
fn remediations_view_at_120x40() {
    use fleetdeck::app::remediation::Event;
    use fleetdeck::remediation::queue::{Decision, Entry};
    let (_demo, fleet, now) = demo_at(30);
    let meta = fleet.rows(now)[0].meta.clone();
    let app_json = serde_json::json!({"metadata": {"namespace": "argocd", "name": "payments"},
        "status": {"sync": {"status": "OutOfSync", "revision": "9d41c07"}, "health": {"status": "Healthy"},
                   "resources": [{"kind": "Deployment", "namespace": "payments", "name": "payments", "status": "OutOfSync"}]}});
    let constraint = serde_json::json!({"kind": "K8sRequiredLabels", "metadata": {"name": "must-have-owner"},
        "spec": {"enforcementAction": "dryrun"},
        "status": {"violations": [{"kind": "Namespace", "name": "search", "message": "you must provide labels: {\"owner\"}"}]}});
    let mut proposals =
        vec![fleetdeck::remediation::argocd::proposal(&meta.context, &meta, &app_json).unwrap()];
    proposals.extend(fleetdeck::remediation::gatekeeper::proposals(
        &meta.context,
        &meta,
        &constraint,
    ));
    let entries: Vec<Entry> = proposals
        .into_iter()
        .map(|mut p| {
            p.found = now;
            Entry {
                proposal: p,
                decision: Decision::Pending,
            }
        })
        .collect();
    let keymap = Keymap::default();
    let mut app = App::new(false, true);
    let model = Model::pull(&fleet, &app, now);
    update(&mut app, key('8'), &model, &keymap);
    update(
        &mut app,
        Msg::Remediation(Event::Scanned {
            entries,
            notes: vec!["lab-x (Argo CD): not readable: forbidden".into()],
        }),
        &model,
        &keymap,
    );
    // A reject prompt over the selected proposal.
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('D'), KeyModifiers::SHIFT)),
        &model,
        &keymap,
    );
    assert!(app.rem_prompt.is_some(), "D opens the reject prompt");
    let term = render(&app, &model, &Theme::default(), 120, 40);
    let screen = format!("{:?}", term.backend());
    assert!(screen.contains("Remediations [2]"), "{screen}");
    assert!(screen.contains("reject a-"), "{screen}");
    assert!(
        screen.contains("argocd") && screen.contains("gatekeeper"),
        "{screen}"
    );
    insta::assert_snapshot!("remediations_reject_prompt", term.backend());
}
