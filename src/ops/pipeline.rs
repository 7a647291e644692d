//! The one mutation pipeline: plan → pre-flight → (confirm, by the caller) →
//! execute with a resourceVersion precondition → verify → marks → journal.
//! Every action fleetdeck takes on a cluster goes through `execute`.

use std::time::Duration;

use chrono::Utc;
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
use kube::api::{Api, DynamicObject, PatchParams, PostParams};
use kube::Client;
use serde_json::{json, Value};

use super::action::{blast_radius, done, request, unsupported, Operation, PatchRequest};
use super::marks;
use super::target::Target;
use crate::fleet::guard::is_refusal;
use crate::fleet::kubeconfig::kube_message;

/// Everything decided before anything is sent.
#[derive(Debug, Clone)]
pub struct Plan {
    pub target: Target,
    pub op: Operation,
    pub request: PatchRequest,
    pub before: DynamicObject,
    /// What the request targets as the server shows it: the object, or its
    /// subresource (a Scale); the dry-run diff compares against this.
    pub before_view: Value,
    pub rv_before: String,
    /// Pods the action touches; always one cluster for these actions.
    pub pods: i64,
    /// Scaling to zero takes a service down: the operator must type its name.
    pub destructive: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Preflight {
    /// The server accepted a dry-run; `after` is the object as it would be.
    Ready {
        after: Value,
    },
    /// The object changed between plan and dry-run (its status moves on its
    /// own): plan again.
    Stale,
    Unavailable(String),
}

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error("{0}")]
    Invalid(String),
    #[error("{target}: {message}")]
    Api { target: String, message: String },
}

fn api(client: &Client, t: &Target) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), &t.namespace, &t.api_resource())
}

pub async fn plan(client: &Client, target: &Target, op: Operation) -> Result<Plan, OpError> {
    if let Some(why) = unsupported(&op, target.kind) {
        return Err(OpError::Invalid(format!("{target}: {why}")));
    }
    let before = api(client, target)
        .get(&target.name)
        .await
        .map_err(|e| OpError::Api {
            target: target.to_string(),
            message: kube_message(&e),
        })?;
    let request = request(&op, target, Utc::now());
    let before_view = match &request.subresource {
        Some(sub) => api(client, target)
            .get_subresource(sub, &target.name)
            .await
            .map(|o| serde_json::to_value(o).unwrap_or(Value::Null))
            .map_err(|e| OpError::Api {
                target: target.to_string(),
                message: kube_message(&e),
            })?,
        None => serde_json::to_value(&before).unwrap_or(Value::Null),
    };
    Ok(plan_from(target, op, request, before, before_view))
}

/// A plan from an object already in hand (the demo's simulated objects).
pub fn plan_from(
    target: &Target,
    op: Operation,
    request: PatchRequest,
    before: DynamicObject,
    before_view: Value,
) -> Plan {
    let rv_before = before.metadata.resource_version.clone().unwrap_or_default();
    Plan {
        before_view,
        request,
        pods: blast_radius(&op, &before),
        destructive: matches!(op, Operation::Scale { replicas: 0 }),
        target: target.clone(),
        op,
        before,
        rv_before,
    }
}

/// RBAC (SelfSubjectAccessReview), then a server-side dry-run of the exact
/// request. In read-only mode neither is needed: nothing is available.
pub async fn preflight(client: &Client, plan: &Plan, read_only: bool) -> Preflight {
    if read_only {
        return Preflight::Unavailable(
            "read-only: fleetdeck makes no changes to this cluster".into(),
        );
    }
    let t = &plan.target;
    let ar = t.api_resource();
    let review: SelfSubjectAccessReview = match serde_json::from_value(json!({
        "spec": {"resourceAttributes": {
            "namespace": t.namespace, "verb": "patch", "group": ar.group,
            "resource": ar.plural, "subresource": plan.request.subresource.clone().unwrap_or_default(),
            "name": t.name,
        }}
    })) {
        Ok(r) => r,
        Err(e) => return Preflight::Unavailable(e.to_string()),
    };
    match Api::<SelfSubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
    {
        Ok(r) => {
            let status = r.status.unwrap_or_default();
            if !status.allowed {
                let what = match &plan.request.subresource {
                    Some(s) => format!("{}/{s}", ar.plural),
                    None => ar.plural.clone(),
                };
                let why = status
                    .reason
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| "no RBAC rule allows it".into());
                return Preflight::Unavailable(format!(
                    "RBAC: may not patch {what} in namespace {} ({why})",
                    t.namespace
                ));
            }
        }
        Err(e) => {
            return Preflight::Unavailable(format!("access review failed: {}", kube_message(&e)))
        }
    }
    let pp = PatchParams {
        dry_run: true,
        ..Default::default()
    };
    match send(client, plan, &pp).await {
        Ok(after) => Preflight::Ready {
            after: serde_json::to_value(after).unwrap_or(Value::Null),
        },
        Err(kube::Error::Api(s)) if s.code == 409 => Preflight::Stale,
        Err(e) => Preflight::Unavailable(format!("dry-run refused: {}", kube_message(&e))),
    }
}

