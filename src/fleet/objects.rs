//! Compact copies of the Kubernetes objects fleetdeck shows.
//!
//! A cached, unstripped Pod costs ~35 KB; these keep only what a view reads, so a
//! fleet of 50 clusters × 2,000 pods fits in a few hundred MB. Live watches and the
//! demo simulator both convert through `Compact`, so they share one ingest path.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Namespace, Node};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use kube::api::DynamicObject;
use kube::ResourceExt;
use serde::{Deserialize, Serialize};

use super::intern::Pool;
use super::rollout::{rollout_info, Phase, RolloutInfo};
use super::tally::Tally;
use super::wire::WirePod;

/// A Kubernetes object reduced to what fleetdeck shows.
pub trait Compact: Sized + Clone + PartialEq + Send + Sync + 'static {
    type Source: Clone + Send + Sync + 'static;
    /// What the store counts as items come and go (`()` for nothing).
    type Tally: Tally<Self>;
    fn compact(src: &Self::Source) -> Option<Self>;
    /// As `compact`, sharing repeated strings through the store's pool.
    fn compact_with(src: &Self::Source, _pool: &mut Pool) -> Option<Self> {
        Self::compact(src)
    }
    /// `namespace/name` (or `name` for cluster-scoped objects).
    fn key(&self) -> String;
    /// The key written into a reused buffer: a lookup without an allocation.
    fn key_into(&self, buf: &mut String) {
        buf.clear();
        buf.push_str(&self.key());
    }
}

fn key_of(ns: &str, name: &str) -> String {
    let mut s = String::new();
    write_key(&mut s, ns, name);
    s
}

