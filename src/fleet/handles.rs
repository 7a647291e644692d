//! The set of clusters being shown, and the rows derived from all of them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kube::config::Kubeconfig;
use tokio::sync::Notify;

use super::live::{spawn_cluster, ClusterHandle, Notifier, SharedData};
use super::store::ClusterData;
use super::summary::{
    cluster_row_cached, totals, workload_lines, ClusterMeta, ClusterRow, FleetTotals, HealthPolicy,
    WorkloadLine,
};

/// One Rollout of the fleet-wide Rollouts view.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutRow {
    pub cluster: usize,
    pub cluster_name: String,
    pub info: super::rollout::RolloutInfo,
}

pub struct Fleet {
    pub clusters: Vec<ClusterHandle>,
    pub policy: HealthPolicy,
    /// Notified whenever any cluster's data changes.
    pub notify: Notifier,
    /// The lineup as of every cluster's store generation.
    lineup: std::sync::Mutex<Option<Lineup>>,
}

/// The lineup and the store generations it was built from.
type Lineup = (Vec<u64>, Arc<Vec<WorkloadLine>>);

impl Fleet {
    /// Starts one handle per context; all connect in parallel, in the background.
    pub fn connect(metas: Vec<ClusterMeta>, kubeconfig: Kubeconfig, policy: HealthPolicy) -> Fleet {
        let notify: Notifier = Arc::new(Notify::new());
        let kubeconfig = Arc::new(kubeconfig);
        let clusters = metas
            .into_iter()
            .map(
                |m| match m.discovered.as_ref().and_then(|d| d.listed.clone()) {
                    Some(why) => super::live::ClusterHandle::listed(m, why),
                    None if m.summary => {
                        super::live::ClusterHandle::summary(m, kubeconfig.clone(), notify.clone())
                    }
                    None => spawn_cluster(m, kubeconfig.clone(), notify.clone()),
                },
            )
            .collect();
        Fleet {
            clusters,
            policy,
            notify,
            lineup: Default::default(),
        }
    }

    /// A fleet whose stores are fed by something else (the demo simulator).
    pub fn from_handles(
        clusters: Vec<ClusterHandle>,
        policy: HealthPolicy,
        notify: Notifier,
    ) -> Fleet {
        Fleet {
            clusters,
            policy,
            notify,
            lineup: Default::default(),
        }
    }

    /// Summary mode: the cluster the operator looks at (`looking`) watches
    /// live; one not looked at for `linger` goes back to summary, as do the
    /// least recently looked at beyond `max_live`.
    pub fn focus(&self, looking: Option<usize>, linger: std::time::Duration, max_live: usize) {
        let now = std::time::Instant::now();
        if let Some(c) = looking.and_then(|i| self.clusters.get(i)) {
            c.go_live(now);
        }
        let mut live: Vec<(std::time::Instant, &super::live::ClusterHandle)> = self
            .clusters
            .iter()
            .enumerate()
            .filter(|(i, c)| Some(*i) != looking && c.on_demand() && c.is_live())
            .map(|(_, c)| (c.looked_at().unwrap_or(now), c))
            .collect();
        live.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
        let room = max_live.saturating_sub(usize::from(looking.is_some()));
        for (i, (t, c)) in live.iter().enumerate() {
            if i >= room || now.duration_since(*t) >= linger {
                c.rest();
            }
        }
    }

    /// Every cluster's metadata and stores (for background tasks).
    pub fn stores(&self) -> Vec<(super::summary::ClusterMeta, super::live::SharedData)> {
        self.clusters
            .iter()
            .map(|c| (c.meta.clone(), c.data.clone()))
            .collect()
    }

    /// Every cluster's metadata and client (for reads beside the watches).
    pub fn readers(&self) -> Vec<super::summary::Reader> {
        self.clusters
            .iter()
            .map(|c| (c.meta.clone(), c.client.clone()))
            .collect()
    }

    /// One row per cluster; an unchanged cluster's counts come from its
    /// cache, so a frame costs little more than the clock-dependent parts.
    pub fn rows(&self, now: DateTime<Utc>) -> Vec<ClusterRow> {
        self.clusters
            .iter()
            .map(|c| {
                let mut cache = c.counts.lock().unwrap_or_else(|p| p.into_inner());
                with_data(&c.data, |d| {
                    cluster_row_cached(&c.meta, d, &self.policy, now, &mut cache)
                })
            })
            .collect()
    }

    pub fn totals(rows: &[ClusterRow]) -> FleetTotals {
        totals(rows)
    }

    /// The same workloads lined up across every cluster, in cluster order;
    /// built again only when some cluster's store changed.
    pub fn workload_lines(&self) -> Arc<Vec<WorkloadLine>> {
        let guards: Vec<_> = self
            .clusters
            .iter()
            .map(|c| c.data.lock().unwrap_or_else(|p| p.into_inner()))
            .collect();
        let generations: Vec<u64> = guards.iter().map(|g| g.generation).collect();
        let mut cache = self.lineup.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((g, lines)) = cache.as_ref() {
            if *g == generations {
                return lines.clone();
            }
        }
        let refs: Vec<&ClusterData> = guards.iter().map(|g| &**g).collect();
        let lines = Arc::new(workload_lines(&refs));
        *cache = Some((generations, lines.clone()));
        lines
    }

    /// Every Argo Rollout in the fleet, in cluster order.
    pub fn rollout_rows(&self) -> Vec<RolloutRow> {
        let mut out = Vec::new();
        for (i, c) in self.clusters.iter().enumerate() {
            with_data(&c.data, |d| {
                for w in d.rollouts.items.values() {
                    if let Some(info) = &w.rollout {
                        out.push(RolloutRow {
                            cluster: i,
                            cluster_name: c.meta.name.clone(),
                            info: info.clone(),
                        });
                    }
                }
            });
        }
        out
    }

    /// Whether every cluster has settled (ok, degraded or unreachable), as
    /// `snapshot` waits for.
    pub fn settled(&self, now: DateTime<Utc>) -> bool {
        self.rows(now).iter().all(|r| {
            !matches!(
                r.state,
                super::summary::ClusterState::Connecting
                    | super::summary::ClusterState::Syncing { .. }
            )
        })
    }
}

/// Reads a cluster's data; a poisoned lock (a panicked writer) still yields the
/// last data rather than taking the fleet down.
pub fn with_data<T>(data: &SharedData, f: impl FnOnce(&ClusterData) -> T) -> T {
    let guard = data.lock().unwrap_or_else(|p| p.into_inner());
    f(&guard)
}
