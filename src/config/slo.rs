//! `[[slo]]` entries as the config file spells them: plain data. What an SLO
//! means (windows, queries, which clusters) is `crate::slo::spec`'s.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SloConfig {
    pub name: String,
    /// Percent, e.g. 99.9.
    pub objective: f64,
    /// The SLO period, e.g. `30d` or `28d`.
    #[serde(default = "default_window")]
    pub window: String,
    /// Context globs or `group:NAME`; default: every cluster with a Prometheus.
    #[serde(default)]
    pub clusters: Vec<String>,
    pub error_query: Option<String>,
    pub total_query: Option<String>,
    pub latency: Option<LatencySli>,
    /// Below this many requests per second the row is flagged low traffic.
    #[serde(default = "default_min_rps")]
    pub min_rps: f64,
    /// How canary and stable series are told apart, for the release gate.
    pub gate: Option<GateConfig>,
    /// For clusters scraped directly (no Prometheus): counter selectors.
    pub scrape: Option<ScrapeSli>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrapeSli {
    /// `http_requests_total{service="checkout",code=~"5.."}`
    pub errors: String,
    /// `http_requests_total{service="checkout"}`
    pub total: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencySli {
    /// Histogram base name: `http_request_duration_seconds`.
    pub metric: String,
    /// Label matchers inside `{}`: `job="checkout"` (may use `{{cluster}}`).
    #[serde(default)]
    pub selector: String,
    /// The `le` bucket that counts as good, in the histogram's unit (`0.5`).
    pub threshold: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// The label that tells the two apart (`version`, `rollouts_pod_template_hash`).
    pub label: String,
    #[serde(default = "default_canary")]
    pub canary: String,
    #[serde(default = "default_stable")]
    pub stable: String,
    /// Stop when the canary's error ratio exceeds the stable one by more than this (absolute).
    #[serde(default = "default_max_error_delta")]
    pub max_error_ratio_delta: f64,
    /// Stop when the canary's fast-enough share trails stable by more than this (absolute).
    #[serde(default = "default_max_error_delta")]
    pub max_latency_delta: f64,
    /// The window both sides are compared over.
    #[serde(default = "default_gate_window")]
    pub window: String,
}

fn default_window() -> String {
    "30d".into()
}
pub(crate) fn default_min_rps() -> f64 {
    0.1
}
fn default_canary() -> String {
    "canary".into()
}
fn default_stable() -> String {
    "stable".into()
}
fn default_max_error_delta() -> f64 {
    0.01
}
fn default_gate_window() -> String {
    "5m".into()
}
