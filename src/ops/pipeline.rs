//! The one mutation pipeline: plan → pre-flight → (confirm, by the caller) →
//! execute with a resourceVersion precondition → verify → marks → journal.
//! Every action fleetdeck takes on a cluster goes through `send_all`,
//! called only by `journaled::run` (intent before, outcome after).

use std::collections::BTreeSet;
use std::time::Duration;

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
use kube::api::{Api, DynamicObject, PatchParams, PostParams};
use kube::Client;
use serde_json::{json, Value};

use super::action::{PatchRequest, PatchType};
use super::build::{self, Declared};
use super::marks;
use super::target::Target;
use super::verify::done;
use super::Operation;
use crate::fleet::guard::is_refusal;
use crate::fleet::kubeconfig::kube_message;
use crate::verdict::Verdict;

/// Everything decided before anything is sent.
#[derive(Debug, Clone)]
pub struct Plan {
    pub target: Target,
    pub op: Operation,
    /// Sent in order; each guarded by the resourceVersion the previous one left.
    pub requests: Vec<PatchRequest>,
    pub before: DynamicObject,
    /// What the first request targets as the server shows it: the object, or
    /// its subresource (a Scale); the dry-run diff compares against this.
    pub before_view: Value,
    pub rv_before: String,
    /// Pods the action touches; always one cluster for these actions.
    pub pods: i64,
    /// Scaling to zero takes a service down: the operator must type its name.
    pub destructive: bool,
    /// What the action means in words (`canary weight 5% → 25%`).
    pub summary: Option<String>,
    /// For promote, step and flip: go or stop, and why.
    pub gate: Option<Verdict>,
    /// The operator chose to act against a stop verdict (journaled).
    pub overridden: bool,
    /// Journal group shared by the actions of one wave or flip sequence.
    pub group: Option<String>,
    /// A failover run's bookkeeping (plan, step, undo), journaled with it.
    pub failover: Option<Value>,
    /// Set when this plan was made again after a conflict (`replan.rs`).
    pub replan: Option<Value>,
}

impl Plan {
    /// The request as the journal stores it: one object, or a list.
    pub fn request_record(&self) -> Option<Value> {
        match self.requests.as_slice() {
            [one] => serde_json::to_value(one).ok(),
            many => serde_json::to_value(many).ok(),
        }
    }

    pub fn gate_blocks(&self) -> bool {
        self.gate.as_ref().is_some_and(Verdict::blocks) && !self.overridden
    }
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
    t.api(client)
}

pub async fn plan(
    client: &Client,
    target: &Target,
    op: Operation,
    declared: &Declared,
) -> Result<Plan, OpError> {
    let op = signed(client, op).await;
    let built = build::build(client, target, &op, declared).await?;
    let first_sub = built.requests.first().and_then(|r| r.subresource.clone());
    let creates = built
        .requests
        .first()
        .is_some_and(|r| r.patch_type == PatchType::Create);
    let before_view = match first_sub.as_deref() {
        // A new object: the diff shows all of it.
        _ if creates => json!({}),
        Some("scale") => api(client, target)
            .get_subresource("scale", &target.name)
            .await
            .map(|o| serde_json::to_value(o).unwrap_or(Value::Null))
            .map_err(|e| OpError::Api {
                target: target.to_string(),
                message: kube_message(&e),
            })?,
        _ => serde_json::to_value(&built.before).unwrap_or(Value::Null),
    };
    let mut p = plan_from(target, op, built.requests, built.before, before_view);
    p.gate = built.gate;
    p.summary = built.summary;
    Ok(p)
}

/// An Argo CD sync names who started it: the user the API server sees
/// (else the local user), filled in here so every caller's sync is signed.
async fn signed(client: &Client, op: Operation) -> Operation {
    match op {
        Operation::Sync { username, revision } if username.is_empty() => Operation::Sync {
            username: whoami(client)
                .await
                .unwrap_or_else(crate::journal::local_operator),
            revision,
        },
        other => other,
    }
}

