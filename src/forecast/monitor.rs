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

/// The clusters a forecast asks about: summarised ones are many and not
/// contacted.
pub fn asked(fleet: &crate::fleet::handles::Fleet) -> Vec<ClusterMeta> {
    fleet
        .clusters
        .iter()
        .map(|h| h.meta.clone())
        .filter(|m| !m.summary)
        .collect()
}

/// Every cluster's forecast, read in parallel.
pub async fn read_all(metas: &[ClusterMeta], config: &Config) -> FleetForecast {
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
    FleetForecast {
        at: Some(chrono::Utc::now()),
        clusters: futures::future::join_all(reads).await.into_iter().collect(),
    }
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
