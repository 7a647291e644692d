//! The call graph of one cluster: workloads and who calls whom, each edge
//! saying whether the mesh saw it, someone declared it, or both.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

/// A workload in one cluster, named as the mesh and the annotation name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Node {
    pub namespace: String,
    pub name: String,
}

impl Node {
    pub fn new(namespace: &str, name: &str) -> Node {
        Node {
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    /// `namespace/name`, or a bare `name` in `default_ns`.
    pub fn parse(text: &str, default_ns: &str) -> Option<Node> {
        let (ns, name) = text.split_once('/').unwrap_or((default_ns, text));
        let ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 253
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        };
        (ok(ns) && ok(name)).then(|| Node::new(ns, name))
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

impl Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Traffic,
    Declared,
    Both,
}

/// `from` calls `to`. Rates are per second over the query's window; none
/// for an edge only declared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    pub from: Node,
    pub to: Node,
    pub source: Source,
    pub rps: Option<f64>,
    pub error_ratio: Option<f64>,
    /// TCP bytes sent per second (`istio_tcp_sent_bytes_total`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_bytes: Option<f64>,
}

impl Edge {
    /// An edge the mesh saw.
    pub fn traffic(from: Node, to: Node) -> Edge {
        Edge {
            from,
            to,
            source: Source::Traffic,
            rps: None,
            error_ratio: None,
            tcp_bytes: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    /// Sorted by (from, to), one per pair.
    pub edges: Vec<Edge>,
}

impl Graph {
    /// Observed and declared edges, one per pair: a declared edge the mesh
    /// also saw is `both` and keeps the traffic's figures.
    pub fn merge(traffic: Vec<Edge>, declared: impl IntoIterator<Item = (Node, Node)>) -> Graph {
        let mut by: BTreeMap<(Node, Node), Edge> = BTreeMap::new();
        for e in traffic {
            by.insert((e.from.clone(), e.to.clone()), e);
        }
        for (from, to) in declared {
            if from == to {
                continue;
            }
            by.entry((from.clone(), to.clone()))
                .and_modify(|e| {
                    if e.source == Source::Traffic {
                        e.source = Source::Both
                    }
                })
                .or_insert(Edge {
                    source: Source::Declared,
                    ..Edge::traffic(from, to)
                });
        }
        Graph {
            edges: by.into_values().collect(),
        }
    }

    /// What `n` calls (the edges are sorted by caller: a search, not a scan,
    /// since every mark on screen walks the graph).
    pub fn calls<'a>(&'a self, n: &'a Node) -> impl Iterator<Item = &'a Edge> + 'a {
        let start = self.edges.partition_point(|e| &e.from < n);
        self.edges[start..].iter().take_while(move |e| &e.from == n)
    }

    /// Who calls `n`.
    pub fn called_by<'a>(&'a self, n: &'a Node) -> impl Iterator<Item = &'a Edge> + 'a {
        self.edges.iter().filter(move |e| &e.to == n)
    }

    pub fn nodes(&self) -> BTreeSet<&Node> {
        self.edges.iter().flat_map(|e| [&e.from, &e.to]).collect()
    }

    fn adjacency(&self) -> BTreeMap<&Node, Vec<&Node>> {
        let mut adj: BTreeMap<&Node, Vec<&Node>> = BTreeMap::new();
        for e in &self.edges {
            adj.entry(&e.from).or_default().push(&e.to);
        }
        adj
    }

    /// A cycle through the graph, as the nodes along it with the first
    /// repeated at the end (`a → b → a`), if there is one.
    pub fn cycle(&self) -> Option<Vec<Node>> {
        let starts: Vec<Node> = self.edges.iter().map(|e| e.from.clone()).collect();
        self.cycle_from(&starts)
    }

    /// A cycle among what `starts` reach (calls between other workloads
    /// do not matter to them).
    pub fn cycle_from(&self, starts: &[Node]) -> Option<Vec<Node>> {
        let adj = self.adjacency();
        // 0 unseen, 1 on the path, 2 done; iterative so no graph overflows the stack.
        let mut mark: BTreeMap<&Node, u8> = BTreeMap::new();
        for start in starts {
            if mark.get(start).copied().unwrap_or(0) != 0 {
                continue;
            }
            let mut path: Vec<(&Node, usize)> = vec![(start, 0)];
            mark.insert(start, 1);
            while let Some((n, i)) = path.last_mut() {
                let next = adj.get(n).and_then(|v| v.get(*i)).copied();
                *i += 1;
                match next {
                    None => {
                        mark.insert(n, 2);
                        path.pop();
                    }
                    Some(m) => match mark.get(m).copied().unwrap_or(0) {
                        0 => {
                            mark.insert(m, 1);
                            path.push((m, 0));
                        }
                        1 => {
                            let at = path.iter().position(|(p, _)| *p == m).unwrap_or(0);
                            let mut c: Vec<Node> =
                                path[at..].iter().map(|(p, _)| (*p).clone()).collect();
                            c.push(m.clone());
                            return Some(c);
                        }
                        _ => {}
                    },
                }
            }
        }
        None
    }

    /// `targets` with every dependency before what calls it (directly or
    /// through workloads that are not targets); ties keep the given order.
    /// A cycle is the error, named.
    pub fn release_order(&self, targets: &[Node]) -> Result<Vec<Node>, Vec<Node>> {
        if let Some(c) = self.cycle_from(targets) {
            return Err(c);
        }
        let adj = self.adjacency();
        // t depends on u when u is reachable from t.
        let reach = |from: &Node| -> BTreeSet<&Node> {
            let mut seen = BTreeSet::new();
            let mut todo: Vec<&Node> = adj.get(from).cloned().unwrap_or_default();
            while let Some(n) = todo.pop() {
                if seen.insert(n) {
                    todo.extend(adj.get(n).cloned().unwrap_or_default());
                }
            }
            seen
        };
        let deps: Vec<BTreeSet<&Node>> = targets.iter().map(reach).collect();
        let mut done = vec![false; targets.len()];
        let mut out = Vec::with_capacity(targets.len());
        while out.len() < targets.len() {
            // The first target whose target dependencies are all released.
            let next = (0..targets.len()).find(|&i| {
                !done[i]
                    && (0..targets.len())
                        .all(|j| done[j] || j == i || !deps[i].contains(&targets[j]))
            });
            let Some(i) = next else { break };
            done[i] = true;
            out.push(targets[i].clone());
        }
        Ok(out)
    }
}

/// `a → b → a`.
pub fn show_cycle(c: &[Node]) -> String {
    c.iter()
        .map(Node::to_string)
        .collect::<Vec<_>>()
        .join(" → ")
}
