//! Pods decoded straight from the list and watch streams into only the
//! fields [`PodInfo`](super::objects::PodInfo) reads. serde skips the rest
//! of the JSON without allocating it — managedFields, annotations, env,
//! volumes, probes — which is most of a pod's bytes and most of the time
//! a full `k8s-openapi` decode spends (docs/performance.md). The type is a
//! `kube` resource (kind Pod, core v1), so the watcher lists and watches it
//! like any other.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WirePod {
    #[serde(default, deserialize_with = "slim_meta")]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: Option<Spec>,
    #[serde(default)]
    pub status: Option<Status>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    #[serde(default)]
    pub node_name: Option<String>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub containers: Vec<Container>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Container {
    #[serde(default)]
    pub resources: Option<Resources>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Resources {
    #[serde(default)]
    pub requests: Option<BTreeMap<String, Quantity>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub conditions: Option<Vec<Condition>>,
    #[serde(default)]
    pub container_statuses: Option<Vec<ContainerStatus>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Condition {
    #[serde(rename = "type", default)]
    pub type_: String,
    #[serde(default)]
    pub status: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    #[serde(default)]
    pub restart_count: i32,
    #[serde(default)]
    pub state: Option<State>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct State {
    #[serde(default)]
    pub waiting: Option<Reason>,
    #[serde(default)]
    pub terminated: Option<Reason>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reason {
    #[serde(default)]
    pub reason: Option<String>,
}

/// The metadata a pod row needs (and the watcher: its resourceVersion).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SlimMeta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    uid: Option<String>,
    #[serde(default)]
    resource_version: Option<String>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    owner_references: Option<Vec<OwnerReference>>,
    #[serde(default)]
    creation_timestamp: Option<Time>,
    #[serde(default)]
    deletion_timestamp: Option<Time>,
}

fn slim_meta<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    let m = Option::<SlimMeta>::deserialize(d)?;
    Ok(m.map(|m| ObjectMeta {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resource_version: m.resource_version,
        labels: m.labels,
        owner_references: m.owner_references,
        creation_timestamp: m.creation_timestamp,
        deletion_timestamp: m.deletion_timestamp,
        ..ObjectMeta::default()
    })
    .unwrap_or_default())
}

fn null_is_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl k8s_openapi::Resource for WirePod {
    const API_VERSION: &'static str = "v1";
    const GROUP: &'static str = "";
    const KIND: &'static str = "Pod";
    const VERSION: &'static str = "v1";
    const URL_PATH_SEGMENT: &'static str = "pods";
    type Scope = k8s_openapi::NamespaceResourceScope;
}

impl k8s_openapi::Metadata for WirePod {
    type Ty = ObjectMeta;
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl WirePod {
    /// From a full object (the demo's simulated pods, the benches' fixture):
    /// through JSON, so it is exactly what the wire would have given.
    pub fn of(p: &k8s_openapi::api::core::v1::Pod) -> WirePod {
        serde_json::to_value(p)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::objects::{cpu_millis, time, Compact, PodInfo, PodPhase};
    use k8s_openapi::api::core::v1::Pod;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// What `PodInfo::compact` made of a full `k8s-openapi` Pod before the
    /// wire decoder: the reference the fast path must agree with.
    fn reference(p: &Pod) -> Option<PodInfo> {
        const FAILING: &[&str] = &[
            "CrashLoopBackOff",
            "ImagePullBackOff",
            "ErrImagePull",
            "CreateContainerConfigError",
            "CreateContainerError",
            "InvalidImageName",
            "RunContainerError",
            "OOMKilled",
            "Error",
        ];
        let status = p.status.as_ref();
        let phase = match status.and_then(|s| s.phase.as_deref()) {
            Some("Running") => PodPhase::Running,
            Some("Pending") => PodPhase::Pending,
            Some("Succeeded") => PodPhase::Succeeded,
            Some("Failed") => PodPhase::Failed,
            _ => PodPhase::Unknown,
        };
        let cs = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or(&[]);
        let waiting = cs.iter().find_map(|c| {
            let st = c.state.as_ref()?;
            st.waiting
                .as_ref()
                .and_then(|w| w.reason.clone())
                .or_else(|| st.terminated.as_ref().and_then(|t| t.reason.clone()))
                .filter(|r| FAILING.contains(&r.as_str()))
        });
        let request = |res: &str, parse: fn(&Quantity) -> u64| {
            p.spec.as_ref().map_or(0, |s| {
                s.containers
                    .iter()
                    .filter_map(|c| c.resources.as_ref()?.requests.as_ref()?.get(res))
                    .map(parse)
                    .sum()
            })
        };
        let wire_owner = WirePod {
            metadata: ObjectMeta {
                labels: p.metadata.labels.clone(),
                owner_references: p.metadata.owner_references.clone(),
                name: Some("x".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        Some(PodInfo {
            namespace: p.metadata.namespace.as_deref().unwrap_or_default().into(),
            name: p.metadata.name.clone()?,
            failing: phase == PodPhase::Failed || waiting.is_some(),
            reason: waiting.or_else(|| status.and_then(|s| s.reason.clone())),
            phase,
            ready: status
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
            restarts: cs.iter().map(|c| c.restart_count.max(0) as u32).sum(),
            node: p
                .spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .map(Into::into),
            owner: PodInfo::compact(&wire_owner)?.owner,
            created: p.metadata.creation_timestamp.as_ref().and_then(time),
            deleting: p.metadata.deletion_timestamp.is_some(),
            cpu_request_millis: request("cpu", cpu_millis),
            memory_request_bytes: request("memory", crate::fleet::objects::bytes),
            labels: crate::fleet::objects::labels_text(p.metadata.labels.as_ref()).into(),
        })
    }

    /// Both decoders on one JSON body: the wire one must succeed whenever
    /// the full one does, and agree.
    fn agree(v: &Value) {
        let wire = serde_json::from_value::<WirePod>(v.clone());
        if let Ok(full) = serde_json::from_value::<Pod>(v.clone()) {
            let wire = wire.unwrap_or_else(|e| panic!("wire failed where full did not: {e}\n{v}"));
            assert_eq!(PodInfo::compact(&wire), reference(&full), "{v}");
        }
    }

    #[test]
    fn recorded_pods_and_odd_ones_decode_the_same() {
        let base = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-5d4f-abc", "namespace": "shop", "uid": "u1",
                "resourceVersion": "42", "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"pod-template-hash": "5d4f", "app": "web"},
                "annotations": {"big": "x".repeat(200_000)},
                "managedFields": [{"manager": "kubelet", "operation": "Update",
                    "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:phase": {}}}}],
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": "web-5d4f", "uid": "u", "controller": true}]},
            "spec": {"nodeName": "n1", "containers": [
                {"name": "a", "image": "web:1", "env": [{"name": "X", "value": "y"}],
                 "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}}},
                {"name": "b", "image": "side:1", "resources": {"requests": {"cpu": "500000u"}}}],
                "somethingNew": {"nested": [1, 2, 3]}},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": "a", "image": "x", "imageID": "", "ready": false,
                    "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
        });
        agree(&base);
        let odd = [
            json!({"metadata": {"name": "bare"}}),
            json!({"metadata": {"name": "nulls", "labels": null}, "spec": null, "status": null}),
            json!({"metadata": {"name": "deleting", "deletionTimestamp": "2026-01-01T00:00:01Z"},
                "status": {"phase": "Failed", "reason": "Evicted"}}),
            json!({"metadata": {"name": "term"}, "spec": {"containers": []},
                "status": {"containerStatuses": [{"name": "a", "image": "x", "imageID": "",
                    "ready": false, "restartCount": -1,
                    "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}}),
            json!({"metadata": {}}),
        ];
        for v in &odd {
            agree(v);
        }
        let wire: WirePod = serde_json::from_value(base).unwrap();
        let info = PodInfo::compact(&wire).unwrap();
        assert_eq!(info.cpu_request_millis, 750);
        assert_eq!(wire.metadata.resource_version.as_deref(), Some("42"));
        assert!(wire.metadata.managed_fields.is_none() && wire.metadata.annotations.is_none());
    }

    fn maybe(v: impl Strategy<Value = Value>) -> impl Strategy<Value = Option<Value>> {
        prop_oneof![Just(None), Just(Some(Value::Null)), v.prop_map(Some)]
    }

    fn word() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!("Running")),
            Just(json!("Pending")),
            Just(json!("Failed")),
            Just(json!("CrashLoopBackOff")),
            Just(json!("Ready")),
            Just(json!("True")),
            "[a-z]{0,6}".prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
        ]
    }

    fn pod_json() -> impl Strategy<Value = Value> {
        let conds = prop::collection::vec((word(), word()), 0..3).prop_map(|c| {
            let c: Vec<Value> = c
                .into_iter()
                .map(|(t, st)| json!({"type": t, "status": st}))
                .collect();
            json!(c)
        });
        let statuses = prop::collection::vec((any::<i32>(), maybe(word()), any::<bool>()), 0..3)
            .prop_map(|cs| {
                let cs: Vec<Value> = cs
                    .into_iter()
                    .map(|(n, r, waiting)| {
                        let key = if waiting { "waiting" } else { "terminated" };
                        json!({"name": "a", "image": "i", "imageID": "", "ready": false,
                            "restartCount": n, "state": {key: {"reason": r, "exitCode": 1}}})
                    })
                    .collect();
                json!(cs)
            });
        let status = (maybe(word()), maybe(word()), maybe(conds), maybe(statuses)).prop_map(
            |(phase, reason, conds, cs)| {
                let mut s = serde_json::Map::new();
                for (k, v) in [
                    ("phase", phase),
                    ("reason", reason),
                    ("conditions", conds),
                    ("containerStatuses", cs),
                ] {
                    if let Some(v) = v {
                        s.insert(k.into(), v);
                    }
                }
                Value::Object(s)
            },
        );
        let requests = prop::collection::vec(
            prop_oneof![
                Just(json!("250m")),
                Just(json!("1")),
                Just(json!("100n")),
                Just(json!("1Pi")),
                Just(json!("1e3")),
                Just(json!("junk")),
            ],
            0..3,
        );
        (
            maybe("[a-z]{1,8}".prop_map(Value::from)),
            maybe(word()),
            maybe(status),
            requests,
            any::<bool>(),
        )
            .prop_map(|(name, node, status, reqs, owned)| {
                let mut meta = json!({"namespace": "ns", "annotations": {"a": "b"},
                    "managedFields": [{"manager": "m"}]});
                if let Some(n) = name {
                    meta["name"] = n;
                }
                if owned {
                    meta["ownerReferences"] = json!([{"apiVersion": "apps/v1",
                        "kind": "ReplicaSet", "name": "web-h", "uid": "u", "controller": true}]);
                    meta["labels"] = json!({"pod-template-hash": "h"});
                }
                let containers: Vec<Value> = reqs
                    .into_iter()
                    .map(|q| json!({"name": "c", "resources": {"requests": {"cpu": q, "memory": q}}}))
                    .collect();
                let mut spec = json!({"containers": containers});
                if let Some(n) = node {
                    spec["nodeName"] = n;
                }
                let mut pod = json!({"metadata": meta, "spec": spec, "unknownTopLevel": 1});
                if let Some(s) = status {
                    pod["status"] = s;
                }
                pod
            })
    }

    proptest! {
        #[test]
        fn the_wire_decoder_agrees_and_never_panics(v in pod_json()) {
            agree(&v);
        }

        #[test]
        fn any_bytes_are_an_error_at_worst(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = serde_json::from_slice::<WirePod>(&bytes);
        }
    }
}
