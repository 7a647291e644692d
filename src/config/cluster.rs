//! What the config says about one cluster, joined to its context, and when
//! a cluster is left out of fleet totals: plain data the fleet layer reads.

use serde::Serialize;

/// What config says about a cluster (group, region, role…), joined to its context.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClusterMeta {
    /// The context that names the cluster (the first, in kubeconfig order,
    /// of `contexts`): the key of its journal records, SLOs and config.
    pub context: String,
    /// Every selected context that reaches this cluster (`fleet::identity`),
    /// in kubeconfig order; `[context]` for most.
    pub contexts: Vec<String>,
    /// Display name (config `name`, else the context).
    pub name: String,
    pub group: Option<String>,
    pub region: Option<String>,
    pub cloud: Option<String>,
    pub role: Option<String>,
    pub read_only: bool,
    pub protected: bool,
    /// Per-cluster accent colour: the "this is production" cue.
    pub accent: Option<String>,
    /// Where a `[[discovery]]` source found it, with its lifecycle there.
    pub discovered: Option<Discovered>,
    /// Shown from the metrics engine's series (`[summary]`), not watched
    /// until the operator drills in.
    pub summary: bool,
    /// An intermittent link (`edge = true`).
    pub edge: Option<EdgeLink>,
}

/// How an edge cluster's link is watched (`[edge]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EdgeLink {
    pub hold_seconds: u64,
    pub timeout_seconds: u64,
}

/// What a management or hub cluster says about a cluster it knows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Discovered {
    /// `capi on lab-a`: the source and the context it was read through.
    pub source: String,
    /// Provisioned, Provisioning, Deleting, Failed, Available, Ready, …
    pub lifecycle: String,
    /// The source's own name for it (`web-b` of `capi/web-b`): also how
    /// the metrics engine's cluster label may name it.
    pub known_as: String,
    pub provider: Option<String>,
    /// The API endpoint the source records.
    pub url: Option<String>,
    /// Why it is listed but not connected; `None` when connected.
    pub listed: Option<String>,
    /// Taints, node counts, Kubernetes version, where the source has them.
    pub detail: Vec<String>,
}

/// How a `metrics` discovery source names itself: `metrics at URL`.
pub const METRICS_SOURCE: &str = "metrics at";

impl ClusterMeta {
    /// Known only from the metrics engine's cluster label: no context
    /// reaches it, so it can be shown but never opened.
    pub fn metrics_only(&self) -> bool {
        self.discovered
            .as_ref()
            .is_some_and(|d| d.source.starts_with(METRICS_SOURCE))
    }

    /// Whether `context` is one of the contexts that reach this cluster.
    pub fn reaches(&self, context: &str) -> bool {
        self.context == context || self.contexts.iter().any(|c| c == context)
    }
}

/// When a cluster is left out of fleet totals (and, later, action targets).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthPolicy {
    /// Exclude a cluster whose share of Ready nodes falls below this (0.0–1.0).
    pub min_ready_nodes: f64,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        HealthPolicy {
            min_ready_nodes: 0.5,
        }
    }
}

/// What the Fleet view gathers clusters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Group,
    Region,
    Provider,
}

impl GroupBy {
    pub const ALL: [GroupBy; 3] = [GroupBy::Group, GroupBy::Region, GroupBy::Provider];

    pub fn word(self) -> &'static str {
        match self {
            GroupBy::Group => "group",
            GroupBy::Region => "region",
            GroupBy::Provider => "provider",
        }
    }

    pub fn parse(s: &str) -> Option<GroupBy> {
        match s {
            "group" | "groups" | "g" => Some(GroupBy::Group),
            "region" | "regions" | "r" => Some(GroupBy::Region),
            "provider" | "providers" | "cloud" | "p" => Some(GroupBy::Provider),
            _ => None,
        }
    }

    /// The cycle a key steps through: none → group → region → provider → none.
    pub fn next(current: Option<GroupBy>) -> Option<GroupBy> {
        match current {
            None => Some(GroupBy::Group),
            Some(GroupBy::Group) => Some(GroupBy::Region),
            Some(GroupBy::Region) => Some(GroupBy::Provider),
            Some(GroupBy::Provider) => None,
        }
    }

    /// The row's value for this key; `None` when it has none. A discovered
    /// cluster's provider stands in for a cloud the config does not name.
    pub fn key(self, meta: &ClusterMeta) -> Option<&str> {
        match self {
            GroupBy::Group => meta.group.as_deref(),
            GroupBy::Region => meta.region.as_deref(),
            GroupBy::Provider => meta
                .cloud
                .as_deref()
                .or(meta.discovered.as_ref().and_then(|d| d.provider.as_deref())),
        }
    }
}
