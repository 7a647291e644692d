//! The loop's side of the Remediations view: scans, re-validation, batch
//! approval and decisions run as tasks against the live clusters (the
//! console's own clients) or the demo's simulation, reporting by message.

use tokio::sync::mpsc;

use super::Actions;
use crate::app::remediation::Event;
use crate::app::update::{Effect, Msg};
use crate::fleet::handles::Fleet;
use crate::remediation::task::{self, Live, Scanner};

fn live(fleet: &Fleet, read_only: bool, actions: &Actions) -> Live {
    Live {
        clusters: fleet
            .clusters
            .iter()
            .map(|c| {
                let mut meta = c.meta.clone();
                meta.read_only |= read_only;
                (meta, c.client.get().cloned())
            })
            .collect(),
        config: actions.config.clone(),
        dir: actions.drift_dir.clone(),
    }
}

async fn work(
    scanner: impl Scanner,
    actions: Actions,
    effect: Effect,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let send = |ev: Event| {
        let _ = tx.send(Msg::Remediation(ev));
    };
    let data = actions.data_dir.clone();
    let rescan = async || {
        let (entries, notes) = task::scan(&scanner, &data).await;
        send(Event::Scanned { entries, notes });
    };
    match effect {
        Effect::RemScan => rescan().await,
        Effect::RemRevalidate { proposal } => {
            let r = task::revalidate(&scanner, &proposal).await;
            send(Event::Revalidated(proposal.id.clone(), r));
        }
        Effect::RemBatch { ids, reason, stop } => {
            let Some(journal) = actions.journal.clone() else {
                send(Event::Log(
                    "no journal: actions are not allowed without one".into(),
                ));
                send(Event::BatchEnded);
                return;
            };
            let mut log = |line: String| send(Event::Log(line));
            task::batch(&scanner, &data, &journal, &ids, &reason, &stop, &mut log).await;
            send(Event::BatchEnded);
            rescan().await;
        }
        Effect::RemDecide { id, reason, until } => {
            let line = match &actions.journal {
                Some(j) => task::decide(&data, j, &id, &reason, until).unwrap_or_else(|e| e),
                None => "no journal: decisions are not recorded without one".into(),
            };
            send(Event::Log(line));
            rescan().await;
        }
        Effect::RemRecord { id, reason } => {
            if let Err(e) = task::approved(&data, &id, &reason, "applied") {
                send(Event::Log(format!(
                    "{id}: applied, but the queue was not updated: {e}"
                )));
            }
            rescan().await;
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
    let a = actions.clone();
    match actions.demo.clone() {
        Some(d) => {
            tokio::spawn(work(crate::demo::DemoScanner(d), a, effect, tx));
        }
        None => {
            let scanner = live(fleet, read_only, actions);
            tokio::spawn(work(scanner, a, effect, tx));
        }
    }
}
