//! The operations and the exact requests they send — the same requests as the
//! tools operators already trust (`kubectl scale`, `kubectl rollout restart`,
//! `kubectl argo rollouts restart`), plus only a concurrency guard.

use chrono::{DateTime, SecondsFormat, Utc};
use kube::api::{DynamicObject, Patch};
use serde::Serialize;
use serde_json::{json, Value};

use super::target::Target;
use crate::fleet::objects::WorkloadKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    Scale { replicas: i32 },
    Restart,
}

impl Operation {
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Scale { .. } => "scale",
            Operation::Restart => "restart",
        }
    }

    /// The Event `reason`/`action` (api-contracts.md: `Scale`, `Promote`, …).
    pub fn event_reason(&self) -> &'static str {
        match self {
            Operation::Scale { .. } => "Scale",
            Operation::Restart => "Restart",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PatchType {
    Merge,
    Strategic,
}

/// One request as the journal records it and the pipeline sends it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchRequest {
    pub patch_type: PatchType,
    /// `scale`, `status`, or none for the main resource.
    pub subresource: Option<String>,
    /// The reference tool's body, without fleetdeck's guard.
    pub body: Value,
}

impl PatchRequest {
    /// The body with the resourceVersion precondition merged in: the API server
    /// answers 409 Conflict if the object changed since it was read.
    pub fn guarded(&self, resource_version: &str) -> Value {
        let mut body = self.body.clone();
        if let Some(obj) = body.as_object_mut() {
            let meta = obj.entry("metadata").or_insert_with(|| json!({}));
            if let Some(m) = meta.as_object_mut() {
                m.insert("resourceVersion".into(), json!(resource_version));
            }
        }
        body
    }

    pub fn patch(&self, body: Value) -> Patch<Value> {
        match self.patch_type {
            PatchType::Merge => Patch::Merge(body),
            PatchType::Strategic => Patch::Strategic(body),
        }
    }
}

/// Why an operation cannot be planned for this object at all.
pub fn unsupported(op: &Operation, kind: WorkloadKind) -> Option<String> {
    match (op, kind) {
        (Operation::Scale { .. }, WorkloadKind::DaemonSet) => {
            Some("a DaemonSet runs one pod per node; it cannot be scaled".into())
        }
        (Operation::Scale { replicas }, _) if *replicas < 0 => {
            Some(format!("replicas must be 0 or more, not {replicas}"))
        }
        _ => None,
    }
}

pub fn request(op: &Operation, target: &Target, now: DateTime<Utc>) -> PatchRequest {
    let at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    match (op, target.kind) {
        (Operation::Scale { replicas }, _) => PatchRequest {
            patch_type: PatchType::Merge,
            subresource: Some("scale".into()),
            body: json!({"spec": {"replicas": replicas}}),
        },
        (Operation::Restart, WorkloadKind::Rollout) => PatchRequest {
            patch_type: PatchType::Merge,
            subresource: None,
            body: json!({"spec": {"restartAt": at}}),
        },
        (Operation::Restart, _) => PatchRequest {
            patch_type: PatchType::Strategic,
            subresource: None,
            body: json!({"spec": {"template": {"metadata": {"annotations": {
                "kubectl.kubernetes.io/restartedAt": at
            }}}}}),
        },
    }
}

pub fn replicas(obj: &DynamicObject) -> i64 {
    obj.data
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

/// Pods an operation touches: the difference for a scale, all of them for a restart.
pub fn blast_radius(op: &Operation, obj: &DynamicObject) -> i64 {
    let current = match obj.data.pointer("/status/replicas").and_then(Value::as_i64) {
        Some(n) => n,
        None => replicas(obj),
    };
    match op {
        Operation::Scale { replicas: n } => (*n as i64 - replicas(obj)).abs(),
        Operation::Restart => current,
    }
}

/// Whether the object shows the operation done (spec observed, pods in place).
pub fn done(op: &Operation, obj: &DynamicObject, request: &PatchRequest) -> bool {
    let d = &obj.data;
    let gen = obj.metadata.generation.unwrap_or(0);
    // Rollouts write observedGeneration as a string.
    let observed = match d.pointer("/status/observedGeneration") {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    };
    let num = |p: &str| d.pointer(p).and_then(Value::as_i64).unwrap_or(0);
    match op {
        Operation::Scale { replicas: n } => {
            let n = *n as i64;
            replicas(obj) == n && observed >= gen && num("/status/readyReplicas") == n
        }
        Operation::Restart => {
            let want = request
                .body
                .pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
                .or_else(|| request.body.pointer("/spec/restartAt"));
            let have = d
                .pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
                .or_else(|| d.pointer("/spec/restartAt"));
            let want_replicas = replicas(obj);
            want.is_some()
                && want == have
                && observed >= gen
                && num("/status/updatedReplicas") >= want_replicas
                && num("/status/readyReplicas") >= want_replicas
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(kind: WorkloadKind) -> Target {
        Target {
            context: "c".into(),
            namespace: "ns".into(),
            kind,
            name: "web".into(),
        }
    }

    #[test]
    fn requests_match_the_reference_tools() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let scale = request(
            &Operation::Scale { replicas: 3 },
            &target(WorkloadKind::Deployment),
            now,
        );
        assert_eq!(scale.subresource.as_deref(), Some("scale"));
        assert_eq!(scale.body, json!({"spec": {"replicas": 3}}));
        assert_eq!(
            scale.guarded("42"),
            json!({"spec": {"replicas": 3}, "metadata": {"resourceVersion": "42"}})
        );
        let restart = request(&Operation::Restart, &target(WorkloadKind::Deployment), now);
        assert_eq!(restart.patch_type, PatchType::Strategic);
        assert_eq!(
            restart.body,
            json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-23T12:00:00Z"}}}}})
        );
        let ro = request(&Operation::Restart, &target(WorkloadKind::Rollout), now);
        assert_eq!(ro.patch_type, PatchType::Merge);
        assert_eq!(
            ro.body,
            json!({"spec": {"restartAt": "2026-11-23T12:00:00Z"}})
        );
        assert!(unsupported(&Operation::Scale { replicas: 2 }, WorkloadKind::DaemonSet).is_some());
        assert!(
            unsupported(&Operation::Scale { replicas: -1 }, WorkloadKind::Deployment).is_some()
        );
    }
}
