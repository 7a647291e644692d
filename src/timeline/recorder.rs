//! The console's observer with its memory: watches every cluster for
//! transitions, keeps the lines (with those of earlier runs, from
//! `timeline.jsonl`) and appends each new one to the file — on a thread of
//! its own, so a slow disk never stalls a frame.

use std::path::PathBuf;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};

use super::change::Change;
use super::observe::Observer;
use super::saved;
use crate::fleet::handles::{with_data, Fleet};
use crate::fleet::summary::ClusterRow;

#[derive(Default)]
pub struct Recorder {
    observer: Observer,
    lines: Vec<Change>,
    writer: Option<Writer>,
    /// A one-line report for the footer (the file was corrupt, unwritable).
    pub problem: Option<String>,
}

/// Appends batches of lines to the file in order; a failure is reported
/// through `problem` on the next tick.
struct Writer {
    tx: Option<Sender<Vec<Change>>>,
    problem: Arc<Mutex<Option<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    fn start(file: PathBuf) -> Writer {
        let (tx, rx) = channel::<Vec<Change>>();
        let problem = Arc::new(Mutex::new(None));
        let slot = problem.clone();
        let thread = std::thread::Builder::new()
            .name("timeline-writer".into())
            .spawn(move || {
                for batch in rx {
                    if let Err(e) = saved::append(&file, &batch) {
                        let p = format!("{}: {e}", file.display());
                        tracing::warn!("timeline: {p}");
                        *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(p);
                    }
                }
            })
            .ok();
        Writer {
            tx: Some(tx),
            problem,
            thread,
        }
    }
}

impl Drop for Writer {
    /// Lines observed just before quitting still reach the file.
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Recorder {
    /// Reads the kept lines; `None` keeps nothing on disk (tests, read-only dirs).
    pub fn open(file: Option<PathBuf>, now: DateTime<Utc>) -> Recorder {
        let (lines, problem) = match &file {
            Some(f) => saved::load(f, now),
            None => (Vec::new(), None),
        };
        if let Some(p) = &problem {
            tracing::warn!("timeline: {p}");
        }
        Recorder {
            observer: Observer::default(),
            lines,
            writer: file.map(Writer::start),
            problem,
        }
    }

    /// Looks at every cluster once, with the rows this frame already
    /// derived (in cluster order); true when something new was recorded.
    pub fn tick(&mut self, fleet: &Fleet, rows: &[ClusterRow], now: DateTime<Utc>) -> bool {
        let mut new = Vec::new();
        for (row, c) in rows.iter().zip(&fleet.clusters) {
            with_data(&c.data, |d| new.extend(self.observer.observe(row, d, now)));
        }
        if new.is_empty() {
            return false;
        }
        if let Some(w) = &mut self.writer {
            let failed = w.problem.lock().unwrap_or_else(|p| p.into_inner()).take();
            self.problem = failed.or(self.problem.take());
            let sent = w.tx.as_ref().map(|tx| tx.send(new.clone()).is_ok());
            if sent == Some(false) {
                // The thread is gone only if it could not start: say so once.
                w.tx = None;
                self.problem = Some("the timeline file's writer did not start".into());
            }
        }
        self.lines.extend(new);
        if self.lines.len() > 2 * saved::MAX_LINES {
            self.lines = saved::prune(std::mem::take(&mut self.lines), now);
        }
        true
    }

    /// Oldest first.
    pub fn lines(&self) -> &[Change] {
        &self.lines
    }
}
