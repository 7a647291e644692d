//! A cluster read by direct scrapes instead of a Prometheus: its `/metrics`
//! URLs scraped every refresh into a history, and SLO windows computed from
//! what that history covers.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::eval::{ratio, Evaluation, WindowRatio};
use super::history::{History, Selector};
use super::math::{parse_window, WINDOWS};
use super::scrape::{parse, FlatSample};
use super::spec::SloConfig;

#[derive(Debug)]
pub struct ScrapeSource {
    pub urls: Vec<String>,
    client: reqwest::Client,
    history: Mutex<History>,
    /// The last scrape's parse problems (shown with the row).
    problems: Mutex<Vec<String>>,
}

impl ScrapeSource {
    pub fn new(urls: Vec<String>, client: reqwest::Client) -> ScrapeSource {
        ScrapeSource {
            urls,
            client,
            // Enough for the 3d window; a longer SLO period stays unobserved.
            history: Mutex::new(History::new(Duration::from_secs(3 * 86_400 + 3600))),
            problems: Mutex::default(),
        }
    }

    /// Adds one scrape (all URLs' samples, each with its `instance`).
    pub fn feed(&self, at: DateTime<Utc>, samples: &[FlatSample], problems: Vec<String>) {
        self.history
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(at, samples);
        *self.problems.lock().unwrap_or_else(|p| p.into_inner()) = problems;
    }

    /// Scrapes every URL once; a URL that fails fails the scrape (a partial
    /// sum would read as a drop in traffic).
    pub async fn scrape(&self, timeout: Duration) -> Result<(), String> {
        if self.urls.is_empty() {
            // Fed by its owner (the demo), not scraped.
            return Ok(());
        }
        let mut all = Vec::new();
        let mut problems = Vec::new();
        for url in &self.urls {
            let body = self
                .client
                .get(url)
                .timeout(timeout)
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|e| format!("{url}: {}", crate::fleet::kubeconfig::one_line(&e)))?;
            let body = crate::basics::body::read_capped(body, crate::basics::body::MAX_BODY)
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            let body = String::from_utf8_lossy(&body);
            let p = parse(&body);
            problems.extend(p.problems.into_iter().map(|x| format!("{url}: {x}")));
            all.extend(p.samples.into_iter().map(|mut s| {
                s.labels
                    .entry("instance".into())
                    .or_insert_with(|| url.clone());
                s
            }));
        }
        self.feed(Utc::now(), &all, problems);
        Ok(())
    }

    pub fn problems(&self) -> Vec<String> {
        self.problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The SLO's windows as far as the history covers them.
    pub fn evaluate(&self, slo: &SloConfig) -> Result<Evaluation, String> {
        let Some(sel) = &slo.scrape else {
            return Err("this cluster is scraped directly: give the SLO a [slo.scrape] table (errors, total selectors)".into());
        };
        let errors = Selector::parse(&sel.errors).map_err(|e| format!("slo.scrape.errors: {e}"))?;
        let total = Selector::parse(&sel.total).map_err(|e| format!("slo.scrape.total: {e}"))?;
        let h = self.history.lock().unwrap_or_else(|p| p.into_inner());
        let mut windows = std::collections::BTreeMap::new();
        let mut names: Vec<String> = WINDOWS.iter().map(|w| w.to_string()).collect();
        names.push(slo.window.clone());
        for w in names {
            let Some(d) = parse_window(&w) else { continue };
            let t = h.increase(&total, d);
            let e = h.increase(&errors, d);
            windows.insert(
                w,
                WindowRatio {
                    error_ratio: ratio(e, t),
                    rate: t.map(|t| t / d.as_secs_f64()),
                },
            );
        }
        Ok(Evaluation {
            windows,
            at: Utc::now(),
        })
    }

    /// `direct scrape: 5m, 30m observed`.
    pub fn note(&self) -> String {
        let span = self
            .history
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .span();
        let seen: Vec<&str> = WINDOWS
            .iter()
            .copied()
            .filter(|w| parse_window(w).is_some_and(|d| d <= span + Duration::from_secs(60)))
            .collect();
        if seen.is_empty() {
            "direct scrape: no window observed yet".into()
        } else {
            format!("direct scrape: {} observed", seen.join(", "))
        }
    }
}
