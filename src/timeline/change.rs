//! One line of the timeline and how lines are ordered and grouped.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> ObjectRef {
        ObjectRef {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.namespace, self.kind, self.name)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A new revision: images (or the template) before → after.
    Revision,
    /// spec.replicas changed.
    Scale,
    /// A workload's spec written by someone who is not a controller.
    Edit,
    /// A rollout paused, resumed, aborted, promoted.
    Rollout,
    /// Blue/green: the active Service now selects another revision.
    Cutover,
    /// Warning Events, one line per object and reason.
    Warning,
    /// A node turned NotReady / Ready, was cordoned / uncordoned.
    Node,
    /// A cluster seen unreachable, back, excluded, degraded by this console.
    Cluster,
    /// An SLO alert starting or stopping to fire.
    Slo,
    /// A fleetdeck action: this console's journal or another console's Event.
    Action,
    /// An Argo CD sync: deployed (its history), running or failed now.
    Sync,
    /// A Velero backup that failed or partly failed.
    Backup,
    /// A chaos experiment started, or stopped hurting its targets.
    Chaos,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 13] = [
        ChangeKind::Revision,
        ChangeKind::Scale,
        ChangeKind::Edit,
        ChangeKind::Rollout,
        ChangeKind::Cutover,
        ChangeKind::Warning,
        ChangeKind::Node,
        ChangeKind::Cluster,
        ChangeKind::Slo,
        ChangeKind::Action,
        ChangeKind::Sync,
        ChangeKind::Backup,
        ChangeKind::Chaos,
    ];

    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Revision => "revision",
            ChangeKind::Scale => "scale",
            ChangeKind::Edit => "edit",
            ChangeKind::Rollout => "rollout",
            ChangeKind::Cutover => "cutover",
            ChangeKind::Warning => "warning",
            ChangeKind::Node => "node",
            ChangeKind::Cluster => "cluster",
            ChangeKind::Slo => "slo",
            ChangeKind::Action => "action",
            ChangeKind::Sync => "sync",
            ChangeKind::Backup => "backup",
            ChangeKind::Chaos => "chaos",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.word() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// When it happened (for an aggregate of Events: the last one).
    pub time: DateTime<Utc>,
    pub context: String,
    pub kind: ChangeKind,
    pub object: ObjectRef,
    /// A field manager, user, controller or console; `None` when unknown.
    pub by: Option<String>,
    /// One line: `image 1.4.2 → 1.5.0`, `BackOff ×100`.
    pub summary: String,
    /// More lines for the detail pane: Event messages, the fields an edit
    /// touched, the journal record.
    pub detail: Option<String>,
    /// How many times (Events); 1 otherwise.
    #[serde(default = "one")]
    pub count: u64,
    /// The first occurrence, for aggregates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<DateTime<Utc>>,
}

fn one() -> u64 {
    1
}

impl Change {
    pub fn new(
        time: DateTime<Utc>,
        context: &str,
        kind: ChangeKind,
        object: ObjectRef,
        summary: String,
    ) -> Change {
        Change {
            time,
            context: context.into(),
            kind,
            object,
            by: None,
            summary,
            detail: None,
            count: 1,
            first: None,
        }
    }

    pub fn by(mut self, by: impl Into<String>) -> Change {
        self.by = Some(by.into());
        self
    }

    pub fn detail(mut self, d: impl Into<String>) -> Change {
        self.detail = Some(d.into());
        self
    }
}

/// Newest first; ties in a stable order so the view does not flicker.
pub fn sort(changes: &mut [Change]) {
    changes.sort_by(|a, b| {
        b.time
            .cmp(&a.time)
            .then_with(|| a.context.cmp(&b.context))
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.summary.cmp(&b.summary))
    });
}
