//! The terminal loop: input, data-change notifications and a clock tick in;
//! a frame out only when something changed, at most one per ~16 ms.

mod act_as;
mod failover;
mod journal_feed;
mod query;
pub use query::load_history;
mod remediation;

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{Event, EventStream};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use tokio::sync::mpsc;

use crate::app::model::Model;
use crate::app::state::{App, View};
use crate::app::timeline::{history, timeline, Fresh};
use crate::app::update::{update, Effect, Msg};
use crate::console::Console;
use crate::demo::{DemoControl, Mark};
use crate::fleet::handles::Fleet;
use crate::fleet::kubeconfig::kube_message;
use crate::fleet::objects::WorkloadKind;
use crate::journal::Journal;
use crate::keymap::Keymap;
use crate::ops::action::Operation;
use crate::ops::build::Declared;
use crate::ops::journaled;
use crate::ops::marks::host;
use crate::ops::pipeline::{whoami, Outcome, Plan, Preflight};
use crate::ops::target::Target;
use crate::theme::Theme;
use crate::timeline::change::ObjectRef;
use crate::timeline::recorder::Recorder;
use crate::ui::{draw, Ctx};

const FRAME: Duration = Duration::from_millis(16);
const CLOCK: Duration = Duration::from_secs(1);
/// The Fleet view's "changed:" line is worked out at most this often.
const HINT_EVERY: Duration = Duration::from_secs(5);
/// How often an open Remediations view asks whether a rescan is due.
const REM_TICK: Duration = Duration::from_secs(10);

/// Messages from background work (effects, start-up tasks) into the loop.
pub type Channel = (mpsc::UnboundedSender<Msg>, mpsc::UnboundedReceiver<Msg>);

/// Where actions are journaled; `None` when there is no journal to write to.
pub type SharedJournal = Option<Arc<Journal>>;

/// Where actions go: the journal, and the simulation when this is the demo.
#[derive(Clone, Default)]
pub struct Actions {
    pub journal: SharedJournal,
    pub demo: Option<DemoControl>,
    /// Route canary and blue/green declarations, failover plans.
    pub config: std::sync::Arc<crate::config::Config>,
    /// Prices for a failover's cost change.
    pub catalog: std::sync::Arc<crate::cost::catalog::Catalog>,
    /// Where the remediation queue is kept (the data dir; the demo's own).
    pub data_dir: std::path::PathBuf,
    /// The desired-state tree for drift, if configured.
    pub drift_dir: Option<std::path::PathBuf>,
    /// Built once at start: the SLO gates' Prometheus client.
    pub prom: crate::slo::sources::PromClient,
    /// For clients of a cluster's other contexts (acting through one that
    /// may, where the watched one may not).
    pub kubeconfig: Arc<kube::config::Kubeconfig>,
    /// Where the clusters' last-known state goes, and how often.
    pub last_known: Option<(crate::fleet::last_known::Store, Duration)>,
}

