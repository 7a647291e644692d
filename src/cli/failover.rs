//! `fleetdeck failover plan|run|resume|rollback NAME`: the headless face of
//! the failover runner. Exit codes: 0 done (or a clean dry-run), 1 stopped
//! at a failure, 3 refused by pre-flight, 5 not confirmed, 6 paused or
//! aborted (resumable).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::Subcommand;

use super::act::ActionArgs;
use crate::cost::catalog::Catalog;
use crate::failover::clusters::Clusters;
use crate::failover::plan::Plan;
use crate::failover::preflight::{self, Report, State};
use crate::failover::run::{Ended, Progress, Run};
use crate::failover::runlog;
use crate::fleet::kubeconfig::client_for;
use crate::journal::Journal;
use crate::ops::journaled;
use crate::startup::Startup;

#[derive(Debug, clap::Args)]
pub struct RunFlags {
    /// The plan's name.
    pub name: String,
    /// The standby to move to (default: the first the policy allows that is healthy).
    #[arg(long)]
    pub standby: Option<String>,
    /// Why (journaled with every step).
    #[arg(long)]
    pub reason: Option<String>,
    /// Do not ask (needs --reason).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum FailoverCommand {
    /// The plans in config.toml and plans/*.toml.
    List,
    /// Pre-flight a plan: steps, checks, every request, the cost change.
    Plan {
        name: String,
        #[arg(long)]
        standby: Option<String>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Pre-flight, confirm and run a plan.
    Run {
        #[command(flatten)]
        flags: RunFlags,
        /// Print the pre-flight and every request it would send; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Run this many steps, then stop (resume continues).
        #[arg(long)]
        steps: Option<usize>,
    },
    /// Continue the newest unfinished run of a plan from the journal
    /// (confirmed like a run: type the plan's name, or --yes --reason).
    Resume {
        /// The plan's name.
        name: String,
        /// Why it is resumed (journaled with every step from here on).
        #[arg(long)]
        reason: Option<String>,
        /// Do not ask (needs --reason).
        #[arg(long)]
        yes: bool,
        /// Run this many more steps, then stop.
        #[arg(long)]
        steps: Option<usize>,
    },
    /// Undo the writes of the newest run of a plan, newest first.
    Rollback {
        #[command(flatten)]
        flags: RunFlags,
    },
}

fn find<'a>(st: &'a Startup, name: &str) -> anyhow::Result<&'a Plan> {
    if let Some(p) = st.config.failover.iter().find(|p| p.name == name) {
        return Ok(p);
    }
    // A bad plan file was set aside at startup: its error is the answer.
    if let Some(w) = st
        .warnings
        .iter()
        .find(|w| w.contains("plan") || w.contains("plans/"))
    {
        anyhow::bail!("no plan {name:?} loaded; {w}");
    }
    let names: Vec<&str> = st.config.failover.iter().map(|p| p.name.as_str()).collect();
    anyhow::bail!(
        "no failover plan {name:?} (have: {}; see `fleetdeck paths` for where plans live)",
        if names.is_empty() {
            "none".into()
        } else {
            names.join(", ")
        }
    )
}

fn contexts(plan: &Plan) -> Vec<String> {
    std::iter::once(plan.primary.clone())
        .chain(plan.standbys.iter().cloned())
        .collect()
}

async fn open(st: &Startup, plan: &Plan) -> anyhow::Result<(Journal, Clusters)> {
    let journal = Journal::open(&st.paths.journal_dir)
        .map_err(|e| anyhow::anyhow!("journal {}: {e}", st.paths.journal_dir.display()))?;
    // A crash between intent and outcome: find out what happened first.
    let kubeconfig = st.kubeconfig.clone();
    let config = st.config.clone();
    for line in journaled::reconcile(&journal, |ctx: String| {
        let kubeconfig = kubeconfig.clone();
        let ro = config.meta_for(&ctx).read_only;
        async move { client_for(&kubeconfig, &ctx, ro).await.ok() }
    })
    .await?
    {
        errln!("fleetdeck: {line}");
    }
    let clusters = Clusters::open(&st.kubeconfig, &st.config, &contexts(plan)).await;
    Ok((journal, clusters))
}

