//! One journal line. Field names are the on-disk format: renaming one breaks
//! every existing journal (and its hash chain), so they are fixed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// Written (and fsynced) before the request is sent.
    #[default]
    Intent,
    /// What happened to an intent's request.
    Outcome,
    /// After a crash: an unfinished intent checked against live state.
    Reconcile,
    /// Refused (RBAC, read-only) — with or without an intent before it.
    Denied,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Intent => "intent",
            RecordKind::Outcome => "outcome",
            RecordKind::Reconcile => "reconcile",
            RecordKind::Denied => "denied",
        }
    }
}

/// The object acted on. `namespace` is empty for cluster-scoped objects;
/// `kind` as the API spells it (`Deployment`, `Rollout`, …).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Target {
    pub namespace: String,
    pub kind: String,
    pub name: String,
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.namespace, self.kind, self.name)
        }
    }
}

/// A stored record: what the caller gave plus `seq`, `ts` and `prev`, which
/// only `Journal::append` assigns (under the lock).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    pub kind: RecordKind,
    /// The action id; an outcome/reconcile/denied carries its intent's id.
    pub id: String,
    /// Local OS user.
    pub operator: String,
    /// The user as the API server reports it (SelfSubjectReview).
    pub identity: Option<String>,
    pub context: String,
    pub target: Target,
    pub action: String,
    pub reason: String,
    /// `{ "patch_type", "subresource", "body" }`, redacted before writing.
    pub request: Option<Value>,
    pub rv_before: Option<String>,
    pub rv_after: Option<String>,
    /// `ok`, `conflict`, `denied`, `error`, `unverified`, `applied`, `not_applied`, …
    pub result: Option<String>,
    pub error: Option<String>,
    /// Anything else worth keeping; redacted before writing.
    pub detail: Option<Value>,
    /// Hex SHA-256 of the previous record's line as stored (without `\n`);
    /// 64 zeros for the first record.
    pub prev: String,
}

/// What the caller supplies: a `Record` without `seq`, `ts` and `prev`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewRecord {
    pub kind: RecordKind,
    pub id: String,
    pub operator: String,
    pub identity: Option<String>,
    pub context: String,
    pub target: Target,
    pub action: String,
    pub reason: String,
    pub request: Option<Value>,
    pub rv_before: Option<String>,
    pub rv_after: Option<String>,
    pub result: Option<String>,
    pub error: Option<String>,
    pub detail: Option<Value>,
}

impl NewRecord {
    /// A record of `kind` for action `id`, operator = the local OS user; set
    /// the remaining fields directly.
    pub fn new(
        kind: RecordKind,
        id: impl Into<String>,
        context: impl Into<String>,
        target: Target,
        action: impl Into<String>,
    ) -> Self {
        NewRecord {
            kind,
            id: id.into(),
            operator: local_operator(),
            context: context.into(),
            target,
            action: action.into(),
            ..NewRecord::default()
        }
    }

    /// The outcome (or reconcile/denied) record of an intent: same id, operator,
    /// identity, context, target, action and reason; no request, no results.
    pub fn follow_up(intent: &Record, kind: RecordKind) -> Self {
        NewRecord {
            kind,
            id: intent.id.clone(),
            operator: intent.operator.clone(),
            identity: intent.identity.clone(),
            context: intent.context.clone(),
            target: intent.target.clone(),
            action: intent.action.clone(),
            reason: intent.reason.clone(),
            rv_before: intent.rv_before.clone(),
            ..NewRecord::default()
        }
    }
}

/// The local OS user: `$USER`, `$LOGNAME`, else `uid:N`.
pub fn local_operator() -> String {
    for var in ["USER", "LOGNAME"] {
        if let Ok(v) = std::env::var(var) {
            if !v.is_empty() {
                return v;
            }
        }
    }
    uid_fallback()
}

#[cfg(unix)]
fn uid_fallback() -> String {
    use std::os::unix::fs::MetadataExt;
    // /proc/self is owned by the process's uid; no libc needed.
    match std::fs::metadata("/proc/self") {
        Ok(m) => format!("uid:{}", m.uid()),
        Err(_) => "unknown".into(),
    }
}

#[cfg(not(unix))]
fn uid_fallback() -> String {
    std::env::var("USERNAME").unwrap_or_else(|_| "unknown".into())
}
