//! Capacity forecasts: per cluster, the days until CPU or memory requests
//! reach what the nodes can allocate, at the trend of the last week, from
//! the cluster's Prometheus (kube-state-metrics' series). Prometheus fits
//! the line itself (`deriv` and `predict_linear` are least squares over a
//! subquery), so a week of hourly points costs four instant queries per
//! resource. And the month at the current hourly cost.

pub mod monitor;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use crate::slo::prom::Endpoint;

/// Fewer hourly points than this is not a trend.
pub const MIN_POINTS: f64 = 24.0;

/// What one resource's trend says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Outlook {
    /// Requests reach allocatable in this many days.
    Days { days: f64 },
    /// Requests already ask for all of it, or more.
    Full,
    /// Flat or shrinking: never at this trend.
    NotGrowing,
    /// Too little history to call a trend.
    NotEnoughHistory { hours: f64 },
    /// Could not be read, and why.
    Unknown { reason: String },
}

impl Outlook {
    /// `full in 13 d`, `full now`, `not growing`, `not enough history (5 h)`.
    pub fn short(&self) -> String {
        match self {
            Outlook::Days { days } if *days < 1.0 => "full within a day".into(),
            Outlook::Days { days } => format!("full in {days:.0} d"),
            Outlook::Full => "full now".into(),
            Outlook::NotGrowing => "not growing".into(),
            Outlook::NotEnoughHistory { hours } => format!("not enough history ({hours:.0} h)"),
            Outlook::Unknown { reason } => format!("unknown: {reason}"),
        }
    }

    pub fn days(&self) -> Option<f64> {
        match self {
            Outlook::Days { days } => Some(*days),
            Outlook::Full => Some(0.0),
            _ => None,
        }
    }
}

/// One resource: where requests are now (on the fitted line), what the
/// nodes allocate, and the outlook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    pub requested: Option<f64>,
    pub allocatable: Option<f64>,
    /// Growth of requests per day, fitted over the history.
    pub per_day: Option<f64>,
    pub outlook: Outlook,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub cpu: Resource,
    pub memory: Resource,
}

/// The pure part: the outlook from the fitted figures.
/// `fitted` is requests now on the fitted line, `per_second` its slope,
/// `points` how many hourly points the fit had.
pub fn outlook(fitted: f64, allocatable: f64, per_second: f64, points: f64) -> Outlook {
    if points < MIN_POINTS {
        return Outlook::NotEnoughHistory { hours: points };
    }
    if fitted >= allocatable {
        return Outlook::Full;
    }
    let per_day = per_second * 86_400.0;
    // Less than a thousandth of the room a day: flat, for any purpose.
    if per_day <= (allocatable - fitted) * 1e-3 {
        return Outlook::NotGrowing;
    }
    Outlook::Days {
        days: (allocatable - fitted) / per_day,
    }
}

/// The month's cost at `per_hour`, the whole calendar month of `now`.
pub fn month_cost(per_hour: f64, now: DateTime<Utc>) -> f64 {
    let (y, m) = (now.year(), now.month());
    let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let first = |(y, m): (i32, u32)| {
        chrono::NaiveDate::from_ymd_opt(y, m, 1)
            .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .unwrap_or_default()
    };
    let hours = (first(next) - first((y, m))).num_hours() as f64;
    per_hour * hours
}

/// The series and their selector: `{cluster="prod-1"}` when the config
/// names a label for a Prometheus shared by clusters; summed `by` a label
/// when every cluster is read at once.
fn series(metric: &str, resource: &str, selector: &str, by: Option<&str>) -> String {
    let extra = match selector {
        "" => String::new(),
        s => format!(",{s}"),
    };
    let by = by.map(|l| format!(" by ({l})")).unwrap_or_default();
    format!("sum{by}({metric}{{resource=\"{resource}\"{extra}}})")
}

/// The four instant queries of one resource: requests now on the fitted
/// line, its slope, how many hourly points, allocatable.
fn queries(resource: &str, selector: &str, by: Option<&str>, days: u32) -> [String; 4] {
    let req = series(
        "kube_pod_container_resource_requests",
        resource,
        selector,
        by,
    );
    let alloc = series("kube_node_status_allocatable", resource, selector, by);
    let range = format!("[{days}d:1h]");
    [
        format!("predict_linear({req}{range}, 0)"),
        format!("deriv({req}{range})"),
        format!("count_over_time({req}{range})"),
        // The newest sum (five-minute steps): nodes come and go.
        format!("last_over_time({alloc}[{days}d:5m])"),
    ]
}

/// The resource from the four figures as read (`None`: no series).
fn figures(
    fitted: Option<f64>,
    slope: Option<f64>,
    points: Option<f64>,
    allocatable: Option<f64>,
) -> Resource {
    let Some(allocatable) = allocatable else {
        return unknown("no kube_node_status_allocatable series".into());
    };
    let points = points.unwrap_or(0.0);
    let outlook = match (fitted, slope) {
        (Some(f), Some(s)) => outlook(f, allocatable, s, points),
        _ if points < MIN_POINTS => Outlook::NotEnoughHistory { hours: points },
        _ => Outlook::Unknown {
            reason: "no kube_pod_container_resource_requests series".into(),
        },
    };
    Resource {
        requested: fitted,
        allocatable: Some(allocatable),
        per_day: slope.map(|s| s * 86_400.0),
        outlook,
    }
}

