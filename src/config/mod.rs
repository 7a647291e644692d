//! `config.toml`: console-wide settings and per-cluster metadata. Every key is
//! documented in docs/config.md. A bad file is an error naming path:line:col,
//! never a silent fallback to defaults.

use std::path::Path;

use serde::Deserialize;

use crate::basics::config_file::{toml_error, ConfigFileError};

use crate::basics::glob;
pub use cluster::{ClusterMeta, Discovered, HealthPolicy};

pub mod chaos_kind;
pub mod cluster;
pub mod dependencies;
pub mod discovery;
pub mod edge;
pub mod experiment;
pub mod failover;
pub mod forecast;
pub mod prometheus;
pub mod query;
pub mod service;
pub mod slo;
pub mod summary;
pub mod traffic;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub read_only: bool,
    pub theme: Option<String>,
    pub keymap: Option<String>,
    /// How the Fleet view opens: gathered by group, region or provider.
    pub group_by: Option<cluster::GroupBy>,
    /// Every client offers post-quantum key exchange only.
    #[serde(default)]
    pub require_post_quantum: bool,
    /// Context globs to show when `--context` is not given (default: all).
    #[serde(default)]
    pub contexts: Vec<String>,
    #[serde(default)]
    pub health: Health,
    #[serde(default, rename = "cluster")]
    pub clusters: Vec<ClusterConfig>,
    /// Route canaries: weight schedules on HTTPRoutes / VirtualServices.
    #[serde(default, rename = "canary")]
    pub canaries: Vec<traffic::CanaryEntry>,
    /// Selector blue/green pairs on Services.
    #[serde(default, rename = "bluegreen")]
    pub bluegreens: Vec<traffic::BlueGreenEntry>,
    /// Cost model settings.
    #[serde(default)]
    pub cost: CostConfig,
    /// The fleet-wide Prometheus and how to talk to it.
    #[serde(default)]
    pub prometheus: prometheus::PrometheusConfig,
    /// Failover plans (also in `<config dir>/plans/*.toml`); checked against
    /// the kubeconfig's contexts by `failover::plan::load_all`.
    #[serde(default)]
    pub failover: Vec<failover::Plan>,
    /// Where the desired-state tree for drift lives.
    #[serde(default)]
    pub drift: DriftConfig,
    /// Data-residency policies failover plans name: `[policy.gdpr] regions = [...]`.
    #[serde(default, rename = "policy")]
    pub policies: std::collections::BTreeMap<String, failover::Residency>,
    /// OpenSLO / Sloth / Pyrra YAML files whose SLOs join `[[slo]]`
    /// (relative paths are under the config dir).
    #[serde(default)]
    pub slo_files: Vec<std::path::PathBuf>,
    /// SLO definitions; read by the SLO view.
    #[serde(default, rename = "slo")]
    pub slos: Vec<slo::SloConfig>,
    /// Large fleets: counts from kube-state-metrics, watches on demand.
    #[serde(default)]
    pub summary: summary::SummaryConfig,
    /// Edge links and the last-known state on disk.
    #[serde(default)]
    pub edge: edge::EdgeConfig,
    /// What runs where and what it must not lose.
    #[serde(default, rename = "service")]
    pub services: Vec<service::ServiceConfig>,
    /// How the call graph reads the mesh.
    #[serde(default)]
    pub dependencies: dependencies::DependenciesConfig,
    /// Chaos experiments that may be started from fleetdeck.
    #[serde(default, rename = "experiment")]
    pub experiments: Vec<experiment::ExperimentConfig>,
    /// Management and hub clusters whose clusters join the fleet.
    #[serde(default, rename = "discovery")]
    pub discovery: Vec<discovery::DiscoveryConfig>,
    /// Capacity forecasts: history and the cluster label.
    #[serde(default)]
    pub forecast: forecast::ForecastConfig,
    /// Questions saved under a name (the palette offers them).
    #[serde(default, rename = "query")]
    pub queries: Vec<query::SavedQuery>,
    /// Contexts that reach one cluster (set at startup from the kubeconfig,
    /// `fleet::identity`): `meta_for` answers for the whole cluster.
    #[serde(skip)]
    pub merged: Vec<Vec<String>>,
    /// The kubeconfig's name for each merged cluster, by its first context:
    /// the row's name where the config gives none.
    #[serde(skip)]
    pub merged_names: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    /// Exclude a cluster when fewer than this share of its nodes are Ready.
    #[serde(default = "default_min_ready")]
    pub min_ready_nodes: f64,
}