pub async fn run(
    fleet: Console,
    mut app: App,
    theme: Theme,
    keymap: Keymap,
    actions: Actions,
    channel: Channel,
) -> anyhow::Result<()> {
    // ratatui::init also installs a panic hook that restores the terminal;
    // ours, on top, keeps the screen when only a background task panicked.
    let mut terminal = ratatui::init();
    crate::logging::install_panic_hook();
    crate::output::screen_taken(true);
    let result = event_loop(
        &mut terminal,
        &fleet,
        &mut app,
        &theme,
        &keymap,
        &actions,
        channel,
    )
    .await;
    crate::output::screen_taken(false);
    ratatui::restore();
    // At exit, as it stands: the next start shows it for what does not answer.
    if let Some((store, _)) = &actions.last_known {
        store.save(&fleet);
    }
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    fleet: &Console,
    app: &mut App,
    theme: &Theme,
    keymap: &Keymap,
    actions: &Actions,
    (tx, mut rx): Channel,
) -> anyhow::Result<()> {
    let mut events = EventStream::new();
    let size = terminal.size()?;
    let mut model = Model::pull(fleet, app, Utc::now());
    update(app, Msg::Resize { rows: size.height }, &model, keymap);
    let mut last_draw = Instant::now() - FRAME;
    let mut records = journal_feed::spawn(actions.journal.clone());
    let mut change_hint: Option<String> = None;
    let mut last_hint = Instant::now() - HINT_EVERY;
    let mut recorder = Recorder::open(Some(actions.data_dir.join("timeline.jsonl")), Utc::now());
    let mut fresh = Fresh::default();
    let mut dirty = true;
    // Intervals, not sleeps made anew on each pass: any other event would
    // otherwise restart them and they would never fire.
    let mut clock_tick = tokio::time::interval(CLOCK);
    let mut rem_tick = tokio::time::interval(REM_TICK);
    let mut query_tick = tokio::time::interval(Duration::from_secs(1));
    let save_every = actions
        .last_known
        .as_ref()
        .map_or(REM_TICK, |(_, every)| *every);
    let mut save_tick = tokio::time::interval(save_every);
    for t in [
        &mut clock_tick,
        &mut rem_tick,
        &mut query_tick,
        &mut save_tick,
    ] {
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t.reset();
    }
    // A Rollout detail refreshes its tree (revisions, pods, analysis runs)
    // every 2 s while it is open, like `get rollout --watch`.
    let mut tree_for: Option<String> = None;
    let mut tree_due = tokio::time::Instant::now();
    // Summary mode: the cluster looked at watches live, others rest.
    let summary = &actions.config.summary;
    let on_demand = fleet.clusters.iter().any(|c| c.on_demand());
    // A query runs on its own thread with what the loop holds: the
    // timeline and the remediation queue are handed over when it asks.
    macro_rules! ask {
        ($id:expr, $text:expr) => {{
            let text: String = $text;
            let changes = match query::asks(&text, "changes") {
                true => {
                    let records = records.borrow().clone();
                    fresh
                        .get(app.since_secs, Utc::now(), |since| {
                            timeline(&records, fleet, recorder.lines(), &host(), since)
                        })
                        .to_vec()
                }
                false => Vec::new(),
            };
            // Before the first scan the queue is not known, not empty.
            let remediations = (query::asks(&text, "remediations")
                && app.remediation.scanned_at.is_some())
            .then(|| app.remediation.entries.clone());
            query::start(fleet, $id, text, changes, remediations, tx.clone());
        }};
    }
    loop {
        if on_demand {
            fleet.focus(
                crate::app::navigate::current_cluster(app),
                Duration::from_secs(summary.linger_seconds),
                summary.live_max.max(1),
            );
        }
        let key = crate::app::navigate::tree_key(app);
        if key != tree_for {
            tree_for = key.clone();
            tree_due = tokio::time::Instant::now();
        }
        if dirty {
            let wait = FRAME.saturating_sub(last_draw.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            let now = Utc::now();
            model = Model::pull(fleet, app, now);
            // Every view: a transition missed now is missing from the timeline.
            recorder.tick(fleet, &model.rows, now);
            let records = records.borrow_and_update().clone();
            let on_fleet = app.screen().view == View::Fleet;
            if on_fleet && last_hint.elapsed() >= HINT_EVERY {
                // Only when some cluster is unhealthy, at most every few seconds.
                last_hint = Instant::now();
                change_hint = None;
                if model.rows.iter().any(crate::app::timeline::unhealthy) {
                    let changes = fresh.get(app.since_secs, now, |since| {
                        timeline(&records, fleet, recorder.lines(), &host(), since)
                    });
                    change_hint = crate::app::timeline::hint(changes, &model.rows, now);
                }
            }
            model.change_hint = change_hint.clone();
            if matches!(app.screen().view, View::Journal | View::Change { .. }) {
                let changes = fresh.get(app.since_secs, now, |since| {
                    timeline(&records, fleet, recorder.lines(), &host(), since)
                });
                model.timeline = crate::timeline::group::group(changes.to_vec());
            }
            if let View::Detail {
                cluster,
                kind,
                namespace,
                name,
                ..
            } = &app.screen().view
            {
                if let Some(c) = fleet.clusters.get(*cluster) {
                    let changes = fresh.get(app.since_secs, now, |since| {
                        timeline(&records, fleet, recorder.lines(), &host(), since)
                    });
                    let object = ObjectRef::new(kind.name(), namespace, name);
                    model.history = history(changes.to_vec(), &c.meta.context, &object);
                }
            }
            if let Some(p) = recorder.problem.take() {
                app.message = Some(format!("timeline: {p}"));
            }
            let plans = &actions.config.failover;
            let slos: Vec<_> = model.slos.iter().map(|(r, _)| r.clone()).collect();
            model.failover_hint = crate::app::failover::hint(plans, &model.rows, &slos);
            // Every view: `:fo NAME` opens a plan from anywhere.
            model.plans = crate::app::failover::rows(plans, &model.rows, |p| {
                crate::failover::runlog::runs(&records, p).pop()
            });
            let mut out = std::io::stdout();
            crossterm::queue!(out, BeginSynchronizedUpdate)?;
            terminal.draw(|f| {
                draw(
                    f,
                    &Ctx {
                        app,
                        model: &model,
                        theme,
                        keymap,
                    },
                )
            })?;
            crossterm::queue!(out, EndSynchronizedUpdate)?;
            out.flush()?;
            last_draw = Instant::now();
            dirty = false;
        }
        // Ages on screen ("unreachable 12s") need a 1 Hz tick; an idle,
        // settled fleet needs none.
        // The timeline's views tick too: their ages move and `Fresh` rebuilds;
        // the Query view says its answer's age.
        let timeline_view = matches!(
            app.screen().view,
            View::Journal | View::Change { .. } | View::Detail { .. } | View::Query
        );
        let clock = model.has_clock() || timeline_view;
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) => {
                    for effect in update(app, Msg::Key(key), &model, keymap) {
                        if let Effect::Query { id, text } = effect {
                            ask!(id, text);
                            query::save_history(&actions.data_dir, &app.history);
                            continue;
                        }
                        run_effect(fleet, app.read_only, actions, effect, tx.clone());
                    }
                    dirty = true;
                }
                Some(Ok(Event::Resize(_, rows))) => {
                    update(app, Msg::Resize { rows }, &model, keymap);
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            _ = fleet.notify.notified() => dirty = true,
            Ok(()) = records.changed() => dirty = true,
            Some(msg) = rx.recv() => {
                // A task's answer can lead to more work (a re-validated
                // proposal opens its dialog, an executed fix is recorded).
                for effect in update(app, msg, &model, keymap) {
                    run_effect(fleet, app.read_only, actions, effect, tx.clone());
                }
                dirty = true;
            }
            // Also the moment to show a background task's failure.
            _ = clock_tick.tick() => dirty |= clock,
            // The open Remediations view rescans on its own now and then.
            _ = rem_tick.tick(), if app.screen().view == View::Remediations => {
                for effect in update(app, Msg::RemTick, &model, keymap) {
                    run_effect(fleet, app.read_only, actions, effect, tx.clone());
                }
                dirty = true;
            }
            // The open Query view asks again now and then: a live answer.
            _ = query_tick.tick(), if app.screen().view == View::Query => {
                for effect in update(app, Msg::QueryTick, &model, keymap) {
                    if let Effect::Query { id, text } = effect {
                        ask!(id, text);
                    }
                }
            }
            _ = save_tick.tick(), if actions.last_known.is_some() => {
                if let Some((store, _)) = &actions.last_known {
                    // Gathering walks every workload (12.7 ms at 50 × 2,000
                    // pods): off the loop, with the writing.
                    let (store, stores, policy) = (store.clone(), fleet.stores(), fleet.policy);
                    tokio::task::spawn_blocking(move || store.save_stores(&stores, &policy));
                }
            }
            _ = tokio::time::sleep_until(tree_due), if key.is_some() => {
                tree_due = tokio::time::Instant::now() + TREE_EVERY;
                fetch_tree(fleet, app, actions, tx.clone());
            }
        }
        if let Some(f) = crate::logging::take_faults().pop() {
            app.message = Some(format!("{f} (logged)"));
            dirty = true;
        }
        if crate::app::quit::may_leave(app) {
            return Ok(());
        }
    }
}

