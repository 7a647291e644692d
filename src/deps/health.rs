//! Health along the graph: each workload's own trouble, and for a workload
//! the dependencies (direct or further down) that are failing, the deepest
//! of them being the likely cause.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::Serialize;

use super::graph::{Edge, Graph, Node};

/// An edge whose error ratio is at least this fails its caller, unless the
/// config says otherwise (`[dependencies] error_percent`).
pub const ERROR_THRESHOLD: f64 = 0.05;

/// A dependency that is failing, seen from one workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failing {
    pub workload: Node,
    /// `errors 38 %`, `1/3 ready`, `SLO payments-availability paging`, …
    pub why: String,
    /// 1 for a direct dependency.
    pub depth: usize,
    /// The workloads between, from the first call on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<Node>,
}

impl Failing {
    /// `payments (errors 38 %)`.
    pub fn short(&self) -> String {
        format!("{} ({})", self.workload.name, self.why)
    }
}

/// `38 %` (one decimal below 10 %).
pub fn percent(ratio: f64) -> String {
    let p = ratio * 100.0;
    if p < 10.0 && p.fract().abs() > 0.05 {
        format!("{p:.1} %")
    } else {
        format!("{p:.0} %")
    }
}

/// Why an edge fails its caller (errs at `threshold` or more), if it does.
pub fn edge_trouble(e: &Edge, threshold: f64) -> Option<String> {
    let r = e.error_ratio.filter(|r| *r >= threshold)?;
    Some(format!("errors {}", percent(r)))
}

/// Every failing dependency of `from`, nearest first (ties by name). A
/// dependency fails when it has trouble of its own (`trouble`) or the call
/// into it errs at `threshold` or more; both are said.
pub fn failing(
    graph: &Graph,
    trouble: &BTreeMap<Node, String>,
    from: &Node,
    threshold: f64,
) -> Vec<Failing> {
    let mut seen: BTreeSet<&Node> = BTreeSet::from([from]);
    let mut todo: VecDeque<(&Node, Vec<Node>)> = VecDeque::from([(from, Vec::new())]);
    let mut out = Vec::new();
    while let Some((n, path)) = todo.pop_front() {
        let mut next: Vec<&Edge> = graph.calls(n).collect();
        next.sort_by(|a, b| a.to.cmp(&b.to));
        for e in next {
            if !seen.insert(&e.to) {
                continue;
            }
            let why: Vec<String> = edge_trouble(e, threshold)
                .into_iter()
                .chain(trouble.get(&e.to).cloned())
                .collect();
            if !why.is_empty() {
                out.push(Failing {
                    workload: e.to.clone(),
                    why: why.join(", "),
                    depth: path.len() + 1,
                    via: path.clone(),
                });
            }
            let mut p = path.clone();
            p.push(e.to.clone());
            todo.push_back((&e.to, p));
        }
    }
    out
}

/// The likely cause among failing dependencies: the deepest (the first
/// found at that depth).
pub fn deepest(failing: &[Failing]) -> Option<&Failing> {
    failing
        .iter()
        .rev()
        .max_by_key(|f| f.depth)
        .and_then(|d| failing.iter().find(|f| f.depth == d.depth))
}
