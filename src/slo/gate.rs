//! The SLO side of the release gate: for each SLO with a `[slo.gate]` on the
//! target's cluster, the canary's error (or slow-request) ratio against the
//! stable one over the gate window. A canary worse by more than the allowed
//! delta stops the promotion; no canary traffic is "unknown" and does not
//! block. A gate that cannot be evaluated at all (no Prometheus for the
//! cluster, no client, a failed query) is "unknown" and holds like a stop.

use serde_json::Value;

use super::eval::{ratio, total as sum};
use super::prom::Endpoint;
use super::sources::{endpoint_for, PromClient};
use super::spec::SloConfig;
use crate::config::Config;
use crate::verdict::Check;

/// One SLO that can judge a release on one cluster.
#[derive(Debug, Clone)]
pub struct SloGate {
    pub slo: SloConfig,
    /// Where the gate's data comes from, or why there is nowhere.
    pub endpoint: Result<Endpoint, String>,
    /// The cluster's name, for `{{cluster}}`.
    pub cluster: String,
}

/// The gates for a context: every SLO with a `[slo.gate]` that applies,
/// each with its Prometheus endpoint or the reason it has none (the gate
/// then holds the action instead of vanishing).
pub fn gates_for(
    config: &Config,
    client: &PromClient,
    context: &str,
    name: &str,
    group: Option<&str>,
) -> Vec<SloGate> {
    let endpoint = endpoint(config, client, context);
    config
        .slos
        .iter()
        .filter(|s| {
            s.gate.is_some()
                && config
                    .same_cluster(context)
                    .iter()
                    .any(|c| s.applies_to(c, group))
        })
        .map(|s| SloGate {
            slo: s.clone(),
            endpoint: endpoint.clone(),
            cluster: name.to_string(),
        })
        .collect()
}

/// The cluster's Prometheus, or why there is none.
pub fn endpoint(config: &Config, client: &PromClient, context: &str) -> Result<Endpoint, String> {
    match &client.0 {
        Err(e) => Err(format!("no Prometheus client: {e}")),
        Ok(c) => endpoint_for(config, context, c).ok_or_else(|| {
            format!("no Prometheus endpoint for context {context} (set [[cluster]] prometheus or [prometheus] url)")
        }),
    }
}

/// `{{canary_hash}}` / `{{stable_hash}}`: the Rollout's pod-template hashes,
/// for series labelled by `rollouts_pod_template_hash`.
fn fill(value: &str, target: &Value) -> String {
    let hash = |p: &str| {
        target
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    value
        .replace("{{canary_hash}}", &hash("/status/currentPodHash"))
        .replace("{{stable_hash}}", &hash("/status/stableRS"))
}

async fn side_ratio(
    g: &SloGate,
    ep: &Endpoint,
    label: &str,
    value: &str,
    window: &str,
) -> Result<Option<f64>, String> {
    let q = g
        .slo
        .queries(window, &g.cluster, Some(&format!("{label}=\"{value}\"")));
    let (e, t) = tokio::join!(ep.query(&q.errors), ep.query(&q.total));
    let e = e.map_err(|e| format!("{}: {e}", ep.url))?;
    let t = t.map_err(|e| format!("{}: {e}", ep.url))?;
    Ok(ratio(sum(&e), sum(&t)))
}

fn pct(v: f64) -> String {
    format!("{:.2}%", v * 100.0)
}

/// One check per gate, comparing canary with stable.
pub async fn checks(gates: &[SloGate], target: &Value) -> Vec<Check> {
    let mut out = Vec::new();
    for g in gates {
        let Some(cfg) = &g.slo.gate else { continue };
        let name = format!("SLO {}", g.slo.name);
        let (what, max) = if g.slo.latency.is_some() {
            ("slow", cfg.max_latency_delta)
        } else {
            ("errors", cfg.max_error_ratio_delta)
        };
        let ep = match &g.endpoint {
            Ok(ep) => ep,
            Err(e) => {
                out.push(Check::unevaluated(&name, format!("cannot evaluate: {e}")));
                continue;
            }
        };
        let (c, s) = (fill(&cfg.canary, target), fill(&cfg.stable, target));
        let (canary, stable) = tokio::join!(
            side_ratio(g, ep, &cfg.label, &c, &cfg.window),
            side_ratio(g, ep, &cfg.label, &s, &cfg.window)
        );
        out.push(match (canary, stable) {
            (Err(e), _) | (_, Err(e)) => {
                Check::unevaluated(&name, format!("cannot evaluate: query failed: {e}"))
            }
            (Ok(None), _) => {
                Check::unknown(&name, format!("no canary traffic over {}", cfg.window))
            }
            (Ok(Some(c)), Ok(s)) => {
                let s_text = s.map_or("no stable traffic".into(), pct);
                let detail = format!(
                    "canary {} vs stable {s_text} {what} over {} (allowed +{})",
                    pct(c),
                    cfg.window,
                    pct(max)
                );
                let baseline = s.unwrap_or(0.0);
                if c - baseline > max {
                    Check::stop(&name, detail)
                } else {
                    Check::go(&name, detail)
                }
            }
        });
    }
    out
}
