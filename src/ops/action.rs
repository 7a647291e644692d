//! The operations and the exact requests they send — the same requests as the
//! tools operators already trust (`kubectl scale`, `kubectl rollout restart`,
//! `kubectl argo rollouts …`), plus only a concurrency guard.

use chrono::{DateTime, SecondsFormat, Utc};
use kube::api::{DynamicObject, Patch};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::target::{ObjectKind, Target};
use crate::chaos::ChaosKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    Scale {
        replicas: i32,
    },
    Restart,
    /// Argo Rollouts: one step (`full: false`) or straight to the end.
    Promote {
        full: bool,
    },
    Abort,
    Retry,
    Pause,
    Resume,
    /// Back to a revision; `None` = the previous one.
    Undo {
        to_revision: Option<i64>,
    },
    /// A route canary's weight schedule: one step forward or back.
    Step {
        back: bool,
    },
    /// A Service selector blue/green: to the other side, or back to the side
    /// fleetdeck's last flip left.
    Flip {
        back: bool,
    },
    /// Set backend weights by name (route backends, DNSEndpoint set
    /// identifiers); backends not named keep theirs.
    Weights {
        weights: std::collections::BTreeMap<String, u32>,
    },
    /// Force a k8gb Gslb's primary geo tag.
    GeoTag {
        tag: String,
    },
    /// `kubectl cordon` (`on`) or `uncordon` a node.
    Cordon {
        on: bool,
    },
    /// `kubectl annotate`; `None` removes the key.
    Annotate {
        key: String,
        value: Option<String>,
    },
    /// Server-side apply of a desired object (a drift's fix), field manager
    /// `fleetdeck`, forced over other managers' fields.
    Apply {
        manifest: Value,
    },
    /// `kubectl set resources … --requests`: one container's requests.
    SetRequests {
        container: String,
        cpu: Option<String>,
        memory: Option<String>,
    },
    /// Argo CD: sync an Application by setting its `operation`.
    Sync {
        username: String,
        revision: Option<String>,
    },
    /// Velero: a Backup now from a Schedule's template (`velero backup
    /// create --from-schedule`): a create, not a patch.
    BackupNow,
    /// LitmusChaos: abort an engine (`spec.engineState: stop`).
    Stop,
    /// Start a declared chaos experiment: create `manifest` (the target is
    /// the new object). `service` names the `[[service]]` whose paging SLOs
    /// hold the start.
    Start {
        manifest: Value,
        service: Option<String>,
    },
}