fn default_min_ready() -> f64 {
    HealthPolicy::default().min_ready_nodes
}

impl Default for Health {
    fn default() -> Self {
        Health {
            min_ready_nodes: default_min_ready(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftConfig {
    /// `<dir>/<group>/*.yaml` and `<dir>/<group>/overlays/<cluster>/`;
    /// relative to the config file.
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostConfig {
    /// The window usage is averaged over (CPU) or peaks in (memory).
    #[serde(default = "default_usage_window")]
    pub usage_window: String,
    /// Grid intensity overrides, g CO2e per kWh by region.
    #[serde(default)]
    pub grid: std::collections::BTreeMap<String, f64>,
}

fn default_usage_window() -> String {
    "1h".into()
}

impl Default for CostConfig {
    fn default() -> Self {
        CostConfig {
            usage_window: default_usage_window(),
            grid: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Primary,
    Standby,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// Context name or glob (`*`, `?`).
    pub context: String,
    pub name: Option<String>,
    pub group: Option<String>,
    pub region: Option<String>,
    pub cloud: Option<String>,
    pub role: Option<Role>,
    pub prometheus: Option<String>,
    /// `/metrics` URLs scraped directly when there is no `prometheus`.
    #[serde(default)]
    pub metrics: Vec<String>,
    /// An OpenCost endpoint: its `/allocation` API replaces the local cost model.
    pub opencost: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub protected: bool,
    /// Accent colour for this cluster's name (a colour name or #rrggbb).
    pub accent: Option<String>,
    /// Its client offers post-quantum key exchange only.
    #[serde(default)]
    pub require_post_quantum: bool,
    /// An intermittent link: longer timeouts, no flapping, availability shown.
    #[serde(default)]
    pub edge: bool,
    /// The recovery-point objective of its backups (`24h`) where no
    /// `[[service]]` covering the schedule sets one.
    pub rpo: Option<String>,
}

impl Config {
    /// Loads `path`; a missing file is the default config.
    pub fn load(path: &Path) -> Result<Config, ConfigFileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => {
                return Err(ConfigFileError {
                    path: path.to_path_buf(),
                    line: 0,
                    column: 0,
                    message: e.to_string(),
                })
            }
        };
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigFileError> {
        match Self::check(path, text) {
            (Some(cfg), errors) if errors.is_empty() => Ok(cfg),
            (_, mut errors) => Err(errors.swap_remove(0)),
        }
    }

    /// The config as read (`None` if its TOML or types are wrong: that error
    /// is then the only one) and every problem of its values.
    pub fn check(path: &Path, text: &str) -> (Option<Config>, Vec<ConfigFileError>) {
        let cfg: Config = match toml::from_str(text) {
            Ok(c) => c,
            Err(e) => return (None, vec![toml_error(path, text, &e)]),
        };
        let at = |line: usize, message: String| ConfigFileError {
            path: path.to_path_buf(),
            line,
            column: 1,
            message,
        };
        let mut errors = Vec::new();
        for c in &cfg.canaries {
            if let Some(message) = c.route().err().or_else(|| c.spec().check().err()) {
                errors.push(at(
                    line_containing(text, &format!("\"{}\"", c.route)),
                    format!("[[canary]] {}: {message}", c.route),
                ));
            }
        }
        let names: Vec<&str> = cfg.services.iter().map(|s| s.name.as_str()).collect();
        for s in &cfg.services {
            if let Err(message) = s.check(&names) {
                errors.push(at(
                    line_containing(text, &format!("\"{}\"", s.name)),
                    format!("[[service]] {}: {message}", s.name),
                ));
            }
        }
        for e in &cfg.experiments {
            if let Err(message) = e.check(&cfg.services) {
                errors.push(at(
                    line_containing(text, &format!("\"{}\"", e.name)),
                    format!("[[experiment]] {}: {message}", e.name),
                ));
            }
        }
        for c in &cfg.clusters {
            let rpo = c.rpo.as_deref();
            if rpo.is_some_and(|r| crate::basics::duration::parse(r).is_none()) {
                errors.push(at(
                    line_containing(text, &format!("\"{}\"", c.context)),
                    format!(
                        "[[cluster]] {}: rpo {:?}: expected a duration like 15m, 12h, 1d",
                        c.context,
                        rpo.unwrap_or_default()
                    ),
                ));
            }
        }
        for slo in &cfg.slos {
            if let Err(message) = slo.check() {
                errors.push(at(
                    line_containing(text, &format!("\"{}\"", slo.name)),
                    format!("[[slo]] {}: {message}", slo.name),
                ));
            }
        }
        for d in &cfg.discovery {
            if d.context.is_empty() && d.kind != discovery::SourceKind::Metrics {
                errors.push(at(
                    line_containing(text, &format!("\"{}\"", d.kind.name())),
                    format!(
                        "[[discovery]] {}: needs the context to read it through",
                        d.kind.name()
                    ),
                ));
            }
        }
        if let Err(message) = cfg.forecast.check() {
            errors.push(at(line_of(text, "[forecast]"), message));
        }
        if let Err(message) = cfg.dependencies.check() {
            errors.push(at(line_of(text, "[dependencies]"), message));
        }
        if let Err(message) = cfg.summary.check() {
            errors.push(at(line_of(text, "cluster_label"), message));
        }
        let h = cfg.health.min_ready_nodes;
        if !(0.0..=1.0).contains(&h) {
            errors.push(at(
                line_of(text, "min_ready_nodes"),
                format!("health.min_ready_nodes must be between 0 and 1, got {h}"),
            ));
        }
        errors.sort_by_key(|e| e.line);
        (Some(cfg), errors)
    }

    pub fn policy(&self) -> HealthPolicy {
        HealthPolicy {
            min_ready_nodes: self.health.min_ready_nodes,
        }
    }

    /// The recovery-point objective `[[cluster]]` config sets for the
    /// cluster `context` reaches (the first matching entry that sets one).
    pub fn cluster_rpo(&self, context: &str) -> Option<u64> {
        self.clusters
            .iter()
            .filter(|c| glob::matches(&c.context, context))
            .find_map(|c| c.rpo.as_deref())
            .and_then(crate::basics::duration::parse)
            .map(|d| d.as_secs())
    }

    /// One cluster reached through several contexts: the first context
    /// names it; each field comes from the first context whose config entry
    /// sets it; the strictest `read_only` and `protected` apply.
    pub fn meta_for_cluster(&self, contexts: &[String]) -> ClusterMeta {
        let metas: Vec<ClusterMeta> = contexts.iter().map(|c| self.own_meta(c)).collect();
        let Some(first) = metas.first() else {
            return ClusterMeta::default();
        };
        let pick = |f: &dyn Fn(&ClusterMeta) -> Option<String>| metas.iter().find_map(f);
        ClusterMeta {
            context: first.context.clone(),
            contexts: contexts.to_vec(),
            name: pick(&|m| (m.name != m.context).then(|| m.name.clone()))
                .or_else(|| self.merged_names.get(&first.context).cloned())
                .unwrap_or_else(|| first.context.clone()),
            group: pick(&|m| m.group.clone()),
            region: pick(&|m| m.region.clone()),
            cloud: pick(&|m| m.cloud.clone()),
            role: pick(&|m| m.role.clone()),
            read_only: metas.iter().any(|m| m.read_only),
            protected: metas.iter().any(|m| m.protected),
            accent: pick(&|m| m.accent.clone()),
            discovered: None,
            summary: false,
            // Any context's entry marking the link as edge speaks for it.
            edge: metas.iter().find_map(|m| m.edge),
        }
    }

    /// The metadata of the cluster `context` reaches: its own entry's, or,
    /// where several contexts reach that cluster, the merged metadata (the
    /// strictest `read_only`/`protected`), with `context` kept as asked.
    pub fn meta_for(&self, context: &str) -> ClusterMeta {
        match self
            .merged
            .iter()
            .find(|g| g.len() > 1 && g.iter().any(|c| c == context))
        {
            Some(group) => ClusterMeta {
                context: context.to_string(),
                ..self.meta_for_cluster(group)
            },
            None => self.own_meta(context),
        }
    }

    /// The first `[[cluster]]` whose glob matches supplies the context's metadata.
    pub fn own_meta(&self, context: &str) -> ClusterMeta {
        let c = self
            .clusters
            .iter()
            .find(|c| glob::matches(&c.context, context));
        ClusterMeta {
            context: context.to_string(),
            contexts: vec![context.to_string()],
            name: c
                .and_then(|c| c.name.clone())
                .unwrap_or_else(|| context.to_string()),
            group: c.and_then(|c| c.group.clone()),
            region: c.and_then(|c| c.region.clone()),
            cloud: c.and_then(|c| c.cloud.clone()),
            role: c.and_then(|c| c.role).map(|r| match r {
                Role::Primary => "primary".to_string(),
                Role::Standby => "standby".to_string(),
            }),
            read_only: self.read_only || c.is_some_and(|c| c.read_only),
            protected: c.is_some_and(|c| c.protected),
            accent: c.and_then(|c| c.accent.clone()),
            discovered: None,
            summary: false,
            edge: c
                .filter(|c| {
                    c.edge
                        || c.group
                            .as_ref()
                            .is_some_and(|g| self.edge.groups.contains(g))
                })
                .map(|_| crate::config::cluster::EdgeLink {
                    hold_seconds: self.edge.hold_seconds,
                    timeout_seconds: self.edge.timeout_seconds,
                }),
        }
    }

    /// Whether a cluster of `group` in a fleet of `size` is shown from the
    /// metrics engine (`[summary]`).
    pub fn summarised(&self, size: usize, group: Option<&str>) -> bool {
        let endpoint = self.summary.endpoint.is_some() || self.prometheus.url.is_some();
        self.summary.applies(size, group, endpoint)
    }

    /// `context`, then the other contexts that reach its cluster: a
    /// `[[cluster]]` entry written for any of them speaks for the cluster.
    pub fn same_cluster(&self, context: &str) -> Vec<String> {
        let mut out = vec![context.to_string()];
        if let Some(g) = self.merged.iter().find(|g| g.iter().any(|c| c == context)) {
            out.extend(g.iter().filter(|c| *c != context).cloned());
        }
        out
    }

    /// The first value `field` gives from the `[[cluster]]` entries of the
    /// cluster `context` reaches (its own entry first).
    fn cluster_value<T>(
        &self,
        context: &str,
        field: impl Fn(&ClusterConfig) -> Option<T>,
    ) -> Option<T> {
        self.same_cluster(context).iter().find_map(|ctx| {
            self.clusters
                .iter()
                .find(|c| glob::matches(&c.context, ctx))
                .and_then(&field)
        })
    }

    /// The cluster's OpenCost endpoint, from its first entry that has one.
    pub fn opencost_for(&self, context: &str) -> Option<String> {
        self.cluster_value(context, |c| c.opencost.clone())
    }

    /// The cluster's `/metrics` URLs, from its first entry that has some.
    pub fn metrics_for(&self, context: &str) -> Vec<String> {
        self.cluster_value(context, |c| {
            Some(c.metrics.clone()).filter(|m| !m.is_empty())
        })
        .unwrap_or_default()
    }

    /// The cluster's `prometheus` URL, from its first entry that has one.
    pub fn prometheus_for(&self, context: &str) -> Option<String> {
        self.cluster_value(context, |c| c.prometheus.clone())
    }

    /// Contexts to show: `--context` globs if given, else the config's
    /// `contexts`, else all; in kubeconfig order.
    pub fn select<'a>(&self, all: &'a [String], cli: &[String]) -> Vec<&'a String> {
        let globs = if cli.is_empty() { &self.contexts } else { cli };
        all.iter()
            .filter(|c| globs.is_empty() || globs.iter().any(|g| glob::matches(g, c)))
            .collect()
    }
}

fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(key))
        .map(|i| i + 1)
        .unwrap_or(0)
}

fn line_containing(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_meta_first_match_wins() {
        let cfg = Config::parse(
            Path::new("c.toml"),
            r#"
read_only = false
[[cluster]]
context = "prod-eu-*"
group = "prod"
region = "eu-west-1"
role = "primary"
protected = true
accent = "red"
[[cluster]]
context = "*"
group = "other"
"#,
        )
        .unwrap();
        let m = cfg.meta_for("prod-eu-1");
        assert_eq!(m.group.as_deref(), Some("prod"));
        assert_eq!(m.role.as_deref(), Some("primary"));
        assert!(m.protected);
        assert_eq!(cfg.meta_for("dev").group.as_deref(), Some("other"));
    }

    #[test]
    fn unknown_key_names_file_line_and_column() {
        let err =
            Config::parse(Path::new("/x/config.toml"), "theme = \"dark\"\nthem = 1\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("/x/config.toml:2:1: "), "{msg}");
        assert!(msg.contains("them"), "{msg}");
    }

    #[test]
    fn select_by_cli_globs_then_config() {
        let all: Vec<String> = ["lab-a", "lab-a-admin", "lab-b", "prod"]
            .map(String::from)
            .to_vec();
        let cfg = Config {
            contexts: vec!["prod".into()],
            ..Default::default()
        };
        assert_eq!(cfg.select(&all, &[]), vec!["prod"]);
        assert_eq!(cfg.select(&all, &["lab-?".into()]), vec!["lab-a", "lab-b"]);
        assert_eq!(Config::default().select(&all, &[]).len(), 4);
    }

    #[test]
    fn the_example_config_parses() {
        // What it declares for targets: ops::declared's tests; its OpenSLO
        // file: slo::import's.
        let text = include_str!("../../examples/config.toml");
        let cfg = Config::parse(Path::new("examples/config.toml"), text).unwrap();
        assert_eq!(cfg.meta_for("prod-us-2").group.as_deref(), Some("prod"));
        assert_eq!(cfg.canaries.len(), 1);
        assert_eq!(cfg.bluegreens.len(), 1);
        assert_eq!(cfg.slos[0].gate.as_ref().unwrap().label, "version");
        assert_eq!(cfg.slo_files, [std::path::PathBuf::from("openslo.yaml")]);
        let e = &cfg.experiments[0];
        let (_, obj) = e.object(Some("shop")).unwrap();
        assert_eq!(obj["metadata"]["namespace"], "shop");
        assert!(e.allowed_on("staging-eu", cfg.services.first(), None));
        assert!(!e.allowed_on("prod-eu-1", cfg.services.first(), None));
    }

    #[test]
    fn min_ready_out_of_range() {
        let err = Config::parse(Path::new("c"), "[health]\nmin_ready_nodes = 2\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
