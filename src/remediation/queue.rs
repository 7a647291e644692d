//! The approval queue: proposals with the operator's decisions, kept in the
//! data dir so they survive a restart. A proposal's id is derived from its
//! cluster, target and the change it proposes, so two consoles on different
//! machines name the same proposal the same way.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::ops::apply::Change;
use crate::ops::target::Target;
use crate::ops::Operation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Live differs from the desired-state tree.
    Drift,
    /// An Argo CD Application is OutOfSync.
    ArgoCd,
    /// A canary fails its SLO gate.
    SloGate,
    /// A workload crash-loops after a rollout.
    CrashLoop,
    /// The cost view's right-sizing.
    RightSizing,
    /// A Gatekeeper constraint reports violations (listed, no fix).
    Gatekeeper,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Drift => "drift",
            Source::ArgoCd => "argocd",
            Source::SloGate => "slo-gate",
            Source::CrashLoop => "crashloop",
            Source::RightSizing => "right-sizing",
            Source::Gatekeeper => "gatekeeper",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    /// Pods the change touches.
    pub pods: i64,
    /// A primary, protected or `prod` cluster.
    pub production: bool,
    /// The cluster's worst SLO state when proposed.
    pub slo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: String,
    pub source: Source,
    pub context: String,
    /// What it is about, as kubectl names it (`shop/deployment/web`).
    pub object: String,
    /// What the fix writes (`None` for findings that are only listed).
    pub target: Option<Target>,
    pub summary: String,
    #[serde(default)]
    pub changes: Vec<Change>,
    /// The fix; `None` for findings that are only listed.
    pub op: Option<Operation>,
    pub risk: Risk,
    pub found: DateTime<Utc>,
    /// The fix's pre-flight when scanned: `ok` (RBAC and the server's
    /// dry-run accept it) or why not.
    #[serde(default)]
    pub preflight: Option<String>,
}

