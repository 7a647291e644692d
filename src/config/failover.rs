//! `[[failover]]` plans and `[policy.NAME]` residency rules as the config
//! file spells them: plain data. Validation, resolution and running are
//! `crate::failover`'s.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub name: String,
    pub service: String,
    pub primary: String,
    #[serde(default)]
    pub standbys: Vec<String>,
    /// A data-residency policy name (`[policy.NAME] regions = [...]`).
    pub policy: Option<String>,
    /// The most data the run may lose (`12h`): older than this, the newest
    /// backup covering its namespaces refuses the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_data_loss: Option<String>,
    #[serde(default, rename = "step")]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Scale `target` (`NS/KIND/NAME`) to `replicas`.
    Scale {
        cluster: String,
        target: String,
        replicas: i32,
    },
    /// Wait until `target` has `ready` ready replicas (or, for a Rollout, is
    /// Healthy when `ready` is absent), at most `timeout`.
    Wait {
        cluster: String,
        target: String,
        ready: Option<i32>,
        #[serde(default = "default_timeout")]
        timeout: String,
    },
    /// Set backend weights on `route` (`NS/httproute|vs/NAME`).
    Weights {
        cluster: String,
        route: String,
        weights: std::collections::BTreeMap<String, u32>,
    },
    /// Switch a k8gb Gslb's `primaryGeoTag` in every cluster of the plan.
    Gslb { gslb: String, geotag: String },
    /// Cordon the cluster's nodes.
    Cordon { cluster: String },
    /// Set an annotation on `target`.
    Annotate {
        cluster: String,
        target: String,
        key: String,
        value: String,
    },
}

fn default_timeout() -> String {
    "5m".into()
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Residency {
    /// Regions data may be served from.
    pub regions: Vec<String>,
    /// Why the rule exists, shown with a refusal (`EU personal data`).
    pub description: Option<String>,
}
