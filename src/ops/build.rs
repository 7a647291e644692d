//! Planning's first half: read the target (and what it depends on) and decide
//! the exact requests, the gate verdict and a one-line summary.

use chrono::Utc;
use kube::api::{Api, DynamicObject};
use kube::Client;
use serde_json::Value;

use super::action::{unsupported, workload_request, Operation, PatchRequest};
use super::marks::ANNOTATION;
use super::pipeline::OpError;
use super::target::{ObjectKind, Target};
use super::traffic::{self, BlueGreenSpec, CanarySpec, BLUEGREEN_ANNOTATION, CANARY_ANNOTATION};
use super::{argo, Operation as Op};
use crate::fleet::kubeconfig::kube_message;
use crate::fleet::rollout::rollout_info;
use crate::verdict::{Check, Verdict};

/// Declarations from the config file for this target (the object's own
/// annotation wins over them).
#[derive(Debug, Clone, Default)]
pub struct Declared {
    pub canary: Option<CanarySpec>,
    pub bluegreen: Option<BlueGreenSpec>,
    /// SLOs that judge canary against stable before a forward move.
    pub slo_gates: Vec<crate::slo::gate::SloGate>,
    /// The SLOs of the service an experiment targets: one paging holds its start.
    pub paging: Vec<crate::slo::gate::SloGate>,
}

pub struct Built {
    pub before: DynamicObject,
    pub requests: Vec<PatchRequest>,
    pub gate: Option<Verdict>,
    pub summary: Option<String>,
}

fn api_err(t: &Target, e: kube::Error) -> OpError {
    OpError::Api {
        target: t.to_string(),
        message: kube_message(&e),
    }
}

fn invalid(t: &Target, why: impl std::fmt::Display) -> OpError {
    OpError::Invalid(format!("{t}: {why}"))
}

/// A kind's objects in the target's namespace, as JSON (none without its CRD).
async fn list(
    client: &Client,
    t: &Target,
    gvk: (&str, &str, &str),
    plural: &str,
) -> Result<Vec<Value>, OpError> {
    crate::fleet::rollout_tree::list(client, &t.namespace, gvk, plural)
        .await
        .map_err(|message| OpError::Api {
            target: t.to_string(),
            message,
        })
}

async fn replicasets(client: &Client, t: &Target) -> Result<Vec<Value>, OpError> {
    list(client, t, ("apps", "v1", "ReplicaSet"), "replicasets").await
}

async fn deployments(client: &Client, t: &Target) -> Result<Vec<Value>, OpError> {
    list(client, t, ("apps", "v1", "Deployment"), "deployments").await
}

async fn services(client: &Client, t: &Target) -> Result<Vec<Value>, OpError> {
    list(client, t, ("", "v1", "Service"), "services").await
}

async fn rollouts(client: &Client, t: &Target) -> Result<Vec<Value>, OpError> {
    list(
        client,
        t,
        ("argoproj.io", "v1alpha1", "Rollout"),
        "rollouts",
    )
    .await
}

/// What `compute` decides.
#[derive(Debug, Clone)]
pub struct Decided {
    pub requests: Vec<PatchRequest>,
    pub gate: Option<Verdict>,
    pub summary: Option<String>,
}

/// The objects an operation depends on, beside its target (same namespace).
#[derive(Debug, Clone, Default)]
pub struct Related {
    pub replicasets: Vec<Value>,
    pub deployments: Vec<Value>,
    pub rollouts: Vec<Value>,
    pub services: Vec<Value>,
}

