//! What the config declares for a target: its route canary or selector
//! blue/green (`[[canary]]`, `[[bluegreen]]`), as the pipeline's
//! [`Declared`]. The config holds the entries as plain data; the
//! conversion to targets and kinds lives here, with its user.

use super::build::Declared;
use super::target::{ObjectKind, Target};
use super::traffic::BlueGreenSpec;
use crate::config::traffic::{applies, CanaryEntry, RouteKind};
use crate::config::Config;

fn kind(k: RouteKind) -> ObjectKind {
    match k {
        RouteKind::HttpRoute => ObjectKind::HttpRoute,
        RouteKind::VirtualService => ObjectKind::VirtualService,
    }
}

/// The declarations for `op` on `t` with the SLOs that judge it: the
/// canary gates of a release, the paging SLOs of a chaos start's service.
/// `meta` is the target's cluster (its name fills `{{cluster}}`).
pub fn judged(
    config: &Config,
    prom: &crate::slo::sources::PromClient,
    t: &Target,
    op: &super::Operation,
    meta: &crate::config::ClusterMeta,
) -> Declared {
    let mut d = declared(config, t);
    let (name, group) = (&meta.name, meta.group.as_deref());
    d.slo_gates = crate::slo::gate::gates_for(config, prom, &t.context, name, group);
    if let super::Operation::Start {
        service: Some(service),
        ..
    } = op
    {
        d.paging = crate::chaos::gate::gates(config, prom, &t.context, name, group, service);
    }
    d
}

/// The declarations the config makes for a target.
pub fn declared(config: &Config, t: &Target) -> Declared {
    let canary = config
        .canaries
        .iter()
        .find(|c| {
            applies(&c.clusters, &t.context)
                && c.namespace == t.namespace
                && c.route()
                    .is_ok_and(|(k, n)| kind(k) == t.kind && n == t.name)
        })
        .map(CanaryEntry::spec);
    let bluegreen = config
        .bluegreens
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
        paging: Vec::new(),
    }
}

/// A route named only by NAME: the configured canary route of that name.
pub fn route_kind(
    config: &Config,
    context: &str,
    namespace: &str,
    name: &str,
) -> Option<ObjectKind> {
    config.canaries.iter().find_map(|c| {
        let (k, n) = c.route().ok()?;
        (applies(&c.clusters, context) && c.namespace == namespace && n == name).then_some(kind(k))
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_example_config_declares_a_canary_and_a_blue_green() {
        let text = include_str!("../../examples/config.toml");
        let cfg = Config::parse(Path::new("examples/config.toml"), text).unwrap();
        let vs = Target::new("prod-eu-1", "shop", ObjectKind::VirtualService, "reviews");
        assert_eq!(
            declared(&cfg, &vs).canary.unwrap().weights,
            vec![10, 50, 100]
        );
        let dev = Target::new("dev", "shop", ObjectKind::VirtualService, "reviews");
        assert!(declared(&cfg, &dev).canary.is_none());
        let svc = Target::new("any", "payments", ObjectKind::Service, "ledger");
        assert_eq!(declared(&cfg, &svc).bluegreen.unwrap().label, "version");
        assert_eq!(
            route_kind(&cfg, "prod-eu-1", "shop", "reviews"),
            Some(ObjectKind::VirtualService)
        );
    }
}
