//! `[[canary]]` and `[[bluegreen]]`: route canaries and selector blue/green
//! pairs declared in the config file rather than by annotation on the object.

use serde::Deserialize;

use crate::basics::glob;
use crate::ops::build::Declared;
use crate::ops::target::{kind_from_str, ObjectKind, Target};
use crate::ops::traffic::{BlueGreenSpec, CanarySpec};

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

fn applies(clusters: &[String], context: &str) -> bool {
    clusters.is_empty() || clusters.iter().any(|g| glob::matches(g, context))
}

impl CanaryEntry {
    /// `(kind, name)` of the route, or why not.
    pub fn route(&self) -> Result<(ObjectKind, String), String> {
        let (kind, name) = self.route.split_once('/').ok_or_else(|| {
            format!(
                "route {:?}: expected httproute/NAME or virtualservice/NAME",
                self.route
            )
        })?;
        match kind_from_str(kind) {
            Some(k @ (ObjectKind::HttpRoute | ObjectKind::VirtualService)) => {
                Ok((k, name.to_string()))
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

/// The declarations the config makes for a target.
pub fn declared(canaries: &[CanaryEntry], bluegreens: &[BlueGreenEntry], t: &Target) -> Declared {
    let canary = canaries
        .iter()
        .find(|c| {
            applies(&c.clusters, &t.context)
                && c.namespace == t.namespace
                && c.route().is_ok_and(|(k, n)| k == t.kind && n == t.name)
        })
        .map(CanaryEntry::spec);
    let bluegreen = bluegreens
        .iter()
        .find(|b| {
            t.kind == ObjectKind::Service
                && applies(&b.clusters, &t.context)
                && b.namespace == t.namespace
                && b.service == t.name
        })
        .map(|b| BlueGreenSpec {
            label: b.label.clone(),
            sides: b.sides.clone(),
        });
    Declared {
        canary,
        bluegreen,
        slo_gates: Vec::new(),
    }
}

/// A route named only by NAME: the configured canary route of that name.
pub fn route_kind(
    canaries: &[CanaryEntry],
    context: &str,
    namespace: &str,
    name: &str,
) -> Option<ObjectKind> {
    canaries.iter().find_map(|c| {
        let (k, n) = c.route().ok()?;
        (applies(&c.clusters, context) && c.namespace == namespace && n == name).then_some(k)
    })
}
