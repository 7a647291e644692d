//! The console's way to pre-flight and run a plan: the same pre-flight and
//! runner as `fleetdeck failover`, reporting through a callback instead of
//! stdout. A run continues the plan's unfinished run when there is one.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::backend::Backend;
use super::plan::Plan;
use super::preflight::{self, Report, State};
use super::run::{Ended, Progress, Run};
use super::runlog;
use crate::config::Config;
use crate::cost::catalog::Catalog;
use crate::journal::Journal;
use crate::ops::journaled;

/// The standby fleetdeck would choose, and its pre-flight.
pub async fn check(
    plan: &Plan,
    config: &Config,
    catalog: &Catalog,
    backend: &impl Backend,
) -> Result<Report, String> {
    let (standby, passed) = preflight::choose(plan, config, backend, None).await?;
    let mut r = preflight::run(plan, &standby, config, catalog, backend).await;
    for p in passed {
        r.checks.insert(
            0,
            preflight::Check {
                state: State::Ok,
                cluster: standby.clone(),
                name: "passed over".into(),
                detail: p,
            },
        );
    }
    Ok(r)
}

#[allow(clippy::too_many_arguments)]
pub async fn run<B: Backend>(
    plan: &Plan,
    config: &Config,
    catalog: &Catalog,
    backend: B,
    journal: Journal,
    rollback: bool,
    one: bool,
    reason: String,
    abort: Arc<AtomicBool>,
    report: &mut (dyn FnMut(Progress) + Send),
) -> Result<String, String> {
    let records = journal.read().map_err(|e| format!("journal: {e}"))?;
    if rollback {
        let state = runlog::rollback_target(&records, &plan.name)?;
        let mut run = Run::resumed(&state, plan.clone(), journal, backend);
        run.reason = reason;
        run.abort = abort;
        return match run
            .rollback(&state, report)
            .await
            .map_err(|e| e.to_string())?
        {
            Ended::Completed => Ok("rolled back".into()),
            other => Err(describe(&other)),
        };
    }
    let mut run = match runlog::latest_open(&records, &plan.name) {
        Some(state) => {
            runlog::same_plan(&state, &plan.digest())?;
            report(Progress::Line(format!(
                "resuming {} (standby {})",
                state.run, state.standby
            )));
            let mut r = Run::resumed(&state, plan.clone(), journal, backend);
            r.reason = reason;
            r
        }
        None => {
            let r = check(plan, config, catalog, &backend).await?;
            if r.blocks() {
                let stops: Vec<String> = r
                    .checks
                    .iter()
                    .filter(|c| c.state == State::Stop)
                    .map(|c| format!("{} {}: {}", c.cluster, c.name, c.detail))
                    .collect();
                return Err(format!("pre-flight refused: {}", stops.join("; ")));
            }
            let run = Run {
                plan: plan.clone(),
                standby: r.standby.clone(),
                id: format!("failover-{}", journaled::new_id()),
                reason,
                journal,
                backend,
                done: Default::default(),
                abort: abort.clone(),
                until: None,
            };
            run.start().map_err(|e| format!("journal: {e}"))?;
            run
        }
    };
    run.abort = abort;
    run.until = one.then_some(1);
    let ended = run
        .execute(report)
        .await
        .map_err(|e| format!("journal: {e}"))?;
    match ended {
        Ended::Stopped { .. } => Err(describe(&ended)),
        other => Ok(describe(&other)),
    }
}

fn describe(e: &Ended) -> String {
    match e {
        Ended::Stopped { step, why } => format!("stopped at step {}: {why}", step + 1),
        other => other.result().to_string(),
    }
}