/// A plan from an object already in hand (the demo's simulated objects).
pub fn plan_from(
    target: &Target,
    op: Operation,
    requests: Vec<PatchRequest>,
    before: DynamicObject,
    before_view: Value,
) -> Plan {
    let rv_before = before.metadata.resource_version.clone().unwrap_or_default();
    Plan {
        before_view,
        requests,
        pods: super::action::blast_radius(&op, &before),
        destructive: matches!(op, Operation::Scale { replicas: 0 }),
        target: target.clone(),
        op,
        before,
        rv_before,
        summary: None,
        gate: None,
        overridden: false,
        group: None,
        failover: None,
        replan: None,
    }
}

/// RBAC (SelfSubjectAccessReview), then a server-side dry-run of the exact
/// requests. In read-only mode neither is needed: nothing is available.
pub async fn preflight(client: &Client, plan: &Plan, read_only: bool) -> Preflight {
    if read_only {
        return Preflight::Unavailable(
            "read-only: fleetdeck makes no changes to this cluster".into(),
        );
    }
    let asks: BTreeSet<Ask> = plan
        .requests
        .iter()
        .map(|r| Ask::of(&plan.target, r))
        .collect();
    for ask in asks {
        if let Some(why) = access(client, &ask).await {
            return Preflight::Unavailable(why);
        }
    }
    let pp = PatchParams {
        dry_run: true,
        ..Default::default()
    };
    let mut after = plan.before_view.clone();
    for (i, req) in plan.requests.iter().enumerate() {
        match send(client, &plan.target, req, &plan.rv_before, &pp).await {
            // Dry-runs do not compose, so a later merge body is laid over the
            // first result locally, for the diff only.
            Ok(_) if i > 0 && req.patch_type == PatchType::Merge => {
                json_patch::merge(&mut after, &req.body)
            }
            Ok(obj) => after = serde_json::to_value(obj).unwrap_or(Value::Null),
            Err(kube::Error::Api(s)) if s.code == 409 => return Preflight::Stale,
            Err(e) if is_test_failure(req, &e) => return Preflight::Stale,
            Err(e) => {
                return Preflight::Unavailable(format!("dry-run refused: {}", kube_message(&e)))
            }
        }
    }
    Preflight::Ready { after }
}

/// What one request needs RBAC to allow: patch the target (or its
/// subresource), or create the new object's kind in its namespace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Ask {
    verb: &'static str,
    namespace: String,
    group: String,
    plural: String,
    sub: Option<String>,
    name: String,
}

impl Ask {
    fn of(t: &Target, req: &PatchRequest) -> Ask {
        match created(req) {
            Some((ar, namespace, _)) => Ask {
                verb: "create",
                namespace,
                group: ar.group,
                plural: ar.plural,
                sub: None,
                name: String::new(),
            },
            None => {
                let ar = t.api_resource();
                Ask {
                    verb: "patch",
                    namespace: t.namespace.clone(),
                    group: ar.group,
                    plural: ar.plural,
                    sub: req.subresource.clone(),
                    name: t.name.clone(),
                }
            }
        }
    }
}

/// A create's kind (one fleetdeck knows), namespace and name, from its body.
fn created(req: &PatchRequest) -> Option<(kube::api::ApiResource, String, String)> {
    if req.patch_type != PatchType::Create {
        return None;
    }
    let b = &req.body;
    let kind =
        super::target::ObjectKind::from_manifest(b["apiVersion"].as_str()?, b["kind"].as_str()?)?;
    let ns = b.pointer("/metadata/namespace")?.as_str()?.to_string();
    let name = b.pointer("/metadata/name")?.as_str()?.to_string();
    Some((kind.api_resource(), ns, name))
}

/// `None` when the user may do what `ask` says.
async fn access(client: &Client, ask: &Ask) -> Option<String> {
    let review: SelfSubjectAccessReview = match serde_json::from_value(json!({
        "spec": {"resourceAttributes": {
            "namespace": ask.namespace, "verb": ask.verb, "group": ask.group,
            "resource": ask.plural, "subresource": ask.sub.clone().unwrap_or_default(),
            "name": ask.name,
        }}
    })) {
        Ok(r) => r,
        Err(e) => return Some(e.to_string()),
    };
    match Api::<SelfSubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
    {
        Ok(r) => {
            let status = r.status.unwrap_or_default();
            if status.allowed {
                return None;
            }
            let what = match &ask.sub {
                Some(s) => format!("{}/{s}", ask.plural),
                None => ask.plural.clone(),
            };
            let why = status
                .reason
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "no RBAC rule allows it".into());
            Some(format!(
                "RBAC: may not {} {what} in namespace {} ({why})",
                ask.verb, ask.namespace
            ))
        }
        Err(e) => Some(format!("access review failed: {}", kube_message(&e))),
    }
}

