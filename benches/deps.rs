//! Dependencies at mesh scale: one cluster of 2,000 workloads in 10 layers,
//! each calling 3 workloads of the next layer (5,400 edges), 1 % of them in
//! trouble and 2 % of calls erring. What the console does with it: the
//! marks on a screenful of rows (per frame), the graph view's tree, and the
//! per-read work (likely causes for the Fleet line, an SLO's cause).
//! Figures: docs/performance.md.
//!
//! ```sh
//! cargo bench --bench deps
//! ```

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::Criterion;
use fleetdeck::config::service::ServiceConfig;
use fleetdeck::deps::graph::{Edge, Graph, Node};
use fleetdeck::deps::{layout, ClusterDeps, FleetDeps};

const LAYERS: usize = 10;
const WIDTH: usize = 200;
const FANOUT: usize = 3;

fn node(layer: usize, i: usize) -> Node {
    Node::new(&format!("ns{layer}"), &format!("svc-{i}"))
}

fn cluster() -> ClusterDeps {
    let mut edges = Vec::new();
    for layer in 0..LAYERS - 1 {
        for i in 0..WIDTH {
            for k in 0..FANOUT {
                let j = (i * 7 + k * 13) % WIDTH;
                let mut e = Edge::traffic(node(layer, i), node(layer + 1, j));
                e.rps = Some(10.0);
                e.error_ratio = Some(if (i + k) % 50 == 0 { 0.2 } else { 0.001 });
                edges.push(e);
            }
        }
    }
    let trouble: BTreeMap<Node, String> = (0..LAYERS * WIDTH)
        .filter(|x| x % 100 == 7)
        .map(|x| (node(x / WIDTH, x % WIDTH), "0/2 ready".to_string()))
        .collect();
    ClusterDeps {
        context: "mesh".into(),
        graph: Graph::merge(edges, Vec::new()),
        trouble,
        ..Default::default()
    }
}

fn main() {
    let d = cluster();
    let services: Vec<ServiceConfig> = (0..20)
        .map(|i| ServiceConfig {
            name: format!("s{i}"),
            clusters: vec!["*".into()],
            group: None,
            namespace: "ns0".into(),
            workloads: vec![format!("svc-{i}")],
            slos: vec![format!("slo-{i}")],
            rpo: None,
            depends_on: vec![],
        })
        .collect();
    let fleet = || FleetDeps {
        clusters: BTreeMap::from([("mesh".to_string(), d.clone())]),
        ..Default::default()
    };
    let screen: Vec<Node> = (0..40).map(|i| node(0, i)).collect();
    let finished = fleet().finish(&services);
    let marked = screen
        .iter()
        .filter(|n| finished.mark("mesh", &n.namespace, &n.name).is_some())
        .count();
    eprintln!(
        "deps: {} edges, {} of 40 rows marked, tree of {} rows",
        d.graph.edges.len(),
        marked,
        layout::tree(&d, &node(0, 0), 500).len()
    );
    let mut c = Criterion::default().configure_from_args();
    // Per frame: the rows on screen look their marks up.
    c.bench_function("deps/marks_40_rows_looked_up", |b| {
        b.iter(|| {
            for n in &screen {
                black_box(finished.mark("mesh", &n.namespace, &n.name));
            }
        })
    });
    // The detail and `deps` walk one workload's graph on their own.
    c.bench_function("deps/mark_one_walked", |b| {
        b.iter(|| black_box(d.mark(&screen[0])))
    });
    c.bench_function("deps/tree_500_rows", |b| {
        b.iter(|| black_box(layout::tree(&d, &node(0, 0), 500)))
    });
    c.bench_function("deps/finish_2000_workloads_20_services", |b| {
        b.iter(|| black_box(fleet().finish(&services)))
    });
    c.final_summary();
}
