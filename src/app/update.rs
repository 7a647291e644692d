//! The one place the UI state changes: `update(app, msg, model, keymap)` returns
//! the effects to run (no I/O here, so it is tested directly).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::dialog::{self, Confirm, Dialog, DialogKey, Stage};
use super::model::{sort_keys, Model};
use super::order::order;
use super::state::{App, Input, InputKind, View, Yaml};
use crate::fleet::objects::WorkloadKind;
use crate::keymap::action::Action;
use crate::keymap::{Keymap, Mode};
use crate::ops::action::Operation;
use crate::ops::pipeline::{Plan, Preflight};
use crate::ops::target::Target;

pub use super::msg::{Effect, Msg};

/// Commands the `:` palette accepts, with a short description each.
pub const COMMANDS: &[(&str, &str)] = &[
    ("fleet", "the Fleet view (also :f, :home)"),
    (
        "workloads",
        "workloads across the fleet (also :wl, :dp, :deploy)",
    ),
    ("ctx NAME", "drill into a cluster (also :cluster NAME)"),
    ("journal", "actions from this and other consoles (also :j)"),
    ("rollouts", "Argo Rollouts across the fleet (also :ro)"),
    ("slo", "SLOs: error budget and burn rates per cluster"),
    (
        "cost",
        "cost per cluster, namespace, workload; idle; carbon",
    ),
    (
        "failover [PLAN]",
        "failover plans, or one plan's steps and run (also :fo)",
    ),
    (
        "step NS/[vs/]ROUTE",
        "route canary: next weight of its schedule (this cluster)",
    ),
    ("back NS/[vs/]ROUTE", "route canary: previous weight"),
    (
        "flip NS/SERVICE",
        "blue/green: point the Service at the other side",
    ),
    ("flipback NS/SERVICE", "blue/green: undo the last flip"),
    ("help", "key bindings"),
    ("quit", "quit (also :q)"),
];

pub fn update(app: &mut App, msg: Msg, model: &Model, keymap: &Keymap) -> Vec<Effect> {
    match msg {
        Msg::Resize { rows } => {
            app.page = (rows as usize).saturating_sub(8).max(1);
            Vec::new()
        }
        Msg::Yaml(r) => {
            app.yaml = Some(match r {
                Ok(text) => Yaml::Loaded(text),
                Err(e) => Yaml::Failed(e),
            });
            Vec::new()
        }
        Msg::Planned(r) => {
            planned(app, r, model);
            Vec::new()
        }
        Msg::Executed(r) => {
            let mut effects = Vec::new();
            if let Some(d) = app.dialog.as_mut() {
                let (ok, message) = match r {
                    Ok(m) => (true, m),
                    Err(m) => (false, m),
                };
                app.message = Some(message.clone());
                d.stage = Stage::Finished { ok, message };
                if let (true, Some(id)) = (ok, d.proposal.clone()) {
                    effects.push(Effect::RemRecord {
                        id,
                        reason: d.reason.clone().unwrap_or_default(),
                    });
                }
            }
            effects
        }
        Msg::Tree(key, r) => {
            // Only the detail still open keeps it; a late answer is dropped.
            if tree_key(app).as_deref() == Some(key.as_str()) {
                app.tree = Some((key, r));
            }
            Vec::new()
        }
        Msg::Notice(text) => {
            app.message = Some(text);
            Vec::new()
        }
        Msg::Failover(plan, ev) => {
            super::failover::on_event(app, &plan, ev);
            Vec::new()
        }
        Msg::Remediation(super::remediation::Event::Revalidated(
            _,
            Ok(crate::remediation::apply::Revalidated::Same(p)),
        )) => {
            let cluster = model.rows.iter().position(|r| r.meta.context == p.context);
            match (cluster, p.target.clone(), p.op.clone()) {
                (Some(c), Some(target), Some(op)) => {
                    let effects = open_dialog(app, model, c, target, op);
                    if let Some(d) = app.dialog.as_mut() {
                        d.proposal = Some(p.id.clone());
                    }
                    effects
                }
                _ => {
                    app.message = Some(format!("{}: its cluster is not shown here", p.id));
                    Vec::new()
                }
            }
        }
        Msg::Remediation(ev) => super::remediation::on_event(app, ev, model.now),
        Msg::RemTick => super::remediation::tick(app, model.now),
        Msg::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Msg::Key(key) => on_key(app, key, model, keymap),
    }
}

