//! The clusters' own objects, read under each cluster's lock: pods,
//! workloads, nodes and Argo Rollouts.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{age, f, Drill, Field, Item, Kind, Sources, Visit, V};
use crate::fleet::handles::with_data;
use crate::fleet::objects::{labels_of, NodeInfo, PodInfo, PodPhase, WorkloadInfo, WorkloadKind};
use crate::fleet::store::{ClusterData, Connection, ResourceState};
use crate::fleet::summary::ClusterMeta;

const WHERE: [Field; 3] = [
    f("cluster", "string", "the cluster's context"),
    f("cluster_name", "string", "the cluster's display name"),
    f("group", "string", "its [[cluster]] group, or null"),
];

fn common(meta: &ClusterMeta, field: &str) -> Option<V> {
    Some(match field {
        "cluster" => V::s(&meta.context),
        "cluster_name" => V::s(&meta.name),
        "group" => V::opt_s(meta.group.as_deref()),
        _ => return None,
    })
}

/// Each reachable cluster's data, one lock at a time; stops when `go` does.
fn each(src: &Sources, mut go: impl FnMut(&ClusterMeta, &ClusterData) -> bool) {
    for (meta, data) in src.stores {
        if !with_data(data, |d| go(meta, d)) {
            return;
        }
    }
}

pub const PODS: Kind = Kind {
    name: "pods",
    aliases: &["pod", "po"],
    fields: &[
        WHERE[0],
        WHERE[1],
        WHERE[2],
        f("namespace", "string", ""),
        f("name", "string", ""),
        f(
            "phase",
            "string",
            "Running, Pending, Succeeded, Failed, Unknown",
        ),
        f("ready", "bool", "its Ready condition is True"),
        f("failing", "bool", "crash or pull loop, or Failed"),
        f(
            "reason",
            "string",
            "why it waits or failed (CrashLoopBackOff, Evicted…), or null",
        ),
        f("restarts", "int", "container restarts, summed"),
        f("node", "string", "the node it runs on, or null"),
        f(
            "owner",
            "string",
            "the workload that owns it (Deployment or Rollout for a ReplicaSet's pods)",
        ),
        f(
            "owner_kind",
            "string",
            "Deployment, Rollout, StatefulSet, DaemonSet, Job…",
        ),
        f("labels", "map(string, string)", "labels[\"app\"]"),
        f(
            "age",
            "duration",
            "since it was created: age < duration(\"1h\")",
        ),
        f("created", "timestamp", ""),
        f(
            "cpu_request",
            "int",
            "millicores requested, summed over containers",
        ),
        f("memory_request", "int", "bytes requested"),
        f("deleting", "bool", "it has a deletion timestamp"),
    ],
    columns: &[
        "cluster",
        "namespace",
        "name",
        "phase",
        "ready",
        "restarts",
        "node",
        "age",
    ],
    scan: scan_pods,
    unknown: pods_unknown,
};

struct Pod<'a> {
    meta: &'a ClusterMeta,
    p: &'a PodInfo,
    owner: Option<(WorkloadKind, &'a str)>,
    now: DateTime<Utc>,
}

fn phase(p: PodPhase) -> &'static str {
    match p {
        PodPhase::Running => "Running",
        PodPhase::Pending => "Pending",
        PodPhase::Succeeded => "Succeeded",
        PodPhase::Failed => "Failed",
        PodPhase::Unknown => "Unknown",
    }
}

