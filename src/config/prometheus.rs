//! `[prometheus]`: the endpoint shared by the fleet, its auth, TLS and
//! refresh, as plain data (`crate::slo::sources` builds the client).

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusConfig {
    /// A Prometheus (or Thanos Query) for every cluster without its own.
    pub url: Option<String>,
    /// Per query; a slow Prometheus shows as a timeout, not a hang.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// A file holding a bearer token (read at start; never logged).
    pub bearer_token_file: Option<PathBuf>,
    /// A PEM CA bundle to trust besides the system roots.
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// How often the TUI re-evaluates every SLO.
    #[serde(default = "default_refresh")]
    pub refresh_seconds: u64,
    /// Extra request headers, e.g. `X-Scope-OrgID` for a multi-tenant
    /// Thanos/Cortex/Mimir. Values are never logged.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
}

fn default_refresh() -> u64 {
    30
}

impl Default for PrometheusConfig {
    fn default() -> Self {
        PrometheusConfig {
            url: None,
            timeout_seconds: default_timeout(),
            bearer_token_file: None,
            ca_file: None,
            insecure_skip_verify: false,
            refresh_seconds: default_refresh(),
            headers: Default::default(),
        }
    }
}

fn default_timeout() -> u64 {
    5
}