fn planned(app: &mut App, r: Result<Box<(Plan, Preflight)>, String>, model: &Model) {
    let Some(d) = app.dialog.as_mut() else { return };
    let protected = model.rows.get(d.cluster).is_some_and(|r| r.meta.protected);
    d.stage = match r.map(|b| *b) {
        Ok((plan, Preflight::Ready { after })) => {
            let diff = crate::ops::cli::diff(&plan.before_view, &after);
            Stage::Confirm(Box::new(Confirm::new(plan, diff, protected)))
        }
        Ok((_, Preflight::Unavailable(why))) => Stage::Unavailable(why),
        Ok((_, Preflight::Stale)) => {
            Stage::Unavailable("the object keeps changing; try again".into())
        }
        Err(e) => Stage::Unavailable(e),
    };
}

fn on_dialog_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(d) = app.dialog.as_mut() else {
        return Vec::new();
    };
    match dialog::on_key(d, key) {
        DialogKey::Nothing => Vec::new(),
        DialogKey::Close => {
            app.dialog = None;
            Vec::new()
        }
        DialogKey::Plan => vec![Effect::Plan {
            cluster: d.cluster,
            target: d.target.clone(),
            op: d.op.clone(),
        }],
        DialogKey::Execute(reason) => {
            let Some(plan) = d.last_plan.take() else {
                return Vec::new();
            };
            d.reason = Some(reason.clone());
            vec![Effect::Execute {
                cluster: d.cluster,
                plan,
                reason,
            }]
        }
    }
}

/// `s` / `r` on a workload: open the dialog (or say why not).
fn start_action(app: &mut App, model: &Model, op: Operation) {
    let Some((cluster, kind, namespace, name)) = selected_workload(app, model) else {
        app.message = Some("select a workload first".into());
        return;
    };
    let Some(row) = model.rows.get(cluster) else {
        return;
    };
    let target = Target {
        context: row.meta.context.clone(),
        namespace,
        kind: kind.into(),
        name,
    };
    let desired = model
        .workloads
        .iter()
        .find(|w| w.kind == kind && w.namespace == target.namespace && w.name == target.name)
        .map(|w| w.desired)
        .or_else(|| model.detail.as_ref().map(|d| d.info.desired));
    let read_only = app.read_only || row.meta.read_only;
    let stage = if read_only {
        Stage::Unavailable("read-only: fleetdeck makes no changes to this cluster".into())
    } else if let Some(why) = crate::ops::action::unsupported(&op, kind.into()) {
        Stage::Unavailable(why)
    } else {
        match op {
            Operation::Scale { .. } => Stage::Replicas(desired.unwrap_or(1).to_string()),
            _ => Stage::Checking,
        }
    };
    app.dialog = Some(Dialog {
        cluster,
        target,
        op,
        stage,
        last_plan: None,
        proposal: None,
        reason: None,
    });
}

fn selected_workload(app: &App, model: &Model) -> Option<(usize, WorkloadKind, String, String)> {
    match &app.screen().view {
        View::Cluster { cluster } => {
            let ord = order(app, model);
            let w = ord
                .get(app.screen().selected.min(ord.len().saturating_sub(1)))
                .and_then(|i| model.workloads.get(*i))?;
            Some((*cluster, w.kind, w.namespace.clone(), w.name.clone()))
        }
        View::Detail {
            cluster,
            kind,
            namespace,
            name,
            ..
        } => Some((*cluster, *kind, namespace.clone(), name.clone())),
        View::Rollouts => {
            let ord = order(app, model);
            let r = ord
                .get(app.screen().selected.min(ord.len().saturating_sub(1)))
                .and_then(|i| model.rollouts.get(*i))?;
            Some((
                r.cluster,
                WorkloadKind::Rollout,
                r.info.namespace.clone(),
                r.info.name.clone(),
            ))
        }
        _ => None,
    }
}

