//! The demo's call graph, as Istio's metrics would show it: the storefront
//! calls checkout, catalog and search; checkout calls payments, which keeps
//! its books in the ledger. On prod-eu-west the calls into payments fail
//! (38 %), so checkout — already under chaos there — and the storefront in
//! front of it point at payments. Read by the same `deps` code as a live
//! fleet; only the traffic is made up here (no Prometheus to ask).

use std::sync::Arc;

use crate::config::service::ServiceConfig;
use crate::config::Config;
use crate::deps::graph::{Edge, Node};
use crate::deps::monitor::Traffic;

/// Where the calls into payments fail.
pub const FAILING: &str = "prod-eu-west";

struct Call {
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
    rps: Option<f64>,
    tcp: Option<f64>,
}

impl Call {
    /// The storefront runs only on `traffic::CLUSTERS`.
    fn shop(&self) -> bool {
        self.from.0 == "shop" || self.to.0 == "shop"
    }
}

const fn http(
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
    rps: f64,
) -> Call {
    Call {
        from,
        to,
        rps: Some(rps),
        tcp: None,
    }
}

const fn tcp(
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
    bytes: f64,
) -> Call {
    Call {
        from,
        to,
        rps: None,
        tcp: Some(bytes),
    }
}

const CALLS: &[Call] = &[
    http(("shop", "storefront"), ("checkout", "checkout"), 42.0),
    http(("shop", "storefront"), ("catalog", "catalog-api"), 180.0),
    http(("shop", "storefront"), ("search", "search-api"), 65.0),
    http(("shop", "storefront-canary"), ("checkout", "checkout"), 8.0),
    http(("checkout", "checkout"), ("payments", "payments"), 38.0),
    http(("checkout", "checkout"), ("catalog", "catalog-api"), 40.0),
    http(
        ("checkout", "checkout-worker"),
        ("payments", "payments"),
        6.0,
    ),
    tcp(("payments", "payments"), ("payments", "ledger"), 52_000.0),
    tcp(
        ("catalog", "catalog-api"),
        ("catalog", "catalog-cache"),
        310_000.0,
    ),
    http(("search", "search-api"), ("search", "opensearch"), 70.0),
];

/// Every demo cluster's observed edges.
pub fn traffic(contexts: &[String]) -> Traffic {
    contexts
        .iter()
        .map(|ctx| {
            let shop = super::traffic::CLUSTERS.contains(&ctx.as_str());
            let edges = CALLS
                .iter()
                .filter(|c| shop || !c.shop())
                .map(|c| {
                    let mut e =
                        Edge::traffic(Node::new(c.from.0, c.from.1), Node::new(c.to.0, c.to.1));
                    e.rps = c.rps;
                    e.tcp_bytes = c.tcp;
                    e.error_ratio = c.rps.map(|_| match (ctx.as_str(), c.to.1) {
                        (FAILING, "payments") => 0.38,
                        _ => 0.002,
                    });
                    e
                })
                .collect();
            (ctx.clone(), Ok(edges))
        })
        .collect()
}

fn service(
    name: &str,
    namespace: &str,
    workloads: &[&str],
    slos: &[&str],
    deps: &[&str],
) -> ServiceConfig {
    let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    ServiceConfig {
        name: name.into(),
        clusters: vec!["*".into()],
        group: None,
        namespace: namespace.into(),
        workloads: list(workloads),
        slos: list(slos),
        rpo: None,
        depends_on: list(deps),
    }
}

/// The services the demo's graph and SLOs are joined by: checkout's SLO
/// measures checkout; the worker's use of the ledger is declared (it reads
/// it directly, outside the mesh).
pub fn config() -> Arc<Config> {
    Arc::new(Config {
        services: vec![
            service(
                "checkout",
                "checkout",
                &["checkout"],
                &["checkout-availability"],
                &[],
            ),
            service(
                "checkout-worker",
                "checkout",
                &["checkout-worker"],
                &[],
                &["ledger"],
            ),
            service("ledger", "payments", &["ledger"], &[], &[]),
        ],
        ..Config::default()
    })
}
