//! `[[service]]`: what runs where and what it must not lose, shared by the
//! features that reason about services (backups' recovery point, later
//! dependencies and chaos).

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub name: String,
    /// Context globs of the clusters it runs in.
    #[serde(default)]
    pub clusters: Vec<String>,
    /// … or every cluster of this group.
    pub group: Option<String>,
    pub namespace: String,
    /// Its workloads (`Deployment/web`, or a bare name).
    #[serde(default)]
    pub workloads: Vec<String>,
    /// The SLOs (`[[slo]]` names) that measure it.
    #[serde(default)]
    pub slos: Vec<String>,
    /// Recovery-point objective: the most data it may lose (`15m`, `12h`).
    pub rpo: Option<String>,
    /// Services it calls (`[[service]]` names), where no mesh shows it.
    #[serde(default)]
    pub depends_on: Vec<String>,
}

impl ServiceConfig {
    /// The recovery-point objective in seconds, if set and valid.
    pub fn rpo_seconds(&self) -> Option<u64> {
        crate::basics::duration::parse(self.rpo.as_deref()?).map(|d| d.as_secs())
    }

    /// Whether it runs in the cluster `context` reaches (of `group`).
    pub fn runs_in(&self, context: &str, group: Option<&str>) -> bool {
        self.clusters
            .iter()
            .any(|g| crate::basics::glob::matches(g, context))
            || (self.group.is_some() && self.group.as_deref() == group)
    }

    /// What is wrong with it, if anything (`config check`).
    pub fn check(&self, names: &[&str]) -> Result<(), String> {
        if self.clusters.is_empty() && self.group.is_none() {
            return Err("needs clusters (context globs) or a group".into());
        }
        if let Some(r) = &self.rpo {
            if crate::basics::duration::parse(r).is_none() {
                return Err(format!("rpo {r:?}: expected a duration like 15m, 12h, 1d"));
            }
        }
        if let Some(d) = self
            .depends_on
            .iter()
            .find(|d| !names.contains(&d.as_str()))
        {
            return Err(format!("depends_on {d:?}: no [[service]] of that name"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn services_parse_and_check() {
        let text = r#"
[[service]]
name = "checkout"
clusters = ["prod-*"]
namespace = "shop"
workloads = ["Deployment/web"]
slos = ["checkout-availability"]
rpo = "12h"
depends_on = ["payments"]

[[service]]
name = "payments"
group = "prod"
namespace = "pay"
rpo = "soon"
"#;
        let path = std::path::Path::new("fleetdeck.toml");
        let (cfg, errors) = Config::check(path, text);
        let cfg = cfg.unwrap();
        assert_eq!(cfg.services[0].rpo_seconds(), Some(12 * 3600));
        assert!(cfg.services[0].runs_in("prod-eu", None));
        assert!(cfg.services[1].runs_in("x", Some("prod")));
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(
            shown[0].contains("payments") && shown[0].contains("rpo \"soon\""),
            "{shown:?}"
        );
    }
}
