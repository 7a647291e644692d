//! The SLO state the TUI shows: every (SLO, cluster) pair re-evaluated in the
//! background every `refresh`, the last good evaluation kept when a query
//! fails (the row then says why and how old its figures are), and a short
//! history of the 5-minute error ratio for the sparkline.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::eval::{evaluate, row, Evaluation, SloRow};
use super::prom::Endpoint;
use super::spec::SloConfig;
use crate::fleet::live::Notifier;

/// Points kept for the sparkline (at the default 30 s refresh: 2 hours).
pub const HISTORY: usize = 240;

#[derive(Debug, Clone, Default)]
struct Entry {
    last_good: Option<Evaluation>,
    failure: Option<String>,
    history: VecDeque<f64>,
}

/// One pair to evaluate: the SLO, the cluster's context and display name, and
/// where its data comes from (`None`: no Prometheus for this cluster).
#[derive(Debug, Clone)]
pub struct Pair {
    pub slo: SloConfig,
    pub context: String,
    pub name: String,
    pub endpoint: Option<Endpoint>,
}

/// Shared with the background task; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Monitor {
    entries: Arc<Mutex<BTreeMap<(String, String), Entry>>>,
    pairs: Arc<Vec<Pair>>,
}

impl Monitor {
    pub fn new(pairs: Vec<Pair>) -> Monitor {
        Monitor {
            entries: Arc::default(),
            pairs: Arc::new(pairs),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Records one evaluation's result for a pair.
    pub fn record(&self, slo: &str, context: &str, result: Result<Evaluation, String>) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let e = map
            .entry((slo.to_string(), context.to_string()))
            .or_default();
        match result {
            Ok(ev) => {
                let point = ev
                    .windows
                    .get("5m")
                    .and_then(|w| w.error_ratio)
                    .unwrap_or(0.0);
                e.history.push_back(point);
                while e.history.len() > HISTORY {
                    e.history.pop_front();
                }
                e.last_good = Some(ev);
                e.failure = None;
            }
            Err(why) => e.failure = Some(why),
        }
    }

    /// Rows for every pair, in configuration order, with their sparklines.
    pub fn rows(&self, now: DateTime<Utc>) -> Vec<(SloRow, Vec<f64>)> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        self.pairs
            .iter()
            .map(|p| {
                let e = map.get(&(p.slo.name.clone(), p.context.clone()));
                let failure = match (&p.endpoint, e.and_then(|e| e.failure.as_deref())) {
                    (None, _) => Some("no Prometheus configured for this cluster"),
                    (_, f) => f,
                };
                let r = row(
                    &p.slo,
                    &p.context,
                    e.and_then(|e| e.last_good.as_ref()),
                    failure,
                    now,
                );
                (
                    r,
                    e.map(|e| e.history.iter().copied().collect())
                        .unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Evaluates every pair once, concurrently.
    pub async fn refresh(&self) {
        let runs = self.pairs.iter().filter_map(|p| {
            let ep = p.endpoint.clone()?;
            Some(async move {
                let r = evaluate(&p.slo, &p.name, &ep)
                    .await
                    .map_err(|e| format!("{}: {e}", ep.url));
                (p.slo.name.clone(), p.context.clone(), r)
            })
        });
        for (slo, ctx, r) in futures::future::join_all(runs).await {
            self.record(&slo, &ctx, r);
        }
    }

    /// Refreshes forever in the background, waking the UI after each round.
    pub fn spawn(&self, every: Duration, notify: Notifier) {
        if self.is_empty() {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                me.refresh().await;
                notify.notify_one();
                tokio::time::sleep(every).await;
            }
        });
    }
}
