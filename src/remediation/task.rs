//! The console's queue work, for live clusters or the demo's simulation:
//! scan and merge into the stored queue, re-validate, approve a batch,
//! record decisions. `Scanner` is what differs between the two.

use std::future::Future;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use kube::Client;

use super::apply::{self, Revalidated};
use super::queue::{Decision, Entry, Proposal, Queue};
use super::scan::{scan_with, Found};
use crate::config::Config;
use crate::fleet::summary::ClusterMeta;
use crate::journal::Journal;

pub trait Scanner: Send + Sync {
    /// Every cluster (or one), every source (or one).
    fn scan(
        &self,
        context: Option<&str>,
        source: Option<super::queue::Source>,
    ) -> impl Future<Output = Found> + Send;
    /// A re-validated proposal's fix, through the pipeline and the journal.
    fn execute(
        &self,
        journal: &Journal,
        p: &Proposal,
        reason: &str,
    ) -> impl Future<Output = Result<String, String>> + Send;
}

/// Live clusters through the console's own clients.
pub struct Live {
    pub clusters: Vec<(ClusterMeta, Option<Client>)>,
    pub config: std::sync::Arc<Config>,
    pub dir: Option<PathBuf>,
}

impl Scanner for Live {
    async fn scan(&self, context: Option<&str>, source: Option<super::queue::Source>) -> Found {
        let clusters = self
            .clusters
            .iter()
            .filter(|(m, _)| context.is_none_or(|c| c == m.context))
            .map(|(m, c)| {
                let c = c
                    .clone()
                    .ok_or_else(|| format!("context {}: not connected", m.context));
                (m.clone(), c)
            })
            .collect();
        scan_with(clusters, &self.config, self.dir.as_deref(), source).await
    }

    async fn execute(
        &self,
        journal: &Journal,
        p: &Proposal,
        reason: &str,
    ) -> Result<String, String> {
        let Some((meta, Some(client))) = self.clusters.iter().find(|(m, _)| m.context == p.context)
        else {
            return Err(format!("{}: context {} is not connected", p.id, p.context));
        };
        let identity = crate::ops::pipeline::whoami(client).await;
        apply::execute(client, journal, p, reason, identity, meta.read_only).await
    }
}

/// Scans, merges into the stored queue, and returns it with notes.
pub async fn scan(scanner: &impl Scanner, data_dir: &Path) -> (Vec<Entry>, Vec<String>) {
    let found = scanner.scan(None, None).await;
    let mut notes: Vec<String> = found.errors.clone();
    notes.extend(found.forbidden.iter().map(|f| format!("not readable: {f}")));
    let merged = Queue::update(data_dir, |q| {
        q.merge(&found.scanned, found.proposals);
        Ok(q.entries.values().cloned().collect())
    });
    match merged {
        Ok(entries) => (entries, notes),
        Err(e) => {
            notes.push(e);
            // What is on disk, at least.
            let entries = Queue::load(data_dir).map(|q| q.entries.into_values().collect());
            (entries.unwrap_or_default(), notes)
        }
    }
}

/// The proposal's source, on its cluster, now.
pub async fn revalidate(scanner: &impl Scanner, p: &Proposal) -> Result<Revalidated, String> {
    let found = scanner.scan(Some(&p.context), Some(p.source)).await;
    if let Some(e) = found.errors.first() {
        return Err(format!("cannot re-validate: {e}"));
    }
    if let Some(same) = found.proposals.iter().find(|f| f.id == p.id) {
        return Ok(Revalidated::Same(Box::new(same.clone())));
    }
    Ok(
        match found.proposals.into_iter().find(|f| f.object == p.object) {
            Some(o) => Revalidated::Changed(Box::new(o)),
            None => Revalidated::Gone,
        },
    )
}

fn set(data_dir: &Path, id: &str, decision: Decision) -> Result<(), String> {
    Queue::update(data_dir, |q| {
        if let Some(e) = q.entries.get_mut(id) {
            e.decision = decision;
        }
        Ok(())
    })
}

/// Records that a proposal's fix was applied (by the dialog or a batch).
pub fn approved(data_dir: &Path, id: &str, reason: &str, outcome: &str) -> Result<(), String> {
    set(
        data_dir,
        id,
        Decision::Approved {
            by: crate::journal::local_operator(),
            reason: reason.into(),
            at: Utc::now(),
            outcome: outcome.into(),
        },
    )
}

/// Approves each: re-validated, then executed; one line per proposal.
pub async fn batch(
    scanner: &impl Scanner,
    data_dir: &Path,
    journal: &Journal,
    ids: &[String],
    reason: &str,
    stop: &std::sync::atomic::AtomicBool,
    log: &mut (dyn FnMut(String) + Send),
) {
    for (i, id) in ids.iter().enumerate() {
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            log(format!(
                "batch stopped before {id}: {} of {} not approved",
                ids.len() - i,
                ids.len()
            ));
            return;
        }
        let entry = match Queue::load(data_dir).and_then(|q| q.find(id).cloned()) {
            Ok(e) => e,
            Err(e) => {
                log(e);
                continue;
            }
        };
        let state = entry.decision.word(Utc::now());
        if state != "pending" {
            log(format!("{id}: {state}; skipped"));
            continue;
        }
        match revalidate(scanner, &entry.proposal).await {
            Ok(Revalidated::Same(p)) => match scanner.execute(journal, &p, reason).await {
                Ok(line) => {
                    let _ = approved(data_dir, id, reason, "applied");
                    log(format!("approved {line}"));
                }
                Err(e) => log(format!("not applied: {e}")),
            },
            Ok(Revalidated::Changed(p)) => log(format!(
                "{id}: changed since proposed (now {}); skipped",
                p.id
            )),
            Ok(Revalidated::Gone) => {
                let note = "no longer found (fixed elsewhere)".to_string();
                let _ = set(
                    data_dir,
                    id,
                    Decision::Resolved {
                        at: Utc::now(),
                        note,
                    },
                );
                log(format!("{id}: already applied elsewhere; skipped"));
            }
            Err(e) => log(format!("{id}: {e}")),
        }
    }
}

/// Reject (no `until`) or snooze, journaled.
pub fn decide(
    data_dir: &Path,
    journal: &Journal,
    id: &str,
    reason: &str,
    until: Option<DateTime<Utc>>,
) -> Result<String, String> {
    Queue::update(data_dir, |q| apply::decide(q, journal, id, reason, until))
}
