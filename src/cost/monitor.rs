//! The costs the TUI shows: recomputed in the background every `every`
//! (usage fetched from the clusters' Prometheus), the latest kept for draws.

use std::sync::Arc;
use std::time::Duration;

use super::catalog::Catalog;
use super::fleet::costs_of;
use super::report::Costs;
use crate::basics::latest::Latest;
use crate::config::Config;
use crate::fleet::live::{Notifier, SharedData};
use crate::fleet::summary::ClusterMeta;

#[derive(Debug, Clone, Default)]
pub struct CostMonitor {
    /// Shared, not copied: every frame reads it.
    latest: Latest<Costs>,
}

impl CostMonitor {
    pub fn latest(&self) -> Option<Arc<Costs>> {
        self.latest.get()
    }

    pub fn set(&self, c: Costs) {
        self.latest.set(c)
    }

    pub fn spawn(
        &self,
        clusters: Vec<(ClusterMeta, SharedData)>,
        config: Arc<Config>,
        catalog: Arc<Catalog>,
        every: Duration,
        notify: Notifier,
    ) {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                // Let the stores fill before the first figures.
                tokio::time::sleep(Duration::from_secs(2)).await;
                let costs = costs_of(&clusters, &catalog, &config).await;
                for note in &costs.notes {
                    tracing::warn!("cost: {note}");
                }
                me.set(costs);
                notify.notify_one();
                tokio::time::sleep(every).await;
            }
        });
    }
}
