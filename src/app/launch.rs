//! Starting an action: the selected workload or rollout, the action
//! dialog (plan → pre-flight → confirm) and its keys, route and Service
//! traffic moves named on the command line.

use crossterm::event::KeyEvent;

use super::dialog::{self, Confirm, Dialog, DialogKey, Stage};
use super::model::Model;
use super::msg::Effect;
use super::navigate::current_cluster;
use super::order::order;
use super::state::{App, View};
use crate::fleet::objects::WorkloadKind;
use crate::ops::action::Operation;
use crate::ops::pipeline::{Plan, Preflight};
use crate::ops::target::{ObjectKind, Target};

pub(super) fn planned(app: &mut App, r: Result<Box<(Plan, Preflight)>, String>, model: &Model) {
    let Some(d) = app.dialog.as_mut() else { return };
    let protected = model.rows.get(d.cluster).is_some_and(|r| r.meta.protected);
    d.stage = match r.map(|b| *b) {
        Ok((plan, Preflight::Ready { after })) => {
            let diff = crate::ops::diff::diff(&plan.before_view, &after);
            Stage::Confirm(Box::new(Confirm::new(plan, diff, protected)))
        }
        Ok((_, Preflight::Unavailable(why))) => Stage::Unavailable(why),
        Ok((_, Preflight::Stale)) => {
            Stage::Unavailable("the object keeps changing; try again".into())
        }
        Err(e) => Stage::Unavailable(e),
    };
}

pub(super) fn on_dialog_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
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
            via: d.via.clone(),
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
pub(super) fn start_action(app: &mut App, model: &Model, op: Operation) {
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
    } else if let Some(why) = not_live(row, model.now) {
        Stage::Unavailable(why)
    } else if let Some(why) = crate::ops::action::unsupported(&op, kind.into()) {
        Stage::Unavailable(why)
    } else {
        match op {
            Operation::Scale { .. } => Stage::Replicas(desired.unwrap_or(1).to_string()),
            _ => Stage::Checking,
        }
    };
    let mut dialog = Dialog::new(cluster, target, op, stage);
    dialog.contexts = contexts_of(model, cluster, &dialog.target.context);
    app.dialog = Some(dialog);
}

/// The contexts an action on `cluster` may go through.
fn contexts_of(model: &Model, cluster: usize, context: &str) -> Vec<String> {
    match model.rows.get(cluster) {
        Some(r) if !r.meta.contexts.is_empty() => r.meta.contexts.clone(),
        _ => vec![context.to_string()],
    }
}