impl Item for Pod<'_> {
    fn get(&self, field: &str) -> V {
        if let Some(v) = common(self.meta, field) {
            return v;
        }
        let p = self.p;
        match field {
            "namespace" => V::Str(p.namespace.clone()),
            "name" => V::s(&p.name),
            "phase" => V::s(phase(p.phase)),
            "ready" => V::Bool(p.ready),
            "failing" => V::Bool(p.failing),
            "reason" => V::opt_s(p.reason.as_deref()),
            "restarts" => V::Int(p.restarts as i64),
            "node" => p.node.clone().map_or(V::Null, V::Str),
            "owner" => p.owner.as_ref().map_or(V::Null, |(_, n)| V::Str(n.clone())),
            "owner_kind" => match (&self.owner, &p.owner) {
                (Some((k, _)), _) => V::s(k.name()),
                (None, Some((k, _))) => V::Str(k.clone()),
                (None, None) => V::Null,
            },
            "labels" => V::Map(
                labels_of(&p.labels)
                    .map(|(k, v)| (Arc::from(k), V::s(v)))
                    .collect(),
            ),
            "age" => age(self.now, p.created),
            "created" => p.created.map_or(V::Null, V::Time),
            "cpu_request" => V::Int(p.cpu_request_millis as i64),
            "memory_request" => V::Int(p.memory_request_bytes as i64),
            "deleting" => V::Bool(p.deleting),
            _ => V::Null,
        }
    }

    fn drill(&self) -> Drill {
        match self.owner {
            Some((kind, name)) => Drill::Workload {
                context: self.meta.context.clone(),
                kind,
                namespace: self.p.namespace.to_string(),
                name: name.to_string(),
            },
            None => Drill::Cluster {
                context: self.meta.context.clone(),
            },
        }
    }
}

/// The workload a pod belongs to, as the workload views know it.
fn owner_of<'a>(d: &'a ClusterData, p: &PodInfo) -> Option<(WorkloadKind, &'a str)> {
    let (kind, name) = p.owner.as_ref()?;
    let key = format!("{}/{name}", p.namespace);
    fn found<'a>(
        k: &'a crate::fleet::store::Kind<WorkloadInfo>,
        key: &str,
        kind: WorkloadKind,
    ) -> Option<(WorkloadKind, &'a str)> {
        k.items.get(key).map(|w| (kind, w.name.as_str()))
    }
    match kind.as_ref() {
        "ReplicaSet" => found(&d.deployments, &key, WorkloadKind::Deployment)
            .or_else(|| found(&d.rollouts, &key, WorkloadKind::Rollout)),
        "StatefulSet" => found(&d.statefulsets, &key, WorkloadKind::StatefulSet),
        "DaemonSet" => found(&d.daemonsets, &key, WorkloadKind::DaemonSet),
        _ => None,
    }
}

/// Each cluster where one of `pick`'s resources is not known, and why.
fn unknown_in(src: &Sources, pick: fn(&ClusterData) -> Vec<&ResourceState>) -> Vec<String> {
    let mut out = Vec::new();
    for (meta, data) in src.stores {
        with_data(data, |d| {
            let gone = match &d.connection {
                Connection::Failed { error, .. } => Some(format!("unreachable ({error})")),
                Connection::Listed { why } => Some(format!("not contacted ({why})")),
                Connection::Summary => Some("summary mode: its objects are not watched".into()),
                Connection::Connecting | Connection::Connected => None,
            };
            if let Some(g) = gone {
                out.push(format!("{}: {g}", meta.context));
                return;
            }
            let why: Vec<String> = pick(d)
                .into_iter()
                .filter_map(|s| match s {
                    ResourceState::Forbidden(e) => Some(format!("forbidden: {e}")),
                    ResourceState::Failing { error, .. } => Some(format!("failing: {error}")),
                    ResourceState::Syncing => Some("not listed yet".to_string()),
                    ResourceState::Ready | ResourceState::Missing => None,
                })
                .collect();
            if let Some(w) = why.first() {
                out.push(format!("{}: {w}", meta.context));
            }
        });
    }
    out
}

fn pods_unknown(src: &Sources) -> Vec<String> {
    unknown_in(src, |d| vec![&d.pods.state])
}

fn workloads_unknown(src: &Sources) -> Vec<String> {
    unknown_in(src, |d| {
        vec![
            &d.deployments.state,
            &d.statefulsets.state,
            &d.daemonsets.state,
            &d.rollouts.state,
        ]
    })
}

fn rollouts_unknown(src: &Sources) -> Vec<String> {
    unknown_in(src, |d| vec![&d.rollouts.state])
}

