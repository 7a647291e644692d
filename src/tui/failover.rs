//! The loop's side of the Failover view: a plan's pre-flight and runs as
//! tasks on the live clusters (the console's own clients) or the demo's
//! simulation, reporting by message.

use tokio::sync::mpsc;

use super::Actions;
use crate::app::failover::{Event, Mode};
use crate::app::update::{Effect, Msg};
use crate::failover::backend::Backend;
use crate::failover::clusters::Clusters;
use crate::failover::plan::Plan;
use crate::fleet::handles::Fleet;

/// The fleet's own clients for the plan's clusters (no second connection).
fn clusters(fleet: &Fleet, read_only: bool, plan: &Plan) -> Clusters {
    let wanted = std::iter::once(&plan.primary).chain(plan.standbys.iter());
    Clusters::from_clients(wanted.map(|ctx| {
        let h = fleet.clusters.iter().find(|c| c.meta.reaches(ctx));
        (
            ctx.clone(),
            h.and_then(|c| c.client.get().cloned()),
            read_only || h.is_none_or(|c| c.meta.read_only),
        )
    }))
}

async fn work(
    b: impl Backend,
    plan: Plan,
    actions: Actions,
    effect: Effect,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let name = plan.name.clone();
    let send = |ev: Event| {
        let _ = tx.send(Msg::Failover(name.clone(), ev));
    };
    let (config, catalog) = (actions.config.clone(), actions.catalog.clone());
    match effect {
        Effect::FailoverCheck { .. } => {
            send(Event::Checked(
                crate::failover::task::check(&plan, &config, &catalog, &b).await,
            ));
        }
        Effect::Failover {
            mode,
            reason,
            abort,
            ..
        } => {
            let Some(journal) = actions.journal.clone() else {
                send(Event::Ended(Err(
                    "no journal: actions are not allowed without one".into(),
                )));
                return;
            };
            let progress = tx.clone();
            let mut report = |pr| {
                let _ = progress.send(Msg::Failover(name.clone(), Event::Progress(pr)));
            };
            let r = crate::failover::task::run(
                &plan,
                &config,
                &catalog,
                b,
                (*journal).clone(),
                mode == Mode::Rollback,
                mode == (Mode::Run { one: true }),
                reason,
                abort,
                &mut report,
            )
            .await;
            send(Event::Ended(r));
        }
        _ => {}
    }
}

pub fn run(
    fleet: &Fleet,
    read_only: bool,
    actions: &Actions,
    effect: Effect,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let name = match &effect {
        Effect::FailoverCheck { plan } | Effect::Failover { plan, .. } => plan.clone(),
        _ => return,
    };
    let Some(plan) = actions
        .config
        .failover
        .iter()
        .find(|p| p.name == name)
        .cloned()
    else {
        let _ = tx.send(Msg::Failover(
            name.clone(),
            Event::Ended(Err(format!("no plan {name}"))),
        ));
        return;
    };
    let a = actions.clone();
    match actions.demo.clone() {
        Some(d) => {
            tokio::spawn(work(crate::demo::DemoBackend(d), plan, a, effect, tx));
        }
        None => {
            let b = clusters(fleet, read_only, &plan);
            tokio::spawn(work(b, plan, a, effect, tx));
        }
    }
}
