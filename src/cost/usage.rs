//! Usage for the cost model, from the cAdvisor series in a cluster's
//! Prometheus (`container_cpu_usage_seconds_total`,
//! `container_memory_working_set_bytes`), summed per pod over a window.

use super::model::GIB;
use std::collections::HashMap;

use crate::slo::prom::Endpoint;

/// (cores, GiB) per (namespace, pod).
pub type Usage = HashMap<(String, String), (f64, f64)>;

/// `cluster`: the value of the `cluster` label when the Prometheus holds
/// several clusters (a shared endpoint); `None` for the cluster's own.
pub async fn fetch(ep: &Endpoint, cluster: Option<&str>, window: &str) -> Result<Usage, String> {
    let sel = match cluster {
        Some(c) => format!("container!=\"\",cluster=\"{c}\""),
        None => "container!=\"\"".to_string(),
    };
    let cpu = format!(
        "sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{{{sel}}}[{window}]))"
    );
    let mem = format!("sum by (namespace, pod) (max_over_time(container_memory_working_set_bytes{{{sel}}}[{window}]))");
    let (c, m) = tokio::join!(ep.query(&cpu), ep.query(&mem));
    let (c, m) = (
        c.map_err(|e| format!("{}: {e}", ep.url))?,
        m.map_err(|e| format!("{}: {e}", ep.url))?,
    );
    let mut out: Usage = HashMap::new();
    let key = |s: &crate::slo::prom::Sample| {
        (
            s.labels.get("namespace").cloned().unwrap_or_default(),
            s.labels.get("pod").cloned().unwrap_or_default(),
        )
    };
    for s in c.iter().filter(|s| s.value.is_finite()) {
        out.entry(key(s)).or_default().0 = s.value;
    }
    for s in m.iter().filter(|s| s.value.is_finite()) {
        out.entry(key(s)).or_default().1 = s.value / GIB;
    }
    Ok(out)
}
