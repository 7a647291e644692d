//! The simulated state of each cluster, as its controllers would hold it:
//! nodes, workloads with the ReplicaSets (pod sets) they want, pods and warning
//! events. `objects.rs` renders it as Kubernetes objects; `script.rs` moves it.
//!
//! Time is kept as whole seconds relative to the demo's first tick (`at`,
//! negative for things that happened before the demo started) and schedules run
//! on the tick count, so a frozen clock gives a fully reproducible run.

use crate::fleet::objects::WorkloadKind;
use crate::fleet::summary::ClusterMeta;

use super::rng::{fnv, roll, suffix, uid};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Aws,
    Gcp,
}

#[derive(Debug, Clone, Hash)]
pub struct Node {
    pub name: String,
    pub instance_type: &'static str,
    pub zone: String,
    pub pool: &'static str,
    pub spot: bool,
    pub cpu: u32,
    pub memory_gi: u32,
    pub ready: bool,
    /// When `ready` last changed.
    pub transition: i64,
    pub created: i64,
}

/// One ReplicaSet (or StatefulSet/DaemonSet revision) and how many pods it
/// should run.
#[derive(Debug, Clone, Hash)]
pub struct PodSet {
    pub hash: String,
    pub image: String,
    pub target: i32,
    /// Argo's `rollout.argoproj.io/revision` (Rollouts only read it).
    pub revision: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Weight(u32),
    /// Seconds; `None` is `pause: {}`, held until promoted.
    Pause(Option<i64>),
}

#[derive(Debug, Clone, Hash)]
pub enum Strategy {
    Canary { steps: Vec<Step> },
    BlueGreen { auto_promote: i64, scale_down: i64 },
}

/// What the Argo Rollouts controller keeps for one Rollout.
#[derive(Debug, Clone, Hash)]
pub struct RolloutState {
    pub strategy: Strategy,
    /// Pod-template hash of the stable ReplicaSet.
    pub stable: String,
    /// Blue/green: the hash the active Service selects.
    pub active: String,
    pub step: usize,
    /// Tick and time the current pause started.
    pub paused: Option<(i64, i64)>,
    /// Tick of the next release, once healthy; `None` for rollouts that stay put.
    pub next_release: Option<i64>,
    /// Ticks from one completed release to the next, for scripted rollouts.
    pub cycle: Option<i64>,
    /// Blue/green: tick at which the old ReplicaSet is scaled down.
    pub scale_down_at: Option<i64>,
    /// `spec.paused`: the operator froze it.
    pub spec_paused: bool,
    /// `status.abort`, and when (demo seconds).
    pub aborted: Option<i64>,
    /// `status.promoteFull`: skip the remaining steps and pauses.
    pub promote_full: bool,
}

#[derive(Debug, Clone, Hash)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    pub replicas: i32,
    /// The image of the pod template (the newest pod set's).
    pub image: String,
    pub generation: i64,
    pub created: i64,
    /// Oldest first; the last one is the current template.
    pub sets: Vec<PodSet>,
    pub rollout: Option<RolloutState>,
    /// The scheduler finds room for at most this many of its pods (the
    /// staging capacity squeeze); the rest stay Pending.
    pub max_scheduled: Option<i32>,
    /// Pod labels beside `app.kubernetes.io/name`, for Service selectors.
    pub labels: Vec<(String, String)>,
    /// The `fleetdeck.io/last-action` annotation an action left.
    pub mark: Option<String>,
}

impl Workload {
    pub fn current(&self) -> &PodSet {
        self.sets.last().expect("a workload has a pod set")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Hash)]
pub struct Exit {
    pub reason: &'static str,
    pub code: i32,
    pub started: i64,
    pub at: i64,
}

/// A container in CrashLoopBackOff: the kubelet restarts it with a doubling
/// back-off until `until`.
#[derive(Debug, Clone, Copy, PartialEq, Hash)]
pub struct Crash {
    pub until: i64,
    pub next_restart: i64,
    pub backoff: i64,
}

#[derive(Debug, Clone, Hash)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub workload: String,
    pub kind: WorkloadKind,
    pub hash: String,
    pub image: String,
    pub node: Option<String>,
    pub created: i64,
    /// Tick the pod was created; it pulls and starts for a few ticks after.
    pub born: i64,
    pub restarts: u32,
    pub last_exit: Option<Exit>,
    /// When the running container started.
    pub started: i64,
    /// Tick from which the readiness probe passes.
    pub ready_from: i64,
    pub crash: Option<Crash>,
    pub probe_fail_until: i64,
}

/// Ticks from creation to a running container, and on to Ready.
pub const START_TICKS: i64 = 2;
pub const READY_TICKS: i64 = 5;

impl Pod {
    pub fn creating(&self, tick: i64) -> bool {
        self.node.is_some() && tick < self.born + START_TICKS
    }