/// Opens the dialog for an action that needs no input first, and plans it.
fn rollout_action(app: &mut App, model: &Model, op: Operation) -> Vec<Effect> {
    start_action(app, model, op);
    plan_if_checking(app)
}

fn plan_if_checking(app: &App) -> Vec<Effect> {
    match app.dialog.as_ref() {
        Some(d) if matches!(d.stage, Stage::Checking) => vec![Effect::Plan {
            cluster: d.cluster,
            target: d.target.clone(),
            op: d.op.clone(),
        }],
        _ => Vec::new(),
    }
}

/// A dialog for a target named directly (route, Service).
fn open_dialog(
    app: &mut App,
    model: &Model,
    cluster: usize,
    target: Target,
    op: Operation,
) -> Vec<Effect> {
    let read_only = app.read_only || model.rows.get(cluster).is_some_and(|r| r.meta.read_only);
    let stage = if read_only {
        Stage::Unavailable("read-only: fleetdeck makes no changes to this cluster".into())
    } else {
        Stage::Checking
    };
    app.dialog = Some(Dialog {
        cluster,
        target,
        op,
        stage,
        last_plan: None,
        proposal: None,
        reason: None,
    });
    plan_if_checking(app)
}

fn on_key(app: &mut App, key: KeyEvent, model: &Model, keymap: &Keymap) -> Vec<Effect> {
    if app.dialog.is_some() {
        return on_dialog_key(app, key);
    }
    if app.prompt.is_some() {
        return super::failover::on_prompt_key(app, key);
    }
    if app.rem_prompt.is_some() {
        return super::remediation::on_prompt_key(app, key);
    }
    if app.input.is_some() {
        return on_input_key(app, key, model);
    }
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        app.quit = true;
        return Vec::new();
    }
    let mode = match app.screen().view {
        View::Detail { .. } => Mode::Detail,
        _ => Mode::Table,
    };
    let Some(action) = keymap.action(mode, &key) else {
        return Vec::new();
    };
    if app.help {
        // Any of these closes help; other keys are ignored while it is open.
        if matches!(action, Action::Back | Action::Help | Action::Quit) {
            app.help = false;
        }
        return Vec::new();
    }
    app.message = None;
    act(app, action, model)
}