async fn send(
    client: &Client,
    plan: &Plan,
    pp: &PatchParams,
) -> Result<DynamicObject, kube::Error> {
    let api = api(client, &plan.target);
    let body = plan.request.guarded(&plan.rv_before);
    let patch = plan.request.patch(body);
    match plan.request.subresource.as_deref() {
        Some(sub) => {
            api.patch_subresource(sub, &plan.target.name, pp, &patch)
                .await
        }
        None => api.patch(&plan.target.name, pp, &patch).await,
    }
}

/// Plans and pre-flights, planning again (up to 3 times) when the object moved
/// in between — a Deployment's status changes by itself while pods settle.
pub async fn plan_checked(
    client: &Client,
    target: &Target,
    op: Operation,
    read_only: bool,
) -> Result<(Plan, Preflight), OpError> {
    let mut tries = 0;
    loop {
        let p = plan(client, target, op.clone()).await?;
        let pf = preflight(client, &p, read_only).await;
        tries += 1;
        if pf != Preflight::Stale || tries == 3 {
            let pf = match pf {
                Preflight::Stale => Preflight::Unavailable(format!(
                    "{} keeps changing (resourceVersion {}); try again",
                    target.short(),
                    p.rv_before
                )),
                other => other,
            };
            return Ok((p, pf));
        }
    }
}

/// The user the API server sees (recorded in the journal); `None` if the
/// server will not say.
pub async fn whoami(client: &Client) -> Option<String> {
    let review: SelfSubjectReview = serde_json::from_value(json!({})).ok()?;
    let r = Api::<SelfSubjectReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .ok()?;
    r.status?.user_info?.username
}

/// How an executed action ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Applied and the expected state appeared.
    Done {
        rv_after: String,
    },
    /// Applied; the expected state had not appeared when verification gave up.
    Unverified {
        rv_after: String,
    },
    /// The object changed since it was planned; nothing was written.
    Conflict(String),
    /// The API server refused (403) or the read-only guard did.
    Denied(String),
    Failed(String),
}

impl Outcome {
    pub fn result(&self) -> &'static str {
        match self {
            Outcome::Done { .. } => "ok",
            Outcome::Unverified { .. } => "unverified",
            Outcome::Conflict(_) => "conflict",
            Outcome::Denied(_) => "denied",
            Outcome::Failed(_) => "error",
        }
    }
    pub fn error(&self) -> Option<String> {
        match self {
            Outcome::Conflict(e) | Outcome::Denied(e) | Outcome::Failed(e) => Some(e.clone()),
            _ => None,
        }
    }
    pub fn rv_after(&self) -> Option<String> {
        match self {
            Outcome::Done { rv_after } | Outcome::Unverified { rv_after } => Some(rv_after.clone()),
            _ => None,
        }
    }
}

/// How long `verify` waits for the expected state.
pub const VERIFY_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends the planned request (guarded by the planned resourceVersion), then
/// waits for the expected state. The caller journals the intent before and
/// the outcome after (`journaled::run`).
pub async fn apply(client: &Client, plan: &Plan) -> Outcome {
    let sent = send(client, plan, &PatchParams::default()).await;
    let after = match sent {
        Ok(obj) => obj,
        Err(kube::Error::Api(s)) if s.code == 409 => {
            return Outcome::Conflict(format!(
                "{} changed since it was planned (resourceVersion {} is stale): nothing was written; plan again",
                plan.target.short(),
                plan.rv_before
            ))
        }
        Err(kube::Error::Api(s)) if s.code == 403 => return Outcome::Denied(s.message.clone()),
        Err(e) if is_refusal(&e) => return Outcome::Denied(kube_message(&e)),
        Err(e) => return Outcome::Failed(kube_message(&e)),
    };
    let rv = after.metadata.resource_version.clone().unwrap_or_default();
    match verify(client, plan).await {
        Some(obj) => Outcome::Done {
            rv_after: obj.metadata.resource_version.unwrap_or(rv),
        },
        None => Outcome::Unverified { rv_after: rv },
    }
}

/// Watches the object until the operation shows as done, or gives up.
async fn verify(client: &Client, plan: &Plan) -> Option<DynamicObject> {
    let api = api(client, &plan.target);
    let (op, req) = (plan.op.clone(), plan.request.clone());
    let cond = move |o: Option<&DynamicObject>| o.is_some_and(|o| done(&op, o, &req));
    let wait = kube::runtime::wait::await_condition(api, &plan.target.name, cond);
    tokio::time::timeout(VERIFY_TIMEOUT, wait)
        .await
        .ok()?
        .ok()?
}

/// Marks the object (when something was applied) and emits the Event, so
/// teammates see the action. Returns warnings for marks that failed.
pub async fn mark(
    client: &Client,
    plan: &Plan,
    outcome: &Outcome,
    reason: &str,
    by: &str,
    journal_id: &str,
) -> Vec<String> {
    let mut warnings = Vec::new();
    if outcome.rv_after().is_some() {
        warnings.extend(marks::annotate(client, plan, reason, by, journal_id).await);
    }
    if !matches!(outcome, Outcome::Denied(_)) {
        warnings.extend(marks::event(client, plan, outcome, reason, by).await);
    }
    warnings
}
