//! One SLO on one cluster: the queries for every window, and the row the SLO
//! view, `fleetdeck slo` and the fleet's SLO column show.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::math::{self, Alert, Severity, WINDOWS};
use super::prom::{Endpoint, QueryError, Sample};
use super::spec::SloConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SloState {
    Ok,
    Ticket,
    Page,
    /// No requests in any window (or no series at all).
    NoData,
    /// The last evaluation failed; the figures are the last good ones.
    Error,
}

impl SloState {
    pub fn as_str(self) -> &'static str {
        match self {
            SloState::Ok => "ok",
            SloState::Ticket => "ticket",
            SloState::Page => "page",
            SloState::NoData => "no_data",
            SloState::Error => "error",
        }
    }
}

/// The error ratio and request rate of one window.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct WindowRatio {
    pub error_ratio: Option<f64>,
    /// Requests per second over the window.
    pub rate: Option<f64>,
}

/// What one evaluation found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub windows: BTreeMap<String, WindowRatio>,
    pub at: DateTime<Utc>,
}

/// The sum of a query's series; `None` when there are none or the sum is not
/// a number (0/0 before any request).
pub fn total(samples: &[Sample]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let s: f64 = samples.iter().map(|s| s.value).sum();
    s.is_finite().then_some(s)
}

/// An error ratio from the two sums: no requests is no ratio, a negative
/// difference (latency rounding) is 0.
pub fn ratio(errors: Option<f64>, requests: Option<f64>) -> Option<f64> {
    let requests = requests.filter(|t| *t > 0.0)?;
    let errors = errors.unwrap_or(0.0).max(0.0);
    Some((errors / requests).min(1.0))
}

/// Runs the SLO's queries for every window (and the period) on `cluster`.
/// The first failing query fails the evaluation: half a row would lie.
pub async fn evaluate(
    slo: &SloConfig,
    cluster: &str,
    ep: &Endpoint,
) -> Result<Evaluation, QueryError> {
    let period = slo.window.clone();
    let mut names: Vec<String> = WINDOWS.iter().map(|w| w.to_string()).collect();
    if !names.contains(&period) {
        names.push(period);
    }
    let runs = names.iter().map(|w| {
        let q = slo.queries(w, cluster, None);
        async move {
            let (e, t) = tokio::join!(ep.query(&q.errors), ep.query(&q.total));
            Ok::<_, QueryError>((w.clone(), total(&e?), total(&t?)))
        }
    });
    let mut windows = BTreeMap::new();
    for r in futures::future::join_all(runs).await {
        let (w, e, t) = r?;
        windows.insert(
            w,
            WindowRatio {
                error_ratio: ratio(e, t),
                rate: t,
            },
        );
    }
    Ok(Evaluation {
        windows,
        at: Utc::now(),
    })
}

/// A row of the SLO view / `fleetdeck slo --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SloRow {
    pub name: String,
    pub context: String,
    pub objective: f64,
    pub window: String,
    pub sli: Option<f64>,
    pub budget_remaining: Option<f64>,
    pub burn: BTreeMap<String, Option<f64>>,
    pub alerts: Vec<Alert>,
    pub state: SloState,
    /// Requests per second over the last 5 minutes.
    pub rps: Option<f64>,
    pub low_traffic: bool,
    pub exhaustion_seconds: Option<u64>,
    /// Seconds since the figures were computed (grows while queries fail).
    pub age_seconds: i64,
    pub error: Option<String>,
    /// Where the figures come from when it matters (direct scrapes: which
    /// windows they cover, parse problems).
    pub note: Option<String>,
    /// The newest 5m ratio's robust z-score against its recent past, when
    /// it is an anomaly (`slo::anomaly`).
    pub anomaly: Option<f64>,
}

