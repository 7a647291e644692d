//! Per-cluster stores fed by watch events: the one ingest path for live watches
//! and the demo simulator.
//!
//! Each resource kind keeps its objects like a kube-rs reflector does: during a
//! (re)list the incoming objects are buffered and swapped in at `InitDone`, so a
//! relist after 410 Gone never shows a half-empty table. The store holds compact
//! copies (`objects.rs`), not the API objects.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Utc};
use kube::runtime::watcher::Event;

use super::intern::Pool;
use super::objects::{Compact, EventInfo, NamespaceInfo, NodeInfo, PodInfo, WorkloadInfo};
use super::revisions::RevisionInfo;
use super::syncs::SyncInfo;
use super::tally::Tally;

/// Where one watched resource stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceState {
    /// Not started, or the first list is still arriving.
    Syncing,
    Ready,
    /// The identity may not list/watch it (403): the column shows that, the
    /// cluster is degraded, not down.
    Forbidden(String),
    /// The API server does not serve it (a CRD that is not installed).
    Missing,
    /// The last attempt failed; the previous data stays visible.
    Failing {
        error: String,
        since: DateTime<Utc>,
        transport: bool,
    },
}

impl ResourceState {
    pub fn is_ready(&self) -> bool {
        matches!(self, ResourceState::Ready)
    }
}

#[derive(Debug, Clone)]
pub struct Kind<T: Compact> {
    pub items: HashMap<String, T>,
    buffer: Option<HashMap<String, T>>,
    /// Kept in step with `items` by `apply`: rows read it instead of walking.
    tally: T::Tally,
    /// Strings the items share (`intern.rs`).
    pool: Pool,
    /// The last key looked up, reused.
    scratch: String,
    pub state: ResourceState,
    /// Whether an initial list has ever completed, so "no data yet" and "empty"
    /// can be told apart.
    pub synced_once: bool,
}

impl<T: Compact> Default for Kind<T> {
    fn default() -> Self {
        Kind {
            items: HashMap::new(),
            buffer: None,
            tally: T::Tally::default(),
            pool: Pool::default(),
            scratch: String::new(),
            state: ResourceState::Syncing,
            synced_once: false,
        }
    }
}

impl<T: Compact> Kind<T> {
    /// Applies one watch event. Returns whether the visible items changed.
    pub fn apply(&mut self, event: Event<T::Source>) -> bool {
        match event {
            Event::Init => {
                self.buffer = Some(HashMap::new());
                false
            }
            Event::InitApply(obj) => {
                if let Some(v) = T::compact_with(&obj, &mut self.pool) {
                    self.buffer
                        .get_or_insert_with(HashMap::new)
                        .insert(v.key(), v);
                }
                false
            }
            Event::InitDone => {
                if let Some(buf) = self.buffer.take() {
                    self.tally = T::Tally::of(buf.values());
                    self.items = buf;
                    self.pool.prune();
                }
                self.state = ResourceState::Ready;
                self.synced_once = true;
                true
            }
            Event::Apply(obj) => match T::compact_with(&obj, &mut self.pool) {
                Some(v) => {
                    // One hash and no key allocation for a changed object:
                    // bursts are thousands of these.
                    v.key_into(&mut self.scratch);
                    let changed = match self.items.get_mut(self.scratch.as_str()) {
                        Some(old) => {
                            let changed = *old != v;
                            if changed {
                                self.tally.add(&v);
                                self.tally.sub(&std::mem::replace(old, v));
                            }
                            changed
                        }
                        None => {
                            self.tally.add(&v);
                            self.items.insert(self.scratch.clone(), v);
                            true
                        }
                    };
                    if !self.state.is_ready() {
                        self.state = ResourceState::Ready;
                        return true;
                    }
                    changed
                }
                None => false,
            },
            Event::Delete(obj) => match T::compact_with(&obj, &mut self.pool) {
                Some(v) => match self.items.remove(&v.key()) {
                    Some(old) => {
                        self.tally.sub(&old);
                        true
                    }
                    None => false,
                },
                None => false,
            },
        }
    }

    pub fn set_state(&mut self, state: ResourceState) -> bool {
        // Keep the first failure time while the failure goes on.
        let state = match (&self.state, state) {
            (
                ResourceState::Failing { since, .. },
                ResourceState::Failing {
                    error, transport, ..
                },
            ) => ResourceState::Failing {
                error,
                since: *since,
                transport,
            },
            (_, s) => s,
        };
        let changed = self.state != state;
        self.state = state;
        changed
    }

    /// The running count over `items` (see `tally.rs`).
    pub fn tally(&self) -> &T::Tally {
        &self.tally
    }