impl Operation {
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Scale { .. } => "scale",
            Operation::Restart => "restart",
            Operation::Promote { full: false } => "promote",
            Operation::Promote { full: true } => "promote-full",
            Operation::Abort => "abort",
            Operation::Retry => "retry",
            Operation::Pause => "pause",
            Operation::Resume => "resume",
            Operation::Undo { .. } => "undo",
            Operation::Step { back: false } => "canary-step",
            Operation::Step { back: true } => "canary-back",
            Operation::Flip { back: false } => "flip",
            Operation::Flip { back: true } => "flip-back",
            Operation::Weights { .. } => "weights",
            Operation::GeoTag { .. } => "geotag",
            Operation::Cordon { on: true } => "cordon",
            Operation::Cordon { on: false } => "uncordon",
            Operation::Annotate { .. } => "annotate",
            Operation::Apply { .. } => "apply",
            Operation::Sync { .. } => "sync",
            Operation::SetRequests { .. } => "set-requests",
            Operation::BackupNow => "backup-now",
            Operation::Stop => "stop",
            Operation::Start { .. } => "start",
        }
    }

    /// The Event `reason`/`action` (api-contracts.md: `Scale`, `Promote`, …).
    pub fn event_reason(&self) -> &'static str {
        match self {
            Operation::Scale { .. } => "Scale",
            Operation::Restart => "Restart",
            Operation::Promote { full: false } => "Promote",
            Operation::Promote { full: true } => "PromoteFull",
            Operation::Abort => "Abort",
            Operation::Retry => "Retry",
            Operation::Pause => "Pause",
            Operation::Resume => "Resume",
            Operation::Undo { .. } => "Undo",
            Operation::Step { back: false } => "CanaryStep",
            Operation::Step { back: true } => "CanaryBack",
            Operation::Flip { back: false } => "Flip",
            Operation::Flip { back: true } => "FlipBack",
            Operation::Weights { .. } => "Weights",
            Operation::GeoTag { .. } => "PrimaryGeoTag",
            Operation::Cordon { on: true } => "Cordon",
            Operation::Cordon { on: false } => "Uncordon",
            Operation::Annotate { .. } => "Annotate",
            Operation::Apply { .. } => "Apply",
            Operation::Sync { .. } => "Sync",
            Operation::SetRequests { .. } => "SetRequests",
            Operation::BackupNow => "BackupNow",
            Operation::Stop => "Stop",
            Operation::Start { .. } => "StartExperiment",
        }
    }

    /// Operations that move traffic or a release forward ask the gate first.
    pub fn gated(&self) -> bool {
        matches!(
            self,
            Operation::Promote { .. }
                | Operation::Resume
                | Operation::Step { back: false }
                | Operation::Flip { .. }
        )
    }

    /// Whether it applies to `kind`: its kinds, and pause/resume also to
    /// Chaos Mesh's (all but Litmus's engine).
    pub fn applies_to(&self, kind: ObjectKind) -> bool {
        match (self, kind) {
            (Operation::Pause | Operation::Resume, ObjectKind::Chaos(k)) => !k.litmus(),
            _ => self.kinds().contains(&kind),
        }
    }

    /// The kinds an operation applies to.
    pub fn kinds(&self) -> &'static [ObjectKind] {
        use ObjectKind::*;
        match self {
            Operation::Scale { .. } => &[Deployment, StatefulSet, Rollout],
            Operation::Restart => &[Deployment, StatefulSet, DaemonSet, Rollout],
            Operation::Step { .. } => &[HttpRoute, VirtualService],
            Operation::Flip { .. } => &[Service],
            Operation::Weights { .. } => &[HttpRoute, VirtualService, DnsEndpoint],
            Operation::GeoTag { .. } => &[Gslb, GslbLegacy],
            Operation::Apply { .. } => &ObjectKind::ALL,
            Operation::Sync { .. } => &[Application],
            Operation::SetRequests { .. } => &[Deployment, StatefulSet],
            Operation::Undo { .. } => &[Rollout, Deployment],
            Operation::Cordon { .. } => &[Node],
            Operation::BackupNow => &[VeleroSchedule],
            Operation::Stop => &[Chaos(ChaosKind::ChaosEngine)],
            Operation::Start { .. } => &ObjectKind::CHAOS,
            Operation::Annotate { .. } => &[
                Deployment,
                StatefulSet,
                DaemonSet,
                Rollout,
                Service,
                HttpRoute,
                VirtualService,
                Gslb,
                GslbLegacy,
                DnsEndpoint,
                Node,
            ],
            _ => &[Rollout],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PatchType {
    Merge,
    Strategic,
    Json,
    /// Server-side apply (field manager `fleetdeck`, forced).
    Apply,
    /// A new object (the body, whole): `POST` to its kind's collection.
    Create,
}

/// One request as the journal records it and the pipeline sends it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchRequest {
    pub patch_type: PatchType,
    /// `scale`, `status`, or none for the main resource.
    pub subresource: Option<String>,
    /// On 404 for the subresource, send the same body to the main resource
    /// (the plugin does this for CRDs installed without the status subresource).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fallback_main: bool,
    /// The reference tool's body, without fleetdeck's guard.
    pub body: Value,
}

impl PatchRequest {
    pub fn merge(body: Value) -> Self {
        PatchRequest {
            patch_type: PatchType::Merge,
            subresource: None,
            fallback_main: false,
            body,
        }
    }

    /// A merge patch of `/status`, falling back to the main resource.
    pub fn status(body: Value) -> Self {
        PatchRequest {
            subresource: Some("status".into()),
            fallback_main: true,
            ..PatchRequest::merge(body)
        }
    }

    pub fn create(object: Value) -> Self {
        PatchRequest {
            patch_type: PatchType::Create,
            ..PatchRequest::merge(object)
        }
    }

    pub fn json(ops: Value) -> Self {
        PatchRequest {
            patch_type: PatchType::Json,
            ..PatchRequest::merge(ops)
        }
    }

