//! The experiments the console shows: each connected cluster read in the
//! background every `every` (lists only), the latest kept for draws, the
//! failover pre-flight and the timeline.

use std::sync::Arc;
use std::time::Duration;

use super::fleet::{FleetChaos, Found};
use crate::basics::latest::Latest;
use crate::fleet::live::Notifier;
use crate::fleet::summary::Reader;

#[derive(Debug, Clone, Default)]
pub struct ChaosMonitor {
    latest: Latest<FleetChaos>,
}

impl ChaosMonitor {
    pub fn latest(&self) -> Option<Arc<FleetChaos>> {
        self.latest.get()
    }

    pub fn set(&self, c: FleetChaos) {
        self.latest.set(c)
    }

    pub fn spawn(&self, clusters: Vec<Reader>, every: Duration, notify: Notifier) {
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            loop {
                me.set(read_all(&clusters).await);
                notify.notify_one();
                tokio::time::sleep(every).await;
            }
        });
    }
}

/// One read of every cluster, in parallel; a cluster with no client yet
/// (still connecting, or summarised) says so — its experiments are unknown.
pub async fn read_all(clusters: &[Reader]) -> FleetChaos {
    let reads = clusters.iter().map(|(meta, client)| async move {
        let read = match client.get() {
            Some(c) => Ok(super::read::cluster(c, &meta.context).await),
            None if meta.summary => Err("summarised: not read until watched".into()),
            None => Err("not connected".into()),
        };
        Found::of(&meta.context, read)
    });
    FleetChaos {
        at: Some(chrono::Utc::now()),
        clusters: futures::future::join_all(reads).await,
    }
}