fn write_key(buf: &mut String, ns: &str, name: &str) {
    buf.clear();
    if !ns.is_empty() {
        buf.push_str(ns);
        buf.push('/');
    }
    buf.push_str(name);
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeInfo {
    pub name: String,
    pub ready: bool,
    pub unschedulable: bool,
    pub instance_type: Option<String>,
    pub region: Option<String>,
    pub zone: Option<String>,
    pub kubelet_version: Option<String>,
    pub cpu_millis: u64,
    pub memory_bytes: u64,
    /// Spot/preemptible capacity, from the providers' node labels.
    pub spot: bool,
}

/// Spot detection labels (slo-cost.md): EKS, Karpenter, GKE, AKS.
fn spot_label(labels: Option<&std::collections::BTreeMap<String, String>>) -> bool {
    let Some(l) = labels else { return false };
    let is = |k: &str, v: &str| l.get(k).is_some_and(|x| x.eq_ignore_ascii_case(v));
    is("eks.amazonaws.com/capacityType", "SPOT")
        || is("karpenter.sh/capacity-type", "spot")
        || is("cloud.google.com/gke-spot", "true")
        || is("cloud.google.com/gke-preemptible", "true")
        || is("kubernetes.azure.com/scalesetpriority", "spot")
}

impl Compact for NodeInfo {
    type Source = Node;
    type Tally = ();
    fn compact(n: &Node) -> Option<Self> {
        let labels = n.metadata.labels.as_ref();
        let label = |k: &str| labels.and_then(|l| l.get(k)).cloned();
        let status = n.status.as_ref();
        let cap = status.and_then(|s| s.capacity.as_ref());
        Some(NodeInfo {
            name: n.metadata.name.clone()?,
            ready: status
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
            unschedulable: n.spec.as_ref().and_then(|s| s.unschedulable) == Some(true),
            instance_type: label("node.kubernetes.io/instance-type"),
            region: label("topology.kubernetes.io/region"),
            zone: label("topology.kubernetes.io/zone"),
            kubelet_version: status
                .and_then(|s| s.node_info.as_ref())
                .map(|i| i.kubelet_version.clone()),
            cpu_millis: cap.and_then(|c| c.get("cpu")).map(cpu_millis).unwrap_or(0),
            memory_bytes: cap.and_then(|c| c.get("memory")).map(bytes).unwrap_or(0),
            spot: spot_label(labels),
        })
    }
    fn key(&self) -> String {
        self.name.clone()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamespaceInfo {
    pub name: String,
    pub terminating: bool,
}

impl Compact for NamespaceInfo {
    type Source = Namespace;
    type Tally = ();
    fn compact(n: &Namespace) -> Option<Self> {
        Some(NamespaceInfo {
            name: n.metadata.name.clone()?,
            terminating: n.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Terminating"),
        })
    }
    fn key(&self) -> String {
        self.name.clone()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PodPhase {
    Running,
    Pending,
    Succeeded,
    Failed,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PodInfo {
    /// Shared (`intern.rs`): thousands of pods repeat a handful of values.
    pub namespace: Arc<str>,
    pub name: String,
    pub phase: PodPhase,
    pub ready: bool,
    /// A container waiting in a crash or pull loop, or a failed pod: counted as
    /// failing even while its phase still says Running or Pending.
    pub failing: bool,
    pub reason: Option<String>,
    pub restarts: u32,
    pub node: Option<Arc<str>>,
    /// The workload that owns the pod: (kind, name), ReplicaSets resolved to their
    /// Deployment or Rollout by the pod-template-hash suffix.
    pub owner: Option<(Arc<str>, Arc<str>)>,
    pub created: Option<DateTime<Utc>>,
    pub deleting: bool,
    /// Summed over the pod's containers (what the scheduler reserves).
    pub cpu_request_millis: u64,
    pub memory_request_bytes: u64,
    /// Its labels as one shared string ([`labels_text`]): the pods of one
    /// ReplicaSet hold one allocation between them.
    pub labels: Arc<str>,
}

/// Labels as `key=value` lines, sorted. A key holds no `=` and neither
/// holds a newline, so the text splits back unambiguously.
pub fn labels_text(labels: Option<&std::collections::BTreeMap<String, String>>) -> String {
    let mut out = String::new();
    for (k, v) in labels.into_iter().flatten() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// The pairs of a [`labels_text`].
pub fn labels_of(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split('\n').filter_map(|l| l.split_once('='))
}

const FAILING_REASONS: &[&str] = &[
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

impl Compact for PodInfo {
    /// Decoded from the wire with only these fields (`wire.rs`).
    type Source = WirePod;
    type Tally = super::tally::PodCounts;
    fn compact(p: &WirePod) -> Option<Self> {
        Self::compact_with(p, &mut Pool::default())
    }
    fn compact_with(p: &WirePod, pool: &mut Pool) -> Option<Self> {
        let status = p.status.as_ref();
        let phase = match status.and_then(|s| s.phase.as_deref()) {
            Some("Running") => PodPhase::Running,
            Some("Pending") => PodPhase::Pending,
            Some("Succeeded") => PodPhase::Succeeded,
            Some("Failed") => PodPhase::Failed,
            _ => PodPhase::Unknown,
        };
        let containers = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or(&[]);
        let waiting_reason = containers.iter().find_map(|c| {
            let st = c.state.as_ref()?;
            st.waiting
                .as_ref()
                .and_then(|w| w.reason.clone())
                .or_else(|| st.terminated.as_ref().and_then(|t| t.reason.clone()))
                .filter(|r| FAILING_REASONS.contains(&r.as_str()))
        });
        let ready = status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        let request = |resource: &str, parse: fn(&Quantity) -> u64| -> u64 {
            p.spec.as_ref().map_or(0, |s| {
                s.containers
                    .iter()
                    .filter_map(|c| c.resources.as_ref()?.requests.as_ref()?.get(resource))
                    .map(parse)
                    .sum()
            })
        };
        Some(PodInfo {
            namespace: pool.get(p.metadata.namespace.as_deref().unwrap_or_default()),
            name: p.metadata.name.clone()?,
            failing: phase == PodPhase::Failed || waiting_reason.is_some(),
            reason: waiting_reason.or_else(|| status.and_then(|s| s.reason.clone())),
            phase,
            ready,
            restarts: containers
                .iter()
                .map(|c| c.restart_count.max(0) as u32)
                .sum(),
            node: p
                .spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .map(|n| pool.get(n)),
            owner: pod_owner(&p.metadata).map(|(k, n)| (pool.get(k), pool.get(n))),
            created: p.metadata.creation_timestamp.as_ref().and_then(time),
            deleting: p.metadata.deletion_timestamp.is_some(),
            cpu_request_millis: request("cpu", cpu_millis),
            memory_request_bytes: request("memory", bytes),
            labels: pool.get(&labels_text(p.metadata.labels.as_ref())),
        })
    }
    fn key(&self) -> String {
        key_of(&self.namespace, &self.name)
    }
    fn key_into(&self, buf: &mut String) {
        write_key(buf, &self.namespace, &self.name);
    }
}

/// ReplicaSet `web-5d4f7c9b8` with label pod-template-hash `5d4f7c9b8` belongs to
/// workload `web`; whether that is a Deployment or a Rollout is settled when the
/// rows are joined (the ReplicaSet's owner kind is not on the pod).
pub fn pod_owner(meta: &ObjectMeta) -> Option<(&str, &str)> {
    let owner = meta
        .owner_references
        .as_ref()?
        .iter()
        .find(|o| o.controller == Some(true))?;
    if owner.kind == "ReplicaSet" {
        let labels = meta.labels.as_ref();
        let hash = labels.and_then(|l| {
            l.get("rollouts-pod-template-hash")
                .or_else(|| l.get("pod-template-hash"))
        });
        let name = hash
            .and_then(|h| owner.name.strip_suffix(&format!("-{h}")))
            .unwrap_or(&owner.name);
        return Some(("ReplicaSet", name));
    }
    Some((&owner.kind, &owner.name))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    Rollout,
}

impl WorkloadKind {
    pub fn short(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deploy",
            WorkloadKind::StatefulSet => "sts",
            WorkloadKind::DaemonSet => "ds",
            WorkloadKind::Rollout => "ro",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Rollout => "Rollout",
        }
    }
    /// Whether a pod owned by `owner_kind` (ReplicaSets already resolved by name)
    /// can belong to this kind of workload.
    pub fn owns(self, owner_kind: &str) -> bool {
        match self {
            WorkloadKind::Deployment | WorkloadKind::Rollout => owner_kind == "ReplicaSet",
            WorkloadKind::StatefulSet => owner_kind == "StatefulSet",
            WorkloadKind::DaemonSet => owner_kind == "DaemonSet",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadInfo {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    pub desired: i32,
    pub ready: i32,
    pub updated: i32,
    pub available: i32,
    pub images: Vec<String>,
    pub healthy: bool,
    /// Why it is not healthy, in a few words.
    pub status: String,
    pub conditions: Vec<Condition>,
    pub created: Option<DateTime<Utc>>,
    pub rollout: Option<RolloutInfo>,
    /// Who wrote which parts, from managedFields (`fleet::managers`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managers: Vec<super::managers::FieldManager>,
    /// The entries of its `fleetdeck.io/depends-on` annotation, as written
    /// (`deps::declared` reads them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// A workload's declared dependencies: `namespace/name` entries separated by
/// commas or whitespace.
pub const DEPENDS_ON_ANNOTATION: &str = "fleetdeck.io/depends-on";

impl WorkloadInfo {
    fn judge(mut self, observed: Option<i64>, generation: Option<i64>) -> Self {
        let stale = matches!((observed, generation), (Some(o), Some(g)) if o < g);
        let deadline = self
            .conditions
            .iter()
            .any(|c| c.reason.as_deref() == Some("ProgressDeadlineExceeded"));
        let (healthy, status) = if deadline {
            (false, "ProgressDeadlineExceeded".to_string())
        } else if stale {
            (false, "Progressing".to_string())
        } else if self.ready < self.desired || self.available < self.desired {
            (false, format!("{}/{} ready", self.ready, self.desired))
        } else if self.updated < self.desired {
            (false, format!("{}/{} updated", self.updated, self.desired))
        } else {
            (true, "Healthy".to_string())
        };
        self.healthy = healthy;
        self.status = status;
        self
    }
}

/// The apps/v1 condition types differ by name only; this reads any of them
/// from an optional status.
macro_rules! conditions {
    ($status:expr) => {
        $status
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .map(|c| Condition {
                type_: c.type_.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
            })
            .collect()
    };
}

fn images(spec: Option<&k8s_openapi::api::core::v1::PodSpec>) -> Vec<String> {
    spec.map(|s| {
        s.containers
            .iter()
            .filter_map(|c| c.image.clone())
            .collect()
    })
    .unwrap_or_default()
}

fn base(kind: WorkloadKind, meta: &kube::api::ObjectMeta) -> Option<WorkloadInfo> {
    Some(WorkloadInfo {
        kind,
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone()?,
        desired: 0,
        ready: 0,
        updated: 0,
        available: 0,
        images: Vec::new(),
        healthy: false,
        status: String::new(),
        conditions: Vec::new(),
        created: meta.creation_timestamp.as_ref().and_then(time),
        rollout: None,
        managers: super::managers::summarise(meta),
        depends_on: meta
            .annotations
            .as_ref()
            .and_then(|a| a.get(DEPENDS_ON_ANNOTATION))
            .map(|v| {
                v.split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|e| !e.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

impl Compact for WorkloadInfo {
    type Source = WorkloadSource;
    type Tally = ();
    fn compact(src: &WorkloadSource) -> Option<Self> {
        match src {
            WorkloadSource::Deployment(d) => from_deployment(d),
            WorkloadSource::StatefulSet(s) => from_statefulset(s),
            WorkloadSource::DaemonSet(d) => from_daemonset(d),
            WorkloadSource::Rollout(r) => from_rollout(r),
        }
    }
    fn key(&self) -> String {
        key_of(&self.namespace, &self.name)
    }
}

/// The four workload kinds share one store; each watch wraps its objects in this.
#[derive(Debug, Clone)]
pub enum WorkloadSource {
    Deployment(Deployment),
    StatefulSet(StatefulSet),
    DaemonSet(DaemonSet),
    Rollout(DynamicObject),
}

fn from_deployment(d: &Deployment) -> Option<WorkloadInfo> {
    let mut w = base(WorkloadKind::Deployment, &d.metadata)?;
    let spec = d.spec.as_ref();
    let st = d.status.as_ref();
    w.desired = spec.and_then(|s| s.replicas).unwrap_or(1);
    w.ready = st.and_then(|s| s.ready_replicas).unwrap_or(0);
    w.updated = st.and_then(|s| s.updated_replicas).unwrap_or(0);
    w.available = st.and_then(|s| s.available_replicas).unwrap_or(0);
    w.images = images(spec.and_then(|s| s.template.spec.as_ref()));
    w.conditions = conditions!(st);
    Some(w.judge(
        st.and_then(|s| s.observed_generation),
        d.metadata.generation,
    ))
}

fn from_statefulset(s: &StatefulSet) -> Option<WorkloadInfo> {
    let mut w = base(WorkloadKind::StatefulSet, &s.metadata)?;
    let spec = s.spec.as_ref();
    let st = s.status.as_ref();
    w.desired = spec.and_then(|s| s.replicas).unwrap_or(1);
    w.ready = st.and_then(|s| s.ready_replicas).unwrap_or(0);
    w.updated = st.and_then(|s| s.updated_replicas).unwrap_or(0);
    w.available = st.and_then(|s| s.available_replicas).unwrap_or(w.ready);
    w.images = images(spec.and_then(|s| s.template.spec.as_ref()));
    w.conditions = conditions!(st);
    Some(w.judge(
        st.and_then(|s| s.observed_generation),
        s.metadata.generation,
    ))
}

fn from_daemonset(d: &DaemonSet) -> Option<WorkloadInfo> {
    let mut w = base(WorkloadKind::DaemonSet, &d.metadata)?;
    let st = d.status.as_ref();
    w.desired = st.map(|s| s.desired_number_scheduled).unwrap_or(0);
    w.ready = st.map(|s| s.number_ready).unwrap_or(0);
    w.updated = st.and_then(|s| s.updated_number_scheduled).unwrap_or(0);
    w.available = st.and_then(|s| s.number_available).unwrap_or(0);
    w.images = images(d.spec.as_ref().and_then(|s| s.template.spec.as_ref()));
    w.conditions = conditions!(st);
    Some(w.judge(
        st.and_then(|s| s.observed_generation),
        d.metadata.generation,
    ))
}

fn from_rollout(r: &DynamicObject) -> Option<WorkloadInfo> {
    let value = serde_json::to_value(r).ok()?;
    let info = rollout_info(&value)?;
    let mut w = base(WorkloadKind::Rollout, &r.metadata)?;
    w.namespace = r.namespace().unwrap_or_default();
    w.desired = info.desired;
    w.ready = info.ready;
    w.updated = info.updated;
    w.available = info.available;
    w.images = info.images.clone();
    w.conditions = value
        .pointer("/status/conditions")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some(Condition {
                type_: c.get("type")?.as_str()?.to_string(),
                status: c.get("status")?.as_str()?.to_string(),
                reason: c.get("reason").and_then(|v| v.as_str()).map(String::from),
                message: c.get("message").and_then(|v| v.as_str()).map(String::from),
            })
        })
        .collect();
    w.healthy = info.phase == Phase::Healthy;
    w.status = info.phase.to_string();
    w.rollout = Some(info);
    Some(w)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventInfo {
    pub namespace: String,
    pub name: String,
    pub object_kind: String,
    pub object_name: String,
    pub reason: String,
    pub message: String,
    /// `series.count` when the Event is a series, else `count`.
    pub count: i32,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// Normal or Warning.
    pub type_: String,
    /// Which console or controller wrote it (fleetdeck: the host).
    pub reporting_instance: Option<String>,
}

impl Compact for EventInfo {
    type Source = Event;
    type Tally = ();
    fn compact(e: &Event) -> Option<Self> {
        let series = e.series.as_ref();
        let last_seen = series
            .and_then(|s| s.last_observed_time.as_ref())
            .and_then(micro_time)
            .or_else(|| e.last_timestamp.as_ref().and_then(time))
            .or_else(|| e.event_time.as_ref().and_then(micro_time))
            .or_else(|| e.first_timestamp.as_ref().and_then(time))
            .or_else(|| e.metadata.creation_timestamp.as_ref().and_then(time));
        Some(EventInfo {
            namespace: e.metadata.namespace.clone().unwrap_or_default(),
            name: e.metadata.name.clone()?,
            object_kind: e.involved_object.kind.clone().unwrap_or_default(),
            object_name: e.involved_object.name.clone().unwrap_or_default(),
            reason: e.reason.clone().unwrap_or_default(),
            message: e.message.clone().unwrap_or_default(),
            count: series.and_then(|s| s.count).or(e.count).unwrap_or(1),
            first_seen: e
                .first_timestamp
                .as_ref()
                .and_then(time)
                .or_else(|| e.event_time.as_ref().and_then(micro_time)),
            last_seen,
            type_: e.type_.clone().unwrap_or_default(),
            reporting_instance: e.reporting_instance.clone().filter(|s| !s.is_empty()),
        })
    }
    fn key(&self) -> String {
        key_of(&self.namespace, &self.name)
    }
}

/// k8s-openapi's timestamps are jiff's; the rest of fleetdeck uses chrono.
pub fn time(t: &Time) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.0.as_second(), t.0.subsec_nanosecond().max(0) as u32)
}

fn micro_time(t: &MicroTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.0.as_second(), t.0.subsec_nanosecond().max(0) as u32)
}

/// CPU in millicores (`4`, `500m`, `100n` = 1: rounded up); 0 for a value
/// that is not a quantity (the API server validates them).
pub fn cpu_millis(q: &Quantity) -> u64 {
    crate::basics::quantity::millis(&q.0).unwrap_or(0)
}

/// Memory in bytes (`16Gi`, `512M`, `1e9`, `1Pi`).
pub fn bytes(q: &Quantity) -> u64 {
    crate::basics::quantity::value(&q.0).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities() {
        assert_eq!(cpu_millis(&Quantity("4".into())), 4000);
        assert_eq!(cpu_millis(&Quantity("250m".into())), 250);
        assert_eq!(bytes(&Quantity("16Gi".into())), 16 * 1024 * 1024 * 1024);
        assert_eq!(bytes(&Quantity("1G".into())), 1_000_000_000);
        assert_eq!(bytes(&Quantity("junk".into())), 0);
        // Once read as 0: the grammar's small and large suffixes.
        assert_eq!(cpu_millis(&Quantity("500000u".into())), 500);
        assert_eq!(cpu_millis(&Quantity("100n".into())), 1);
        assert_eq!(bytes(&Quantity("1Pi".into())), 1 << 50);
        assert_eq!(bytes(&Quantity("1E".into())), 1_000_000_000_000_000_000);
    }

    #[test]
    fn pod_owner_resolves_replicaset_to_workload_and_crashloop_is_failing() {
        let pod: WirePod = serde_json::from_value(json!({
            "metadata": {"name": "web-5d4f-abc", "namespace": "shop",
                "labels": {"pod-template-hash": "5d4f"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": "web-5d4f", "uid": "u", "controller": true}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "image": "x",
                "imageID": "", "ready": false, "restartCount": 4,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
        }))
        .unwrap();
        let p = PodInfo::compact(&pod).unwrap();
        assert_eq!(p.owner, Some(("ReplicaSet".into(), "web".into())));
        assert!(p.failing);
        assert_eq!(p.restarts, 4);
        assert_eq!(p.reason.as_deref(), Some("CrashLoopBackOff"));
        assert_eq!(p.key(), "shop/web-5d4f-abc");
    }

    #[test]
    fn deployment_health() {
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "shop", "generation": 2},
            "spec": {"replicas": 3, "selector": {}, "template": {"spec": {"containers": [{"name": "a", "image": "web:2"}]}}},
            "status": {"observedGeneration": 2, "readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}
        }))
        .unwrap();
        let w = WorkloadInfo::compact(&WorkloadSource::Deployment(d)).unwrap();
        assert!(!w.healthy);
        assert_eq!(w.status, "2/3 ready");
        assert_eq!(w.images, vec!["web:2"]);
    }
}
