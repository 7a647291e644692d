use std::collections::BTreeMap;

use super::graph::{show_cycle, Edge, Graph, Node, Source};
use super::health::{deepest, failing};
use super::layout::{render, tree};
use super::*;
use crate::slo::prom::Sample;

fn n(s: &str) -> Node {
    Node::parse(s, "shop").unwrap()
}

fn call(from: &str, to: &str, rps: f64, err: f64) -> Edge {
    Edge {
        rps: Some(rps),
        error_ratio: Some(err),
        ..Edge::traffic(n(from), n(to))
    }
}

#[test]
fn traffic_and_declarations_merge_one_edge_per_pair() {
    let g = Graph::merge(
        vec![
            call("web", "cart", 10.0, 0.0),
            call("web", "pay/payments", 4.0, 0.5),
        ],
        vec![
            (n("web"), n("pay/payments")),
            (n("web"), n("search")),
            (n("web"), n("web")),
        ],
    );
    let got: Vec<(String, Source, Option<f64>)> = g
        .edges
        .iter()
        .map(|e| (format!("{}>{}", e.from, e.to), e.source, e.rps))
        .collect();
    assert_eq!(
        got,
        vec![
            ("shop/web>pay/payments".into(), Source::Both, Some(4.0)),
            ("shop/web>shop/cart".into(), Source::Traffic, Some(10.0)),
            ("shop/web>shop/search".into(), Source::Declared, None),
        ]
    );
}

#[test]
fn samples_become_edges_with_rates_and_error_ratios() {
    let s = |src: &str, dst: &str, code: &str, v: f64| Sample {
        labels: [
            ("source_workload_namespace", "shop"),
            ("source_workload", src),
            ("destination_workload_namespace", "shop"),
            ("destination_workload", dst),
            ("response_code", code),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        value: v,
    };
    let http = vec![
        s("web", "pay", "200", 6.2),
        s("web", "pay", "503", 3.8),
        s("web", "cart", "200", 5.0),
        s("unknown", "web", "200", 9.0),
        s("web", "cart", "500", f64::NAN),
    ];
    let tcp = vec![s("pay", "db", "", 2048.0)];
    let e = traffic::edges(&http, &tcp);
    assert_eq!(e.len(), 3, "{e:#?}");
    let pay = e.iter().find(|e| e.to.name == "pay").unwrap();
    assert!((pay.rps.unwrap() - 10.0).abs() < 1e-9);
    assert!((pay.error_ratio.unwrap() - 0.38).abs() < 1e-9);
    let db = e.iter().find(|e| e.to.name == "db").unwrap();
    assert_eq!((db.rps, db.tcp_bytes), (None, Some(2048.0)));
    assert!(traffic::http_query("300s").contains("reporter=\"destination\"}[300s]"));
}

#[test]
fn a_cycle_is_found_and_named_and_refuses_an_order() {
    let g = Graph::merge(
        vec![],
        vec![
            (n("a"), n("b")),
            (n("b"), n("c")),
            (n("c"), n("a")),
            (n("x"), n("a")),
        ],
    );
    let c = g.cycle().expect("a cycle");
    assert_eq!(c.first(), c.last());
    assert_eq!(c.len(), 4, "{c:?}");
    assert!(show_cycle(&c).contains("shop/a"), "{}", show_cycle(&c));
    assert_eq!(g.release_order(&[n("a")]), Err(c));
    // A cycle the targets do not reach does not matter to their order.
    assert_eq!(g.release_order(&[n("y")]), Ok(vec![n("y")]));
    let dag = Graph::merge(vec![], vec![(n("a"), n("b")), (n("b"), n("c"))]);
    assert_eq!(dag.cycle(), None);
}

#[test]
fn release_order_puts_dependencies_first_even_through_others() {
    // web → cart → (not a target) stock → pay; search stands alone.
    let g = Graph::merge(
        vec![],
        vec![
            (n("web"), n("cart")),
            (n("cart"), n("stock")),
            (n("stock"), n("pay")),
        ],
    );
    let order = g
        .release_order(&[n("web"), n("search"), n("cart"), n("pay")])
        .unwrap();
    let names: Vec<&str> = order.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, vec!["search", "pay", "cart", "web"]);
}

