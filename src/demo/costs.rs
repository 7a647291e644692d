//! The demo's cost figures: the shipped catalog prices the simulated nodes
//! (instance types, regions, spot labels as rendered), and usage is a share
//! of each pod's requests — `catalog-api` on prod-us-east uses a tenth of
//! what it asks for, the right-sizing candidate. Same `cost::report` code as
//! `fleetdeck cost`.

use crate::cost::model::GIB;
use std::collections::BTreeMap;

use crate::cost::catalog::Catalog;
use crate::cost::report::{cluster, Costs};
use crate::cost::usage::Usage;
use crate::fleet::handles::with_data;
use crate::fleet::live::SharedData;
use crate::fleet::summary::ClusterMeta;

pub const OVERSIZED: (&str, &str) = ("prod-us-east", "catalog-api");

pub fn compute(clusters: &[(ClusterMeta, SharedData)], catalog: &Catalog) -> Costs {
    let mut out = Costs::default();
    for (meta, data) in clusters {
        with_data(data, |d| {
            let usage: Usage = d
                .pods
                .items
                .values()
                .map(|p| {
                    let oversized = meta.name == OVERSIZED.0
                        && p.owner.as_ref().is_some_and(|(_, n)| &**n == OVERSIZED.1);
                    let share = if oversized { 0.1 } else { 0.6 };
                    (
                        (p.namespace.to_string(), p.name.clone()),
                        (
                            p.cpu_request_millis as f64 / 1000.0 * share,
                            p.memory_request_bytes as f64 / GIB * share,
                        ),
                    )
                })
                .collect();
            cluster(
                &meta.context,
                d,
                catalog,
                Some(&usage),
                &BTreeMap::new(),
                &mut out,
            );
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    #[test]
    fn the_demo_has_costs_and_one_right_sizing_candidate() {
        let mut demo = crate::demo::Demo::new(7);
        let t0 = Utc::now();
        for i in 0..12 {
            demo.step(t0 + chrono::Duration::seconds(i));
        }
        let fleet = demo.console();
        let c = fleet.cost.latest().expect("computed on the first ticks");
        assert_eq!(c.clusters.len(), 6);
        assert!(
            c.clusters
                .iter()
                .all(|x| x.cost_per_hour > 0.0 && x.source == "catalog"),
            "{:?}",
            c.clusters
        );
        let workloads: Vec<&str> = c.right_sizing.iter().map(|r| r.workload.as_str()).collect();
        assert!(
            !workloads.is_empty() && workloads.iter().all(|w| w.ends_with(super::OVERSIZED.1)),
            "{workloads:?}"
        );
        assert!(c.namespaces.iter().all(|n| n.basis == "usage"));
    }
}
