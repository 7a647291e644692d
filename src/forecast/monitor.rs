//! The fleet's forecasts, read in the background every few minutes (a
//! week's trend moves slowly) and kept for the views and `snapshot`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::Forecast;
use crate::basics::latest::Latest;
use crate::config::Config;
use crate::fleet::live::Notifier;
use crate::fleet::summary::ClusterMeta;
use crate::slo::sources::{endpoint_for, PromClient};

#[derive(Debug, Clone, Default)]
pub struct FleetForecast {
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// Each cluster's forecast, or why there is none.
    pub clusters: BTreeMap<String, Result<Forecast, String>>,
}

impl FleetForecast {
    pub fn get(&self, context: &str) -> Option<&Forecast> {
        self.clusters.get(context)?.as_ref().ok()
    }
}

/// The clusters a forecast asks about: every one (the summarised are read
/// together from the metrics engine).
pub fn asked(fleet: &crate::fleet::handles::Fleet) -> Vec<ClusterMeta> {
    fleet.clusters.iter().map(|h| h.meta.clone()).collect()
}

/// Every cluster's forecast: each live one from its own Prometheus, in
/// parallel; the summarised ones from summary mode's endpoint at once.
pub async fn read_all(metas: &[ClusterMeta], config: &Config) -> FleetForecast {
    let (summarised, live): (Vec<ClusterMeta>, Vec<ClusterMeta>) =
        metas.iter().cloned().partition(|m| m.summary);
    let (mut clusters, grouped) = futures::join!(
        read_live(&live, config),
        read_summarised(&summarised, config)
    );
    clusters.extend(grouped);
    FleetForecast {
        at: Some(chrono::Utc::now()),
        clusters,
    }
}

type Read = BTreeMap<String, Result<Forecast, String>>;

async fn read_summarised(metas: &[ClusterMeta], config: &Config) -> Read {
    if metas.is_empty() {
        return Read::new();
    }
    let label = &config.summary.cluster_label;
    let got = match crate::ksm::inventory::endpoint(config) {
        Ok(ep) => super::read_grouped(&ep, label, config.forecast.history_days).await,
        Err(e) => Err(e),
    };
    metas
        .iter()
        .map(|m| {
            let f = match &got {
                Err(e) => Err(e.clone()),
                Ok(by) => crate::ksm::find(by, m)
                    .cloned()
                    .ok_or_else(|| format!("no kube-state-metrics series with {label} for it")),
            };
            (m.context.clone(), f)
        })
        .collect()
}

async fn read_live(metas: &[ClusterMeta], config: &Config) -> Read {
    let prom = PromClient::new(&config.prometheus);
    let f = &config.forecast;
    let reads = metas.iter().map(|m| {
        let prom = &prom;
        async move {
            let got = match &prom.0 {
                Err(e) => Err(e.clone()),
                Ok(client) => match endpoint_for(config, &m.context, client) {
                    None => Err("no Prometheus for this cluster".to_string()),
                    Some(ep) => Ok(super::read(&ep, &f.selector(&m.context), f.history_days).await),
                },
            };
            (m.context.clone(), got)
        }
    });
    futures::future::join_all(reads).await.into_iter().collect()
}

#[derive(Debug, Clone, Default)]
pub struct ForecastMonitor {
    latest: Latest<FleetForecast>,
}

impl ForecastMonitor {
    pub fn latest(&self) -> Option<Arc<FleetForecast>> {
        self.latest.get()
    }

    pub fn set(&self, f: FleetForecast) {
        self.latest.set(f)
    }

    pub fn spawn(
        &self,
        metas: Vec<ClusterMeta>,
        config: Arc<Config>,
        every: Duration,
        notify: Notifier,
    ) {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                me.set(read_all(&metas, &config).await);
                notify.notify_one();
                tokio::time::sleep(every).await;
            }
        });
    }
}
