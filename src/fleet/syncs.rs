//! Argo CD syncs as the Applications record them: `status.history[]` (each
//! deployed revision, when and by whom) and `status.operationState` (the
//! sync running or failed now). Decoded with only those fields — an
//! Application's `status.resources[]` can list hundreds of objects.

use chrono::{DateTime, Utc};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::{Deserialize, Serialize};

use super::objects::{time, Compact};
use super::revisions::{slim_meta, wire_resource};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deploy {
    pub id: i64,
    pub revision: String,
    pub started: Option<DateTime<Utc>>,
    pub deployed: Option<DateTime<Utc>>,
    pub by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    /// Running, Terminating, Failed, Error, Succeeded.
    pub phase: String,
    pub message: String,
    pub revision: String,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    pub by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncInfo {
    pub namespace: String,
    pub name: String,
    pub history: Vec<Deploy>,
    pub operation: Option<Operation>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireApplication {
    #[serde(default, deserialize_with = "slim_meta")]
    metadata: ObjectMeta,
    #[serde(default)]
    status: Option<AppStatus>,
}

wire_resource!(
    WireApplication,
    "argoproj.io",
    "v1alpha1",
    "argoproj.io/v1alpha1",
    "Application",
    "applications"
);

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppStatus {
    #[serde(default)]
    history: Option<Vec<History>>,
    #[serde(default)]
    operation_state: Option<OperationState>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct History {
    #[serde(default)]
    id: i64,
    #[serde(default)]
    revision: Option<String>,
    #[serde(default)]
    revisions: Option<Vec<String>>,
    #[serde(default)]
    deployed_at: Option<Time>,
    #[serde(default)]
    deploy_started_at: Option<Time>,
    #[serde(default)]
    initiated_by: Option<InitiatedBy>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct InitiatedBy {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    automated: Option<bool>,
}

impl InitiatedBy {
    /// Argo CD's words: a user, or its automated sync policy.
    fn who(&self) -> Option<String> {
        match (&self.username, self.automated) {
            (Some(u), _) if !u.is_empty() => Some(u.clone()),
            (_, Some(true)) => Some("argocd (automated)".into()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OperationState {
    #[serde(default)]
    operation: Option<OperationSpec>,
    #[serde(default)]
    phase: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    started_at: Option<Time>,
    #[serde(default)]
    finished_at: Option<Time>,
    #[serde(default)]
    sync_result: Option<SyncRevision>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OperationSpec {
    #[serde(default)]
    sync: Option<SyncRevision>,
    #[serde(default)]
    initiated_by: Option<InitiatedBy>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct SyncRevision {
    #[serde(default)]
    revision: Option<String>,
    #[serde(default)]
    revisions: Option<Vec<String>>,
}

/// One revision, or a multi-source Application's revisions joined.
fn one(revision: &Option<String>, revisions: &Option<Vec<String>>) -> String {
    match (revision, revisions) {
        (Some(r), _) if !r.is_empty() => r.clone(),
        (_, Some(rs)) => rs.join(", "),
        _ => String::new(),
    }
}

impl Compact for SyncInfo {
    type Source = WireApplication;
    type Tally = ();
    fn compact(app: &WireApplication) -> Option<Self> {
        let status = app.status.as_ref();
        let history = status
            .and_then(|s| s.history.as_ref())
            .map(|h| {
                h.iter()
                    .map(|d| Deploy {
                        id: d.id,
                        revision: one(&d.revision, &d.revisions),
                        started: d.deploy_started_at.as_ref().and_then(time),
                        deployed: d.deployed_at.as_ref().and_then(time),
                        by: d.initiated_by.as_ref().and_then(InitiatedBy::who),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let operation = status.and_then(|s| s.operation_state.as_ref()).map(|o| {
            let spec = o.operation.as_ref();
            let asked = spec.and_then(|s| s.sync.as_ref());
            let result = o.sync_result.as_ref().or(asked);
            Operation {
                phase: o.phase.clone().unwrap_or_default(),
                message: o.message.clone().unwrap_or_default(),
                revision: result
                    .map(|r| one(&r.revision, &r.revisions))
                    .unwrap_or_default(),
                started: o.started_at.as_ref().and_then(time),
                finished: o.finished_at.as_ref().and_then(time),
                by: spec
                    .and_then(|s| s.initiated_by.as_ref())
                    .and_then(InitiatedBy::who),
            }
        });
        Some(SyncInfo {
            namespace: app.metadata.namespace.clone().unwrap_or_default(),
            name: app.metadata.name.clone()?,
            history,
            operation,
        })
    }
    fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}
