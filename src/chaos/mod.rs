//! Chaos experiments across the fleet: every Chaos Mesh experiment, Schedule
//! and Workflow and every LitmusChaos engine (with its results), what each
//! targets and whether it is running now. Pure reading of the objects here;
//! `read` lists them and resolves their selectors to workloads, `fleet`
//! answers "is this cluster or workload under an experiment".

pub mod fleet;
pub mod gate;
pub mod monitor;
pub mod read;
pub mod selector;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// The kinds live with the config that declares experiments (a lower layer).
pub use crate::config::chaos_kind as kind;
pub use kind::ChaosKind;
use kind::PAUSE_ANNOTATION;
pub use selector::Selector;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Injecting (or about to: created, no status yet).
    Running,
    Paused,
    /// Done or recovered on its own (`desiredPhase: Stop`, engine completed).
    Finished,
    /// Stopped by someone (`engineState: stop`).
    Stopped,
}

impl Phase {
    /// Whether the experiment may be hurting its targets now: a paused one
    /// has recovered them, a finished one too.
    pub fn active(self) -> bool {
        self == Phase::Running
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Running => "active",
            Phase::Paused => "paused",
            Phase::Finished => "finished",
            Phase::Stopped => "stopped",
        }
    }
}

/// A workload an experiment hits, with how many of its pods.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Hit {
    pub namespace: String,
    pub workload: String,
    pub pods: usize,
}

/// A Litmus experiment's latest `ChaosResult`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub experiment: String,
    pub phase: Option<String>,
    pub verdict: Option<String>,
    pub probe_success_percentage: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Experiment {
    pub context: String,
    pub kind: ChaosKind,
    pub namespace: String,
    pub name: String,
    pub phase: Phase,
    pub since: Option<DateTime<Utc>>,
    /// When it stopped or finished, if it says.
    pub ended: Option<DateTime<Utc>>,
    /// For a Schedule or Workflow, the kinds it spawns (`NetworkChaos`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spawns: Vec<String>,
    pub selectors: Vec<Selector>,
    /// The workloads its selectors reach now (empty until resolved).
    pub hits: Vec<Hit>,
    /// Why `hits` could not be worked out, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hits_unknown: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<Verdict>,
}

