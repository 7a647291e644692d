//! The simulated state rendered as the JSON an API server would serve: Nodes,
//! Namespaces, Pods, Deployments, StatefulSets, DaemonSets, Argo Rollouts and
//! warning Events, shaped as kubectl would show them. `feed.rs` decodes them
//! into the k8s-openapi types (or a `DynamicObject` for Rollouts) that the
//! ingest path takes.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::fleet::objects::WorkloadKind;

use super::rng::{fnv, hex, roll, uid};
use super::world::{Cloud, Cluster, Node, Pod, Warning, Workload};

mod pod;
mod replicasets;
mod workloads;

use pod::pod;
use workloads::{daemonset, deployment, rollout, statefulset, Counts};

/// Something per resource kind, each keyed by `namespace/name`.
#[derive(Debug, Clone)]
pub struct PerKind<V> {
    pub nodes: BTreeMap<String, V>,
    pub namespaces: BTreeMap<String, V>,
    pub deployments: BTreeMap<String, V>,
    pub statefulsets: BTreeMap<String, V>,
    pub daemonsets: BTreeMap<String, V>,
    pub rollouts: BTreeMap<String, V>,
    pub pods: BTreeMap<String, V>,
    pub events: BTreeMap<String, V>,
}

impl<V> Default for PerKind<V> {
    fn default() -> Self {
        PerKind {
            nodes: BTreeMap::new(),
            namespaces: BTreeMap::new(),
            deployments: BTreeMap::new(),
            statefulsets: BTreeMap::new(),
            daemonsets: BTreeMap::new(),
            rollouts: BTreeMap::new(),
            pods: BTreeMap::new(),
            events: BTreeMap::new(),
        }
    }
}

/// One object of the simulated cluster, before rendering.
#[derive(Clone, Copy)]
pub enum Obj<'a> {
    Node(&'a Node),
    Namespace(&'a str),
    Workload(&'a Workload),
    Pod(&'a Pod),
    Event(&'a Warning),
}

/// A cluster at one tick: each object with a signature of everything its
/// JSON depends on. Rendering is most of a tick's cost, so the feed renders
/// only objects whose signature changed, as controllers write only on change.
pub struct Snapshot<'a> {
    x: Ctx<'a>,
    pub objects: PerKind<(u64, Obj<'a>)>,
}

#[derive(Clone, Copy)]
struct Ctx<'a> {
    c: &'a Cluster,
    seed: u64,
    tick: i64,
    epoch: DateTime<Utc>,
}

impl Ctx<'_> {
    /// Demo seconds as an API timestamp.
    fn time(&self, at: i64) -> String {
        (self.epoch + Duration::seconds(at)).to_rfc3339_opts(SecondsFormat::Secs, true)
    }
    fn uid(&self, what: &str) -> String {
        uid(roll(self.seed, &[fnv(&self.c.meta.name), fnv(what)]))
    }
}

pub fn snapshot<'a>(c: &'a Cluster, seed: u64, tick: i64, epoch: DateTime<Utc>) -> Snapshot<'a> {
    let x = Ctx {
        c,
        seed,
        tick,
        epoch,
    };
    let mut o = PerKind::default();
    let item = |obj: Obj<'a>| (signature(x, obj), obj);
    for n in &c.nodes {
        o.nodes.insert(n.name.clone(), item(Obj::Node(n)));
    }
    for ns in &c.namespaces {
        o.namespaces.insert(ns.clone(), item(Obj::Namespace(ns)));
    }
    for w in &c.workloads {
        let key = format!("{}/{}", w.namespace, w.name);
        let map = match w.kind {
            WorkloadKind::Deployment => &mut o.deployments,
            WorkloadKind::StatefulSet => &mut o.statefulsets,
            WorkloadKind::DaemonSet => &mut o.daemonsets,
            WorkloadKind::Rollout => &mut o.rollouts,
        };
        map.insert(key, item(Obj::Workload(w)));
    }
    for p in &c.pods {
        o.pods
            .insert(format!("{}/{}", p.namespace, p.name), item(Obj::Pod(p)));
    }
    for e in &c.events {
        o.events
            .insert(format!("{}/{}", e.namespace, e.name), item(Obj::Event(e)));
    }
    Snapshot { x, objects: o }
}

