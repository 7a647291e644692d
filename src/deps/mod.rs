//! Service dependencies: who calls whom in each cluster, from the mesh's
//! traffic and from declarations, with health carried along the edges so a
//! failing checkout points at the failing payments two hops away, and the
//! order a release should take (dependencies first).

pub mod declared;
pub mod graph;
pub mod health;
pub mod layout;
pub mod monitor;
pub mod read;
#[cfg(test)]
mod tests;
pub mod traffic;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::config::service::ServiceConfig;
use crate::fleet::objects::WorkloadInfo;
use graph::{Edge, Graph, Node, Source};
use health::Failing;

/// One cluster's graph and the trouble of each workload in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterDeps {
    pub context: String,
    pub graph: Graph,
    /// Workloads with trouble of their own, and what it is.
    pub trouble: BTreeMap<Node, String>,
    /// Why no traffic is in the graph (no Prometheus, or it failed).
    pub traffic_error: Option<String>,
    /// Declarations that could not be read.
    pub problems: Vec<String>,
    /// The error ratio that fails a call (0: the default).
    pub error_ratio: f64,
}

/// What one cluster's graph is built from.
pub struct Inputs<'a> {
    pub context: &'a str,
    pub group: Option<&'a str>,
    pub workloads: Vec<&'a WorkloadInfo>,
    pub services: &'a [ServiceConfig],
    pub traffic: Result<Vec<Edge>, String>,
    /// `(service, slo)` pairs paging in this cluster.
    pub paging: Vec<(String, String)>,
    /// `(namespace, workload, experiment)` under chaos now.
    pub chaos: Vec<(String, String, String)>,
    /// Set when the cluster cannot be reached: every workload in it fails so.
    pub unreachable: Option<String>,
    /// The error ratio that fails a call.
    pub error_ratio: f64,
}

/// `(namespace, workload, "NetworkChaos eu-latency")` for every workload
/// the experiments hit.
pub fn chaos_hits<'a>(
    experiments: impl Iterator<Item = &'a crate::chaos::Experiment>,
) -> Vec<(String, String, String)> {
    experiments
        .flat_map(|e| {
            e.hits.iter().map(move |h| {
                let what = format!("{} {}", e.kind.name(), e.name);
                (h.namespace.clone(), h.workload.clone(), what)
            })
        })
        .collect()
}

