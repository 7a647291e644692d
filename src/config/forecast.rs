//! `[forecast]`: how capacity forecasts read the clusters' Prometheus.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForecastConfig {
    /// Days of history the trend is fitted over.
    #[serde(default = "default_days")]
    pub history_days: u32,
    /// The label naming the cluster on kube-state-metrics' series, for a
    /// Prometheus several clusters share (`cluster`); unset: each
    /// cluster's Prometheus holds only its own.
    pub cluster_label: Option<String>,
}

fn default_days() -> u32 {
    7
}

impl Default for ForecastConfig {
    fn default() -> Self {
        ForecastConfig {
            history_days: default_days(),
            cluster_label: None,
        }
    }
}

impl ForecastConfig {
    /// `{cluster="prod-1"}`'s inside for `context`, or nothing.
    pub fn selector(&self, context: &str) -> String {
        match &self.cluster_label {
            Some(l) => format!(
                "{l}=\"{}\"",
                context.replace('\\', "\\\\").replace('"', "\\\"")
            ),
            None => String::new(),
        }
    }

    pub fn check(&self) -> Result<(), String> {
        if !(1..=90).contains(&self.history_days) {
            return Err(format!(
                "forecast.history_days {}: expected 1 to 90",
                self.history_days
            ));
        }
        if let Some(l) = &self.cluster_label {
            let ok = l
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(format!("forecast.cluster_label {l:?}: not a label name"));
            }
        }
        Ok(())
    }
}
