//! The console's observer with its memory: watches every cluster for
//! transitions, keeps the lines (with those of earlier runs, from
//! `timeline.jsonl`) and appends each new one to the file.

use std::path::PathBuf;

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
    file: Option<PathBuf>,
    /// A one-line report for the footer (the file was corrupt, unwritable).
    pub problem: Option<String>,
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
            file,
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
        if let Some(f) = &self.file {
            if let Err(e) = saved::append(f, &new) {
                let p = format!("{}: {e}", f.display());
                tracing::warn!("timeline: {p}");
                self.problem = Some(p);
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
