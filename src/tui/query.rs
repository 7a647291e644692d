//! Runs a query off the UI thread: what the console holds is gathered on
//! the loop (cheap: shared handles and the rows it draws anyway), the scan
//! runs on its own thread with a large stack, the answer comes back as a
//! message. History is kept in the data dir.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc;

use crate::app::update::Msg;
use crate::console::Console;
use crate::query::run::Held;
use crate::timeline::Change;

pub const HISTORY_FILE: &str = "queries.history";

/// Whether the query asks about `kind` (the timeline and the remediation
/// queue live with the loop, which hands them over only when asked).
pub fn asks(text: &str, kind: &str) -> bool {
    text.split_whitespace()
        .next()
        .and_then(crate::query::kinds::kind)
        .is_some_and(|k| k.name == kind)
}

pub fn start(
    fleet: &Console,
    id: u64,
    text: String,
    changes: Vec<Change>,
    remediations: Option<Vec<crate::remediation::queue::Entry>>,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let now = Utc::now();
    let held = Held {
        now,
        stores: fleet.stores(),
        rows: fleet.rows(now),
        slos: fleet.slo.rows(now).into_iter().map(|(r, _)| r).collect(),
        costs: fleet.cost.latest(),
        changes,
        backups: fleet.backups.latest(),
        chaos: fleet.chaos.latest(),
        forecast: fleet.forecast.latest(),
        remediations,
    };
    // The loop never waits: the answer comes back as a message.
    std::thread::spawn(move || {
        let answer = held.ask(&text).map(Arc::new);
        let _ = tx.send(Msg::Query(id, answer));
    });
}

/// Past queries, oldest first; a missing or unreadable file is none.
pub fn load_history(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(HISTORY_FILE))
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Written whole after each query (a few kilobytes at most).
pub fn save_history(dir: &Path, history: &[String]) {
    let text: String = history.iter().map(|h| format!("{h}\n")).collect();
    if let Err(e) =
        std::fs::create_dir_all(dir).and_then(|_| std::fs::write(dir.join(HISTORY_FILE), text))
    {
        tracing::warn!("query history {}: {e}", dir.display());
    }
}
