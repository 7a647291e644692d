//! When an operation counts as done: the spec observed and the state it asks
//! for in place — read off the object the verify step watches.

use kube::api::DynamicObject;
use serde_json::Value;

use super::action::{replicas, Operation};
use super::journaled::contains;
use super::pipeline::Plan;
use super::traffic::json_patch_holds;
use super::{argo, target::ObjectKind};

fn observed_generation(d: &Value) -> i64 {
    // Rollouts write observedGeneration as a string.
    match d.pointer("/status/observedGeneration") {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

pub fn done(plan: &Plan, obj: &DynamicObject) -> bool {
    let d = &obj.data;
    let gen = obj.metadata.generation.unwrap_or(0);
    let observed = observed_generation(d) >= gen;
    let num = |p: &str| d.pointer(p).and_then(Value::as_i64).unwrap_or(0);
    let body = plan.requests.first().map(|r| &r.body);
    match &plan.op {
        Operation::Scale { replicas: n } => {
            let n = *n as i64;
            replicas(obj) == n && observed && num("/status/readyReplicas") == n
        }
        Operation::Restart => {
            let want = body.and_then(|b| {
                b.pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
                    .or_else(|| b.pointer("/spec/restartAt"))
            });
            let have = d
                .pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
                .or_else(|| d.pointer("/spec/restartAt"));
            let want_replicas = replicas(obj);
            want.is_some()
                && want == have
                && observed
                && num("/status/updatedReplicas") >= want_replicas
                && num("/status/readyReplicas") >= want_replicas
        }
        Operation::Step { .. } | Operation::Weights { .. } => {
            body.is_some_and(|b| json_patch_holds(d, b))
        }
        Operation::GeoTag { tag } => {
            d.pointer("/spec/strategy/primaryGeoTag")
                .and_then(Value::as_str)
                == Some(tag)
        }
        Operation::Cordon { on } => {
            (d.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true)) == *on
        }
        Operation::Apply { manifest } => {
            let whole = serde_json::to_value(obj).unwrap_or(Value::Null);
            crate::ops::apply::holds(&whole, manifest)
        }
        Operation::Annotate { key, value } => {
            let have = obj.metadata.annotations.as_ref().and_then(|a| a.get(key));
            have == value.as_ref()
        }
        Operation::Flip { .. } => {
            let whole = serde_json::to_value(obj).unwrap_or(Value::Null);
            body.is_some_and(|b| contains(&whole, b))
        }
        Operation::Undo { .. } => {
            let template = body.and_then(|b| b.pointer("/0/value"));
            let live = d.pointer("/spec/template");
            observed
                && matches!((live, template), (Some(l), Some(t)) if contains(l, t))
                && matches!(
                    plan.target.kind,
                    ObjectKind::Rollout | ObjectKind::Deployment
                )
        }
        Operation::SetRequests {
            container,
            cpu,
            memory,
        } => {
            let c = d
                .pointer("/spec/template/spec/containers")
                .and_then(Value::as_array)
                .and_then(|cs| {
                    cs.iter()
                        .find(|c| c.get("name").and_then(Value::as_str) == Some(container))
                });
            let req = |k: &str| {
                c.and_then(|c| c.pointer(&format!("/resources/requests/{k}")))
                    .and_then(Value::as_str)
                    .map(String::from)
            };
            let same = |want: &Option<String>, k: &str| {
                want.as_ref().is_none_or(|v| {
                    req(k).is_some_and(|have| crate::basics::quantity::eq(&have, v))
                })
            };
            observed && same(cpu, "cpu") && same(memory, "memory")
        }
        // Set, or already taken up by Argo CD (which clears `operation`).
        Operation::Sync { username, .. } => {
            let whole = serde_json::to_value(obj).unwrap_or(Value::Null);
            body.is_some_and(|b| contains(&whole, b))
                || d.pointer("/status/operationState/operation/initiatedBy/username")
                    .and_then(Value::as_str)
                    == Some(username)
        }
        Operation::Pause | Operation::Resume
            if matches!(plan.target.kind, ObjectKind::Chaos(_)) =>
        {
            let want = if plan.op == Operation::Pause {
                "true"
            } else {
                "false"
            };
            obj.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(crate::chaos::kind::PAUSE_ANNOTATION))
                .map(String::as_str)
                == Some(want)
        }
        Operation::Stop => d.pointer("/spec/engineState").and_then(Value::as_str) == Some("stop"),
        op => {
            let before = serde_json::to_value(&plan.before).unwrap_or(Value::Null);
            let after = serde_json::to_value(obj).unwrap_or(Value::Null);
            argo::done(op, &before, &after)
        }
    }
}