fn nodes_unknown(src: &Sources) -> Vec<String> {
    unknown_in(src, |d| vec![&d.nodes.state])
}

fn scan_pods(src: &Sources, visit: &mut Visit) {
    each(src, |meta, d| {
        d.pods.items.values().all(|p| {
            visit(&Pod {
                meta,
                p,
                owner: owner_of(d, p),
                now: src.now,
            })
        })
    });
}

pub const WORKLOADS: Kind = Kind {
    name: "workloads",
    aliases: &["workload", "wl", "deploy", "deployments"],
    fields: &[
        WHERE[0],
        WHERE[1],
        WHERE[2],
        f("namespace", "string", ""),
        f("name", "string", ""),
        f(
            "kind",
            "string",
            "Deployment, StatefulSet, DaemonSet, Rollout",
        ),
        f("desired", "int", "replicas wanted"),
        f("ready", "int", "replicas ready"),
        f("updated", "int", "replicas at the current revision"),
        f("available", "int", ""),
        f("healthy", "bool", "as the STATUS column says"),
        f("status", "string", "Healthy, 1/3 ready, Progressing…"),
        f(
            "images",
            "list(string)",
            "images.exists(i, i.endsWith(\":1.4.2\"))",
        ),
        f(
            "depends_on",
            "list(string)",
            "fleetdeck.io/depends-on entries",
        ),
        f("age", "duration", ""),
        f("created", "timestamp", ""),
    ],
    columns: &[
        "cluster",
        "namespace",
        "name",
        "kind",
        "ready",
        "desired",
        "status",
        "images",
    ],
    scan: scan_workloads,
    unknown: workloads_unknown,
};

struct Workload<'a> {
    meta: &'a ClusterMeta,
    w: &'a WorkloadInfo,
    now: DateTime<Utc>,
}

fn list(v: &[String]) -> V {
    V::List(v.iter().map(|s| Arc::from(s.as_str())).collect())
}

impl Item for Workload<'_> {
    fn get(&self, field: &str) -> V {
        if let Some(v) = common(self.meta, field) {
            return v;
        }
        let w = self.w;
        match field {
            "namespace" => V::s(&w.namespace),
            "name" => V::s(&w.name),
            "kind" => V::s(w.kind.name()),
            "desired" => V::Int(w.desired.into()),
            "ready" => V::Int(w.ready.into()),
            "updated" => V::Int(w.updated.into()),
            "available" => V::Int(w.available.into()),
            "healthy" => V::Bool(w.healthy),
            "status" => V::s(&w.status),
            "images" => list(&w.images),
            "depends_on" => list(&w.depends_on),
            "age" => age(self.now, w.created),
            "created" => w.created.map_or(V::Null, V::Time),
            _ => V::Null,
        }
    }

    fn drill(&self) -> Drill {
        Drill::Workload {
            context: self.meta.context.clone(),
            kind: self.w.kind,
            namespace: self.w.namespace.clone(),
            name: self.w.name.clone(),
        }
    }
}

fn scan_workloads(src: &Sources, visit: &mut Visit) {
    each(src, |meta, d| {
        d.workloads().all(|w| {
            visit(&Workload {
                meta,
                w,
                now: src.now,
            })
        })
    });
}

pub const ROLLOUTS: Kind = Kind {
    name: "rollouts",
    aliases: &["rollout", "ro"],
    fields: &[
        WHERE[0],
        WHERE[1],
        WHERE[2],
        f("namespace", "string", ""),
        f("name", "string", ""),
        f("phase", "string", "Healthy, Progressing, Paused, Degraded"),
        f("strategy", "string", "Canary, BlueGreen"),
        f("step", "int", "the current canary step (1-based), or null"),
        f("steps", "int", "canary steps in all, or null"),
        f("weight", "int", "the canary's set weight, or null"),
        f("paused", "bool", ""),
        f("aborted", "bool", ""),
        f("message", "string", "the controller's message"),
        f("images", "list(string)", ""),
    ],
    columns: &[
        "cluster",
        "namespace",
        "name",
        "phase",
        "strategy",
        "step",
        "weight",
        "message",
    ],
    scan: scan_rollouts,
    unknown: rollouts_unknown,
};

