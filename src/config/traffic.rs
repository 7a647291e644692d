//! `[[canary]]` and `[[bluegreen]]`: route canaries and selector blue/green
//! pairs declared in the config file rather than by annotation on the object,
//! and the specs both spell (`crate::ops::declared` turns them into a
//! target's declarations).

use serde::Deserialize;

use crate::basics::glob;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryEntry {
    /// Context globs (default: every cluster).
    #[serde(default)]
    pub clusters: Vec<String>,
    pub namespace: String,
    /// `httproute/NAME` or `virtualservice/NAME`.
    pub route: String,
    pub stable: String,
    pub canary: String,
    pub weights: Vec<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlueGreenEntry {
    #[serde(default)]
    pub clusters: Vec<String>,
    pub namespace: String,
    pub service: String,
    pub label: String,
    pub sides: [String; 2],
}

/// Whether an entry with these context globs covers `context`.
pub fn applies(clusters: &[String], context: &str) -> bool {
    clusters.is_empty() || clusters.iter().any(|g| glob::matches(g, context))
}

/// The two kinds of route a canary steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    HttpRoute,
    VirtualService,
}

impl CanaryEntry {
    /// `(kind, name)` of the route, or why not.
    pub fn route(&self) -> Result<(RouteKind, String), String> {
        let (kind, name) = self.route.split_once('/').ok_or_else(|| {
            format!(
                "route {:?}: expected httproute/NAME or virtualservice/NAME",
                self.route
            )
        })?;
        match kind.to_lowercase().as_str() {
            "httproute" | "httproutes" => Ok((RouteKind::HttpRoute, name.to_string())),
            "virtualservice" | "virtualservices" | "vs" => {
                Ok((RouteKind::VirtualService, name.to_string()))
            }
            _ => Err(format!(
                "route {:?}: the kind must be httproute or virtualservice",
                self.route
            )),
        }
    }

    pub fn spec(&self) -> CanarySpec {
        CanarySpec {
            stable: self.stable.clone(),
            canary: self.canary.clone(),
            weights: self.weights.clone(),
        }
    }
}

/// A route canary: which backends, and the canary's weight schedule (percent).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanarySpec {
    /// HTTPRoute: a backendRef name; VirtualService: a destination host or subset.
    pub stable: String,
    pub canary: String,
    pub weights: Vec<u32>,
}

impl CanarySpec {
    pub fn check(&self) -> Result<(), String> {
        if self.stable == self.canary {
            return Err("stable and canary name the same backend".into());
        }
        if self.weights.is_empty() || self.weights.iter().any(|w| *w > 100) {
            return Err("weights must be a non-empty list of percentages (0-100)".into());
        }
        if self.weights.windows(2).any(|w| w[0] >= w[1]) {
            return Err("weights must increase, e.g. [5, 25, 50, 100]".into());
        }
        Ok(())
    }
}

/// A selector blue/green: the Service selector key that flips, and its two values.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlueGreenSpec {
    pub label: String,
    pub sides: [String; 2],
}