fn run_effect(
    fleet: &Console,
    read_only: bool,
    actions: &Actions,
    effect: Effect,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let handle = |cluster: usize| fleet.clusters.get(cluster);
    match effect {
        // The demo: same dialog, plan and journal; the simulation instead of
        // an API server.
        Effect::Plan { target, op, .. } if actions.demo.is_some() => {
            let demo = actions.demo.clone();
            let declared = crate::ops::declared::declared(&actions.config, &target);
            tokio::spawn(async move {
                let r = match demo {
                    Some(d) => demo_plan(&d, &target, op, &declared).await,
                    None => Err(NO_CLIENT.into()),
                };
                let _ = tx.send(Msg::Planned(r.map(Box::new)));
            });
        }
        Effect::Execute { plan, reason, .. } if actions.demo.is_some() => {
            let (demo, journal) = (actions.demo.clone(), actions.journal.clone());
            tokio::spawn(async move {
                let r = match (demo, journal) {
                    (Some(d), Some(j)) => demo_execute(&d, &j, &plan, &reason).await,
                    _ => Err("no journal: actions are not allowed without one".into()),
                };
                let _ = tx.send(Msg::Executed(r));
            });
        }
        Effect::Plan {
            cluster,
            target,
            op,
            via,
        } => {
            let Some(c) = handle(cluster) else {
                let _ = tx.send(Msg::Planned(Err(NO_CLIENT.into())));
                return;
            };
            let reach = reach(c, read_only);
            let declared =
                crate::ops::declared::judged(&actions.config, &actions.prom, &target, &op, &c.meta);
            let kubeconfig = actions.kubeconfig.clone();
            tokio::spawn(async move {
                let r = act_as::plan(&kubeconfig, &reach, via.as_deref(), target, op, &declared)
                    .await
                    .map(Box::new);
                let _ = tx.send(Msg::Planned(r));
            });
        }
        Effect::Execute {
            cluster,
            plan,
            reason,
        } => {
            let reach = handle(cluster).map(|c| reach(c, read_only));
            let (journal, kubeconfig) = (actions.journal.clone(), actions.kubeconfig.clone());
            tokio::spawn(async move {
                // Through the context the plan was made with.
                let client = match &reach {
                    Some(r) => r.client(&kubeconfig, &plan.target.context).await,
                    None => Err(NO_CLIENT.into()),
                };
                let r = match (client, journal) {
                    (Ok(c), Some(j)) => execute(&c, &j, &plan, &reason).await,
                    (Err(e), _) => Err(e),
                    (_, None) => Err("no journal: actions are not allowed without one".into()),
                };
                let _ = tx.send(Msg::Executed(r));
            });
        }
        e @ (Effect::RemScan
        | Effect::RemRevalidate { .. }
        | Effect::RemBatch { .. }
        | Effect::RemDecide { .. }
        | Effect::RemRecord { .. }) => remediation::run(fleet, read_only, actions, e, tx),
        e @ (Effect::FailoverCheck { .. } | Effect::Failover { .. }) => {
            failover::run(fleet, read_only, actions, e, tx)
        }
        // Run by the loop, which holds the timeline (`query.rs`).
        Effect::Query { .. } => {}
        Effect::FetchYaml {
            cluster,
            kind,
            namespace,
            name,
        } => {
            let client = fleet
                .clusters
                .get(cluster)
                .and_then(|c| c.client.get().cloned());
            tokio::spawn(async move {
                let result = match client {
                    Some(c) => fetch_yaml(c, kind, &namespace, &name).await,
                    None => {
                        Err("no connection to this cluster (the demo has no API server)".into())
                    }
                };
                let _ = tx.send(Msg::Yaml(result));
            });
        }
    }
}