    /// Items during a relist still show the previous list.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Which resource a state or event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Nodes,
    Namespaces,
    Deployments,
    StatefulSets,
    DaemonSets,
    Rollouts,
    Pods,
    Events,
    /// fleetdeck's own Events: actions taken from any console.
    Actions,
    /// The Deployment controller's ScalingReplicaSet Events: when and how
    /// far each ReplicaSet was scaled (the timeline's scales and rollouts).
    Scaling,
    /// Revisions of Deployments and Rollouts (the timeline's revisions).
    ReplicaSets,
    /// Revisions of StatefulSets and DaemonSets.
    ControllerRevisions,
    /// Argo CD Applications (their syncs).
    Applications,
}

impl Resource {
    pub const ALL: [Resource; 13] = [
        Resource::Nodes,
        Resource::Namespaces,
        Resource::Deployments,
        Resource::StatefulSets,
        Resource::DaemonSets,
        Resource::Rollouts,
        Resource::Pods,
        Resource::Events,
        Resource::Actions,
        Resource::Scaling,
        Resource::ReplicaSets,
        Resource::ControllerRevisions,
        Resource::Applications,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Resource::Nodes => "nodes",
            Resource::Namespaces => "namespaces",
            Resource::Deployments => "deployments",
            Resource::StatefulSets => "statefulsets",
            Resource::DaemonSets => "daemonsets",
            Resource::Rollouts => "rollouts",
            Resource::Pods => "pods",
            Resource::Events => "events",
            Resource::Actions => "fleetdeck events",
            Resource::Scaling => "scaling events",
            Resource::ReplicaSets => "replicasets",
            Resource::ControllerRevisions => "controllerrevisions",
            Resource::Applications => "argo cd applications",
        }
    }
}

/// How the connection to the API server stands, apart from any one watch.
#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connecting,
    Connected,
    /// The client could not be built (bad credentials, exec plugin failed) or the
    /// health probe failed.
    Failed {
        error: String,
        since: DateTime<Utc>,
        transport: bool,
    },
    /// Never connected: a discovered cluster with no way in (yet).
    Listed {
        why: String,
    },
    /// Not contacted: its counts come from the metrics engine (`metrics`)
    /// until the operator drills in.
    Summary,
}

/// Everything known about one cluster. Only ingest and the cluster's own tasks
/// write it; views read derived rows (`summary.rs`).
#[derive(Debug, Clone)]
pub struct ClusterData {
    pub connection: Connection,
    /// The context the watches go through, where the cluster has several
    /// (`fleet::via`), once chosen.
    pub via: Option<String>,
    pub version: Option<String>,
    /// What the last TLS handshake negotiated (`fleet::tls::probe`).
    pub tls: Option<super::tls::TlsInfo>,
    /// An edge cluster's link: probe outcomes, the health that counts.
    pub link: Option<super::link::Link>,
    /// Its figures from the last run, shown until it answers.
    pub last_known: Option<super::last_known::Saved>,
    pub nodes: Kind<NodeInfo>,
    pub namespaces: Kind<NamespaceInfo>,
    /// Deployments, StatefulSets, DaemonSets and Rollouts, keyed by kind too.
    pub deployments: Kind<WorkloadInfo>,
    pub statefulsets: Kind<WorkloadInfo>,
    pub daemonsets: Kind<WorkloadInfo>,
    pub rollouts: Kind<WorkloadInfo>,
    pub pods: Kind<PodInfo>,
    pub events: Kind<EventInfo>,
    /// Events fleetdeck consoles wrote (reportingController fleetdeck.io/console).
    pub actions: Kind<EventInfo>,
    /// ScalingReplicaSet Events.
    pub scaling: Kind<EventInfo>,
    /// Workload revisions (`revisions.rs`): ReplicaSets and ControllerRevisions.
    pub replicasets: Kind<RevisionInfo>,
    pub controller_revisions: Kind<RevisionInfo>,
    /// Argo CD Applications' syncs (`syncs.rs`); Missing without the CRD.
    pub applications: Kind<SyncInfo>,
    /// Last time anything arrived from the API server.
    pub last_seen: Option<DateTime<Utc>>,
    /// Bumped on every visible change, so derived rows can be cached.
    pub generation: u64,
    pub changed_at: Option<Instant>,
    /// Summary mode's figures (`Connection::Summary`).
    pub metrics: super::metrics::MetricCounts,
}

impl Default for ClusterData {
    fn default() -> Self {
        ClusterData {
            connection: Connection::Connecting,
            via: None,
            version: None,
            tls: None,
            link: None,
            last_known: None,
            nodes: Kind::default(),
            namespaces: Kind::default(),
            deployments: Kind::default(),
            statefulsets: Kind::default(),
            daemonsets: Kind::default(),
            rollouts: Kind::default(),
            pods: Kind::default(),
            events: Kind::default(),
            actions: Kind::default(),
            scaling: Kind::default(),
            replicasets: Kind::default(),
            controller_revisions: Kind::default(),
            applications: Kind::default(),
            last_seen: None,
            generation: 0,
            changed_at: None,
            metrics: Default::default(),
        }
    }
}