/// Keys sorted at every level: the same value hashes the same everywhere.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&m[*k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// `d-1a2b3c4d5e6f`: source initial and 12 hex digits of the SHA-256 of the
/// cluster, object and proposed change (or finding).
pub fn id(source: Source, context: &str, object: &str, change: &Value) -> String {
    let mut h = Sha256::new();
    h.update(format!(
        "{}\n{context}\n{object}\n{}",
        source.as_str(),
        canonical(change)
    ));
    let hex: String = h
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{}-{hex}", &source.as_str()[..1])
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Decision {
    Pending,
    Approved {
        by: String,
        reason: String,
        at: DateTime<Utc>,
        outcome: String,
    },
    Rejected {
        by: String,
        reason: String,
        at: DateTime<Utc>,
    },
    Snoozed {
        until: DateTime<Utc>,
        by: String,
        reason: String,
    },
    /// Found fixed (by someone else) when re-validated.
    Resolved {
        at: DateTime<Utc>,
        note: String,
    },
}

impl Decision {
    pub fn word(&self, now: DateTime<Utc>) -> &'static str {
        match self {
            Decision::Pending => "pending",
            Decision::Approved { .. } => "approved",
            Decision::Rejected { .. } => "rejected",
            Decision::Snoozed { until, .. } if *until <= now => "pending",
            Decision::Snoozed { .. } => "snoozed",
            Decision::Resolved { .. } => "resolved",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub proposal: Proposal,
    pub decision: Decision,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct File {
    #[serde(default)]
    pub(super) entries: BTreeMap<String, Entry>,
}

/// The queue as read; changed on disk only through [`Queue::update`]
/// (`queue_file.rs`), which holds the lock around read-modify-write.
#[derive(Clone)]
pub struct Queue {
    pub(super) path: PathBuf,
    pub entries: BTreeMap<String, Entry>,
}

impl Queue {
    /// A scan's findings for the clusters it covered: new ones join as
    /// pending; decided ones keep their decision; pending ones no longer
    /// found are gone (fixed), and so are they in the list.
    pub fn merge(&mut self, scanned: &[String], found: Vec<Proposal>) {
        let ids: std::collections::BTreeSet<&str> = found.iter().map(|p| p.id.as_str()).collect();
        self.entries.retain(|id, e| {
            let covered = scanned.contains(&e.proposal.context);
            !(covered && e.decision == Decision::Pending && !ids.contains(id.as_str()))
        });
        for p in found {
            match self.entries.get_mut(&p.id) {
                // Same id, same change: refresh the figures, keep the
                // decision — unless it was applied or found fixed and is
                // back (someone changed it again): then it is open again.
                Some(e) => {
                    if matches!(
                        e.decision,
                        Decision::Approved { .. } | Decision::Resolved { .. }
                    ) {
                        e.decision = Decision::Pending;
                    }
                    e.proposal = p;
                }
                None => {
                    self.entries.insert(
                        p.id.clone(),
                        Entry {
                            proposal: p,
                            decision: Decision::Pending,
                        },
                    );
                }
            }
        }
    }

    /// The entry an id (or a unique prefix of one) names.
    pub fn find(&self, id: &str) -> Result<&Entry, String> {
        let hits: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|(k, _)| k.starts_with(id))
            .map(|(_, e)| e)
            .collect();
        match hits.as_slice() {
            [one] => Ok(one),
            [] => Err(format!("no proposal {id} (fleetdeck remediation list)")),
            _ => Err(format!(
                "{id} names {} proposals; give more of it",
                hits.len()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::target::ObjectKind;
    use serde_json::json;

    fn proposal(ctx: &str, replicas: i64) -> Proposal {
        let target = Target::new(ctx, "shop", ObjectKind::Deployment, "web");
        let manifest = json!({"spec": {"replicas": replicas}, "metadata": {"name": "web"}});
        Proposal {
            id: id(Source::Drift, ctx, "shop/deployment/web", &manifest),
            source: Source::Drift,
            context: ctx.into(),
            object: "shop/deployment/web".into(),
            target: Some(target),
            summary: String::new(),
            changes: Vec::new(),
            op: Some(Operation::Apply { manifest }),
            risk: Risk {
                pods: 3,
                production: true,
                slo: None,
            },
            found: Utc::now(),
            preflight: None,
        }
    }

    #[test]
    fn ids_are_stable_across_key_order_and_differ_by_change() {
        let t = "ns/deployment/web";
        let a: Value = serde_json::from_str(r#"{"a":1,"b":{"y":2,"x":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"b":{"x":3,"y":2},"a":1}"#).unwrap();
        assert_eq!(id(Source::Drift, "c", t, &a), id(Source::Drift, "c", t, &b));
        assert_ne!(
            id(Source::Drift, "c", t, &a),
            id(Source::Drift, "c", t, &json!({"a": 2}))
        );
        assert!(id(Source::Drift, "c", t, &a).starts_with("d-"));
        assert_eq!(id(Source::Drift, "c", t, &a).len(), 14);
    }

    #[test]
    fn decisions_survive_a_reload_and_fixed_pending_ones_go() {
        let dir = tempfile::tempdir().unwrap();
        let mut q = Queue::load(dir.path()).unwrap();
        let (p1, p2, other) = (proposal("c", 3), proposal("c", 4), proposal("d", 3));
        q.merge(
            &["c".into(), "d".into()],
            vec![p1.clone(), p2.clone(), other.clone()],
        );
        q.entries.get_mut(&p1.id).unwrap().decision = Decision::Rejected {
            by: "me".into(),
            reason: "intended".into(),
            at: Utc::now(),
        };
        Queue::update(dir.path(), |disk| {
            disk.entries = q.entries.clone();
            Ok(())
        })
        .unwrap();
        let mut q = Queue::load(dir.path()).unwrap();
        assert_eq!(q.entries.len(), 3);
        // Rescanning c finds nothing: the pending p2 is gone, the rejected p1
        // stays rejected; d was not scanned, so its proposal stays.
        q.merge(&["c".into()], Vec::new());
        let left: Vec<&str> = q.entries.keys().map(String::as_str).collect();
        let mut want = vec![p1.id.as_str(), other.id.as_str()];
        want.sort();
        assert_eq!(left, want);
        assert!(q.find("d-").is_err(), "ambiguous prefix");
        // An applied drift that comes back is open again; a rejection stays.
        q.entries.get_mut(&other.id).unwrap().decision = Decision::Approved {
            by: "me".into(),
            reason: "fixed".into(),
            at: Utc::now(),
            outcome: "applied".into(),
        };
        q.merge(&["c".into(), "d".into()], vec![p1.clone(), other.clone()]);
        assert_eq!(q.entries[&other.id].decision, Decision::Pending);
        assert!(matches!(
            q.entries[&p1.id].decision,
            Decision::Rejected { .. }
        ));
        assert!(q.find(&p1.id[..8]).is_ok() || p1.id[..8] == other.id[..8]);
        std::fs::write(
            dir.path().join("remediations.json"),
            "{\n  \"entries\": [\n",
        )
        .unwrap();
        let e = Queue::load(dir.path()).err().unwrap();
        assert!(e.contains("remediations.json:2: invalid type"), "{e}");
    }

    #[test]
    fn a_snooze_ends_on_its_own() {
        let now = Utc::now();
        let d = Decision::Snoozed {
            until: now + chrono::Duration::minutes(5),
            by: "me".into(),
            reason: "change freeze".into(),
        };
        assert_eq!(d.word(now), "snoozed");
        assert_eq!(d.word(now + chrono::Duration::minutes(6)), "pending");
    }
}