const TREE_EVERY: Duration = Duration::from_secs(2);

fn fetch_tree(fleet: &Fleet, app: &App, actions: &Actions, tx: mpsc::UnboundedSender<Msg>) {
    let (
        Some(key),
        View::Detail {
            cluster,
            namespace,
            name,
            ..
        },
    ) = (crate::app::navigate::tree_key(app), &app.screen().view)
    else {
        return;
    };
    if actions.demo.is_some() {
        let _ = tx.send(Msg::Tree(
            key,
            Err("the demo simulates no ReplicaSets or analysis runs".into()),
        ));
        return;
    }
    let client = fleet
        .clusters
        .get(*cluster)
        .and_then(|c| c.client.get().cloned());
    let (namespace, name) = (namespace.clone(), name.clone());
    let gates = fleet.clusters.get(*cluster).map_or(Vec::new(), |c| {
        crate::slo::gate::gates_for(
            &actions.config,
            &actions.prom,
            &c.meta.context,
            &c.meta.name,
            c.meta.group.as_deref(),
        )
    });
    tokio::spawn(async move {
        let fetched = match &client {
            Some(c) => crate::fleet::rollout_tree::fetch(c, &namespace, &name).await,
            None => Err(NO_CLIENT.into()),
        };
        let r = match fetched {
            Ok((mut tree, obj)) => {
                if !gates.is_empty() {
                    tree.slo = crate::slo::gate::checks(&gates, &obj)
                        .await
                        .into_iter()
                        .map(|c| (c.state.as_str().to_string(), c.name, c.detail))
                        .collect();
                }
                Ok(tree)
            }
            Err(e) => Err(e),
        };
        let _ = tx.send(Msg::Tree(key, r));
    });
}