fn print_report(r: &Report) {
    outln!("plan:     {} → standby {}", r.plan, r.standby);
    outln!("steps:");
    for s in &r.steps {
        outln!("  {s}");
    }
    outln!("pre-flight:");
    for c in &r.checks {
        outln!(
            "  {:<4} {:<14} {}: {}",
            c.state.as_str(),
            c.cluster,
            c.name,
            c.detail
        );
    }
    if let Some(c) = r.cost_per_hour {
        outln!("cost:     {c:+.4} $/h (scale steps at the clusters' node rates)");
    }
    outln!("requests ({}):", r.previews.len());
    for p in &r.previews {
        outln!("  step {}: {}", p.step + 1, p.target);
        for (d, req) in p.describe.iter().zip(&p.requests) {
            outln!("    {d}  guard resourceVersion {}", p.guard);
            outln!("    body: {}", req.body);
        }
        if !p.diff.trim().is_empty() {
            for l in p.diff.lines() {
                outln!("    {l}");
            }
        }
    }
}

fn catalog(st: &Startup) -> Catalog {
    Catalog::load(Some(&st.paths.config_dir.join("prices.csv"))).unwrap_or_else(|e| {
        errln!("fleetdeck: {e}; using the shipped prices");
        Catalog::load(None).unwrap_or_default()
    })
}

fn printer() -> impl FnMut(Progress) + Send {
    |p| match p {
        Progress::Line(l) => outln!("{l}"),
        Progress::Step { index, state } => match &state {
            crate::failover::run::StepState::Running => {}
            crate::failover::run::StepState::Skipped(why)
            | crate::failover::run::StepState::Failed(why) => {
                outln!("step {}: {} — {why}", index + 1, state.label())
            }
            _ => outln!("step {}: {}", index + 1, state.label()),
        },
    }
}

fn finish<B: crate::failover::backend::Backend>(run: &Run<B>, ended: &Ended) -> i32 {
    let name = &run.plan.name;
    match ended {
        Ended::Completed => {
            outln!("failover {name}: completed (journal group {})", run.id);
            0
        }
        Ended::Stopped { step, why } => {
            errln!(
                "fleetdeck: failover {name} stopped at step {}: {why}\n  fix it, then `fleetdeck failover resume {name}` (journal group {})",
                step + 1,
                run.id
            );
            1
        }
        Ended::Aborted | Ended::Paused => {
            outln!(
                "failover {name}: {} (journal group {}); `fleetdeck failover resume {name}` continues",
                ended.result(),
                run.id
            );
            6
        }
    }
}

/// Ctrl-C stops between steps and leaves the run resumable.
fn abort_on_ctrl_c() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            errln!("fleetdeck: stopping after the current action…");
            f.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    flag
}

pub async fn command(st: &Startup, cmd: FailoverCommand) -> anyhow::Result<i32> {
    match cmd {
        FailoverCommand::List => {
            for p in &st.config.failover {
                outln!(
                    "{:<20} service {:<16} primary {:<14} standbys {}{}",
                    p.name,
                    p.service,
                    p.primary,
                    p.standbys.join(", "),
                    p.policy
                        .as_ref()
                        .map(|x| format!("  policy {x}"))
                        .unwrap_or_default()
                );
            }
            for w in &st.warnings {
                errln!("fleetdeck: {w}");
            }
            Ok(0)
        }
        FailoverCommand::Plan {
            name,
            standby,
            json,
        } => {
            let plan = find(st, &name)?;
            let (_, clusters) = open(st, plan).await?;
            let Some(standby) = choose(plan, st, &clusters, standby.as_deref()).await else {
                return Ok(3);
            };
            let r = preflight::run(plan, &standby, &st.config, &catalog(st), &clusters).await;
            if json {
                outln!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print_report(&r);
            }
            Ok(if r.blocks() { 3 } else { 0 })
        }
        FailoverCommand::Run {
            flags,
            dry_run,
            steps,
        } => run(st, flags, dry_run, steps).await,
        FailoverCommand::Resume {
            name,
            reason,
            yes,
            steps,
        } => {
            let plan = find(st, &name)?;
            if let Some(code) = refuse_read_only(st, plan) {
                return Ok(code);
            }
            let (journal, clusters) = open(st, plan).await?;
            let Some(state) = runlog::latest_open(&journal.read()?, &name) else {
                errln!("fleetdeck: no unfinished run of {name} in the journal");
                return Ok(1);
            };
            if let Err(e) = runlog::same_plan(&state, &plan.digest()) {
                errln!("fleetdeck: {e}");
                return Ok(1);
            }
            outln!(
                "resuming {} (standby {}, {} action(s) already done)",
                state.run,
                state.standby,
                state.done.len()
            );
            let flags = RunFlags {
                name: name.clone(),
                standby: None,
                reason,
                yes,
            };
            let Some(reason) = super::act::ask_confirmation(&plan.name, true, &args(&flags))?
            else {
                errln!("fleetdeck: not confirmed; nothing was sent");
                return Ok(5);
            };
            let mut run = Run::resumed(&state, plan.clone(), journal, clusters);
            run.reason = reason;
            run.until = steps;
            run.abort = abort_on_ctrl_c();
            let ended = run.execute(&mut printer()).await?;
            Ok(finish(&run, &ended))
        }
        FailoverCommand::Rollback { flags } => {
            let plan = find(st, &flags.name)?;
            if let Some(code) = refuse_read_only(st, plan) {
                return Ok(code);
            }
            let (journal, clusters) = open(st, plan).await?;
            let state = match runlog::rollback_target(&journal.read()?, &flags.name) {
                Ok(s) => s,
                Err(e) => {
                    errln!("fleetdeck: {e}");
                    return Ok(1);
                }
            };
            let todo = state
                .applied
                .iter()
                .filter(|(id, _, u)| u.is_some() && !state.undone.contains(id))
                .count();
            outln!(
                "roll back {}: {todo} write(s) to undo, newest first",
                state.run
            );
            let args = args(&flags);
            let Some(reason) = super::act::ask_confirmation(&plan.name, true, &args)? else {
                errln!("fleetdeck: not confirmed; nothing was sent");
                return Ok(5);
            };
            let mut run = Run::resumed(&state, plan.clone(), journal, clusters);
            run.reason = reason;
            let ended = run.rollback(&state, &mut printer()).await?;
            match &ended {
                Ended::Completed => {
                    outln!("rollback of {}: done", state.run);
                    Ok(0)
                }
                other => Ok(finish(&run, other)),
            }
        }
    }
}

