//! The fleet's costs: each cluster's stores, with usage from its Prometheus
//! when one is configured (requests alone otherwise — each row says which).

use super::catalog::Catalog;
use super::report::{cluster, Costs};
use super::usage;
use crate::config::Config;
use crate::fleet::handles::{with_data, Fleet};
use crate::slo::sources::{endpoint_for, http_client};

pub async fn costs(fleet: &Fleet, catalog: &Catalog, config: &Config) -> Costs {
    let window = config.cost.usage_window.clone();
    let client = http_client(&config.prometheus).ok();
    let mut out = Costs::default();
    for c in &fleet.clusters {
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
                        eprintln!(
                            "fleetdeck: {}: usage unavailable, charging requests: {e}",
                            c.meta.context
                        );
                        None
                    }
                }
            }
            None => None,
        };
        with_data(&c.data, |d| {
            cluster(&c.meta.context, d, catalog, used.as_ref(), &mut out)
        });
    }
    out
}