impl Experiment {
    /// `NetworkChaos eu-latency active 4 min` (`paused`, `finished`).
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        let mut s = format!("{} {} {}", self.kind.name(), self.name, self.phase.as_str());
        if let (true, Some(t)) = (self.phase.active(), self.since) {
            s.push(' ');
            s.push_str(&minutes((now - t).num_seconds()));
        }
        s
    }

    /// Whether it reaches the workload `namespace/name` (by its hits, or, not
    /// resolved, by naming the namespace).
    pub fn hits(&self, namespace: &str, name: &str) -> bool {
        self.hits
            .iter()
            .any(|h| h.namespace == namespace && h.workload == name)
    }

    /// `shop/web (3 pods), pay/db (1 pod)`, or why it is not known.
    pub fn reach(&self) -> String {
        if let Some(why) = &self.hits_unknown {
            return format!("unknown ({why})");
        }
        if self.hits.is_empty() {
            return match self.phase.active() {
                true => "no pods match".into(),
                false => "-".into(),
            };
        }
        self.hits
            .iter()
            .map(|h| {
                let s = if h.pods == 1 { "" } else { "s" };
                format!("{}/{} ({} pod{s})", h.namespace, h.workload, h.pods)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether it reaches into `namespace`: a workload hit there, or a
    /// selector naming it (its pods may be gone, killed by it).
    pub fn hits_namespace(&self, namespace: &str) -> bool {
        self.hits.iter().any(|h| h.namespace == namespace)
            || self.selectors.iter().any(|s| {
                s.namespaces.iter().any(|n| n == namespace) || s.pods.contains_key(namespace)
            })
    }
}

/// `4 min`, `2 h 5 min`, `3 d`.
pub fn minutes(secs: i64) -> String {
    let m = secs.max(0) / 60;
    match m {
        0..=59 => format!("{m} min"),
        60..=1439 => format!("{} h {} min", m / 60, m % 60),
        _ => format!("{} d", m / 1440),
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn condition(o: &Value, kind: &str) -> Option<bool> {
    o.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
        .map(|c| c["status"] == "True")
}

/// A Chaos Mesh object (an experiment, Schedule or Workflow) as it stands.
pub fn mesh(context: &str, kind: ChaosKind, o: &Value) -> Experiment {
    let m = &o["metadata"];
    let namespace = text(&m["namespace"]).unwrap_or_default();
    let paused =
        m["annotations"][PAUSE_ANNOTATION] == "true" || condition(o, "Paused") == Some(true);
    let desired = o
        .pointer("/status/experiment/desiredPhase")
        .and_then(Value::as_str);
    let finished = match kind {
        ChaosKind::Workflow => condition(o, "Accomplished") == Some(true),
        ChaosKind::Schedule => false,
        _ => {
            desired == Some("Stop")
                || condition(o, "AllRecovered") == Some(true) && desired != Some("Run")
        }
    };
    let phase = if paused {
        Phase::Paused
    } else if finished {
        Phase::Finished
    } else {
        Phase::Running
    };
    let spec = &o["spec"];
    let (selectors, spawns) = selector::of_mesh(kind, spec, &namespace);
    Experiment {
        context: context.to_string(),
        kind,
        name: text(&m["name"]).unwrap_or_default(),
        namespace,
        phase,
        since: time(&m["creationTimestamp"]),
        ended: (phase != Phase::Running)
            .then(|| last_recovery(o))
            .flatten(),
        spawns,
        selectors,
        hits: Vec::new(),
        hits_unknown: None,
        results: Vec::new(),
    }
}

/// The newest successful `Recover` among the experiment's container records.
fn last_recovery(o: &Value) -> Option<DateTime<Utc>> {
    o.pointer("/status/experiment/containerRecords")?
        .as_array()?
        .iter()
        .filter_map(|r| r["events"].as_array())
        .flatten()
        .filter(|e| e["operation"] == "Recover" && e["type"] == "Succeeded")
        .filter_map(|e| time(&e["timestamp"]))
        .max()
}

/// A Litmus `ChaosEngine` with the `ChaosResult`s that name it.
pub fn engine(context: &str, o: &Value, results: &[Value]) -> Experiment {
    let m = &o["metadata"];
    let namespace = text(&m["namespace"]).unwrap_or_default();
    let name = text(&m["name"]).unwrap_or_default();
    let state = o.pointer("/spec/engineState").and_then(Value::as_str);
    let status = o.pointer("/status/engineStatus").and_then(Value::as_str);
    let phase = match (state, status) {
        (Some("stop"), _) | (_, Some("stopped")) => Phase::Stopped,
        (_, Some("completed")) => Phase::Finished,
        _ => Phase::Running,
    };
    let results: Vec<Verdict> = results
        .iter()
        .filter(|r| {
            r["metadata"]["namespace"] == namespace.as_str()
                && r.pointer("/spec/engine").and_then(Value::as_str) == Some(name.as_str())
        })
        .map(|r| {
            let st = &r["status"]["experimentStatus"];
            Verdict {
                experiment: text(&r["spec"]["experiment"])
                    .or_else(|| text(&r["metadata"]["name"]))
                    .unwrap_or_default(),
                phase: text(&st["phase"]),
                verdict: text(&st["verdict"]),
                probe_success_percentage: percent(&st["probeSuccessPercentage"]),
            }
        })
        .collect();
    let app = &o["spec"]["appinfo"];
    let selectors = selector::of_appinfo(app, &namespace).into_iter().collect();
    Experiment {
        context: context.to_string(),
        kind: ChaosKind::ChaosEngine,
        namespace,
        name,
        phase,
        since: time(&m["creationTimestamp"]),
        ended: None,
        spawns: o
            .pointer("/spec/experiments")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|e| text(&e["name"])).collect())
            .unwrap_or_default(),
        selectors,
        hits: Vec::new(),
        hits_unknown: None,
        results,
    }
}

/// Litmus writes `probeSuccessPercentage` as a string ("100") or a number.
fn percent(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| {
        v.as_str()
            .and_then(|s| s.trim_end_matches('%').parse().ok())
    })
}

#[cfg(test)]
mod tests;