pub fn act(app: &mut App, action: Action, model: &Model) -> Vec<Effect> {
    if let View::Remediations = app.screen().view {
        let ord = order(app, model);
        let sel = ord
            .get(app.screen().selected.min(ord.len().saturating_sub(1)))
            .and_then(|i| app.remediation.entries.get(*i))
            .cloned();
        if let Some(effects) = super::remediation::on_action(app, action, sel) {
            return effects;
        }
    }
    if let View::Failover { .. } = app.screen().view {
        let ord = order(app, model);
        let sel = ord
            .get(app.screen().selected.min(ord.len().saturating_sub(1)))
            .copied();
        let plan = super::failover::current(app, &model.plans, sel);
        if let Some(effects) = super::failover::on_action(app, action, plan) {
            return effects;
        }
    }
    let rows = order(app, model).len();
    match action {
        Action::Quit => app.quit = true,
        Action::Help => app.help = true,
        Action::Back => back(app),
        Action::Command => {
            app.input = Some(Input {
                kind: InputKind::Command,
                text: String::new(),
            })
        }
        Action::Filter => {
            let text = app.screen().filter.clone();
            app.input = Some(Input {
                kind: InputKind::Filter,
                text,
            })
        }
        Action::Up => move_by(app, -1, rows),
        Action::Down => move_by(app, 1, rows),
        Action::PageUp => move_by(app, -(app.page as i64), rows),
        Action::PageDown => move_by(app, app.page as i64, rows),
        Action::Top => {
            app.screen_mut().selected = 0;
            app.screen_mut().scroll = 0;
        }
        Action::Bottom => {
            app.screen_mut().selected = rows.saturating_sub(1);
            app.screen_mut().scroll = u16::MAX / 2;
        }
        Action::SortNext => {
            let n = sort_keys(&app.screen().view).len().max(1);
            let s = app.screen_mut();
            s.sort = (s.sort + 1) % n;
            app.message = sort_keys(&app.screen().view)
                .get(app.screen().sort)
                .map(|k| format!("sorted by {k}"));
        }
        Action::SortReverse => {
            let s = app.screen_mut();
            s.reverse = !s.reverse;
        }
        Action::ViewFleet => app.screens.truncate(1),
        Action::ViewWorkloads => {
            app.screens.truncate(1);
            app.push(View::Workloads);
        }
        Action::ViewJournal => {
            app.screens.truncate(1);
            app.push(View::Journal);
        }
        Action::ViewRollouts => {
            app.screens.truncate(1);
            app.push(View::Rollouts);
        }
        Action::ViewSlo => {
            app.screens.truncate(1);
            app.push(View::Slo);
        }
        Action::ViewFailover => {
            app.screens.truncate(1);
            app.push(View::Failover { plan: None });
        }
        Action::ViewRemediations => {
            app.screens.truncate(1);
            app.push(View::Remediations);
            app.remediation.scanning = true;
            return vec![Effect::RemScan];
        }
        Action::RemApprove | Action::RemReject | Action::RemSnooze | Action::RemMark => {
            app.message = Some("remediation keys work in the Remediations view (8)".into())
        }
        // Outside the Failover view these keys mean nothing.
        Action::FailoverCheck
        | Action::FailoverRun
        | Action::FailoverStep
        | Action::FailoverRollback => {
            app.message = Some("failover keys work in the Failover view (7)".into())
        }
        Action::ViewCost => {
            app.screens.truncate(1);
            app.push(View::Cost {
                context: None,
                namespace: None,
            });
        }
        Action::Promote => return rollout_action(app, model, Operation::Promote { full: false }),
        Action::PromoteFull => {
            return rollout_action(app, model, Operation::Promote { full: true })
        }
        Action::Abort => return rollout_action(app, model, Operation::Abort),
        Action::Retry => return rollout_action(app, model, Operation::Retry),
        Action::Pause => return rollout_action(app, model, Operation::Pause),
        Action::Resume => return rollout_action(app, model, Operation::Resume),
        Action::Undo => return rollout_action(app, model, Operation::Undo { to_revision: None }),
        Action::Scale => {
            start_action(app, model, Operation::Scale { replicas: 0 });
            return Vec::new();
        }
        Action::Restart => return rollout_action(app, model, Operation::Restart),
        Action::Select | Action::Describe => return open(app, model, false),
        Action::Yaml => return open(app, model, true),
    }
    Vec::new()
}

fn back(app: &mut App) {
    if !app.screen().filter.is_empty() {
        app.screen_mut().filter.clear();
        app.screen_mut().selected = 0;
    } else if app.screens.len() > 1 {
        app.screens.pop();
        app.yaml = None;
    }
}

fn move_by(app: &mut App, delta: i64, rows: usize) {
    let s = app.screen_mut();
    if let View::Detail { .. } = s.view {
        s.scroll = (s.scroll as i64 + delta).clamp(0, u16::MAX as i64 / 2) as u16;
        return;
    }
    let max = rows.saturating_sub(1) as i64;
    s.selected = (s.selected as i64 + delta).clamp(0, max.max(0)) as usize;
}

