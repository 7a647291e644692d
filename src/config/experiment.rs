//! `[[experiment]]`: chaos experiments an operator may start from fleetdeck,
//! each a manifest (YAML, inline) with where it may run and which service's
//! SLOs must not be paging when it starts.

use serde::Deserialize;
use serde_json::Value;

use super::chaos_kind::ChaosKind;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// What it is started by (`fleetdeck chaos start NAME`).
    pub name: String,
    /// The `[[service]]` it targets: one of its SLOs paging holds the start.
    pub service: Option<String>,
    /// Context globs it may be started on (empty: the service's clusters,
    /// else any).
    #[serde(default)]
    pub clusters: Vec<String>,
    /// The Chaos Mesh or Litmus object, as YAML.
    pub manifest: String,
}

impl ExperimentConfig {
    /// The object to create, with its namespace filled from the service when
    /// the manifest names none.
    pub fn object(&self, service_namespace: Option<&str>) -> Result<(ChaosKind, Value), String> {
        let mut v: Value = serde_saphyr::from_str(&self.manifest)
            .map_err(|e| format!("manifest: {}", e.without_snippet()))?;
        let kind = ChaosKind::from_manifest(
            v["apiVersion"].as_str().unwrap_or_default(),
            v["kind"].as_str().unwrap_or_default(),
        )
        .ok_or_else(|| {
            format!(
                "manifest: {} {} is not a Chaos Mesh or LitmusChaos experiment kind",
                v["apiVersion"].as_str().unwrap_or("(no apiVersion)"),
                v["kind"].as_str().unwrap_or("(no kind)")
            )
        })?;
        if v.pointer("/metadata/name")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err("manifest: metadata.name is missing".into());
        }
        if v.pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .is_none()
        {
            let ns = service_namespace
                .ok_or("manifest: metadata.namespace is missing (and no service gives one)")?;
            v["metadata"]["namespace"] = Value::from(ns);
        }
        Ok((kind, v))
    }

    /// Whether it may be started on `context` (of `group`).
    pub fn allowed_on(
        &self,
        context: &str,
        service: Option<&super::service::ServiceConfig>,
        group: Option<&str>,
    ) -> bool {
        if !self.clusters.is_empty() {
            return self
                .clusters
                .iter()
                .any(|g| crate::basics::glob::matches(g, context));
        }
        service.is_none_or(|s| s.runs_in(context, group))
    }

    /// What is wrong with it, if anything (`config check`).
    pub fn check(&self, services: &[super::service::ServiceConfig]) -> Result<(), String> {
        let service = match &self.service {
            Some(name) => Some(
                services
                    .iter()
                    .find(|s| &s.name == name)
                    .ok_or_else(|| format!("service {name:?}: no [[service]] of that name"))?,
            ),
            None => None,
        };
        self.object(service.map(|s| s.namespace.as_str()))
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn experiments_parse_and_check() {
        let text = r#"
[[service]]
name = "checkout"
clusters = ["prod-*"]
namespace = "shop"

[[experiment]]
name = "eu-latency"
service = "checkout"
manifest = '''
apiVersion: chaos-mesh.org/v1alpha1
kind: NetworkChaos
metadata:
  name: eu-latency
spec:
  action: delay
  selector: {labelSelectors: {app: web}}
'''
"#;
        let cfg = Config::parse(std::path::Path::new("c.toml"), text).unwrap();
        let e = &cfg.experiments[0];
        let (kind, obj) = e.object(Some("shop")).unwrap();
        assert_eq!(kind, crate::config::chaos_kind::ChaosKind::NetworkChaos);
        assert_eq!(obj["metadata"]["namespace"], "shop");
        assert!(e.allowed_on("prod-eu", cfg.services.first(), None));
        assert!(!e.allowed_on("dev", cfg.services.first(), None));
        let bad = text.replace("kind: NetworkChaos", "kind: Deployment");
        let err = Config::parse(std::path::Path::new("c.toml"), &bad).unwrap_err();
        assert!(
            err.to_string().contains(
                "[[experiment]] eu-latency: manifest: chaos-mesh.org/v1alpha1 Deployment"
            ),
            "{err}"
        );
        let unknown = text.replace(
            "service = \"checkout\"\nmanifest",
            "service = \"pay\"\nmanifest",
        );
        let err = Config::parse(std::path::Path::new("c.toml"), &unknown).unwrap_err();
        assert!(err.to_string().contains("no [[service]]"), "{err}");
    }
}
