//! The fleet's costs: each cluster's stores, with usage from its Prometheus
//! when one is configured (requests alone otherwise — each row says which).

use super::catalog::Catalog;
use super::report::{cluster, Costs};
use super::usage;
use crate::config::Config;
use crate::fleet::handles::{with_data, Fleet};
use crate::fleet::live::SharedData;
use crate::fleet::store::Connection;
use crate::fleet::summary::ClusterMeta;

/// A cluster's metadata and stores, borrowed.
struct Named<'a> {
    meta: &'a ClusterMeta,
    data: &'a SharedData,
}
use crate::slo::sources::{endpoint_for, http_client};

pub async fn costs(fleet: &Fleet, catalog: &Catalog, config: &Config) -> Costs {
    let clusters: Vec<(ClusterMeta, SharedData)> = fleet
        .clusters
        .iter()
        .map(|c| (c.meta.clone(), c.data.clone()))
        .collect();
    costs_of(&clusters, catalog, config).await
}

/// The same over cluster stores alone (what a background task can own).
pub async fn costs_of(
    clusters: &[(ClusterMeta, SharedData)],
    catalog: &Catalog,
    config: &Config,
) -> Costs {
    let window = config.cost.usage_window.clone();
    let client = http_client(&config.prometheus).ok();
    let mut out = Costs::default();
    for (meta, data) in clusters {
        let c = Named { meta, data };
        // Not watched (summary mode, listed): unknown, and no query per cluster.
        let unwatched = with_data(c.data, |d| {
            matches!(
                d.connection,
                Connection::Summary | Connection::Listed { .. }
            )
        });
        if unwatched {
            with_data(c.data, |d| {
                cluster(
                    &c.meta.context,
                    d,
                    catalog,
                    None,
                    &config.cost.grid,
                    &mut out,
                )
            });
            tag(&mut out, c.meta);
            continue;
        }
        if let (Some(url), Some(cl)) = (config.opencost_for(&c.meta.context), &client) {
            match super::opencost::fetch(cl, &url).await {
                Ok(a) => {
                    from_opencost(&c.meta.context, &a, &mut out);
                    tag(&mut out, c.meta);
                    continue;
                }
                Err(e) => out.notes.push(format!(
                    "{}: OpenCost unavailable, using the local model: {e}",
                    c.meta.context
                )),
            }
        }
        let own = config.prometheus_for(&c.meta.context).is_some();
        let ep = client
            .as_ref()
            .and_then(|cl| endpoint_for(config, &c.meta.context, cl));
        let used = match ep {
            Some(ep) => {
                let label = (!own).then_some(c.meta.name.as_str());
                match usage::fetch(&ep, label, &window).await {
                    Ok(u) => Some(u),
                    Err(e) => {
                        out.notes.push(format!(
                            "{}: usage unavailable, charging requests: {e}",
                            c.meta.context
                        ));
                        None
                    }
                }
            }
            None => None,
        };
        with_data(c.data, |d| {
            cluster(
                &c.meta.context,
                d,
                catalog,
                used.as_ref(),
                &config.cost.grid,
                &mut out,
            )
        });
        tag(&mut out, c.meta);
    }
    out
}

/// The cluster just costed gets its group and contexts.
fn tag(out: &mut Costs, meta: &ClusterMeta) {
    if let Some(last) = out.clusters.last_mut() {
        last.group = meta.group.clone();
        last.contexts = meta.contexts.clone();
    }
}

/// OpenCost's namespace allocations as cost rows (per hour: the window is 1h).
fn from_opencost(context: &str, a: &super::opencost::Allocations, out: &mut Costs) {
    let total: f64 = a
        .namespaces
        .iter()
        .filter_map(|n| n.total_cost)
        .sum::<f64>()
        + a.idle.unwrap_or(0.0);
    out.clusters.push(super::report::ClusterCost {
        context: context.to_string(),
        contexts: Vec::new(),
        cost_per_hour: total,
        idle_per_hour: a.idle.unwrap_or(0.0),
        source: "OpenCost".into(),
        nodes: Vec::new(),
        kwh_per_hour: 0.0,
        co2e_g_per_hour: None,
        carbon: "not estimated for OpenCost figures".into(),
        group: None,
        unknown: None,
    });
    for n in &a.namespaces {
        out.namespaces.push(super::report::GroupCost {
            context: context.to_string(),
            namespace: n.namespace.clone(),
            workload: String::new(),
            cost_per_hour: n.total_cost.unwrap_or(0.0),
            cpu_cost_per_hour: n.cpu_cost.unwrap_or(0.0),
            ram_cost_per_hour: n.ram_cost.unwrap_or(0.0),
            efficiency: n.efficiency,
            basis: "opencost".into(),
        });
    }
}
