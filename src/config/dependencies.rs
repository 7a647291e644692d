//! `[dependencies]`: how the call graph reads the mesh's traffic.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DependenciesConfig {
    /// The rate window of the traffic queries (Kiali's graph duration).
    #[serde(default = "default_window")]
    pub window: String,
    /// A call failing at this percentage or more fails its caller.
    #[serde(default = "default_errors")]
    pub error_percent: f64,
}

fn default_window() -> String {
    "5m".into()
}

fn default_errors() -> f64 {
    5.0
}

impl Default for DependenciesConfig {
    fn default() -> Self {
        DependenciesConfig {
            window: default_window(),
            error_percent: default_errors(),
        }
    }
}

impl DependenciesConfig {
    /// The window as PromQL writes it (`5m`, `90s`).
    pub fn window_promql(&self) -> Option<String> {
        let d = crate::basics::duration::parse(&self.window)?;
        (d.as_secs() > 0).then(|| format!("{}s", d.as_secs()))
    }

    pub fn error_ratio(&self) -> f64 {
        self.error_percent / 100.0
    }

    pub fn check(&self) -> Result<(), String> {
        if self.window_promql().is_none() {
            return Err(format!(
                "dependencies.window {:?}: expected a duration like 5m",
                self.window
            ));
        }
        if !(self.error_percent > 0.0 && self.error_percent <= 100.0) {
            return Err(format!(
                "dependencies.error_percent must be above 0 and at most 100, got {}",
                self.error_percent
            ));
        }
        Ok(())
    }
}
