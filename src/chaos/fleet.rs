//! The fleet's experiments at one moment, and the questions views ask of
//! them: is this cluster, or this workload, under an active experiment?
//! Shared by `fleetdeck chaos`, the Chaos view, the Fleet/workload/SLO
//! marks, the failover pre-flight and the timeline.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::read::Read;
use super::Experiment;

pub const NOT_INSTALLED: &str = "no Chaos Mesh or LitmusChaos CRDs";

/// One cluster's answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Found {
    pub context: String,
    pub experiments: Vec<Experiment>,
    /// Why nothing (or not everything) could be read; `None` when all was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Neither tool is installed: nothing to read, nothing unknown.
    #[serde(skip)]
    pub absent: bool,
}

impl Found {
    pub fn of(context: &str, read: Result<Read, String>) -> Found {
        let mut f = Found {
            context: context.to_string(),
            ..Default::default()
        };
        match read {
            Err(e) => f.note = Some(e),
            Ok(r) => {
                f.absent = !r.installed && r.problems.is_empty();
                if !r.problems.is_empty() {
                    f.note = Some(format!("partly read: {}", r.problems.join("; ")));
                }
                f.experiments = r.experiments;
            }
        }
        f
    }

    /// Whether the cluster's experiments are not all known (could not be
    /// read, or only partly).
    pub fn unknown(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetChaos {
    pub at: Option<DateTime<Utc>>,
    pub clusters: Vec<Found>,
}

impl FleetChaos {
    pub fn cluster(&self, context: &str) -> Option<&Found> {
        self.clusters.iter().find(|c| c.context == context)
    }

    pub fn all(&self) -> impl Iterator<Item = &Experiment> {
        self.clusters.iter().flat_map(|c| c.experiments.iter())
    }

    /// Whether any experiment runs in the cluster now (asked per row per
    /// frame: no list is built).
    pub fn running(&self, context: &str) -> bool {
        self.cluster(context)
            .is_some_and(|c| c.experiments.iter().any(|e| e.phase.active()))
    }

    /// The cluster's experiments running now, longest running first.
    pub fn active(&self, context: &str) -> Vec<&Experiment> {
        let mut v: Vec<&Experiment> = self
            .cluster(context)
            .map(|c| c.experiments.iter().filter(|e| e.phase.active()).collect())
            .unwrap_or_default();
        v.sort_by_key(|e| e.since);
        v
    }

    /// `chaos: NetworkChaos eu-latency active 4 min (+1 more)`, or why it
    /// is not known; `None` when nothing runs there.
    pub fn cluster_mark(&self, context: &str, now: DateTime<Utc>) -> Option<String> {
        let found = self.cluster(context)?;
        let active = self.active(context);
        match (active.first(), found.unknown()) {
            (Some(first), _) => Some(mark(first, active.len(), now)),
            (None, Some(why)) if !found.absent => Some(format!("chaos: unknown ({why})")),
            _ => None,
        }
    }

    /// The experiments running now that reach `namespace/name` on `context`.
    pub fn on_workload(&self, context: &str, namespace: &str, name: &str) -> Vec<&Experiment> {
        self.active(context)
            .into_iter()
            .filter(|e| e.hits(namespace, name))
            .collect()
    }

    pub fn workload_mark(
        &self,
        context: &str,
        namespace: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let on = self.on_workload(context, namespace, name);
        on.first().map(|e| mark(e, on.len(), now))
    }

    /// Every experiment, running first, then by cluster and name.
    pub fn rows(&self) -> Vec<&Experiment> {
        let mut v: Vec<&Experiment> = self.all().collect();
        v.sort_by(|a, b| {
            (a.phase, &a.context, &a.namespace, &a.name).cmp(&(
                b.phase,
                &b.context,
                &b.namespace,
                &b.name,
            ))
        });
        v
    }
}

fn mark(first: &Experiment, n: usize, now: DateTime<Utc>) -> String {
    let more = if n > 1 {
        format!(" (+{} more)", n - 1)
    } else {
        String::new()
    };
    format!("chaos: {}{more}", first.describe(now))
}

/// `fleetdeck chaos --json`.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub experiments: Vec<&'a Experiment>,
    pub notes: Vec<Note<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Note<'a> {
    pub context: &'a str,
    pub note: &'a str,
}

impl FleetChaos {
    pub fn report(&self) -> Report<'_> {
        Report {
            experiments: self.rows(),
            notes: self
                .clusters
                .iter()
                .filter_map(|c| {
                    Some(Note {
                        context: &c.context,
                        note: c.note.as_deref()?,
                    })
                })
                .collect(),
        }
    }
}