#[test]
fn failure_propagates_and_the_deepest_is_the_likely_cause() {
    // web → checkout → payments (38 % errors) → ledger (unhealthy).
    let g = Graph::merge(
        vec![
            call("web", "checkout", 20.0, 0.0),
            call("checkout", "payments", 10.0, 0.38),
        ],
        vec![(n("payments"), n("ledger")), (n("web"), n("cart"))],
    );
    let trouble = BTreeMap::from([(n("ledger"), "0/2 ready".to_string())]);
    let f = failing(&g, &trouble, &n("web"), 0.05);
    let got: Vec<(&str, usize, &str)> = f
        .iter()
        .map(|f| (f.workload.name.as_str(), f.depth, f.why.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![("payments", 2, "errors 38 %"), ("ledger", 3, "0/2 ready")]
    );
    assert_eq!(f[1].via, vec![n("checkout"), n("payments")]);
    assert_eq!(deepest(&f).unwrap().workload, n("ledger"));
    let d = ClusterDeps {
        graph: g,
        trouble,
        ..Default::default()
    };
    assert_eq!(
        d.mark(&n("checkout")).unwrap(),
        "dependency failing: payments (errors 38 %) → likely ledger (0/2 ready)"
    );
    assert_eq!(d.mark(&n("cart")), None);
    // A cycle does not loop.
    let g = Graph::merge(vec![], vec![(n("a"), n("b")), (n("b"), n("a"))]);
    let t = BTreeMap::from([(n("a"), "down".to_string())]);
    assert_eq!(failing(&g, &t, &n("a"), 0.05).len(), 0);
    assert_eq!(failing(&g, &t, &n("b"), 0.05).len(), 1);
}

#[test]
fn a_thirty_node_graph_lays_out_within_the_width_and_tiny_sizes_do_not_panic() {
    // A chain of 20 and a fan of 10 under the root, with callers and a repeat.
    let mut decl: Vec<(Node, Node)> = (0..20)
        .map(|i| (n(&format!("s{i}")), n(&format!("s{}", i + 1))))
        .collect();
    decl.extend((0..10).map(|i| (n("s0"), n(&format!("fan{i}")))));
    decl.push((n("caller"), n("s0")));
    decl.push((n("fan3"), n("s5")));
    let d = ClusterDeps {
        graph: Graph::merge(vec![call("s0", "fan0", 1234.5, 0.5)], decl),
        ..Default::default()
    };
    let rows = tree(&d, &n("s0"), 100);
    assert_eq!(rows.iter().filter(|r| !r.again).count(), 32, "{rows:#?}");
    assert!(rows.iter().any(|r| r.again && r.node == n("s5")));
    let lines = render(&rows, 120);
    assert!(lines.iter().all(|l| l.chars().count() <= 120), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("shop/s20")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("errors 50 %")));
    for w in 0..12 {
        for l in render(&rows, w) {
            assert!(l.chars().count() <= w);
        }
    }
    assert!(tree(&d, &n("s0"), 0).is_empty());
    assert_eq!(tree(&d, &n("nobody"), 5).len(), 1);
}

#[test]
fn annotations_and_services_declare_edges_and_bad_entries_are_named() {
    use crate::fleet::objects::{Compact, WorkloadInfo, WorkloadSource};
    let dep: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "web", "namespace": "shop",
            "annotations": {"fleetdeck.io/depends-on": "pay/payments, cart  Bad_Entry"}},
        "spec": {"selector": {}, "template": {}}
    }))
    .unwrap();
    let w = WorkloadInfo::compact(&WorkloadSource::Deployment(dep)).unwrap();
    let cfg: crate::config::Config = toml::from_str(
        r#"
[[service]]
name = "shop"
clusters = ["prod-*"]
namespace = "shop"
workloads = ["Deployment/web"]
depends_on = ["search"]

[[service]]
name = "search"
clusters = ["prod-*"]
namespace = "find"
workloads = ["index", "query"]
"#,
    )
    .unwrap();
    let d = declared::edges(&[&w], &cfg.services, "prod-eu", None);
    let to: Vec<String> = d.edges.iter().map(|(_, t)| t.to_string()).collect();
    assert_eq!(
        to,
        vec!["pay/payments", "shop/cart", "find/index", "find/query"]
    );
    assert_eq!(d.problems.len(), 1);
    assert!(d.problems[0].contains("Bad_Entry") && d.problems[0].contains("shop/web"));
    assert!(
        declared::edges(&[&w], &cfg.services, "dev", None)
            .edges
            .len()
            == 2
    );
}

#[test]
fn an_slo_and_the_fleet_point_at_the_deepest_failing_dependency() {
    // web → checkout → payments (38 % errors) → ledger (unhealthy) on prod;
    // on dev only search → index erring.
    let prod = ClusterDeps {
        context: "prod".into(),
        graph: Graph::merge(
            vec![
                call("web", "checkout", 20.0, 0.0),
                call("checkout", "payments", 10.0, 0.38),
            ],
            vec![(n("payments"), n("ledger"))],
        ),
        trouble: BTreeMap::from([(n("ledger"), "0/2 ready".to_string())]),
        ..Default::default()
    };
    let dev = ClusterDeps {
        context: "dev".into(),
        graph: Graph::merge(vec![call("search", "index", 5.0, 0.2)], vec![]),
        ..Default::default()
    };
    let service = |name: &str, workloads: &[&str], slos: &[&str]| ServiceConfig {
        name: name.into(),
        clusters: vec!["*".into()],
        group: None,
        namespace: "shop".into(),
        workloads: workloads.iter().map(|s| s.to_string()).collect(),
        slos: slos.iter().map(|s| s.to_string()).collect(),
        rpo: None,
        depends_on: vec![],
    };
    let services = vec![
        service("checkout", &["checkout"], &["checkout-availability"]),
        // The service's own workloads are not its cause.
        service("payments", &["payments", "ledger"], &["payments-latency"]),
    ];
    let fleet = FleetDeps {
        clusters: BTreeMap::from([("prod".into(), prod), ("dev".into(), dev)]),
        ..Default::default()
    }
    .finish(&services);
    let cause = |ctx: &str, slo: &str| {
        fleet
            .slo_causes
            .get(&(ctx.to_string(), slo.to_string()))
            .cloned()
    };
    assert_eq!(
        cause("prod", "checkout-availability").as_deref(),
        Some("ledger (0/2 ready)")
    );
    assert_eq!(cause("prod", "payments-latency"), None);
    assert_eq!(cause("dev", "checkout-availability"), None);
    // web, checkout and payments all fail on the ledger; search on index.
    assert_eq!(
        fleet.hint.as_deref(),
        Some("likely cause: ledger (0/2 ready) on prod, failing 3 workloads; +1 more")
    );
    assert_eq!(FleetDeps::default().finish(&services).hint, None);
}