pub(super) fn selected_workload(
    app: &App,
    model: &Model,
) -> Option<(usize, WorkloadKind, String, String)> {
    match &app.screen().view {
        View::Cluster { cluster } => {
            let ord = order(app, model);
            let w = super::order::selected(app, &ord).and_then(|i| model.workloads.get(i))?;
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
            let r = super::order::selected(app, &ord).and_then(|i| model.rollouts.get(i))?;
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
pub(super) fn rollout_action(app: &mut App, model: &Model, op: Operation) -> Vec<Effect> {
    start_action(app, model, op);
    plan_if_checking(app)
}

pub(super) fn plan_if_checking(app: &App) -> Vec<Effect> {
    match app.dialog.as_ref() {
        Some(d) if matches!(d.stage, Stage::Checking) => vec![Effect::Plan {
            cluster: d.cluster,
            target: d.target.clone(),
            op: d.op.clone(),
            via: d.via.clone(),
        }],
        _ => Vec::new(),
    }
}

/// The action dialog for an object the demo does not simulate (it runs no
/// Velero or chaos controller): there, the dialog says `why` instead.
fn open_live(
    app: &mut App,
    model: &Model,
    cluster: usize,
    target: Target,
    op: Operation,
    why: &str,
) -> Vec<Effect> {
    if !app.demo {
        return open_dialog(app, model, cluster, target, op);
    }
    let context = target.context.clone();
    let mut d = Dialog::new(cluster, target, op, Stage::Unavailable(why.into()));
    d.contexts = contexts_of(model, cluster, &context);
    app.dialog = Some(d);
    Vec::new()
}

/// `B` in the Backups view: a Backup now from the selected schedule.
pub(super) fn backup_now(app: &mut App, model: &Model) -> Vec<Effect> {
    if app.screen().view != View::Backups {
        app.message = Some("back up now works in the Backups view (9)".into());
        return Vec::new();
    }
    let ord = order(app, model);
    let rows = model.backup_rows();
    let Some(r) = super::order::selected(app, &ord).and_then(|i| rows.get(i)) else {
        app.message = Some("no schedule selected".into());
        return Vec::new();
    };
    let Some(cluster) = model.rows.iter().position(|c| c.meta.reaches(&r.context)) else {
        return Vec::new();
    };
    let (ns, name) = r.schedule.split_once('/').unwrap_or(("", &r.schedule));
    let target = Target::new(&r.context, ns, ObjectKind::VeleroSchedule, name);
    let why = "the demo runs no Velero server: back up now works on a live cluster";
    open_live(app, model, cluster, target, Operation::BackupNow, why)
}

/// `x`/`X`/`a` in the Chaos view: pause or resume the selected Chaos Mesh
/// experiment, or stop the selected Litmus engine.
pub(super) fn chaos(app: &mut App, model: &Model, op: Operation) -> Vec<Effect> {
    let ord = order(app, model);
    let rows = model.chaos_rows();
    let Some(e) = super::order::selected(app, &ord).and_then(|i| rows.get(i)) else {
        app.message = Some("no experiment selected".into());
        return Vec::new();
    };
    let kind = ObjectKind::Chaos(e.kind);
    if !op.applies_to(kind) {
        app.message = Some(match e.kind.litmus() {
            true => "a Litmus engine is stopped (a), not paused".into(),
            false => "a stops a Litmus engine; pause a Chaos Mesh experiment with x".into(),
        });
        return Vec::new();
    }
    let Some(cluster) = model.rows.iter().position(|c| c.meta.reaches(&e.context)) else {
        return Vec::new();
    };
    let target = Target::new(&e.context, &e.namespace, kind, &e.name);
    let why = "the demo runs no chaos controller: pause, resume and stop work on a live cluster";
    open_live(app, model, cluster, target, op, why)
}

/// `:start NAME` on the open cluster: an `[[experiment]]` from the config,
/// through the dialog (a protected cluster's name must be typed).
pub(super) fn start_experiment(app: &mut App, model: &Model, name: &str) -> Vec<Effect> {
    let Some(cluster) = current_cluster(app) else {
        app.message = Some(format!(
            "open a cluster first (:ctx NAME), then :start {name}"
        ));
        return Vec::new();
    };
    let Some(row) = model.rows.get(cluster) else {
        return Vec::new();
    };
    let (context, group) = (row.meta.context.clone(), row.meta.group.clone());
    let started = crate::ops::chaos::declared(
        &app.experiments,
        &app.services,
        &context,
        group.as_deref(),
        name,
    );
    let (target, op) = match started {
        Ok(x) => x,
        Err(e) => {
            app.message = Some(e);
            return Vec::new();
        }
    };
    let why = "the demo runs no chaos controller: experiments start on a live cluster";
    open_live(app, model, cluster, target, op, why)
}

/// A dialog for a target named directly (route, Service).
/// Why nothing may be planned on this cluster's figures: they are not
/// live (from disk, from the metrics engine, or it does not answer).
fn not_live(
    r: &crate::fleet::summary::ClusterRow,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<String> {
    use crate::fleet::summary::{age, ClusterState};
    if let Some(at) = r.stale {
        return Some(format!(
            "{}: figures from disk, {} old; no action is planned on stale data",
            r.meta.name,
            age(now, at)
        ));
    }
    match &r.state {
        ClusterState::Unreachable { since, .. } => Some(format!(
            "{}: unreachable for {}; no action is planned on what is not live",
            r.meta.name,
            age(now, *since)
        )),
        ClusterState::Summary { .. } | ClusterState::Listed { .. } => Some(format!(
            "{}: not watched live (open it first); no action is planned on summary figures",
            r.meta.name
        )),
        _ => None,
    }
}

pub(super) fn open_dialog(
    app: &mut App,
    model: &Model,
    cluster: usize,
    target: Target,
    op: Operation,
) -> Vec<Effect> {
    let read_only = app.read_only || model.rows.get(cluster).is_some_and(|r| r.meta.read_only);
    let stale = model.rows.get(cluster).and_then(|r| not_live(r, model.now));
    let stage = if read_only {
        Stage::Unavailable("read-only: fleetdeck makes no changes to this cluster".into())
    } else if let Some(why) = stale {
        Stage::Unavailable(why)
    } else {
        Stage::Checking
    };
    let mut dialog = Dialog::new(cluster, target, op, stage);
    dialog.contexts = contexts_of(model, cluster, &dialog.target.context);
    app.dialog = Some(dialog);
    plan_if_checking(app)
}

/// `:step shop/web`, `:step shop/vs/web`, `:flip shop/web` on the current cluster.
pub(super) fn traffic_action(
    app: &mut App,
    model: &Model,
    op: Operation,
    arg: &str,
) -> Vec<Effect> {
    use crate::ops::target::kind_from_str;
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
