//! Health along the graph: each workload's own trouble, and for a workload
//! the dependencies (direct or further down) that are failing, the deepest
//! of them being the likely cause.

use std::collections::{BTreeMap, HashMap, VecDeque};

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
    Walker::new(graph, trouble, threshold).failing(from)
}

/// The graph indexed once for many walks (every workload's mark per read):
/// integers instead of names, so a walk is a plain breadth-first search.
pub struct Walker<'a> {
    nodes: Vec<&'a Node>,
    at: HashMap<&'a Node, usize>,
    /// Per node, its calls as (callee, edge), sorted by callee (the edges are).
    out: Vec<Vec<(usize, &'a Edge)>>,
    own: Vec<Option<&'a str>>,
    threshold: f64,
}

impl<'a> Walker<'a> {
    pub fn new(graph: &'a Graph, trouble: &'a BTreeMap<Node, String>, threshold: f64) -> Self {
        let nodes: Vec<&Node> = graph.nodes().into_iter().collect();
        let at: HashMap<&Node, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let mut out = vec![Vec::new(); nodes.len()];
        for e in &graph.edges {
            out[at[&e.from]].push((at[&e.to], e));
        }
        let own = nodes
            .iter()
            .map(|n| trouble.get(*n).map(String::as_str))
            .collect();
        Walker {
            nodes,
            at,
            out,
            own,
            threshold,
        }
    }

    pub fn nodes(&self) -> &[&'a Node] {
        &self.nodes
    }

    pub fn failing(&self, from: &Node) -> Vec<Failing> {
        let Some(&start) = self.at.get(from) else {
            return Vec::new();
        };
        let n = self.nodes.len();
        let mut parent = vec![usize::MAX; n];
        let mut depth = vec![0usize; n];
        let mut seen = vec![false; n];
        seen[start] = true;
        let mut todo = VecDeque::from([start]);
        let mut hits = Vec::new();
        while let Some(x) = todo.pop_front() {
            for &(y, e) in &self.out[x] {
                if seen[y] {
                    continue;
                }
                seen[y] = true;
                parent[y] = x;
                depth[y] = depth[x] + 1;
                let why: Vec<String> = edge_trouble(e, self.threshold)
                    .into_iter()
                    .chain(self.own[y].map(str::to_string))
                    .collect();
                if !why.is_empty() {
                    hits.push((y, why.join(", ")));
                }
                todo.push_back(y);
            }
        }
        hits.into_iter()
            .map(|(y, why)| {
                let mut via = Vec::new();
                let mut p = parent[y];
                while p != start {
                    via.push(self.nodes[p].clone());
                    p = parent[p];
                }
                via.reverse();
                Failing {
                    workload: self.nodes[y].clone(),
                    why,
                    depth: depth[y],
                    via,
                }
            })
            .collect()
    }
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