fn unknown(reason: String) -> Resource {
    Resource {
        requested: None,
        allocatable: None,
        per_day: None,
        outlook: Outlook::Unknown { reason },
    }
}

async fn one(ep: &Endpoint, promql: &str) -> Result<Option<f64>, String> {
    let samples = ep.query(promql).await.map_err(|e| e.to_string())?;
    Ok(samples.first().map(|s| s.value).filter(|v| v.is_finite()))
}

/// One resource (`cpu` or `memory`) over `days` of history.
pub async fn resource(ep: &Endpoint, resource: &str, selector: &str, days: u32) -> Resource {
    let q = queries(resource, selector, None, days);
    let (fitted, slope, points, allocatable) = futures::join!(
        one(ep, &q[0]),
        one(ep, &q[1]),
        one(ep, &q[2]),
        one(ep, &q[3])
    );
    match (fitted, slope, points, allocatable) {
        (Ok(f), Ok(s), Ok(p), Ok(a)) => figures(f, s, p, a),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => unknown(e),
    }
}

pub async fn read(ep: &Endpoint, selector: &str, days: u32) -> Forecast {
    let (cpu, memory) = futures::join!(
        resource(ep, "cpu", selector, days),
        resource(ep, "memory", selector, days)
    );
    Forecast { cpu, memory }
}

/// Each value of `label` to its figure.
async fn by_label(
    ep: &Endpoint,
    promql: &str,
    label: &str,
) -> Result<HashMap<String, f64>, String> {
    let samples = ep.query(promql).await.map_err(|e| e.to_string())?;
    Ok(samples
        .into_iter()
        .filter(|s| s.value.is_finite())
        .filter_map(|s| Some((s.labels.get(label)?.clone(), s.value)))
        .collect())
}

async fn resource_by(
    ep: &Endpoint,
    resource: &str,
    label: &str,
    days: u32,
) -> Result<HashMap<String, Resource>, String> {
    let q = queries(resource, "", Some(label), days);
    let (fitted, slope, points, allocatable) = futures::join!(
        by_label(ep, &q[0], label),
        by_label(ep, &q[1], label),
        by_label(ep, &q[2], label),
        by_label(ep, &q[3], label)
    );
    let (fitted, slope, points, allocatable) = (fitted?, slope?, points?, allocatable?);
    let values: std::collections::BTreeSet<&String> =
        allocatable.keys().chain(points.keys()).collect();
    Ok(values
        .into_iter()
        .map(|v| {
            let at = |m: &HashMap<String, f64>| m.get(v).copied();
            let r = figures(at(&fitted), at(&slope), at(&points), at(&allocatable));
            (v.clone(), r)
        })
        .collect())
}

/// Every cluster on a shared endpoint (summary mode's metrics engine) at
/// once: the same queries summed by the cluster label — eight queries
/// whether the fleet has ten clusters or a thousand. A cluster missing
/// from the answer has no series.
pub async fn read_grouped(
    ep: &Endpoint,
    label: &str,
    days: u32,
) -> Result<HashMap<String, Forecast>, String> {
    let (cpu, memory) = futures::join!(
        resource_by(ep, "cpu", label, days),
        resource_by(ep, "memory", label, days)
    );
    let (mut cpu, mut memory) = (cpu?, memory?);
    let values: std::collections::BTreeSet<String> =
        cpu.keys().chain(memory.keys()).cloned().collect();
    let none = || unknown("no kube-state-metrics series for it".into());
    Ok(values
        .into_iter()
        .map(|v| {
            let f = Forecast {
                cpu: cpu.remove(&v).unwrap_or_else(none),
                memory: memory.remove(&v).unwrap_or_else(none),
            };
            (v, f)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_outlook_worked_by_hand() {
        // 20 cores; 13.5 requested on the line, growing half a core a day.
        let per_second = 0.5 / 86_400.0;
        assert_eq!(
            outlook(13.5, 20.0, per_second, 168.0),
            Outlook::Days { days: 13.0 }
        );
        assert_eq!(outlook(20.0, 20.0, per_second, 168.0), Outlook::Full);
        assert_eq!(outlook(13.5, 20.0, 0.0, 168.0), Outlook::NotGrowing);
        assert_eq!(outlook(13.5, 20.0, -per_second, 168.0), Outlook::NotGrowing);
        assert_eq!(
            outlook(13.5, 20.0, per_second, 5.0),
            Outlook::NotEnoughHistory { hours: 5.0 }
        );
        assert_eq!(Outlook::Days { days: 13.0 }.short(), "full in 13 d");
    }

    #[test]
    fn a_month_at_the_hourly_rate() {
        let dec = Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap();
        assert_eq!(month_cost(2.0, dec), 2.0 * 31.0 * 24.0);
        let feb = Utc.with_ymd_and_hms(2028, 2, 1, 0, 0, 0).unwrap();
        assert_eq!(month_cost(1.0, feb), 29.0 * 24.0);
    }
}