    /// The body with the resourceVersion precondition added: in a merge patch
    /// the API server answers 409 Conflict if the object changed since it was
    /// read; in a JSON patch a leading `test` op fails the same way.
    pub fn guarded(&self, resource_version: &str) -> Value {
        let mut body = self.body.clone();
        match self.patch_type {
            PatchType::Json => {
                if let Some(ops) = body.as_array_mut() {
                    ops.insert(
                        0,
                        json!({"op": "test", "path": "/metadata/resourceVersion", "value": resource_version}),
                    );
                }
            }
            // An object that does not exist yet has no version to guard;
            // a create's guard is a read of its source (`pipeline::send`).
            PatchType::Apply if resource_version.is_empty() => {}
            PatchType::Create => {}
            PatchType::Merge | PatchType::Strategic | PatchType::Apply => {
                if let Some(obj) = body.as_object_mut() {
                    let meta = obj.entry("metadata").or_insert_with(|| json!({}));
                    if let Some(m) = meta.as_object_mut() {
                        m.insert("resourceVersion".into(), json!(resource_version));
                    }
                }
            }
        }
        body
    }

    pub fn patch(&self, body: Value) -> Patch<Value> {
        match self.patch_type {
            PatchType::Merge => Patch::Merge(body),
            PatchType::Strategic => Patch::Strategic(body),
            // Only patches reach here: `pipeline::send` posts a create.
            PatchType::Apply | PatchType::Create => Patch::Apply(body),
            PatchType::Json => match serde_json::from_value(body) {
                Ok(p) => Patch::Json(p),
                // Built here from known ops; an unparsable list is a bug, and
                // an empty patch changes nothing.
                Err(_) => Patch::Json(json_patch::Patch(Vec::new())),
            },
        }
    }

    /// `PATCH (merge) rollout/status` for messages.
    pub fn describe(&self, kind: ObjectKind) -> String {
        let t = match self.patch_type {
            PatchType::Merge => "merge",
            PatchType::Strategic => "strategic",
            PatchType::Json => "json",
            PatchType::Apply => "apply",
            PatchType::Create => {
                let kind = self.body["kind"].as_str().unwrap_or("object");
                return format!("POST {}", kind.to_lowercase());
            }
        };
        let sub = self
            .subresource
            .as_ref()
            .map(|s| format!("/{s}"))
            .unwrap_or_default();
        format!("PATCH ({t}) {}{sub}", kind.name().to_lowercase())
    }
}

/// `revision abc123` or `the target revision`, for messages.
pub fn describe_revision(op: &Operation) -> String {
    match op {
        Operation::Sync {
            revision: Some(r), ..
        } => format!("revision {r}"),
        _ => "the target revision".into(),
    }
}

/// Why an operation cannot be planned for this object at all.
pub fn unsupported(op: &Operation, kind: ObjectKind) -> Option<String> {
    if !op.applies_to(kind) {
        let names: Vec<_> = op.kinds().iter().map(|k| k.name()).collect();
        return Some(match (op, kind) {
            (Operation::Scale { .. }, ObjectKind::DaemonSet) => {
                "a DaemonSet runs one pod per node; it cannot be scaled".into()
            }
            _ => format!(
                "{} applies to {}, not a {}",
                op.name(),
                names.join(" or "),
                kind.name()
            ),
        });
    }
    match op {
        Operation::Scale { replicas } if *replicas < 0 => {
            Some(format!("replicas must be 0 or more, not {replicas}"))
        }
        _ => None,
    }
}