/// A JSON patch whose `test` op failed: the object is not as it was read.
/// The API server answers a patch it cannot apply with a bare 422 (no field
/// causes, unlike a validation error); the planned paths exist, so a failed
/// test is what makes it unappliable.
fn is_test_failure(req: &PatchRequest, e: &kube::Error) -> bool {
    req.patch_type == PatchType::Json
        && matches!(e, kube::Error::Api(s) if s.code == 422
            && s.details.as_ref().is_none_or(|d| d.causes.is_empty()))
}

async fn send(
    client: &Client,
    target: &Target,
    req: &PatchRequest,
    rv: &str,
    pp: &PatchParams,
) -> Result<DynamicObject, kube::Error> {
    if req.patch_type == PatchType::Create {
        return create(client, target, req, rv, pp.dry_run).await;
    }
    let api = api(client, target);
    let patch = req.patch(req.guarded(rv));
    let apply;
    let pp = if req.patch_type == PatchType::Apply {
        apply = PatchParams {
            field_manager: Some(crate::ops::apply::FIELD_MANAGER.into()),
            force: true,
            ..pp.clone()
        };
        &apply
    } else {
        pp
    };
    match req.subresource.as_deref() {
        Some(sub) => match api.patch_subresource(sub, &target.name, pp, &patch).await {
            Err(kube::Error::Api(s)) if s.code == 404 && req.fallback_main => {
                api.patch(&target.name, pp, &patch).await
            }
            other => other,
        },
        None => api.patch(&target.name, pp, &patch).await,
    }
}

/// Posts a new object made from the target (a Backup from its Schedule). A
/// create cannot carry the target's resourceVersion, so the target is read
/// first: changed since the plan is a 409, as a guarded patch would get.
async fn create(
    client: &Client,
    target: &Target,
    req: &PatchRequest,
    rv: &str,
    dry_run: bool,
) -> Result<DynamicObject, kube::Error> {
    // The target is the new object itself (a declared experiment): its
    // guard is that it does not exist, which the POST checks (AlreadyExists).
    let own =
        created(req).is_some_and(|(_, ns, name)| ns == target.namespace && name == target.name);
    let have = match own {
        true => String::new(),
        false => api(client, target)
            .get(&target.name)
            .await?
            .metadata
            .resource_version
            .unwrap_or_default(),
    };
    if have != rv {
        return Err(kube::Error::Api(
            kube::core::Status {
                code: 409,
                reason: "Conflict".into(),
                message: format!(
                    "{} changed since it was planned (resourceVersion {rv} → {have})",
                    target.short()
                ),
                ..Default::default()
            }
            .boxed(),
        ));
    }
    let Some((ar, ns, _)) = created(req) else {
        return Err(kube::Error::Api(
            kube::core::Status {
                code: 422,
                reason: "Invalid".into(),
                message: "a create of an object fleetdeck does not know".into(),
                ..Default::default()
            }
            .boxed(),
        ));
    };
    let obj: DynamicObject =
        serde_json::from_value(req.body.clone()).map_err(kube::Error::SerdeError)?;
    let pp = PostParams {
        dry_run,
        field_manager: Some(crate::ops::apply::FIELD_MANAGER.into()),
    };
    Api::<DynamicObject>::namespaced_with(client.clone(), &ns, &ar)
        .create(&pp, &obj)
        .await
}