/// Reads the target and what the operation depends on, then `compute`.
pub async fn build(
    client: &Client,
    t: &Target,
    op: &Operation,
    declared: &Declared,
) -> Result<Built, OpError> {
    if let Some(why) = unsupported(op, t.kind) {
        return Err(invalid(t, why));
    }
    let api: Api<DynamicObject> = t.api(client);
    let before = match (api.get_opt(&t.name).await, op) {
        (Ok(Some(_)), Op::Start { .. }) => {
            return Err(invalid(
                t,
                format!(
                    "{} {:?} already exists; pause, resume or stop it instead",
                    t.kind.name(),
                    t.name
                ),
            ))
        }
        (Ok(Some(o)), _) => o,
        // Applying creates what is missing: the desired object stands in.
        (Ok(None), Op::Apply { manifest }) => {
            let mut o: DynamicObject = serde_json::from_value(manifest.clone())
                .map_err(|e| invalid(t, format!("the desired object: {e}")))?;
            o.metadata.resource_version = None;
            o
        }
        // Starting an experiment creates it: the declared object stands in.
        (Ok(None), Op::Start { manifest, .. }) => serde_json::from_value(manifest.clone())
            .map_err(|e| invalid(t, format!("the declared experiment: {e}")))?,
        (Ok(None), _) => {
            return Err(OpError::Api {
                target: t.to_string(),
                message: format!("{} {:?} not found", t.kind.name(), t.name),
            })
        }
        (Err(e), _) => return Err(api_err(t, e)),
    };
    let obj = serde_json::to_value(&before).unwrap_or(Value::Null);
    let mut related = Related::default();
    match (op, t.kind) {
        (
            Op::Scale { .. }
            | Op::Restart
            | Op::Weights { .. }
            | Op::GeoTag { .. }
            | Op::Cordon { .. }
            | Op::Annotate { .. }
            | Op::Apply { .. }
            | Op::Sync { .. }
            | Op::SetRequests { .. }
            | Op::BackupNow
            | Op::Stop
            | Op::Start { .. },
            _,
        ) => {}
        (Op::Pause | Op::Resume, ObjectKind::Chaos(_)) => {}
        (Op::Undo { .. }, ObjectKind::Deployment) => {
            related.replicasets = replicasets(client, t).await?
        }
        (_, ObjectKind::Rollout) => related.replicasets = replicasets(client, t).await?,
        (Op::Step { .. }, _) => {
            related.rollouts = rollouts(client, t).await?;
            related.services = services(client, t).await?;
            related.deployments = deployments(client, t).await?;
        }
        _ => related.deployments = deployments(client, t).await?,
    }
    let Decided {
        requests,
        mut gate,
        summary,
    } = compute(t, op, &obj, &related, declared).map_err(|e| invalid(t, e))?;
    if let Some(v) = gate.as_mut().filter(|_| !declared.slo_gates.is_empty()) {
        let mut checks = std::mem::take(&mut v.checks);
        checks.extend(crate::slo::gate::checks(&declared.slo_gates, &obj).await);
        *v = Verdict::from_checks(checks);
    }
    // A start is judged by its service's SLOs paging, not canary against stable.
    if let Op::Start { service, .. } = op {
        let checks = crate::chaos::gate::checks(&declared.paging, service.as_deref()).await;
        gate = Some(Verdict::from_checks(checks));
    }
    Ok(Built {
        before,
        requests,
        gate,
        summary,
    })
}