struct Rollout<'a>(Workload<'a>, &'a crate::fleet::rollout::RolloutInfo);

impl Item for Rollout<'_> {
    fn get(&self, field: &str) -> V {
        let r = self.1;
        match field {
            "phase" => V::s(r.phase.to_string()),
            "strategy" => V::s(format!("{:?}", r.strategy)),
            "step" => r.step.map_or(V::Null, |(s, _)| V::Int(s.into())),
            "steps" => r.step.map_or(V::Null, |(_, n)| V::Int(n.into())),
            "weight" => r.set_weight.map_or(V::Null, |w| V::Int(w.into())),
            "paused" => V::Bool(r.paused),
            "aborted" => V::Bool(r.aborted),
            "message" => V::s(&r.message),
            _ => self.0.get(field),
        }
    }

    fn drill(&self) -> Drill {
        self.0.drill()
    }
}

fn scan_rollouts(src: &Sources, visit: &mut Visit) {
    each(src, |meta, d| {
        d.rollouts.items.values().all(|w| match &w.rollout {
            Some(r) => visit(&Rollout(
                Workload {
                    meta,
                    w,
                    now: src.now,
                },
                r,
            )),
            None => true,
        })
    });
}

pub const NODES: Kind = Kind {
    name: "nodes",
    aliases: &["node", "no"],
    fields: &[
        WHERE[0],
        WHERE[1],
        WHERE[2],
        f("name", "string", ""),
        f("ready", "bool", ""),
        f("cordoned", "bool", "unschedulable"),
        f(
            "instance_type",
            "string",
            "node.kubernetes.io/instance-type, or null",
        ),
        f("region", "string", ""),
        f("zone", "string", ""),
        f("spot", "bool", "a spot / preemptible instance"),
        f("kubelet", "string", "the kubelet's version"),
        f("cpu", "int", "allocatable millicores"),
        f("memory", "int", "allocatable bytes"),
        f("pods", "int", "pods on it now"),
    ],
    columns: &[
        "cluster",
        "name",
        "ready",
        "cordoned",
        "instance_type",
        "zone",
        "pods",
    ],
    scan: scan_nodes,
    unknown: nodes_unknown,
};

struct Node<'a> {
    meta: &'a ClusterMeta,
    n: &'a NodeInfo,
    pods: usize,
}

impl Item for Node<'_> {
    fn get(&self, field: &str) -> V {
        if let Some(v) = common(self.meta, field) {
            return v;
        }
        let n = self.n;
        match field {
            "name" => V::s(&n.name),
            "ready" => V::Bool(n.ready),
            "cordoned" => V::Bool(n.unschedulable),
            "instance_type" => V::opt_s(n.instance_type.as_deref()),
            "region" => V::opt_s(n.region.as_deref()),
            "zone" => V::opt_s(n.zone.as_deref()),
            "spot" => V::Bool(n.spot),
            "kubelet" => V::opt_s(n.kubelet_version.as_deref()),
            "cpu" => V::Int(n.cpu_millis as i64),
            "memory" => V::Int(n.memory_bytes as i64),
            "pods" => V::Int(self.pods as i64),
            _ => V::Null,
        }
    }

    fn drill(&self) -> Drill {
        Drill::Cluster {
            context: self.meta.context.clone(),
        }
    }
}

fn scan_nodes(src: &Sources, visit: &mut Visit) {
    each(src, |meta, d| {
        let mut on: std::collections::HashMap<&str, usize> = Default::default();
        for p in d.pods.items.values() {
            if let Some(n) = &p.node {
                *on.entry(n.as_ref()).or_default() += 1;
            }
        }
        d.nodes.items.values().all(|n| {
            visit(&Node {
                meta,
                n,
                pods: on.get(n.name.as_str()).copied().unwrap_or(0),
            })
        })
    });
}
