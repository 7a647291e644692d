//! The SLO state the TUI shows: every (SLO, cluster) pair re-evaluated in the
//! background every `refresh`, the last good evaluation kept when a query
//! fails (the row then says why and how old its figures are), and a short
//! history of the 5-minute error ratio for the sparkline.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{FutureExt, StreamExt};

use super::direct::ScrapeSource;
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

/// Where a cluster's SLO data comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Prometheus(Endpoint),
    /// Direct scrapes, shared by every SLO of the cluster.
    Scrape(Arc<ScrapeSource>),
    None,
}

/// One pair to evaluate: the SLO, the cluster's context and display name, and
/// where its data comes from.
#[derive(Debug, Clone)]
pub struct Pair {
    pub slo: SloConfig,
    pub context: String,
    pub name: String,
    pub source: Source,
}

/// An alert of a pair starting or stopping to fire: the incident timeline's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    pub at: DateTime<Utc>,
    pub slo: String,
    pub context: String,
    /// `page 1h/5m`.
    pub alert: String,
    pub firing: bool,
    /// `burn 25.0 / 25.0 over 14.4`.
    pub detail: String,
}

/// Pairs evaluated at the same time (each runs 16 queries concurrently).
const PAIRS_IN_FLIGHT: usize = 8;

/// How many alert events are kept.
const EVENTS: usize = 500;

/// Shared with the background task; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Monitor {
    entries: Arc<Mutex<BTreeMap<(String, String), Entry>>>,
    pairs: Arc<Vec<Pair>>,
    events: Arc<Mutex<VecDeque<AlertEvent>>>,
}

impl Monitor {
    pub fn new(pairs: Vec<Pair>) -> Monitor {
        Monitor {
            entries: Arc::default(),
            pairs: Arc::new(pairs),
            events: Arc::default(),
        }
    }

    /// Alerts that started or stopped firing, oldest first.
    pub fn events(&self) -> Vec<AlertEvent> {
        let e = self.events.lock().unwrap_or_else(|p| p.into_inner());
        e.iter().cloned().collect()
    }

    /// Compares the alerts of two rows of a pair and keeps the transitions.
    fn transitions(&self, before: &SloRow, after: &SloRow) {
        let mut ev = self.events.lock().unwrap_or_else(|p| p.into_inner());
        for (b, a) in before.alerts.iter().zip(&after.alerts) {
            if b.firing == a.firing {
                continue;
            }
            let burn = |x: Option<f64>| x.map_or("—".into(), |x| format!("{x:.1}"));
            let severity = match a.severity {
                super::math::Severity::Page => "page",
                super::math::Severity::Ticket => "ticket",
            };
            ev.push_back(AlertEvent {
                at: Utc::now(),
                slo: after.name.clone(),
                context: after.context.clone(),
                alert: format!("{severity} {}/{}", a.long, a.short),
                firing: a.firing,
                detail: format!(
                    "burn {} / {} over {:.1}",
                    burn(a.long_burn),
                    burn(a.short_burn),
                    a.threshold
                ),
            });
            while ev.len() > EVENTS {
                ev.pop_front();
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Records one evaluation's result for a pair.
    pub fn record(&self, slo: &str, context: &str, result: Result<Evaluation, String>) {
        let spec = self
            .pairs
            .iter()
            .find(|p| p.slo.name == slo && p.context == context);
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let e = map
            .entry((slo.to_string(), context.to_string()))
            .or_default();
        match result {
            Ok(ev) => {
                if let Some(p) = spec {
                    let now = Utc::now();
                    let before = row(&p.slo, context, e.last_good.as_ref(), None, now);
                    let after = row(&p.slo, context, Some(&ev), None, now);
                    self.transitions(&before, &after);
                }
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
            Err(why) => {
                // Logged when it starts or changes, not on every refresh.
                if e.failure.as_ref() != Some(&why) {
                    tracing::warn!("SLO {slo} on {context}: {why}");
                }
                e.failure = Some(why)
            }
        }
    }

    /// Rows for every pair, in configuration order, with their sparklines.
    pub fn rows(&self, now: DateTime<Utc>) -> Vec<(SloRow, Vec<f64>)> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        self.pairs
            .iter()
            .map(|p| {
                let e = map.get(&(p.slo.name.clone(), p.context.clone()));
                let failure = match (&p.source, e.and_then(|e| e.failure.as_deref())) {
                    (Source::None, _) => {
                        Some("no Prometheus (or metrics URL) configured for this cluster")
                    }
                    (_, f) => f,
                };
                let last = e.and_then(|e| e.last_good.as_ref());
                let mut r = row(&p.slo, &p.context, last, failure, now);
                if let Source::Scrape(s) = &p.source {
                    let problems = s.problems();
                    r.note = Some(match problems.first() {
                        Some(first) => format!(
                            "{}; {} parse problem(s), first: {first}",
                            s.note(),
                            problems.len()
                        ),
                        None => s.note(),
                    });
                }
                let history: Vec<f64> = e
                    .map(|e| e.history.iter().copied().collect())
                    .unwrap_or_default();
                r.anomaly = super::anomaly::flag(&history);
                (r, history)
            })
            .collect()
    }

    /// Scrapes every direct source once, then evaluates every pair
    /// (Prometheus queries concurrently).
    pub async fn refresh(&self) {
        let mut scraped: Vec<(Arc<ScrapeSource>, Result<(), String>)> = Vec::new();
        for p in self.pairs.iter() {
            if let Source::Scrape(s) = &p.source {
                if !scraped.iter().any(|(x, _)| Arc::ptr_eq(x, s)) {
                    let r = s.scrape(Duration::from_secs(5)).await;
                    scraped.push((s.clone(), r));
                }
            }
        }
        // Owned futures (a pair clone each): the task spawned by `spawn`
        // must not borrow across the stream's polls.
        let runs: Vec<_> = self
            .pairs
            .iter()
            .filter_map(|p| {
                let p = p.clone();
                let scrape_result = match &p.source {
                    Source::None => return None,
                    Source::Prometheus(_) => None,
                    Source::Scrape(s) => Some(
                        match scraped
                            .iter()
                            .find(|(x, _)| Arc::ptr_eq(x, s))
                            .and_then(|(_, r)| r.clone().err())
                        {
                            Some(e) => Err(e),
                            None => s.evaluate(&p.slo),
                        },
                    ),
                };
                Some(
                    async move {
                        let r = match (scrape_result, &p.source) {
                            (Some(r), _) => r,
                            (None, Source::Prometheus(ep)) => evaluate(&p.slo, &p.name, ep)
                                .await
                                .map_err(|e| format!("{}: {e}", ep.url)),
                            (None, _) => Err("no source".into()),
                        };
                        (p.slo.name, p.context, r)
                    }
                    .boxed(),
                )
            })
            .collect();
        // Each pair sends its 16 queries at once; bounding the pairs in flight
        // keeps a big fleet from opening thousands of connections at once.
        let done: Vec<_> = futures::stream::iter(runs)
            .buffer_unordered(PAIRS_IN_FLIGHT)
            .collect()
            .await;
        for (slo, ctx, r) in done {
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
