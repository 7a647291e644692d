//! `[summary]`: when clusters are shown from a metrics engine's
//! kube-state-metrics series instead of live watches, and how.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryConfig {
    /// The Prometheus-API endpoint (Prometheus, Thanos Query, Mimir) holding
    /// every cluster's kube-state-metrics series; default `[prometheus] url`.
    pub endpoint: Option<String>,
    /// The label that names the cluster on those series.
    #[serde(default = "default_label")]
    pub cluster_label: String,
    /// Summary mode for the whole fleet when it has more clusters than this
    /// (0: never by count).
    #[serde(default = "default_above")]
    pub above: usize,
    /// Groups always in summary mode, whatever the fleet's size.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default = "default_refresh")]
    pub refresh_seconds: u64,
    /// Summarised clusters watched live at once (the ones last looked at).
    #[serde(default = "default_live_max")]
    pub live_max: usize,
    /// How long a summarised cluster stays live after the operator leaves it.
    #[serde(default = "default_linger")]
    pub linger_seconds: u64,
}

fn default_live_max() -> usize {
    5
}
fn default_linger() -> u64 {
    120
}

fn default_label() -> String {
    "cluster".into()
}
fn default_above() -> usize {
    200
}
fn default_refresh() -> u64 {
    30
}

impl Default for SummaryConfig {
    fn default() -> Self {
        SummaryConfig {
            endpoint: None,
            cluster_label: default_label(),
            above: default_above(),
            groups: Vec::new(),
            refresh_seconds: default_refresh(),
            live_max: default_live_max(),
            linger_seconds: default_linger(),
        }
    }
}

impl SummaryConfig {
    /// Whether a cluster of `group` in a fleet of `size` is summarised. By
    /// size only with an endpoint to read (`endpoint`): a large fleet with
    /// no metrics engine keeps its live watches.
    pub fn applies(&self, size: usize, group: Option<&str>, endpoint: bool) -> bool {
        (endpoint && self.above > 0 && size > self.above)
            || group.is_some_and(|g| self.groups.iter().any(|x| x == g))
    }

    /// A label name PromQL accepts, or why not.
    pub fn check(&self) -> Result<(), String> {
        let l = &self.cluster_label;
        let ok = !l.is_empty()
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !l.starts_with(|c: char| c.is_ascii_digit());
        if ok {
            Ok(())
        } else {
            Err(format!("summary.cluster_label {l:?} is not a label name"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_size_or_by_group() {
        let s = SummaryConfig {
            above: 10,
            groups: vec!["edge".into()],
            ..Default::default()
        };
        assert!(!s.applies(10, None, true));
        assert!(s.applies(11, None, true));
        assert!(!s.applies(11, None, false), "no endpoint: live as before");
        assert!(s.applies(3, Some("edge"), false));
        let never = SummaryConfig {
            above: 0,
            ..Default::default()
        };
        assert!(!never.applies(100_000, None, true));
        assert!(SummaryConfig {
            cluster_label: "k8s-cluster".into(),
            ..Default::default()
        }
        .check()
        .is_err());
    }
}