/// Turns the last good evaluation (if any) and the latest failure (if any)
/// into a row. Pure: tested with literal figures.
pub fn row(
    slo: &SloConfig,
    context: &str,
    last_good: Option<&Evaluation>,
    failure: Option<&str>,
    now: DateTime<Utc>,
) -> SloRow {
    let budget = math::budget(slo.objective);
    let period = slo.period().unwrap_or(Duration::from_secs(30 * 86_400));
    let get = |w: &str| {
        last_good
            .and_then(|e| e.windows.get(w))
            .copied()
            .unwrap_or_default()
    };
    let burn_of = |w: &str| get(w).error_ratio.map(|r| math::burn(r, budget));
    let burn: BTreeMap<String, Option<f64>> = WINDOWS
        .iter()
        .map(|w| (w.to_string(), burn_of(w)))
        .collect();
    let alerts = math::alerts(period, burn_of);
    let period_ratio = get(&slo.window).error_ratio;
    let remaining = period_ratio.map(|r| math::remaining(r, budget));
    let current = burn_of("1h");
    let exhaustion = match (remaining, current) {
        (Some(rem), Some(b)) => {
            math::exhaustion(rem, period, b).map(|d| d.as_secs_f64().round() as u64)
        }
        _ => None,
    };
    let rps = get("5m").rate;
    let firing = |sev| alerts.iter().any(|a| a.firing && a.severity == sev);
    let any_data = last_good.is_some_and(|e| e.windows.values().any(|w| w.error_ratio.is_some()));
    let state = if failure.is_some() {
        SloState::Error
    } else if firing(Severity::Page) {
        SloState::Page
    } else if firing(Severity::Ticket) {
        SloState::Ticket
    } else if !any_data {
        SloState::NoData
    } else {
        SloState::Ok
    };
    SloRow {
        name: slo.name.clone(),
        context: context.to_string(),
        objective: slo.objective,
        window: slo.window.clone(),
        sli: period_ratio.map(|r| 1.0 - r),
        budget_remaining: remaining,
        burn,
        alerts,
        state,
        rps,
        low_traffic: rps.is_some_and(|r| r < slo.min_rps),
        exhaustion_seconds: exhaustion,
        age_seconds: last_good.map_or(0, |e| (now - e.at).num_seconds().max(0)),
        error: failure.map(String::from),
        note: None,
        anomaly: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slo() -> SloConfig {
        toml::from_str("name = \"s\"\nobjective = 99.9\nerror_query = 'e[{{window}}]'\ntotal_query = 't[{{window}}]'\n").unwrap()
    }

    fn eval(ratios: &[(&str, f64)], at: DateTime<Utc>) -> Evaluation {
        Evaluation {
            windows: ratios
                .iter()
                .map(|(w, r)| {
                    (
                        w.to_string(),
                        WindowRatio {
                            error_ratio: Some(*r),
                            rate: Some(10.0),
                        },
                    )
                })
                .collect(),
            at,
        }
    }

    #[test]
    fn a_burning_slo_pages_and_keeps_its_last_figures_when_queries_fail() {
        let now = Utc::now();
        // 2 % errors in the last hour and 5 minutes (burn 20 > 14.4): page.
        // 0.05 % over 30 days: half the budget left; at burn 20 it lasts
        // 30 d × 0.5 / 20 = 0.75 d = 64,800 s.
        let e = eval(
            &[
                ("5m", 0.02),
                ("30m", 0.001),
                ("1h", 0.02),
                ("2h", 0.001),
                ("6h", 0.001),
                ("1d", 0.0005),
                ("3d", 0.0005),
                ("30d", 0.0005),
            ],
            now,
        );
        let r = row(&slo(), "c", Some(&e), None, now);
        assert_eq!(r.state, SloState::Page);
        assert_eq!(
            r.alerts.iter().map(|a| a.firing).collect::<Vec<_>>(),
            [true, false, false, false]
        );
        assert!((r.budget_remaining.unwrap() - 0.5).abs() < 1e-9);
        assert!((r.sli.unwrap() - 0.9995).abs() < 1e-12);
        assert_eq!(r.exhaustion_seconds, Some(64_800));
        assert!((r.burn["5m"].unwrap() - 20.0).abs() < 1e-9);
        let later = now + chrono::Duration::seconds(42);
        let stale = row(
            &slo(),
            "c",
            Some(&e),
            Some("unreachable: connection refused"),
            later,
        );
        assert_eq!((stale.state, stale.age_seconds), (SloState::Error, 42));
        assert_eq!(
            stale.budget_remaining, r.budget_remaining,
            "last good value kept"
        );
        let none = row(&slo(), "c", None, None, now);
        assert_eq!(none.state, SloState::NoData);
    }

    #[test]
    fn ratios_without_requests_are_unknown() {
        assert_eq!(ratio(Some(0.0), Some(0.0)), None);
        assert_eq!(ratio(None, None), None);
        assert_eq!(ratio(None, Some(5.0)), Some(0.0));
        assert_eq!(ratio(Some(-0.001), Some(5.0)), Some(0.0));
        assert_eq!(total(&[]), None);
        // A NaN or infinite series (0/0, a division by a zero rate) is no figure.
        let nan = Sample {
            labels: Default::default(),
            value: f64::NAN,
        };
        let inf = Sample {
            labels: Default::default(),
            value: f64::INFINITY,
        };
        assert_eq!(total(&[nan]), None);
        assert_eq!(total(&[inf]), None);
    }
}