/// Scale, restart, annotate, cordon, geo tag: requests that need nothing but
/// the target.
pub fn workload_request(op: &Operation, target: &Target, now: DateTime<Utc>) -> PatchRequest {
    let at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    match (op, target.kind) {
        // kubectl annotate: a JSON merge patch; null removes the key.
        (Operation::Annotate { key, value }, _) => {
            PatchRequest::merge(json!({"metadata": {"annotations": {key: value}}}))
        }
        // kubectl cordon/uncordon: the strategic patch of spec.unschedulable
        // (uncordon removes the field, as the two-way patch kubectl sends does).
        (Operation::Cordon { on }, _) => PatchRequest {
            patch_type: PatchType::Strategic,
            ..PatchRequest::merge(
                json!({"spec": {"unschedulable": if *on { json!(true) } else { Value::Null }}}),
            )
        },
        // A strategic merge keyed by container name, as kubectl set resources.
        (
            Operation::SetRequests {
                container,
                cpu,
                memory,
            },
            _,
        ) => {
            let mut requests = serde_json::Map::new();
            if let Some(c) = cpu {
                requests.insert("cpu".into(), json!(c));
            }
            if let Some(m) = memory {
                requests.insert("memory".into(), json!(m));
            }
            PatchRequest {
                patch_type: PatchType::Strategic,
                ..PatchRequest::merge(json!({"spec": {"template": {"spec": {"containers": [
                    {"name": container, "resources": {"requests": requests}}
                ]}}}}))
            }
        }
        // Argo CD's documented way to start a sync (no prune).
        (Operation::Sync { username, revision }, _) => {
            let mut sync = json!({"prune": false});
            if let Some(r) = revision {
                sync["revision"] = json!(r);
            }
            PatchRequest::merge(
                json!({"operation": {"initiatedBy": {"username": username}, "sync": sync}}),
            )
        }
        // k8gb's documented manual failover: the primary geo tag, in every cluster.
        (Operation::GeoTag { tag }, _) => {
            PatchRequest::merge(json!({"spec": {"strategy": {"primaryGeoTag": tag}}}))
        }
        (Operation::Scale { replicas }, _) => PatchRequest {
            subresource: Some("scale".into()),
            ..PatchRequest::merge(json!({"spec": {"replicas": replicas}}))
        },
        (Operation::Restart, ObjectKind::Rollout) => {
            PatchRequest::merge(json!({"spec": {"restartAt": at}}))
        }
        _ => PatchRequest {
            patch_type: PatchType::Strategic,
            ..PatchRequest::merge(json!({"spec": {"template": {"metadata": {"annotations": {
                "kubectl.kubernetes.io/restartedAt": at
            }}}}}))
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
        // Traffic and marks: no pod is restarted or removed.
        Operation::Weights { .. }
        | Operation::GeoTag { .. }
        | Operation::Cordon { .. }
        | Operation::Annotate { .. }
        | Operation::Sync { .. }
        | Operation::BackupNow => 0,
        // An experiment's harm is its own (its targets are listed apart).
        Operation::Stop | Operation::Start { .. } => 0,
        Operation::Pause | Operation::Resume
            if obj
                .types
                .as_ref()
                .is_some_and(|t| t.api_version.starts_with("chaos-mesh.org/")) =>
        {
            0
        }
        // Applying a workload touches its pods; anything else none.
        Operation::Apply { .. } => {
            let kind = obj.types.as_ref().map(|t| t.kind.as_str()).unwrap_or("");
            match kind {
                "Deployment" | "StatefulSet" | "DaemonSet" | "Rollout" => current,
                _ => 0,
            }
        }
        _ => current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::objects::WorkloadKind;

    fn target(kind: WorkloadKind) -> Target {
        Target::new("c", "ns", kind, "web")
    }

    #[test]
    fn requests_match_the_reference_tools() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let scale = workload_request(
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
        let restart = workload_request(&Operation::Restart, &target(WorkloadKind::Deployment), now);
        assert_eq!(restart.patch_type, PatchType::Strategic);
        assert_eq!(
            restart.body,
            json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-23T12:00:00Z"}}}}})
        );
        let ro = workload_request(&Operation::Restart, &target(WorkloadKind::Rollout), now);
        assert_eq!(ro.patch_type, PatchType::Merge);
        assert_eq!(
            ro.body,
            json!({"spec": {"restartAt": "2026-11-23T12:00:00Z"}})
        );
        assert!(unsupported(&Operation::Scale { replicas: 2 }, ObjectKind::DaemonSet).is_some());
        assert!(unsupported(&Operation::Scale { replicas: -1 }, ObjectKind::Deployment).is_some());
        assert!(unsupported(&Operation::Abort, ObjectKind::Deployment)
            .unwrap()
            .contains("applies to Rollout"));
    }

    #[test]
    fn json_patch_guard_is_a_leading_test_op() {
        let r = PatchRequest::json(json!([{"op": "replace", "path": "/spec/x", "value": 1}]));
        assert_eq!(
            r.guarded("7"),
            json!([
                {"op": "test", "path": "/metadata/resourceVersion", "value": "7"},
                {"op": "replace", "path": "/spec/x", "value": 1}
            ])
        );
    }
}