    /// Ready as the kubelet (and the node controller, for a lost node) says.
    pub fn ready(&self, tick: i64, node_ready: bool) -> bool {
        self.node.is_some()
            && node_ready
            && !self.creating(tick)
            && self.crash.is_none()
            && tick >= self.ready_from
            && tick >= self.probe_fail_until
    }
}

/// A warning Event, deduplicated like the kubelet's event recorder does: the
/// same reason on the same object bumps `count`.
#[derive(Debug, Clone, Hash)]
pub struct Warning {
    pub namespace: String,
    pub name: String,
    pub object_kind: &'static str,
    pub object_name: String,
    pub reason: &'static str,
    pub message: String,
    pub component: &'static str,
    pub host: Option<String>,
    pub count: i32,
    pub first: i64,
    pub last: i64,
}

/// Kubernetes' default `--event-ttl`.
pub const EVENT_TTL: i64 = 3600;

#[derive(Debug, Clone)]
pub struct Cluster {
    pub meta: ClusterMeta,
    pub cloud: Cloud,
    pub version: String,
    pub nodes: Vec<Node>,
    pub namespaces: Vec<String>,
    pub workloads: Vec<Workload>,
    pub pods: Vec<Pod>,
    pub events: Vec<Warning>,
    /// Services and HTTPRoutes as stored JSON: no view lists them, the
    /// palette's traffic actions read and patch them (`traffic.rs`).
    pub traffic: Vec<serde_json::Value>,
    /// Counts generated names, so they never repeat.
    pub serial: u64,
}

pub struct World {
    pub seed: u64,
    pub clusters: Vec<Cluster>,
}

/// The pod-template hash of an image, as a ReplicaSet name suffix.
pub fn template_hash(workload: &str, image: &str) -> String {
    suffix(fnv(&format!("{workload}\n{image}")), 10)
}

impl Cluster {
    pub fn node_ready(&self, name: Option<&str>) -> bool {
        name.is_some_and(|n| self.nodes.iter().any(|x| x.name == n && x.ready))
    }

    pub fn workload(&self, namespace: &str, name: &str) -> Option<usize> {
        self.workloads
            .iter()
            .position(|w| w.namespace == namespace && w.name == name)
    }

    /// Records a warning now; repeats of the same reason on the same object
    /// count up instead of adding events.
    #[allow(clippy::too_many_arguments)]
    pub fn warn(
        &mut self,
        seed: u64,
        (object_kind, namespace, object_name): (&'static str, &str, &str),
        reason: &'static str,
        message: String,
        component: &'static str,
        host: Option<String>,
        at: i64,
    ) {
        if let Some(e) = self.events.iter_mut().find(|e| {
            e.namespace == namespace
                && e.object_kind == object_kind
                && e.object_name == object_name
                && e.reason == reason
        }) {
            e.count += 1;
            e.last = at;
            e.message = message;
            return;
        }
        self.serial += 1;
        let h = roll(seed, &[fnv(&self.meta.name), fnv(object_name), self.serial]);
        self.events.push(Warning {
            namespace: namespace.to_string(),
            name: format!("{object_name}.{}", super::rng::hex(h, 16)),
            object_kind,
            object_name: object_name.to_string(),
            reason,
            message,
            component,
            host,
            count: 1,
            first: at,
            last: at,
        });
    }

    /// Drops events older than the API server's TTL.
    pub fn expire_events(&mut self, at: i64) {
        self.events.retain(|e| at - e.last < EVENT_TTL);
    }

    /// Brings pod counts to what the pod sets want: the ReplicaSet,
    /// StatefulSet and DaemonSet controllers plus the scheduler, in one.
    pub fn reconcile(&mut self, seed: u64, tick: i64, at: i64) {
        for wi in 0..self.workloads.len() {
            match self.workloads[wi].kind {
                WorkloadKind::DaemonSet => self.reconcile_daemonset(seed, wi, tick, at),
                WorkloadKind::StatefulSet => self.reconcile_statefulset(seed, wi, tick, at),
                WorkloadKind::Deployment | WorkloadKind::Rollout => {
                    self.reconcile_replicasets(seed, wi, tick, at)
                }
            }
            // A scaled-down old ReplicaSet disappears, except a Rollout's
            // last few (`revisionHistoryLimit: 3`): undo rolls back to them.
            let w = &mut self.workloads[wi];
            let pods = &self.pods;
            let owned = |hash: &str| {
                pods.iter()
                    .any(|p| p.workload == w.name && p.namespace == w.namespace && p.hash == hash)
            };
            let n = w.sets.len();
            let mut history = if w.kind == WorkloadKind::Rollout {
                3
            } else {
                0
            };
            let mut keep: Vec<bool> = w
                .sets
                .iter()
                .enumerate()
                .rev()
                .map(|(i, s)| {
                    let live = i + 1 == n || s.target > 0 || owned(&s.hash);
                    if !live && history > 0 {
                        history -= 1;
                        return true;
                    }
                    live
                })
                .collect();
            keep.reverse();
            let mut it = keep.into_iter();
            w.sets.retain(|_| it.next().unwrap_or(true));
        }
    }

    fn owned_by(&self, wi: usize) -> impl Iterator<Item = (usize, &Pod)> {
        let w = &self.workloads[wi];
        self.pods
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.workload == w.name && p.namespace == w.namespace)
    }

