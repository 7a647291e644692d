//! The journal's records for the Journal and Failover views, re-read off the
//! event loop: a thread of its own (a detached thread, so a quit never waits
//! on a lock another process holds) checks the file's size and mtime once a
//! second and reads it (under its shared lock) only when it changed. A
//! journal held locked by another process delays this task, never a frame.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use crate::journal::{Journal, Record};

const EVERY: Duration = Duration::from_secs(1);

pub type Records = watch::Receiver<Arc<Vec<Record>>>;

/// Starts the reader; without a journal the records stay empty.
pub fn spawn(journal: Option<Arc<Journal>>) -> Records {
    let (tx, rx) = watch::channel(Arc::new(Vec::new()));
    let Some(journal) = journal else { return rx };
    let spawned = std::thread::Builder::new()
        .name("journal-feed".into())
        .spawn(move || {
            let mut stamp: Option<(u64, SystemTime)> = None;
            // Ends when the loop (the receiver) is gone.
            while !tx.is_closed() {
                let now = std::fs::metadata(journal.path())
                    .ok()
                    .and_then(|m| Some((m.len(), m.modified().ok()?)));
                if now != stamp {
                    if let Ok(records) = journal.read() {
                        stamp = now;
                        let _ = tx.send(Arc::new(records));
                    }
                }
                std::thread::sleep(EVERY);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("journal reader not started: {e}");
    }
    rx
}
