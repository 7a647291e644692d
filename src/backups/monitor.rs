//! The backups the console shows: each connected cluster's Velero objects
//! read in the background every `every` (lists only), the latest kept for
//! draws and the timeline.

use std::sync::Arc;
use std::time::Duration;

use super::fleet::{FleetBackups, Found};
use super::Objectives;
use crate::basics::latest::Latest;
use crate::config::Config;
use crate::fleet::live::Notifier;

#[derive(Debug, Clone, Default)]
pub struct BackupMonitor {
    latest: Latest<FleetBackups>,
}

pub use crate::fleet::summary::Reader;

impl BackupMonitor {
    pub fn latest(&self) -> Option<Arc<FleetBackups>> {
        self.latest.get()
    }

    pub fn set(&self, b: FleetBackups) {
        self.latest.set(b)
    }

    pub fn spawn(
        &self,
        clusters: Vec<Reader>,
        config: Arc<Config>,
        every: Duration,
        notify: Notifier,
    ) {
        let me = self.clone();
        tokio::spawn(async move {
            // Let the clients connect before the first read.
            tokio::time::sleep(Duration::from_secs(2)).await;
            loop {
                me.set(read_all(&clusters, &config).await);
                notify.notify_one();
                tokio::time::sleep(every).await;
            }
        });
    }
}

/// One read of every cluster, in parallel; a cluster with no client yet
/// (still connecting, or summarised) says so.
pub async fn read_all(clusters: &[Reader], config: &Config) -> FleetBackups {
    let now = chrono::Utc::now();
    let reads = clusters.iter().map(|(meta, client)| async move {
        let held = match client.get() {
            Some(c) => super::read::holdings(c).await,
            None if meta.summary => Err("summarised: not read until watched".into()),
            None => Err("not connected".into()),
        };
        let objectives = Objectives {
            services: &config.services,
            cluster: config.cluster_rpo(&meta.context),
        };
        Found::of(&meta.context, meta.group.as_deref(), held, objectives, now)
    });
    FleetBackups {
        at: Some(now),
        clusters: futures::future::join_all(reads).await,
    }
}