    fn reconcile_replicasets(&mut self, seed: u64, wi: usize, tick: i64, at: i64) {
        for si in 0..self.workloads[wi].sets.len() {
            let set = self.workloads[wi].sets[si].clone();
            let have: Vec<usize> = self
                .owned_by(wi)
                .filter(|(_, p)| p.hash == set.hash)
                .map(|(i, _)| i)
                .collect();
            let have_n = have.len() as i32;
            // The ReplicaSet controller deletes unscheduled, then newest pods first.
            let mut doomed: Vec<usize> = have;
            doomed.sort_by_key(|&i| (self.pods[i].node.is_some(), -self.pods[i].born));
            doomed.truncate((have_n - set.target).max(0) as usize);
            self.remove_pods(doomed);
            for _ in have_n..set.target {
                self.serial += 1;
                let name = format!(
                    "{}-{}-{}",
                    self.workloads[wi].name,
                    set.hash,
                    suffix(
                        roll(seed, &[fnv(&self.meta.name), fnv(&set.hash), self.serial]),
                        5
                    )
                );
                self.create_pod(seed, wi, &set, name, None, tick, at);
            }
        }
    }

    fn reconcile_statefulset(&mut self, seed: u64, wi: usize, tick: i64, at: i64) {
        let w = &self.workloads[wi];
        let set = w.current().clone();
        let ordinal = |p: &Pod| {
            p.name
                .rsplit('-')
                .next()
                .and_then(|n| n.parse::<i32>().ok())
        };
        let doomed: Vec<usize> = self
            .owned_by(wi)
            .filter(|(_, p)| ordinal(p).is_none_or(|o| o >= w.replicas))
            .map(|(i, _)| i)
            .collect();
        let present: Vec<i32> = self.owned_by(wi).filter_map(|(_, p)| ordinal(p)).collect();
        let name = w.name.clone();
        let missing: Vec<i32> = (0..w.replicas).filter(|o| !present.contains(o)).collect();
        self.remove_pods(doomed);
        for o in missing {
            self.create_pod(seed, wi, &set, format!("{name}-{o}"), None, tick, at);
        }
    }

    fn reconcile_daemonset(&mut self, seed: u64, wi: usize, tick: i64, at: i64) {
        let set = self.workloads[wi].current().clone();
        let nodes: Vec<String> = self.nodes.iter().map(|n| n.name.clone()).collect();
        for node in nodes {
            let has = self
                .owned_by(wi)
                .any(|(_, p)| p.node.as_deref() == Some(&node));
            if !has {
                self.serial += 1;
                let name = format!(
                    "{}-{}",
                    self.workloads[wi].name,
                    suffix(
                        roll(seed, &[fnv(&self.meta.name), fnv(&node), self.serial]),
                        5
                    )
                );
                self.create_pod(seed, wi, &set, name, Some(node), tick, at);
            }
        }
    }

    fn remove_pods(&mut self, mut idx: Vec<usize>) {
        idx.sort_unstable();
        for i in idx.into_iter().rev() {
            self.pods.remove(i);
        }
    }

    /// The scheduler: the Ready node with the fewest pods, unless the
    /// workload is squeezed out.
    fn place(&self, wi: usize) -> Option<String> {
        let w = &self.workloads[wi];
        let scheduled = self.owned_by(wi).filter(|(_, p)| p.node.is_some()).count() as i32;
        if w.max_scheduled.is_some_and(|m| scheduled >= m) {
            return None;
        }
        self.nodes
            .iter()
            .filter(|n| n.ready)
            .min_by_key(|n| {
                self.pods
                    .iter()
                    .filter(|p| p.node.as_deref() == Some(&n.name))
                    .count()
            })
            .map(|n| n.name.clone())
    }

    #[allow(clippy::too_many_arguments)]
    fn create_pod(
        &mut self,
        seed: u64,
        wi: usize,
        set: &PodSet,
        name: String,
        node: Option<String>,
        tick: i64,
        at: i64,
    ) {
        let node = node.or_else(|| self.place(wi));
        let w = &self.workloads[wi];
        self.pods.push(Pod {
            uid: uid(roll(seed, &[fnv(&self.meta.name), fnv(&name), self.serial])),
            namespace: w.namespace.clone(),
            workload: w.name.clone(),
            kind: w.kind,
            hash: set.hash.clone(),
            image: set.image.clone(),
            node,
            created: at,
            born: tick,
            restarts: 0,
            last_exit: None,
            started: at + START_TICKS,
            ready_from: tick + READY_TICKS,
            crash: None,
            probe_fail_until: 0,
            name,
        });
    }
}