/// Plans and pre-flights, planning again (up to 3 times) when the object moved
/// in between — a Deployment's status changes by itself while pods settle.
pub async fn plan_checked(
    client: &Client,
    target: &Target,
    op: Operation,
    declared: &Declared,
    read_only: bool,
) -> Result<(Plan, Preflight), OpError> {
    let mut tries = 0;
    loop {
        let p = plan(client, target, op.clone(), declared).await?;
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
    /// The API server refused (403), the read-only guard did, or the gate.
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

/// Sends the planned requests in order, each guarded by the resourceVersion
/// the previous one left (the first by the planned one). `Ok` carries the
/// resourceVersion the last one left; `Err` how it ended instead. The caller
/// journals the intent before and the outcome after (`journaled::run`).
pub async fn send_all(client: &Client, plan: &Plan) -> Result<String, Outcome> {
    if plan.gate_blocks() {
        return Err(Outcome::Denied(gate_refusal(plan)));
    }
    let mut rv = plan.rv_before.clone();
    for (i, req) in plan.requests.iter().enumerate() {
        let partial = if i > 0 {
            format!(
                " (after {i} of {}{}",
                plan.requests.len(),
                super::replan::PARTIAL
            )
        } else {
            String::new()
        };
        match send(client, &plan.target, req, &rv, &PatchParams::default()).await {
            Ok(obj) => rv = obj.metadata.resource_version.clone().unwrap_or(rv),
            Err(kube::Error::Api(s)) if s.code == 409 && s.reason == "AlreadyExists" => {
                return Err(Outcome::Failed(format!("{}{partial}", s.message)))
            }
            Err(kube::Error::Api(s)) if s.code == 409 => {
                return Err(Outcome::Conflict(format!(
                    "{} changed since it was planned (resourceVersion {rv} is stale): nothing more was written{partial}; plan again",
                    plan.target.short(),
                )))
            }
            Err(e) if is_test_failure(req, &e) => {
                return Err(Outcome::Conflict(format!(
                    "{} changed since it was planned (a guard test of the JSON patch failed): nothing more was written{partial}; plan again",
                    plan.target.short(),
                )))
            }
            Err(e @ kube::Error::Api(_)) if matches!(&e, kube::Error::Api(s) if s.code == 403) => {
                return Err(Outcome::Denied(format!("{}{partial}", kube_message(&e))))
            }
            Err(e) if is_refusal(&e) => return Err(Outcome::Denied(kube_message(&e))),
            Err(e) => return Err(Outcome::Failed(format!("{}{partial}", kube_message(&e)))),
        }
    }
    Ok(rv)
}

/// Waits for the expected state after `send_all` succeeded.
pub async fn verified(client: &Client, plan: &Plan, rv: String) -> Outcome {
    match verify(client, plan).await {
        Some(obj) => Outcome::Done {
            rv_after: obj.metadata.resource_version.unwrap_or(rv),
        },
        None => Outcome::Unverified { rv_after: rv },
    }
}

pub fn gate_refusal(plan: &Plan) -> String {
    let summary = plan.gate.as_ref().map(Verdict::summary).unwrap_or_default();
    format!("the gate says {summary}; nothing was sent (override to act anyway)")
}

/// Watches the object until the operation shows as done, or gives up. A
/// create is done when the new object is there.
async fn verify(client: &Client, plan: &Plan) -> Option<DynamicObject> {
    if let Some((ar, ns, name)) = plan.requests.first().and_then(created) {
        let api = Api::<DynamicObject>::namespaced_with(client.clone(), &ns, &ar);
        let wait = kube::runtime::wait::await_condition(api, &name, |o: Option<&DynamicObject>| {
            o.is_some()
        });
        return tokio::time::timeout(VERIFY_TIMEOUT, wait)
            .await
            .ok()?
            .ok()?;
    }
    let api = api(client, &plan.target);
    let p = plan.clone();
    let cond = move |o: Option<&DynamicObject>| o.is_some_and(|o| done(&p, o));
    let wait = kube::runtime::wait::await_condition(api, &plan.target.name, cond);
    tokio::time::timeout(VERIFY_TIMEOUT, wait)
        .await
        .ok()?
        .ok()?
}

/// The Event for teammates' consoles, once the outcome is known (a refusal
/// by the API server leaves none). Returns a warning if it failed.
pub async fn event(
    client: &Client,
    plan: &Plan,
    outcome: &Outcome,
    reason: &str,
    by: &str,
) -> Option<String> {
    if matches!(outcome, Outcome::Denied(_)) {
        return None;
    }
    marks::event(client, plan, outcome, reason, by).await
}