/// The ReplicaSets of the namespace's Rollouts, as at `tick`.
pub fn replicasets(
    c: &Cluster,
    seed: u64,
    tick: i64,
    epoch: DateTime<Utc>,
    namespace: &str,
) -> Vec<Value> {
    let x = Ctx {
        c,
        seed,
        tick,
        epoch,
    };
    c.workloads
        .iter()
        .filter(|w| w.namespace == namespace && w.rollout.is_some())
        .flat_map(|w| replicasets::replicasets(x, w))
        .collect()
}

impl Snapshot<'_> {
    pub fn render(&self, obj: Obj<'_>) -> Value {
        let x = self.x;
        match obj {
            Obj::Node(n) => node(x, n),
            Obj::Namespace(ns) => namespace(x, ns),
            Obj::Workload(w) => match (w.kind, &w.rollout) {
                (WorkloadKind::Deployment, _) => deployment(x, w, Counts::of(x, w)),
                (WorkloadKind::StatefulSet, _) => statefulset(x, w, Counts::of(x, w)),
                (WorkloadKind::DaemonSet, _) => daemonset(x, w, Counts::of(x, w)),
                (WorkloadKind::Rollout, Some(ro)) => rollout(x, w, ro),
                (WorkloadKind::Rollout, None) => Value::Null,
            },
            Obj::Pod(p) => pod(x, p),
            Obj::Event(e) => event(x, e),
        }
    }
}

/// Hashes every input of an object's rendering (the epoch and seed are
/// fixed for a run).
fn signature(x: Ctx, obj: Obj) -> u64 {
    let mut h = DefaultHasher::new();
    match obj {
        Obj::Node(n) => n.hash(&mut h),
        Obj::Namespace(ns) => ns.hash(&mut h),
        Obj::Workload(w) => {
            w.hash(&mut h);
            Counts::of(x, w).hash(&mut h);
            if let Some(ro) = &w.rollout {
                Counts::ready_in(x, w, &ro.active).hash(&mut h);
            }
            x.c.nodes.len().hash(&mut h);
        }
        Obj::Pod(p) => {
            p.hash(&mut h);
            let node_ready = x.c.node_ready(p.node.as_deref());
            (node_ready, p.creating(x.tick), p.ready(x.tick, node_ready)).hash(&mut h);
            x.c.nodes.len().hash(&mut h);
        }
        Obj::Event(e) => {
            e.hash(&mut h);
            container_of(x, e).hash(&mut h);
        }
    }
    h.finish()
}