/// Enter / `d` / `y` on the selected row: drill into it.
fn open(app: &mut App, model: &Model, yaml: bool) -> Vec<Effect> {
    let ord = order(app, model);
    let sel = app.screen().selected.min(ord.len().saturating_sub(1));
    let target = match &app.screen().view {
        View::Fleet => ord.get(sel).map(|i| View::Cluster { cluster: *i }),
        View::Cluster { cluster } => {
            ord.get(sel)
                .and_then(|i| model.workloads.get(*i))
                .map(|w| View::Detail {
                    cluster: *cluster,
                    kind: w.kind,
                    namespace: w.namespace.clone(),
                    name: w.name.clone(),
                    yaml,
                })
        }
        View::Journal | View::Slo | View::Remediations | View::Failover { plan: Some(_) } => None,
        View::Failover { plan: None } => {
            ord.get(sel)
                .and_then(|i| model.plans.get(*i))
                .map(|r| View::Failover {
                    plan: Some(r.plan.name.clone()),
                })
        }
        View::Cost { context, namespace } => {
            let lines = model.cost_lines(context.as_deref(), namespace.as_deref());
            let picked = ord
                .get(sel)
                .and_then(|i| lines.get(*i))
                .map(|l| l.name.clone());
            match (context, namespace, picked) {
                (None, _, Some(c)) => Some(View::Cost {
                    context: Some(c),
                    namespace: None,
                }),
                (Some(c), None, Some(ns)) => Some(View::Cost {
                    context: Some(c.clone()),
                    namespace: Some(ns),
                }),
                _ => None,
            }
        }
        View::Rollouts => ord
            .get(sel)
            .and_then(|i| model.rollouts.get(*i))
            .map(|r| View::Detail {
                cluster: r.cluster,
                kind: WorkloadKind::Rollout,
                namespace: r.info.namespace.clone(),
                name: r.info.name.clone(),
                yaml,
            }),
        View::Workloads => ord
            .get(sel)
            .and_then(|i| model.lines.get(*i))
            .and_then(|l| {
                // The first cluster that has it; the line shows all of them.
                let cluster = l.cells.iter().position(Option::is_some)?;
                Some(View::Detail {
                    cluster,
                    kind: l.kind,
                    namespace: l.namespace.clone(),
                    name: l.name.clone(),
                    yaml,
                })
            }),
        View::Detail {
            cluster,
            kind,
            namespace,
            name,
            ..
        } => {
            if !yaml {
                return Vec::new();
            }
            let (cluster, kind, namespace, name) =
                (*cluster, *kind, namespace.clone(), name.clone());
            if let View::Detail { yaml: y, .. } = &mut app.screen_mut().view {
                *y = !*y;
            }
            return fetch_if_yaml(app, cluster, kind, namespace, name);
        }
    };
    let Some(view) = target else {
        return Vec::new();
    };
    let effects = match &view {
        View::Detail {
            cluster,
            kind,
            namespace,
            name,
            yaml: true,
        } => vec![Effect::FetchYaml {
            cluster: *cluster,
            kind: *kind,
            namespace: namespace.clone(),
            name: name.clone(),
        }],
        _ => Vec::new(),
    };
    if !effects.is_empty() {
        app.yaml = Some(Yaml::Loading);
    }
    app.push(view);
    effects
}

fn fetch_if_yaml(
    app: &mut App,
    cluster: usize,
    kind: crate::fleet::objects::WorkloadKind,
    namespace: String,
    name: String,
) -> Vec<Effect> {
    if let View::Detail { yaml: true, .. } = app.screen().view {
        app.yaml = Some(Yaml::Loading);
        app.screen_mut().scroll = 0;
        return vec![Effect::FetchYaml {
            cluster,
            kind,
            namespace,
            name,
        }];
    }
    Vec::new()
}