/// The requests, gate verdict and summary for `op` on the object `obj` —
/// pure, so the demo plans through it too. An empty plan is an error.
pub fn compute(
    t: &Target,
    op: &Operation,
    obj: &Value,
    related: &Related,
    declared: &Declared,
) -> Result<Decided, String> {
    if let Some(why) = unsupported(op, t.kind) {
        return Err(why);
    }
    let (requests, gate, summary) = match (op, t.kind) {
        (
            Op::Scale { .. }
            | Op::Restart
            | Op::Cordon { .. }
            | Op::Annotate { .. }
            | Op::SetRequests { .. },
            _,
        ) => (vec![workload_request(op, t, Utc::now())], None, None),
        (Op::Sync { .. }, _) => {
            if let Some(op) = obj.get("operation").filter(|o| !o.is_null()) {
                let by = op
                    .pointer("/initiatedBy/username")
                    .and_then(Value::as_str)
                    .unwrap_or("someone");
                return Err(format!(
                    "an operation started by {by} is already set on this Application; wait for it (or terminate it in Argo CD)"
                ));
            }
            let summary = format!(
                "sync {} (Argo CD: {})",
                super::action::describe_revision(op),
                obj.pointer("/status/sync/status")
                    .and_then(Value::as_str)
                    .unwrap_or("Unknown")
            );
            (
                vec![workload_request(op, t, Utc::now())],
                None,
                Some(summary),
            )
        }
        (Op::BackupNow, _) => {
            let backup = super::velero::backup_from_schedule(obj, Utc::now())?;
            let summary = format!(
                "back up now: Backup {}/{} from the schedule's template (namespaces {})",
                backup["metadata"]["namespace"].as_str().unwrap_or_default(),
                backup["metadata"]["name"].as_str().unwrap_or_default(),
                backup
                    .pointer("/spec/includedNamespaces")
                    .and_then(Value::as_array)
                    .filter(|a| !a.is_empty())
                    .map(|a| a
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_else(|| "all".into())
            );
            (vec![PatchRequest::create(backup)], None, Some(summary))
        }
        (Op::Pause | Op::Resume, ObjectKind::Chaos(_)) => {
            let (req, summary) = super::chaos::pause(op == &Op::Pause, obj)?;
            (vec![req], None, Some(summary))
        }
        (Op::Stop, _) => {
            let (req, summary) = super::chaos::stop(obj)?;
            (vec![req], None, Some(summary))
        }
        (Op::Start { manifest, .. }, _) => {
            let (req, summary) = super::chaos::start(t, manifest)?;
            (vec![req], None, Some(summary))
        }
        (Op::Undo { to_revision }, ObjectKind::Deployment) => {
            let req = super::undo::request(obj, &related.replicasets, *to_revision)?;
            (vec![req], None, None)
        }
        (Op::Apply { manifest }, _) => {
            let req = PatchRequest {
                patch_type: super::action::PatchType::Apply,
                ..PatchRequest::merge(manifest.clone())
            };
            (
                vec![req],
                None,
                Some("server-side apply of the desired object".into()),
            )
        }
        (Op::GeoTag { tag }, _) => {
            let from = obj
                .pointer("/spec/strategy/primaryGeoTag")
                .and_then(Value::as_str)
                .unwrap_or("(none)");
            let summary = format!("primaryGeoTag {from} → {tag}");
            (
                vec![workload_request(op, t, Utc::now())],
                None,
                Some(summary),
            )
        }
        (Op::Weights { weights }, kind) => {
            let (req, summary) = super::weights::request(kind, obj, weights)?;
            (vec![req], None, Some(format!("weights {summary}")))
        }
        (_, ObjectKind::Rollout) => {
            let rs = &related.replicasets;
            let requests = argo::requests(op, obj, rs)?;
            let gate = op.gated().then(|| argo::gate(obj, rs));
            (requests, gate, rollout_summary(obj))
        }
        (Op::Step { back }, kind) => {
            if let Some(owner) = traffic::route_owner(kind, obj, &related.rollouts) {
                return Err(format!(
                    "this route is driven by {owner}; act on it instead (fleetdeck rollout promote|abort {}/{}/NAME)",
                    t.context, t.namespace
                ));
            }
            let spec = traffic::declared(obj, CANARY_ANNOTATION, declared.canary.clone())?;
            spec.check()
                .map_err(|e| format!("canary declaration: {e}"))?;
            let split = traffic::find_split(kind, obj, &spec)?;
            let from = split.percent();
            let to = traffic::next_weight(&spec, from, *back)?;
            let req = traffic::step_request(kind, obj, &split, to);
            let gate = (!back).then(|| canary_gate(kind, &spec, related));
            let summary = format!(
                "canary {} weight {from}% → {to}% (stable {} {}%)",
                spec.canary,
                spec.stable,
                100 - to
            );
            (vec![req], gate, Some(summary))
        }
        (Op::Flip { back }, _) => {
            let spec = traffic::declared(obj, BLUEGREEN_ANNOTATION, declared.bluegreen.clone())?;
            if *back {
                let last = last_action(obj);
                if last.as_deref() != Some("flip") {
                    return Err(format!(
                        "no flip to undo: the last fleetdeck action here was {}",
                        last.unwrap_or_else(|| "none".into())
                    ));
                }
            }
            let (from, to, req) = traffic::flip_request(obj, &spec)?;
            let sel = traffic::selector_for(obj, &spec.label, &to);
            let gate = traffic::side_ready(&to, &sel, &related.deployments);
            let summary = format!("selector {}: {from} → {to}", spec.label);
            (vec![req], Some(gate), Some(summary))
        }
        _ => return Err(format!("{} is not available here", op.name())),
    };
    if requests.is_empty() {
        let state = summary.clone().unwrap_or_default();
        return Err(format!("nothing to {}: {state}", op.name()));
    }
    Ok(Decided {
        requests,
        gate,
        summary,
    })
}

/// `Paused (CanaryPauseStep) · step 1/4 · weight 20%`.
fn rollout_summary(obj: &Value) -> Option<String> {
    let i = rollout_info(obj)?;
    let mut s = format!("{} {}", i.strategy, i.phase);
    if !i.pause_reasons.is_empty() {
        s.push_str(&format!(" ({})", i.pause_reasons.join(", ")));
    }
    if let Some((n, m)) = i.step {
        s.push_str(&format!(" · step {n}/{m}"));
    }
    if let Some(w) = i.set_weight {
        s.push_str(&format!(" · weight {w}%"));
    }
    Some(s)
}

fn last_action(obj: &Value) -> Option<String> {
    let text = obj
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(ANNOTATION))
        .and_then(Value::as_str)?;
    let v: Value = serde_json::from_str(text).ok()?;
    v.get("action").and_then(Value::as_str).map(String::from)
}

/// The canary backend's pods must be ready before it gets more traffic. An
/// HTTPRoute backend is a Service; a VirtualService destination host names
/// one by its first label. A subset is resolved by a DestinationRule, which
/// is not read here, so a name that is no Service there is "unknown".
fn canary_gate(kind: ObjectKind, spec: &CanarySpec, related: &Related) -> Verdict {
    let service = spec.canary.split(['.', '/']).next().unwrap_or_default();
    let svc = related
        .services
        .iter()
        .find(|s| s.pointer("/metadata/name").and_then(Value::as_str) == Some(service));
    let Some(svc) = svc else {
        return Verdict::from_checks(vec![if kind == ObjectKind::VirtualService {
            Check::unknown(
                "target ready",
                format!(
                    "{:?} is no Service here (a subset?); its pods are not checked",
                    spec.canary
                ),
            )
        } else {
            Check::stop(
                "target ready",
                format!("the canary Service {service} does not exist"),
            )
        }]);
    };
    let sel = svc
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    traffic::side_ready(&format!("canary {service}"), &sel, &related.deployments)
}
