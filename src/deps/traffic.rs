//! Observed calls, as Kiali reads them: Istio's standard metrics reported by
//! the destination's proxy, summed by source and destination workload over
//! the configured window (five minutes by default).

use std::collections::BTreeMap;

use super::graph::{Edge, Node};
use crate::slo::prom::{Endpoint, QueryError, Sample};

const BY: &str =
    "source_workload_namespace,source_workload,destination_workload_namespace,destination_workload";

/// Requests per second by edge and response code, over `window` (`300s`).
pub fn http_query(window: &str) -> String {
    format!(
        "sum(rate(istio_requests_total{{reporter=\"destination\"}}[{window}])) by ({BY},response_code)"
    )
}

/// TCP bytes sent per second by edge.
pub fn tcp_query(window: &str) -> String {
    format!("sum(rate(istio_tcp_sent_bytes_total{{reporter=\"destination\"}}[{window}])) by ({BY})")
}

/// The edge a sample is about; none for a caller or callee outside the mesh
/// (Istio names those `unknown`).
fn pair(s: &Sample) -> Option<(Node, Node)> {
    let get = |k: &str| {
        s.labels
            .get(k)
            .map(String::as_str)
            .filter(|v| !v.is_empty() && *v != "unknown")
    };
    let from = Node::new(get("source_workload_namespace")?, get("source_workload")?);
    let to = Node::new(
        get("destination_workload_namespace")?,
        get("destination_workload")?,
    );
    (from != to).then_some((from, to))
}

/// A 5xx answer, or none at all (`0`: the connection failed).
fn is_error(code: &str) -> bool {
    code.starts_with('5') || code == "0"
}

/// Edges from the two queries' samples. A rate that is not a finite,
/// non-negative number is left out rather than drawn.
pub fn edges(http: &[Sample], tcp: &[Sample]) -> Vec<Edge> {
    let mut by: BTreeMap<(Node, Node), (f64, f64, Option<f64>)> = BTreeMap::new();
    let ok = |v: f64| v.is_finite() && v >= 0.0;
    for s in http.iter().filter(|s| ok(s.value)) {
        let Some(p) = pair(s) else { continue };
        let e = by.entry(p).or_insert((0.0, 0.0, None));
        e.0 += s.value;
        if s.labels.get("response_code").is_some_and(|c| is_error(c)) {
            e.1 += s.value;
        }
    }
    for s in tcp.iter().filter(|s| ok(s.value)) {
        let Some(p) = pair(s) else { continue };
        let e = by.entry(p).or_insert((0.0, 0.0, None));
        e.2 = Some(e.2.unwrap_or(0.0) + s.value);
    }
    by.into_iter()
        .map(|((from, to), (rps, errs, tcp))| {
            let http = rps > 0.0 || tcp.is_none();
            Edge {
                rps: http.then_some(rps),
                error_ratio: (rps > 0.0).then(|| errs / rps),
                tcp_bytes: tcp,
                ..Edge::traffic(from, to)
            }
        })
        .collect()
}

/// Both queries against a cluster's Prometheus. A Prometheus without the
/// TCP series answers an empty vector, not an error.
pub async fn read(prom: &Endpoint, window: &str) -> Result<Vec<Edge>, QueryError> {
    let (hq, tq) = (http_query(window), tcp_query(window));
    let (http, tcp) = futures::join!(prom.query(&hq), prom.query(&tq));
    Ok(edges(&http?, &tcp?))
}