/// Resume and rollback write to clusters the journal names: with any of
/// the plan's clusters read-only they stop before connecting (exit 3), as
/// `run` stops at its pre-flight.
fn refuse_read_only(st: &Startup, plan: &Plan) -> Option<i32> {
    let ro: Vec<String> = contexts(plan)
        .into_iter()
        .filter(|c| st.config.meta_for(c).read_only)
        .collect();
    if ro.is_empty() {
        return None;
    }
    errln!(
        "fleetdeck: read-only: fleetdeck makes no changes to {}; nothing was sent",
        ro.join(", ")
    );
    Some(3)
}

/// The standby, saying which were passed over and why; `None` after
/// printing why none can take the service.
async fn choose(
    plan: &Plan,
    st: &Startup,
    clusters: &Clusters,
    requested: Option<&str>,
) -> Option<String> {
    match preflight::choose(plan, &st.config, clusters, requested).await {
        Ok((s, passed)) => {
            for p in passed {
                outln!("passed over: {p}");
            }
            Some(s)
        }
        Err(e) => {
            errln!("fleetdeck: {e}");
            None
        }
    }
}

fn args(flags: &RunFlags) -> ActionArgs {
    ActionArgs {
        target: flags.name.clone(),
        reason: flags.reason.clone(),
        yes: flags.yes,
        ..ActionArgs::default()
    }
}

async fn run(
    st: &Startup,
    flags: RunFlags,
    dry_run: bool,
    steps: Option<usize>,
) -> anyhow::Result<i32> {
    let plan = find(st, &flags.name)?;
    let (journal, clusters) = open(st, plan).await?;
    if let Some(open) = runlog::latest_open(&journal.read()?, &plan.name) {
        errln!(
            "fleetdeck: note: run {} of this plan is unfinished ({}); `fleetdeck failover resume {}` continues it — this starts a new run",
            open.run,
            open.ended.as_deref().unwrap_or("interrupted"),
            plan.name
        );
    }
    let Some(standby) = choose(plan, st, &clusters, flags.standby.as_deref()).await else {
        return Ok(3);
    };
    let report = preflight::run(plan, &standby, &st.config, &catalog(st), &clusters).await;
    print_report(&report);
    if report.blocks() {
        let stops: Vec<String> = report
            .checks
            .iter()
            .filter(|c| c.state == State::Stop)
            .map(|c| format!("{} {}: {}", c.cluster, c.name, c.detail))
            .collect();
        errln!(
            "fleetdeck: pre-flight refused the plan: {}",
            stops.join("; ")
        );
        return Ok(3);
    }
    if dry_run {
        outln!("dry-run: nothing was changed");
        return Ok(0);
    }
    // A failover moves a service: the operator types the plan's name.
    let Some(reason) = super::act::ask_confirmation(&plan.name, true, &args(&flags))? else {
        errln!("fleetdeck: not confirmed; nothing was sent");
        return Ok(5);
    };
    let mut run = Run {
        plan: plan.clone(),
        standby,
        id: format!("failover-{}", journaled::new_id()),
        reason,
        journal,
        backend: clusters,
        done: Default::default(),
        abort: abort_on_ctrl_c(),
        until: steps,
    };
    run.start()?;
    let ended = run.execute(&mut printer()).await?;
    Ok(finish(&run, &ended))
}