fn node(x: Ctx, n: &Node) -> Value {
    let c = x.c;
    let region = c.meta.region.clone().unwrap_or_default();
    let mut labels = json!({
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": n.instance_type,
        "topology.kubernetes.io/region": region,
        "topology.kubernetes.io/zone": n.zone,
        "type": "kwok",
    });
    let h = fnv(&n.name);
    let (provider_id, os_image, kernel) = match c.cloud {
        Cloud::Aws => {
            labels["eks.amazonaws.com/capacityType"] =
                json!(if n.spot { "SPOT" } else { "ON_DEMAND" });
            labels["karpenter.sh/capacity-type"] = json!(if n.spot { "spot" } else { "on-demand" });
            labels["karpenter.sh/nodepool"] = json!(n.pool);
            (
                format!("aws:///{}/i-0{}", n.zone, hex(h, 16)),
                "Amazon Linux 2023.6.20250203",
                "6.1.127-135.201.amzn2023.x86_64",
            )
        }
        Cloud::Gcp => {
            labels["cloud.google.com/gke-nodepool"] = json!(format!("{}-pool", n.pool));
            if n.spot {
                labels["cloud.google.com/gke-spot"] = json!("true");
            }
            (
                format!("gce://acme-{}/{}/{}", c.meta.name, n.zone, n.name),
                "Container-Optimized OS from Google",
                "6.6.72+",
            )
        }
    };
    let ready = if n.ready {
        json!({"type": "Ready", "status": "True", "reason": "KubeletReady",
               "message": "kubelet is posting ready status",
               "lastTransitionTime": x.time(n.transition)})
    } else {
        json!({"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
               "message": "Kubelet stopped posting node status.",
               "lastTransitionTime": x.time(n.transition)})
    };
    let pressure = |t: &str, reason: &str| {
        json!({"type": t, "status": "False", "reason": reason,
               "lastTransitionTime": x.time(n.created + 40)})
    };
    let taints = if n.ready {
        json!([])
    } else {
        json!([
            {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule",
             "timeAdded": x.time(n.transition)},
            {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute",
             "timeAdded": x.time(n.transition)}
        ])
    };
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": n.name,
            "uid": x.uid(&n.name),
            "creationTimestamp": x.time(n.created),
            "labels": labels,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"providerID": provider_id, "taints": taints},
        "status": {
            "capacity": {"cpu": n.cpu.to_string(), "memory": format!("{}Gi", n.memory_gi),
                         "pods": "110", "ephemeral-storage": "100Gi"},
            "allocatable": {"cpu": format!("{}m", n.cpu * 1000 - 90),
                            "memory": format!("{}Mi", n.memory_gi * 1024 * 9 / 10),
                            "pods": "110", "ephemeral-storage": "95Gi"},
            "conditions": [
                pressure("MemoryPressure", "KubeletHasSufficientMemory"),
                pressure("DiskPressure", "KubeletHasNoDiskPressure"),
                pressure("PIDPressure", "KubeletHasSufficientPID"),
                ready,
            ],
            "addresses": [
                {"type": "InternalIP", "address": format!("10.{}.{}.{}", 20 + h % 40, (h >> 8) % 256, (h >> 16) % 254 + 1)},
                {"type": "Hostname", "address": n.name},
            ],
            "nodeInfo": {
                "machineID": hex(h, 32), "systemUUID": uid(h >> 1), "bootID": uid(h >> 2),
                "kernelVersion": kernel, "osImage": os_image,
                "containerRuntimeVersion": "containerd://1.7.25",
                "kubeletVersion": c.version, "kubeProxyVersion": c.version,
                "operatingSystem": "linux", "architecture": "amd64",
            },
        },
    })
}

fn namespace(x: Ctx, name: &str) -> Value {
    let age = 400 * 86_400 + (fnv(&x.c.meta.name) % (200 * 86_400)) as i64;
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "uid": x.uid(&format!("ns/{name}")),
            "creationTimestamp": x.time(-age),
            "labels": {"kubernetes.io/metadata.name": name},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    })
}

fn event(x: Ctx, e: &Warning) -> Value {
    let object_api = if e.object_kind == "Pod" {
        "v1"
    } else {
        "apps/v1"
    };
    let field_path = container_of(x, e).map(|c| format!("spec.containers{{{c}}}"));
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": e.name,
            "namespace": e.namespace,
            "uid": x.uid(&format!("event/{}/{}", e.namespace, e.name)),
            "creationTimestamp": x.time(e.first),
        },
        "involvedObject": {
            "apiVersion": object_api,
            "kind": e.object_kind,
            "namespace": e.namespace,
            "name": e.object_name,
            "fieldPath": field_path,
        },
        "type": "Warning",
        "reason": e.reason,
        "message": e.message,
        "count": e.count,
        "firstTimestamp": x.time(e.first),
        "lastTimestamp": x.time(e.last),
        "source": {"component": e.component, "host": e.host},
        "reportingComponent": e.component,
        "reportingInstance": e.host.clone().unwrap_or_default(),
    })
}

/// The container a kubelet event is about (containers are named after
/// their workload).
fn container_of<'a>(x: Ctx<'a>, e: &Warning) -> Option<&'a str> {
    if e.object_kind != "Pod" || e.component != "kubelet" {
        return None;
    }
    x.c.pods
        .iter()
        .find(|p| p.name == e.object_name && p.namespace == e.namespace)
        .map(|p| p.workload.as_str())
}
