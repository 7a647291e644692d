//! `[[discovery]]`: clusters a management or hub cluster knows about.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Cluster API `Cluster` objects and their `<name>-kubeconfig` Secrets.
    Capi,
    /// Argo CD cluster Secrets (`argocd.argoproj.io/secret-type: cluster`).
    Argocd,
    /// Open Cluster Management `ManagedCluster` inventory (no credentials).
    Ocm,
    /// Karmada `Cluster` objects and their `secretRef` Secrets.
    Karmada,
    /// The cluster label's values on the summary endpoint's kube-state-metrics
    /// series (`[summary]`): rows for clusters no other source knows.
    Metrics,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Capi => "capi",
            SourceKind::Argocd => "argocd",
            SourceKind::Ocm => "ocm",
            SourceKind::Karmada => "karmada",
            SourceKind::Metrics => "metrics",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryConfig {
    pub kind: SourceKind,
    /// The kubeconfig context of the management or hub cluster to read
    /// (none for `metrics`, which reads the `[summary]` endpoint).
    #[serde(default)]
    pub context: String,
    /// Only this namespace (CAPI Clusters; Argo CD's, default `argocd`).
    pub namespace: Option<String>,
}
