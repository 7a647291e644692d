//! Declared dependencies, for what the mesh does not show: a workload's
//! `fleetdeck.io/depends-on` annotation, and `[[service]] depends_on` in the
//! config (every workload of the service calls every workload of the one it
//! depends on, in clusters where both run).

use std::collections::BTreeSet;

use super::graph::Node;
use crate::config::service::ServiceConfig;
use crate::fleet::objects::{WorkloadInfo, DEPENDS_ON_ANNOTATION};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Declared {
    pub edges: Vec<(Node, Node)>,
    /// Entries that could not be read, each naming its workload.
    pub problems: Vec<String>,
}

/// The workloads of a service in a cluster whose workloads are `all`.
fn members(s: &ServiceConfig, all: &BTreeSet<Node>) -> Vec<Node> {
    if s.workloads.is_empty() {
        return all
            .iter()
            .filter(|n| n.namespace == s.namespace)
            .cloned()
            .collect();
    }
    s.workloads
        .iter()
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .map(|name| Node::new(&s.namespace, name))
        .collect()
}

/// Every declared edge of one cluster (reached by `context`, of `group`).
pub fn edges(
    workloads: &[&WorkloadInfo],
    services: &[ServiceConfig],
    context: &str,
    group: Option<&str>,
) -> Declared {
    let mut out = Declared::default();
    for w in workloads {
        let from = Node::new(&w.namespace, &w.name);
        for entry in &w.depends_on {
            match Node::parse(entry, &w.namespace) {
                Some(to) => out.edges.push((from.clone(), to)),
                None => out.problems.push(format!(
                    "{from}: {DEPENDS_ON_ANNOTATION} entry {entry:?} is not namespace/name"
                )),
            }
        }
    }
    let all: BTreeSet<Node> = workloads
        .iter()
        .map(|w| Node::new(&w.namespace, &w.name))
        .collect();
    let here: Vec<&ServiceConfig> = services
        .iter()
        .filter(|s| s.runs_in(context, group))
        .collect();
    for s in &here {
        for dep in &s.depends_on {
            let Some(d) = here.iter().find(|o| &o.name == dep) else {
                continue;
            };
            for from in members(s, &all) {
                for to in members(d, &all) {
                    out.edges.push((from.clone(), to));
                }
            }
        }
    }
    out
}