impl ClusterData {
    pub fn state_of(&self, r: Resource) -> &ResourceState {
        match r {
            Resource::Nodes => &self.nodes.state,
            Resource::Namespaces => &self.namespaces.state,
            Resource::Deployments => &self.deployments.state,
            Resource::StatefulSets => &self.statefulsets.state,
            Resource::DaemonSets => &self.daemonsets.state,
            Resource::Rollouts => &self.rollouts.state,
            Resource::Pods => &self.pods.state,
            Resource::Events => &self.events.state,
            Resource::Actions => &self.actions.state,
            Resource::Scaling => &self.scaling.state,
            Resource::ReplicaSets => &self.replicasets.state,
            Resource::ControllerRevisions => &self.controller_revisions.state,
            Resource::Applications => &self.applications.state,
        }
    }

    pub fn set_resource_state(&mut self, r: Resource, s: ResourceState) -> bool {
        let changed = match r {
            Resource::Nodes => self.nodes.set_state(s),
            Resource::Namespaces => self.namespaces.set_state(s),
            Resource::Deployments => self.deployments.set_state(s),
            Resource::StatefulSets => self.statefulsets.set_state(s),
            Resource::DaemonSets => self.daemonsets.set_state(s),
            Resource::Rollouts => self.rollouts.set_state(s),
            Resource::Pods => self.pods.set_state(s),
            Resource::Events => self.events.set_state(s),
            Resource::Actions => self.actions.set_state(s),
            Resource::Scaling => self.scaling.set_state(s),
            Resource::ReplicaSets => self.replicasets.set_state(s),
            Resource::ControllerRevisions => self.controller_revisions.set_state(s),
            Resource::Applications => self.applications.set_state(s),
        };
        self.touch(changed)
    }

    pub fn set_connection(&mut self, c: Connection) -> bool {
        let c = match (&self.connection, c) {
            (
                Connection::Failed { since, .. },
                Connection::Failed {
                    error, transport, ..
                },
            ) => Connection::Failed {
                error,
                since: *since,
                transport,
            },
            (_, c) => c,
        };
        let changed = self.connection != c;
        self.connection = c;
        self.touch(changed)
    }

    /// Marks that the API server answered.
    pub fn seen(&mut self, now: DateTime<Utc>) {
        self.last_seen = Some(now);
    }

    pub fn touch(&mut self, changed: bool) -> bool {
        if changed {
            self.generation += 1;
            self.changed_at = Some(Instant::now());
        }
        changed
    }

    /// All workloads of every kind.
    pub fn workloads(&self) -> impl Iterator<Item = &WorkloadInfo> {
        self.deployments
            .items
            .values()
            .chain(self.statefulsets.items.values())
            .chain(self.daemonsets.items.values())
            .chain(self.rollouts.items.values())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Namespace;

    fn ns(name: &str) -> Namespace {
        let mut n = Namespace::default();
        n.metadata.name = Some(name.into());
        n
    }

    #[test]
    fn relist_swaps_at_init_done_never_half_empty() {
        let mut k: Kind<NamespaceInfo> = Kind::default();
        k.apply(Event::Init);
        k.apply(Event::InitApply(ns("a")));
        k.apply(Event::InitApply(ns("b")));
        assert!(k.is_empty(), "nothing visible before InitDone");
        assert!(k.apply(Event::InitDone));
        assert_eq!(k.len(), 2);
        // A relist (410 Gone): the old list stays until the new one is complete.
        k.apply(Event::Init);
        k.apply(Event::InitApply(ns("c")));
        assert_eq!(k.len(), 2);
        k.apply(Event::InitDone);
        assert_eq!(k.items.keys().collect::<Vec<_>>(), vec!["c"]);
    }

    #[test]
    fn unchanged_apply_is_not_a_change_and_failure_keeps_its_start() {
        let mut k: Kind<NamespaceInfo> = Kind::default();
        k.apply(Event::InitDone);
        assert!(k.apply(Event::Apply(ns("a"))));
        assert!(!k.apply(Event::Apply(ns("a"))));
        assert!(k.apply(Event::Delete(ns("a"))));
        let t0 = Utc::now();
        k.set_state(ResourceState::Failing {
            error: "one".into(),
            since: t0,
            transport: true,
        });
        k.set_state(ResourceState::Failing {
            error: "two".into(),
            since: t0 + chrono::Duration::seconds(5),
            transport: true,
        });
        assert_eq!(
            k.state,
            ResourceState::Failing {
                error: "two".into(),
                since: t0,
                transport: true
            }
        );
    }
}
