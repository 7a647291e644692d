//! `fleetdeck slo [--json]`: every SLO on every cluster it applies to,
//! evaluated once, worst first.

use chrono::Utc;
use serde_json::json;

use super::eval::{SloRow, SloState};
use std::sync::Arc;

use super::direct::ScrapeSource;
use super::monitor::{Monitor, Pair, Source};
use super::sources::{endpoint_for, http_client};
use crate::config::Config;
use crate::fleet::summary::ClusterMeta;
use crate::startup::Startup;

/// Every (SLO, cluster) pair to watch. A cluster's data comes from its
/// Prometheus (its own or the shared one), else from direct scrapes of its
/// `metrics` URLs (one source per cluster, shared by its SLOs). A cluster
/// the SLO names but that has neither is kept (its row says so); with no
/// `clusters` list, such clusters are skipped.
pub fn pairs(config: &Config, metas: &[ClusterMeta]) -> Result<Vec<Pair>, String> {
    let client = http_client(&config.prometheus)?;
    let mut out = Vec::new();
    let mut scraped: Vec<(String, Arc<ScrapeSource>)> = Vec::new();
    for slo in &config.slos {
        for meta in metas {
            // The row names the context the SLO was written for, where
            // several reach the cluster.
            let group = meta.group.as_deref();
            let Some(context) = config
                .same_cluster(&meta.context)
                .into_iter()
                .find(|c| slo.applies_to(c, group))
            else {
                continue;
            };
            let source = match endpoint_for(config, &meta.context, &client) {
                Some(ep) => Source::Prometheus(ep),
                None => match scraped.iter().find(|(c, _)| *c == meta.context) {
                    Some((_, s)) => Source::Scrape(s.clone()),
                    None => {
                        let urls = config.metrics_for(&meta.context);
                        if urls.is_empty() {
                            Source::None
                        } else {
                            let s = Arc::new(ScrapeSource::new(urls, client.clone()));
                            scraped.push((meta.context.clone(), s.clone()));
                            Source::Scrape(s)
                        }
                    }
                },
            };
            if matches!(source, Source::None) && slo.clusters.is_empty() {
                continue;
            }
            out.push(Pair {
                slo: slo.clone(),
                context,
                name: meta.name.clone(),
                source,
            });
        }
    }
    Ok(out)
}

/// Worst first: paging, failing, ticketing, then by budget left.
pub fn sort(rows: &mut [SloRow]) {
    rows.sort_by(|a, b| {
        let rank = |r: &SloRow| match r.state {
            SloState::Page => 0,
            SloState::Error => 1,
            SloState::Ticket => 2,
            SloState::NoData => 3,
            SloState::Ok => 4,
        };
        let budget = |r: &SloRow| r.budget_remaining.unwrap_or(f64::INFINITY);
        rank(a)
            .cmp(&rank(b))
            .then(budget(a).total_cmp(&budget(b)))
            .then(a.name.cmp(&b.name))
            .then(a.context.cmp(&b.context))
    });
}

/// One evaluation of every pair, worst first.
pub async fn rows(st: &Startup) -> Result<Vec<SloRow>, String> {
    let monitor = Monitor::new(pairs(&st.config, &st.metas)?);
    monitor.refresh().await;
    let mut rows: Vec<SloRow> = monitor
        .rows(Utc::now())
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    sort(&mut rows);
    Ok(rows)
}

fn num(v: Option<f64>) -> serde_json::Value {
    match v {
        Some(x) if x.is_finite() => json!(x),
        _ => serde_json::Value::Null,
    }
}

/// The keys product.md fixes for `slo --json` (extra keys are allowed).
pub fn to_json(rows: &[SloRow]) -> serde_json::Value {
    json!({"slos": rows.iter().map(|r| json!({
        "name": r.name, "context": r.context, "objective": r.objective, "window": r.window,
        "sli": num(r.sli), "budget_remaining": num(r.budget_remaining),
        "burn": r.burn.iter().map(|(k, v)| (k.clone(), num(*v))).collect::<serde_json::Map<_, _>>(),
        "alerts": r.alerts.iter().map(|a| json!({
            "severity": a.severity, "long": a.long, "short": a.short, "firing": a.firing,
            "threshold": a.threshold, "long_burn": num(a.long_burn), "short_burn": num(a.short_burn),
        })).collect::<Vec<_>>(),
        "state": r.state.as_str(), "age_seconds": r.age_seconds,
        "rps": num(r.rps), "low_traffic": r.low_traffic,
        "exhaustion_seconds": r.exhaustion_seconds, "error": r.error, "note": r.note, "anomaly_z": num(r.anomaly),
    })).collect::<Vec<_>>()})
}

fn pct(v: Option<f64>, digits: usize) -> String {
    v.map_or("—".into(), |x| format!("{:.digits$}%", x * 100.0))
}

fn burn(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format!("{x:.1}"))
}

pub fn to_text(rows: &[SloRow]) -> String {
    let mut out = format!(
        "{:<24} {:<16} {:>7} {:>4} {:>9} {:>8} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}  {}\n",
        "SLO",
        "CLUSTER",
        "OBJ",
        "WIN",
        "SLI",
        "BUDGET",
        "5m",
        "30m",
        "1h",
        "2h",
        "6h",
        "1d",
        "3d",
        "STATE"
    );
    for r in rows {
        let b = |w: &str| burn(r.burn.get(w).copied().flatten());
        let mut state = r.state.as_str().to_string();
        if r.low_traffic {
            state.push_str(" (low traffic)");
        }
        if let Some(e) = &r.error {
            state.push_str(&format!(": {e}"));
        }
        out.push_str(&format!(
            "{:<24} {:<16} {:>6}% {:>4} {:>9} {:>8} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}  {}\n",
            r.name,
            r.context,
            r.objective,
            r.window,
            pct(r.sli, 3),
            pct(r.budget_remaining, 1),
            b("5m"),
            b("30m"),
            b("1h"),
            b("2h"),
            b("6h"),
            b("1d"),
            b("3d"),
            state
        ));
    }
    out
}
