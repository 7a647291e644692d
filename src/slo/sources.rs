//! Where each cluster's SLO data comes from: the cluster's own `prometheus`
//! URL, else the `[prometheus]` endpoint shared by the fleet (Thanos-style,
//! queries select the cluster with `{{cluster}}`), with its auth and TLS.

use std::time::Duration;

use super::prom::Endpoint;
use crate::config::Config;

pub use crate::config::prometheus::PrometheusConfig;

/// The Prometheus HTTP client, built once per run (its token and CA files
/// are read then, never on the event loop), or why it could not be built.
#[derive(Debug, Clone)]
pub struct PromClient(pub Result<reqwest::Client, String>);

impl PromClient {
    pub fn new(cfg: &PrometheusConfig) -> PromClient {
        PromClient(http_client(cfg))
    }
}

impl Default for PromClient {
    fn default() -> PromClient {
        PromClient(Err("not configured".into()))
    }
}

/// One HTTP client for all queries (auth and TLS as configured).
pub fn http_client(cfg: &PrometheusConfig) -> Result<reqwest::Client, String> {
    let mut b = crate::basics::http::builder()
        .user_agent(concat!("fleetdeck/", env!("CARGO_PKG_VERSION")))
        .danger_accept_invalid_certs(cfg.insecure_skip_verify);
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in &cfg.headers {
        let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| format!("prometheus.headers: {k:?} is not a header name"))?;
        let mut value = reqwest::header::HeaderValue::from_str(v)
            .map_err(|_| format!("prometheus.headers.{k}: not a valid header value"))?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    if let Some(f) = &cfg.bearer_token_file {
        let token = std::fs::read_to_string(f)
            .map_err(|e| format!("prometheus.bearer_token_file {}: {e}", f.display()))?;
        let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.trim()))
            .map_err(|_| {
                format!(
                    "prometheus.bearer_token_file {}: not a valid header value",
                    f.display()
                )
            })?;
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    b = b.default_headers(headers);
    if let Some(f) = &cfg.ca_file {
        let pem =
            std::fs::read(f).map_err(|e| format!("prometheus.ca_file {}: {e}", f.display()))?;
        let cert = reqwest::Certificate::from_pem(&pem)
            .map_err(|e| format!("prometheus.ca_file {}: {e}", f.display()))?;
        b = b.add_root_certificate(cert);
    }
    b.build().map_err(|e| format!("prometheus client: {e}"))
}

/// The endpoint for a context, if any.
pub fn endpoint_for(config: &Config, context: &str, client: &reqwest::Client) -> Option<Endpoint> {
    let url = config
        .prometheus_for(context)
        .or_else(|| config.prometheus.url.clone())?;
    Some(Endpoint {
        url,
        client: client.clone(),
        timeout: Duration::from_secs(config.prometheus.timeout_seconds.max(1)),
    })
}