fn on_input_key(app: &mut App, key: KeyEvent, model: &Model) -> Vec<Effect> {
    let Some(input) = app.input.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => {
            app.input = None;
        }
        KeyCode::Enter => {
            let Input { kind, text } = app.input.take().unwrap_or(Input {
                kind: InputKind::Filter,
                text: String::new(),
            });
            match kind {
                InputKind::Filter => {
                    let s = app.screen_mut();
                    s.filter = text;
                    s.selected = 0;
                }
                InputKind::Command => return command(app, text.trim(), model),
            }
        }
        KeyCode::Backspace => {
            input.text.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => input.text.clear(),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            input.text.push(c);
            if input.kind == InputKind::Filter {
                app.screen_mut().selected = 0;
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Runs a `:` command. Cluster names match the display name or the context.
pub fn command(app: &mut App, text: &str, model: &Model) -> Vec<Effect> {
    let mut words = text.split_whitespace();
    let head = words.next().unwrap_or("");
    let arg = words.next();
    match (head, arg) {
        ("", _) => {}
        ("q" | "q!" | "quit" | "exit", _) => app.quit = true,
        ("f" | "fleet" | "home" | "ctx" | "context" | "cluster", None) => app.screens.truncate(1),
        ("wl" | "workloads" | "dp" | "deploy" | "deployments" | "workload", _) => {
            act(app, Action::ViewWorkloads, model);
        }
        ("help" | "?", _) => app.help = true,
        ("j" | "journal", _) => {
            act(app, Action::ViewJournal, model);
        }
        ("ro" | "rollout" | "rollouts", _) => {
            act(app, Action::ViewRollouts, model);
        }
        ("slo" | "slos", _) => {
            act(app, Action::ViewSlo, model);
        }
        ("cost" | "costs", _) => {
            act(app, Action::ViewCost, model);
        }
        ("rem" | "remediation" | "remediations", _) => {
            return act(app, Action::ViewRemediations, model);
        }
        ("fo" | "failover", None) => {
            act(app, Action::ViewFailover, model);
        }
        ("fo" | "failover", Some(name)) => {
            if model.plans.iter().any(|p| p.plan.name == name) {
                app.screens.truncate(1);
                app.push(View::Failover {
                    plan: Some(name.to_string()),
                });
            } else {
                app.message = Some(format!("no failover plan {name:?}"));
            }
        }
        ("step" | "back" | "flip" | "flipback", Some(arg)) => {
            let op = match head {
                "step" => Operation::Step { back: false },
                "back" => Operation::Step { back: true },
                "flip" => Operation::Flip { back: false },
                _ => Operation::Flip { back: true },
            };
            return traffic_action(app, model, op, arg);
        }
        ("ctx" | "context" | "cluster", Some(name)) => goto_cluster(app, name, model),
        (name, None) if find_cluster(name, model).is_some() => goto_cluster(app, name, model),
        _ => app.message = Some(format!("unknown command: {text} (try :help)")),
    }
    Vec::new()
}

/// The Rollout detail on screen, as `cluster/namespace/name`.
pub fn tree_key(app: &App) -> Option<String> {
    match &app.screen().view {
        View::Detail {
            cluster,
            kind: WorkloadKind::Rollout,
            namespace,
            name,
            yaml: false,
        } => Some(format!("{cluster}/{namespace}/{name}")),
        _ => None,
    }
}

/// The cluster the operator is looking at (a cluster view or a detail).
fn current_cluster(app: &App) -> Option<usize> {
    app.screens.iter().rev().find_map(|s| match s.view {
        View::Cluster { cluster } | View::Detail { cluster, .. } => Some(cluster),
        _ => None,
    })
}

/// `:step shop/web`, `:step shop/vs/web`, `:flip shop/web` on the current cluster.
fn traffic_action(app: &mut App, model: &Model, op: Operation, arg: &str) -> Vec<Effect> {
    use crate::ops::target::{kind_from_str, ObjectKind};
    let Some(cluster) = current_cluster(app) else {
        app.message = Some("open a cluster first (Enter on the Fleet view, or :ctx NAME)".into());
        return Vec::new();
    };
    let parts: Vec<&str> = arg.split('/').collect();
    let default = match op {
        Operation::Flip { .. } => ObjectKind::Service,
        _ => ObjectKind::HttpRoute,
    };
    let (ns, kind, name) = match parts.as_slice() {
        [ns, name] => (*ns, Some(default), *name),
        [ns, kind, name] => (*ns, kind_from_str(kind), *name),
        _ => (".", None, ""),
    };
    let (Some(kind), Some(row)) = (kind, model.rows.get(cluster)) else {
        app.message = Some(format!(
            "{arg:?}: expected NAMESPACE/NAME or NAMESPACE/KIND/NAME"
        ));
        return Vec::new();
    };
    let target = Target::new(&row.meta.context, ns, kind, name);
    open_dialog(app, model, cluster, target, op)
}

fn find_cluster(name: &str, model: &Model) -> Option<usize> {
    model
        .rows
        .iter()
        .position(|r| r.meta.name == name || r.meta.context == name)
}

fn goto_cluster(app: &mut App, name: &str, model: &Model) {
    match find_cluster(name, model) {
        Some(i) => {
            app.screens.truncate(1);
            app.push(View::Cluster { cluster: i });
        }
        None => app.message = Some(format!("no cluster named {name}")),
    }
}