pub fn build(i: Inputs) -> ClusterDeps {
    let declared = declared::edges(&i.workloads, i.services, i.context, i.group);
    let (traffic, traffic_error) = match i.traffic {
        Ok(t) => (t, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let graph = Graph::merge(traffic, declared.edges);
    let known: BTreeMap<Node, &WorkloadInfo> = i
        .workloads
        .iter()
        .map(|w| (Node::new(&w.namespace, &w.name), *w))
        .collect();
    let mut trouble: BTreeMap<Node, Vec<String>> = BTreeMap::new();
    let mut add = |n: &Node, why: String| trouble.entry(n.clone()).or_default().push(why);
    let in_graph: BTreeSet<&Node> = graph.nodes();
    for n in &in_graph {
        if let Some(why) = &i.unreachable {
            add(n, format!("cluster {why}"));
            continue;
        }
        match known.get(*n) {
            Some(w) if !w.healthy => add(n, w.status.clone()),
            Some(_) => {}
            // The mesh also names bare pods and Jobs; only a declared
            // dependency that is not there is a fault.
            None if graph.called_by(n).all(|e| e.source == Source::Declared) => {
                add(n, "not found".into())
            }
            None => {}
        }
    }
    for (ns, name, exp) in &i.chaos {
        let n = Node::new(ns, name);
        if in_graph.contains(&n) {
            add(&n, format!("under chaos: {exp}"));
        }
    }
    for (service, slo) in &i.paging {
        let Some(s) = i.services.iter().find(|s| &s.name == service) else {
            continue;
        };
        for n in in_graph.iter().filter(|n| serves(s, n)) {
            add(n, format!("SLO {slo} paging"));
        }
    }
    ClusterDeps {
        context: i.context.to_string(),
        graph,
        trouble: trouble
            .into_iter()
            .map(|(n, w)| (n, w.join(", ")))
            .collect(),
        traffic_error,
        problems: declared.problems,
        error_ratio: i.error_ratio,
    }
}

/// Whether `n` is one of the service's workloads (all of its namespace's
/// when it names none).
pub fn serves(s: &ServiceConfig, n: &Node) -> bool {
    n.namespace == s.namespace
        && (s.workloads.is_empty()
            || s.workloads
                .iter()
                .any(|w| w.rsplit('/').next() == Some(n.name.as_str())))
}

/// The mark of a workload with these failing dependencies (nearest first).
fn mark_of(f: &[Failing]) -> Option<String> {
    let first = f.first()?;
    let deep = health::deepest(f).filter(|d| d.depth > first.depth);
    Some(match deep {
        Some(d) => format!(
            "dependency failing: {} → likely {}",
            first.short(),
            d.short()
        ),
        None => format!("dependency failing: {}", first.short()),
    })
}

/// What one pass over a cluster's graph finds for every workload in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Walked {
    pub marks: BTreeMap<Node, String>,
    /// Likely causes with how many workloads each fails, most first.
    pub causes: Vec<(Failing, usize)>,
}

impl ClusterDeps {
    /// The likely cause of a service's trouble: the deepest failing
    /// dependency of any of its workloads, outside the service itself.
    pub fn service_cause(&self, s: &ServiceConfig) -> Option<Failing> {
        self.service_cause_in(&self.walker(), s)
    }

    fn service_cause_in(&self, w: &health::Walker, s: &ServiceConfig) -> Option<Failing> {
        let mut found: Vec<Failing> = w
            .nodes()
            .iter()
            .filter(|n| serves(s, n))
            .flat_map(|n| w.failing(n))
            .filter(|f| !serves(s, &f.workload))
            .collect();
        found.sort_by(|a, b| b.depth.cmp(&a.depth).then(a.workload.cmp(&b.workload)));
        found.into_iter().next()
    }

    fn walker(&self) -> health::Walker<'_> {
        health::Walker::new(&self.graph, &self.trouble, self.threshold())
    }

    /// Every workload's mark and every likely cause, in one pass.
    pub fn walk(&self) -> Walked {
        let w = self.walker();
        let mut marks = BTreeMap::new();
        let mut by: BTreeMap<Node, (Failing, usize)> = BTreeMap::new();
        for n in w.nodes() {
            let f = w.failing(n);
            if let Some(m) = mark_of(&f) {
                marks.insert((*n).clone(), m);
            }
            if let Some(d) = health::deepest(&f) {
                by.entry(d.workload.clone()).or_insert((d.clone(), 0)).1 += 1;
            }
        }
        let mut causes: Vec<_> = by.into_values().collect();
        causes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.workload.cmp(&b.0.workload)));
        Walked { marks, causes }
    }

    pub fn threshold(&self) -> f64 {
        match self.error_ratio {
            r if r > 0.0 => r,
            _ => health::ERROR_THRESHOLD,
        }
    }

    pub fn failing(&self, n: &Node) -> Vec<Failing> {
        health::failing(&self.graph, &self.trouble, n, self.threshold())
    }

    /// `dependency failing: payments (errors 38 %)` for a workload whose
    /// dependency fails, naming the direct one and, when deeper, the likely cause.
    pub fn mark(&self, n: &Node) -> Option<String> {
        mark_of(&self.failing(n))
    }

    /// Its own trouble, or `healthy`.
    pub fn health(&self, n: &Node) -> &str {
        self.trouble.get(n).map(String::as_str).unwrap_or("healthy")
    }

    /// The `deps --json` report of one workload: the edges around it and
    /// everything it reaches, and its failing dependencies.
    pub fn report(&self, n: &Node) -> Report {
        let mut reach: BTreeSet<&Node> = BTreeSet::from([n]);
        let mut todo = vec![n];
        while let Some(x) = todo.pop() {
            for e in self.graph.calls(x) {
                if reach.insert(&e.to) {
                    todo.push(&e.to);
                }
            }
        }
        Report {
            context: self.context.clone(),
            workload: n.clone(),
            edges: self
                .graph
                .edges
                .iter()
                .filter(|e| reach.contains(&e.from) || &e.to == n)
                .cloned()
                .collect(),
            failing: self.failing(n),
            traffic_error: self.traffic_error.clone(),
            problems: self.problems.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub context: String,
    pub workload: Node,
    /// What it calls (all the way down), and who calls it.
    pub edges: Vec<Edge>,
    pub failing: Vec<Failing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Every cluster's graph, as the console last read them.
#[derive(Debug, Clone, Default)]
pub struct FleetDeps {
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    pub clusters: BTreeMap<String, ClusterDeps>,
    /// `(context, slo)` → `payments (errors 38 %)`: the likely cause behind
    /// the service the SLO measures, when a dependency of it fails.
    pub slo_causes: BTreeMap<(String, String), String>,
    /// The Fleet view's line ([`FleetDeps::hint`]), worked out once per read.
    pub hint: Option<String>,
    /// Each cluster's marks and causes, worked out once per read.
    pub walked: BTreeMap<String, Walked>,
}

impl FleetDeps {
    /// Fills `slo_causes` from the services and the SLOs they list, and
    /// the hint: both walk every graph, so once per read, not per frame.
    pub fn finish(mut self, services: &[ServiceConfig]) -> FleetDeps {
        for (ctx, d) in &self.clusters {
            self.walked.insert(ctx.clone(), d.walk());
            let w = d.walker();
            for s in services {
                let Some(f) = d.service_cause_in(&w, s) else {
                    continue;
                };
                for slo in &s.slos {
                    self.slo_causes
                        .insert((ctx.clone(), slo.clone()), f.short());
                }
            }
        }
        self.hint = self.hint();
        self
    }

    /// The Fleet view's line: the likely cause failing the most workloads,
    /// `dependencies: payments (errors 38 %) on prod-eu-west fails 2; +1 more`.
    pub fn hint(&self) -> Option<String> {
        let mut all: Vec<(&str, &Failing, usize)> = self
            .walked
            .iter()
            .flat_map(|(ctx, w)| w.causes.iter().map(move |(f, n)| (ctx.as_str(), f, *n)))
            .collect();
        all.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
        let (ctx, f, n) = all.first()?;
        let more = match all.len() - 1 {
            0 => String::new(),
            m => format!("; +{m} more"),
        };
        Some(format!(
            "likely cause: {} on {ctx}, failing {n} workload{}{more}",
            f.short(),
            if *n == 1 { "" } else { "s" }
        ))
    }

    /// A workload's mark: looked up when the read was finished, else walked.
    pub fn mark(&self, context: &str, namespace: &str, name: &str) -> Option<String> {
        let n = Node::new(namespace, name);
        match self.walked.get(context) {
            Some(w) => w.marks.get(&n).cloned(),
            None => self.clusters.get(context)?.mark(&n),
        }
    }
}