/// Plans against the simulation: the demo answers the reads `ops::build`
/// would make and plans through the same `compute`, dry-running the requests
/// on its copy (`demo::plan`).
async fn demo_plan(
    demo: &DemoControl,
    target: &Target,
    op: Operation,
    declared: &Declared,
) -> Result<(Plan, Preflight), String> {
    demo.plan(target, op, declared).await
}

/// Executes in the simulation with the journal around it, as `journaled::run`
/// does against a cluster.
async fn demo_execute(
    demo: &DemoControl,
    journal: &Journal,
    plan: &Plan,
    reason: &str,
) -> Result<String, String> {
    let done = journaled::record(
        journal,
        plan,
        reason,
        Some("demo".into()),
        async |id, by| {
            let mark = Mark {
                reason: reason.to_string(),
                by,
                journal_id: id,
            };
            (demo.execute(plan, mark).await, Vec::new())
        },
    )
    .await
    .map_err(|e| format!("journal {}: {e}", journal.path().display()))?;
    match done.outcome {
        Outcome::Done { .. } => Ok(format!(
            "{} {}: done in the demo (journal {})",
            plan.op.name(),
            plan.target.short(),
            done.id
        )),
        other => Err(format!(
            "{} {}: {}: {}",
            plan.op.name(),
            plan.target.short(),
            other.result(),
            other.error().unwrap_or_default()
        )),
    }
}

/// What an action needs of a cluster's handle: its contexts and the
/// watched client.
fn reach(c: &crate::fleet::live::ClusterHandle, read_only: bool) -> act_as::Reach {
    act_as::Reach {
        contexts: c.meta.contexts.clone(),
        watched: c.client.get().cloned().map(|client| {
            let via = c
                .data
                .lock()
                .ok()
                .and_then(|d| d.via.clone())
                .unwrap_or_else(|| c.meta.context.clone());
            (via, client)
        }),
        read_only: read_only || c.meta.read_only,
    }
}

pub(crate) const NO_CLIENT: &str = "no connection to this cluster (the demo has no API server)";

async fn execute(
    client: &kube::Client,
    journal: &Journal,
    plan: &Plan,
    reason: &str,
) -> Result<String, String> {
    let identity = whoami(client).await;
    let done = journaled::run(client, journal, plan, reason, identity)
        .await
        .map_err(|e| format!("journal {}: {e}", journal.path().display()))?;
    let t = &plan.target;
    let mut msg = match &done.outcome {
        Outcome::Done { .. } => Ok(format!(
            "{} {}: done (journal {})",
            plan.op.name(),
            t.short(),
            done.id
        )),
        Outcome::Unverified { .. } => Ok(format!(
            "{} {}: applied, not yet verified (journal {})",
            plan.op.name(),
            t.short(),
            done.id
        )),
        other => Err(format!(
            "{} {}: {}: {}",
            plan.op.name(),
            t.short(),
            other.result(),
            other.error().unwrap_or_default()
        )),
    };
    if let (Ok(m), Some(moved)) = (&mut msg, done.replanned.last()) {
        m.push_str(&format!(" — planned again after a conflict ({moved})"));
    }
    if let (Ok(m), Some(w)) = (&mut msg, done.warnings.first()) {
        m.push_str(&format!(" — warning: {w}"));
    }
    msg
}

/// GETs the object (details on demand: the watches keep only compact copies).
async fn fetch_yaml(
    client: kube::Client,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
) -> Result<String, String> {
    let gvk = match kind {
        WorkloadKind::Deployment => GroupVersionKind::gvk("apps", "v1", "Deployment"),
        WorkloadKind::StatefulSet => GroupVersionKind::gvk("apps", "v1", "StatefulSet"),
        WorkloadKind::DaemonSet => GroupVersionKind::gvk("apps", "v1", "DaemonSet"),
        WorkloadKind::Rollout => GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout"),
    };
    let plural = format!("{}s", kind.name().to_lowercase());
    let ar = ApiResource::from_gvk_with_plural(&gvk, &plural);
    let api: Api<DynamicObject> = Api::namespaced_with(client, namespace, &ar);
    let mut obj = api
        .get(name)
        .await
        .map_err(|e| format!("{namespace}/{name}: {}", kube_message(&e)))?;
    obj.metadata.managed_fields = None;
    serde_saphyr::to_string(&obj).map_err(|e| format!("{namespace}/{name}: {e}"))
}
