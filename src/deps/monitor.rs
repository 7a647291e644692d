//! The graphs the console shows: every `every`, each cluster's traffic read
//! from its Prometheus and joined with the workloads its watches hold, the
//! experiments running and the SLOs paging. The latest is kept for draws.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::graph::Edge;
use super::{build, FleetDeps, Inputs};
use crate::basics::latest::Latest;
use crate::chaos::fleet::FleetChaos;
use crate::config::Config;
use crate::fleet::handles::with_data;
use crate::fleet::live::{Notifier, SharedData};
use crate::fleet::summary::{cluster_state, ClusterMeta, ClusterState};
use crate::slo::eval::{SloRow, SloState};
use crate::slo::sources::{endpoint_for, PromClient};

/// Each cluster's observed edges, or why there are none.
pub type Traffic = BTreeMap<String, Result<Vec<Edge>, String>>;

#[derive(Debug, Clone, Default)]
pub struct DepsMonitor {
    latest: Latest<FleetDeps>,
}

/// What the graphs are joined with besides the clusters' own objects.
pub struct Around<'a> {
    pub config: &'a Config,
    pub traffic: &'a Traffic,
    pub chaos: Option<&'a FleetChaos>,
    pub slos: &'a [SloRow],
}

/// Every cluster's graph from what the console holds now.
pub fn assemble(stores: &[(ClusterMeta, SharedData)], a: &Around) -> FleetDeps {
    let mut clusters = BTreeMap::new();
    for (meta, data) in stores {
        let ctx = meta.context.as_str();
        let traffic = a
            .traffic
            .get(ctx)
            .cloned()
            .unwrap_or_else(|| Err("traffic not read yet".into()));
        let paging: Vec<(String, String)> = a
            .slos
            .iter()
            .filter(|r| r.context == ctx && r.state == SloState::Page)
            .flat_map(|r| {
                a.config
                    .services
                    .iter()
                    .filter(|s| s.slos.contains(&r.name))
                    .map(|s| (s.name.clone(), r.name.clone()))
            })
            .collect();
        let chaos = a
            .chaos
            .map(|c| super::chaos_hits(c.active(ctx).into_iter()))
            .unwrap_or_default();
        let deps = with_data(data, |d| {
            let unreachable = match cluster_state(d) {
                ClusterState::Unreachable { .. } => Some("unreachable".to_string()),
                _ => None,
            };
            let workloads: Vec<_> = d.workloads().collect();
            let declared = workloads.iter().any(|w| !w.depends_on.is_empty());
            let services = a.config.services.iter().any(|s| !s.depends_on.is_empty());
            let seen = traffic.as_ref().is_ok_and(|t| !t.is_empty());
            // A cluster with no edge at all keeps no graph.
            (declared || services || seen).then(|| {
                build(Inputs {
                    context: ctx,
                    group: meta.group.as_deref(),
                    workloads,
                    services: &a.config.services,
                    traffic: traffic.clone(),
                    paging: paging.clone(),
                    chaos: chaos.clone(),
                    unreachable,
                    error_ratio: a.config.dependencies.error_ratio(),
                })
            })
        });
        if let Some(deps) = deps.filter(|d| !d.graph.edges.is_empty()) {
            clusters.insert(ctx.to_string(), deps);
        }
    }
    FleetDeps {
        at: Some(chrono::Utc::now()),
        clusters,
        ..Default::default()
    }
    .finish(&a.config.services)
}

/// Every cluster's traffic, read in parallel.
pub async fn read_traffic(metas: &[ClusterMeta], config: &Config, prom: &PromClient) -> Traffic {
    let window = config.dependencies.window_promql().unwrap_or("300s".into());
    let window = &window;
    let reads = metas.iter().map(|m| async move {
        let got = match &prom.0 {
            Err(e) => Err(e.clone()),
            Ok(client) => match endpoint_for(config, &m.context, client) {
                None => Err("no Prometheus for this cluster".to_string()),
                Some(ep) => super::traffic::read(&ep, window)
                    .await
                    .map_err(|e| format!("Prometheus: {e}")),
            },
        };
        (m.context.clone(), got)
    });
    futures::future::join_all(reads).await.into_iter().collect()
}

impl DepsMonitor {
    pub fn latest(&self) -> Option<Arc<FleetDeps>> {
        self.latest.get()
    }

    pub fn set(&self, d: FleetDeps) {
        self.latest.set(d)
    }

    /// `traffic` gives each round's observed edges (the live console reads
    /// Prometheus; the demo has its own).
    pub fn spawn<F, Fut>(
        &self,
        stores: Vec<(ClusterMeta, SharedData)>,
        config: Arc<Config>,
        sources: (
            crate::chaos::monitor::ChaosMonitor,
            crate::slo::monitor::Monitor,
        ),
        every: Duration,
        notify: Notifier,
        traffic: F,
    ) where
        F: Fn() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Traffic> + Send,
    {
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            loop {
                let t = traffic().await;
                let chaos = sources.0.latest();
                let slos: Vec<SloRow> = sources
                    .1
                    .rows(chrono::Utc::now())
                    .into_iter()
                    .map(|(r, _)| r)
                    .collect();
                let around = Around {
                    config: &config,
                    traffic: &t,
                    chaos: chaos.as_deref(),
                    slos: &slos,
                };
                me.set(assemble(&stores, &around));
                notify.notify_one();
                tokio::time::sleep(every).await;
            }
        });
    }
}
