//! Cost per cluster, namespace and workload from a cluster's stores, and
//! `fleetdeck cost [--json]`.

use super::model::GIB;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::catalog::Catalog;
use super::model::{allocate, idle, price_node, NodePrice, NodeSpec, PodCost, PodSpec};
use super::usage::Usage;
use crate::fleet::objects::PodPhase;
use crate::fleet::store::ClusterData;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterCost {
    pub context: String,
    /// Every context that reaches the cluster (`context` is the first).
    pub contexts: Vec<String>,
    pub cost_per_hour: f64,
    pub idle_per_hour: f64,
    /// `catalog` / `default` / `catalog+default`: where the node prices came from.
    pub source: String,
    pub nodes: Vec<NodePrice>,
    /// Energy (kWh) and CO2e (g) per hour of the nodes with known coefficients.
    pub kwh_per_hour: f64,
    pub co2e_g_per_hour: Option<f64>,
    /// How the footprint was estimated.
    pub carbon: String,
    /// The cluster's group (config), for the group roll-up.
    pub group: Option<String>,
    /// Why this cluster cannot be priced (its nodes may not be read, or are
    /// not read yet). Its figures are then not numbers: shown as unknown and
    /// left out of every total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

impl ClusterCost {
    /// The cost per hour, when known.
    pub fn cost(&self) -> Option<f64> {
        self.unknown.is_none().then_some(self.cost_per_hour)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupCost {
    pub context: String,
    pub namespace: String,
    /// `kind/name` for a workload row; empty for a namespace row.
    pub workload: String,
    pub cost_per_hour: f64,
    pub cpu_cost_per_hour: f64,
    pub ram_cost_per_hour: f64,
    pub efficiency: Option<f64>,
    /// `requests` or `usage` (max(request, usage)), as charged.
    pub basis: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Costs {
    pub clusters: Vec<ClusterCost>,
    pub namespaces: Vec<GroupCost>,
    pub workloads: Vec<GroupCost>,
    pub right_sizing: Vec<RightSizing>,
    /// Why some figure fell back (OpenCost or usage unavailable), per
    /// cluster; the CLI prints them, the TUI shows them in the Cost view
    /// (never on stderr, which the TUI's screen owns).
    pub notes: Vec<String>,
}

fn nodes(d: &ClusterData) -> Vec<NodeSpec> {
    d.nodes
        .items
        .values()
        .map(|n| NodeSpec {
            name: n.name.clone(),
            instance_type: n.instance_type.clone(),
            region: n.region.clone(),
            spot: n.spot,
            vcpu: n.cpu_millis as f64 / 1000.0,
            memory_gib: n.memory_bytes as f64 / GIB,
        })
        .collect()
}

/// Pods that hold their requests: scheduled and not finished; with usage
/// when the cluster's metrics had it.
fn pods(d: &ClusterData, usage: Option<&Usage>) -> Vec<PodSpec> {
    d.pods
        .items
        .values()
        .filter(|p| !matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) && p.node.is_some())
        .map(|p| PodSpec {
            namespace: p.namespace.to_string(),
            name: p.name.clone(),
            workload: p
                .owner
                .as_ref()
                .map(|(k, n)| (k.to_string(), n.to_string())),
            node: p.node.as_deref().map(str::to_string),
            cpu_request: p.cpu_request_millis as f64 / 1000.0,
            memory_request_gib: p.memory_request_bytes as f64 / GIB,
            cpu_usage: usage
                .and_then(|u| u.get(&(p.namespace.to_string(), p.name.clone())))
                .map(|u| u.0),
            memory_usage_gib: usage
                .and_then(|u| u.get(&(p.namespace.to_string(), p.name.clone())))
                .map(|u| u.1),
        })
        .collect()
}

/// Requests far above usage (`ratio` × or more), with what fitting them to
/// usage plus 20 % headroom would save.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RightSizing {
    pub context: String,
    pub namespace: String,
    pub pod: String,
    pub workload: String,
    pub cpu_request: f64,
    pub cpu_usage: f64,
    pub memory_request_gib: f64,
    pub memory_usage_gib: f64,
    pub saving_per_hour: f64,
}

pub const HEADROOM: f64 = 1.2;
pub const RATIO: f64 = 2.0;

fn right_sizing(context: &str, nodes: &[NodePrice], specs: &[PodSpec]) -> Vec<RightSizing> {
    specs
        .iter()
        .filter_map(|p| {
            let n = nodes.iter().find(|n| Some(&n.name) == p.node.as_ref())?;
            let (cu, mu) = (p.cpu_usage?, p.memory_usage_gib?);
            let over_cpu = p.cpu_request >= RATIO * cu && p.cpu_request > 0.0;
            let over_mem = p.memory_request_gib >= RATIO * mu && p.memory_request_gib > 0.0;
            if !over_cpu && !over_mem {
                return None;
            }
            let save = |req: f64, used: f64, price: f64| (req - used * HEADROOM).max(0.0) * price;
            let saving = if over_cpu {
                save(p.cpu_request, cu, n.cpu_per_hour)
            } else {
                0.0
            } + if over_mem {
                save(p.memory_request_gib, mu, n.ram_per_gib_hour)
            } else {
                0.0
            };
            Some(RightSizing {
                context: context.to_string(),
                namespace: p.namespace.clone(),
                pod: p.name.clone(),
                workload: match &p.workload {
                    Some((k, n)) => format!("{}/{n}", k.to_lowercase()),
                    None => format!("pod/{}", p.name),
                },
                cpu_request: p.cpu_request,
                cpu_usage: cu,
                memory_request_gib: p.memory_request_gib,
                memory_usage_gib: mu,
                saving_per_hour: saving,
            })
        })
        .collect()
}

fn group(context: &str, namespace: &str, workload: &str, costs: &[&PodCost]) -> GroupCost {
    let cpu: f64 = costs.iter().map(|c| c.cpu_cost).sum();
    let ram: f64 = costs.iter().map(|c| c.ram_cost).sum();
    // Cost-weighted efficiency over the pods that have usage.
    let with: Vec<_> = costs.iter().filter(|c| c.efficiency.is_some()).collect();
    let weight: f64 = with.iter().map(|c| c.total()).sum();
    let efficiency = (weight > 0.0).then(|| {
        with.iter()
            .map(|c| c.efficiency.unwrap_or(0.0) * c.total())
            .sum::<f64>()
            / weight
    });
    let basis = if costs.iter().any(|c| c.basis == "usage") {
        "usage"
    } else {
        "requests"
    };
    GroupCost {
        context: context.to_string(),
        namespace: namespace.to_string(),
        workload: workload.to_string(),
        cost_per_hour: cpu + ram,
        cpu_cost_per_hour: cpu,
        ram_cost_per_hour: ram,
        efficiency,
        basis: basis.into(),
    }
}

/// The nodes' energy and emissions per hour: CPU utilisation from usage when
/// known (per node), else Cloud Carbon Footprint's 50 %.
fn footprint(
    nodes: &[NodePrice],
    pods: &[PodSpec],
    measured: bool,
    grid: &BTreeMap<String, f64>,
) -> (f64, Option<f64>, String) {
    let (mut kwh, mut co2e, mut missing) = (0.0, 0.0, 0usize);
    let mut no_grid = false;
    for n in nodes {
        let util = if measured {
            let used: f64 = pods
                .iter()
                .filter(|p| p.node.as_deref() == Some(n.name.as_str()))
                .filter_map(|p| p.cpu_usage)
                .sum();
            if n.vcpu > 0.0 {
                used / n.vcpu
            } else {
                0.0
            }
        } else {
            super::carbon::DEFAULT_UTILISATION
        };
        let f = n.provider.as_deref().and_then(|p| {
            super::carbon::node_hour(p, n.region.as_deref(), n.vcpu, n.memory_gib, util, grid)
        });
        match f {
            Some(f) => {
                kwh += f.kwh_per_hour;
                match f.co2e_g_per_hour {
                    Some(g) => co2e += g,
                    None => no_grid = true,
                }
            }
            None => missing += 1,
        }
    }
    let mut note = format!(
        "Cloud Carbon Footprint coefficients, {}",
        if measured {
            "measured CPU utilisation"
        } else {
            "50 % utilisation assumed"
        }
    );
    if missing > 0 {
        note.push_str(&format!("; {missing} node(s) of unknown provider left out"));
    }
    if no_grid {
        note.push_str("; a region without a grid factor ([cost] grid)");
    }
    (kwh, (!no_grid).then_some(co2e), note)
}

/// Why a cluster's nodes cannot be priced, if they cannot: without its
/// nodes a cluster has no cost, not a cost of zero.
fn unpriced(d: &ClusterData) -> Option<String> {
    use crate::fleet::store::{Connection, ResourceState};
    match &d.connection {
        Connection::Summary => return Some("summary mode: its nodes are not watched".into()),
        Connection::Listed { why } => return Some(format!("listed, not connected: {why}")),
        _ => {}
    }
    match &d.nodes.state {
        ResourceState::Forbidden(_) => {
            Some("nodes forbidden (this identity may not list nodes)".into())
        }
        _ if !d.nodes.synced_once => Some("nodes not read yet".into()),
        _ => None,
    }
}

/// One cluster's costs.
pub fn cluster(
    context: &str,
    d: &ClusterData,
    catalog: &Catalog,
    usage: Option<&Usage>,
    grid: &BTreeMap<String, f64>,
    out: &mut Costs,
) {
    if let Some(why) = unpriced(d) {
        out.clusters.push(ClusterCost {
            context: context.to_string(),
            contexts: Vec::new(),
            cost_per_hour: 0.0,
            idle_per_hour: 0.0,
            source: String::new(),
            nodes: Vec::new(),
            kwh_per_hour: 0.0,
            co2e_g_per_hour: None,
            carbon: String::new(),
            group: None,
            unknown: Some(why),
        });
        return;
    }
    let priced: Vec<NodePrice> = nodes(d).iter().map(|n| price_node(n, catalog)).collect();
    let specs = pods(d, usage);
    let charged = allocate(&priced, &specs);
    out.right_sizing
        .extend(right_sizing(context, &priced, &specs));
    let from_catalog = priced
        .iter()
        .filter(|n| n.source.starts_with("catalog"))
        .count();
    let source = match (from_catalog, priced.len() - from_catalog) {
        (_, 0) => "catalog",
        (0, _) => "default",
        _ => "catalog+default",
    };
    let (kwh, co2e, carbon) = footprint(&priced, &specs, usage.is_some(), grid);
    out.clusters.push(ClusterCost {
        context: context.to_string(),
        contexts: Vec::new(),
        cost_per_hour: priced.iter().map(|n| n.per_hour).sum(),
        idle_per_hour: idle(&priced, &charged),
        source: source.into(),
        nodes: priced,
        kwh_per_hour: kwh,
        co2e_g_per_hour: co2e,
        carbon,
        group: None,
        unknown: None,
    });
    let mut by_ns: BTreeMap<&str, Vec<&PodCost>> = BTreeMap::new();
    let mut by_wl: BTreeMap<(&str, String), Vec<&PodCost>> = BTreeMap::new();
    for c in &charged {
        by_ns.entry(&c.namespace).or_default().push(c);
        let wl = match &c.workload {
            Some((k, n)) => format!("{}/{n}", k.to_lowercase()),
            None => format!("pod/{}", c.name),
        };
        by_wl.entry((&c.namespace, wl)).or_default().push(c);
    }
    for (ns, cs) in by_ns {
        out.namespaces.push(group(context, ns, "", &cs));
    }
    for ((ns, wl), cs) in by_wl {
        out.workloads.push(group(context, ns, &wl, &cs));
    }
}

/// The keys product.md fixes for `cost --json` (plus a few).
pub fn to_json(c: &Costs) -> serde_json::Value {
    let mut groups: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let known: Vec<&ClusterCost> = c.clusters.iter().filter(|x| x.unknown.is_none()).collect();
    for x in &known {
        let g = groups.entry(x.group.as_deref().unwrap_or("")).or_default();
        g.0 += x.cost_per_hour;
        g.1 += x.idle_per_hour;
    }
    let fleet_cost: f64 = known.iter().map(|x| x.cost_per_hour).sum();
    let fleet_idle: f64 = known.iter().map(|x| x.idle_per_hour).sum();
    json!({
        "currency": "USD",
        "notes": c.notes,
        "fleet": {"cost_per_hour": fleet_cost, "idle_per_hour": fleet_idle},
        "groups": groups.iter().map(|(g, (cost, idle))| json!({
            "group": g, "cost_per_hour": cost, "idle_per_hour": idle,
        })).collect::<Vec<_>>(),
        "unknown": c.clusters.iter().filter_map(|x| Some(json!({
            "context": x.context, "contexts": x.contexts, "reason": x.unknown.as_ref()?,
        }))).collect::<Vec<_>>(),
        "clusters": known.iter().map(|x| json!({
            "context": x.context, "contexts": x.contexts, "cost_per_hour": x.cost_per_hour, "idle_per_hour": x.idle_per_hour,
            "source": x.source,
            "energy_kwh_per_hour": x.kwh_per_hour, "co2e_g_per_hour": x.co2e_g_per_hour, "carbon": x.carbon,
            "nodes": x.nodes.iter().map(|n| json!({"name": n.name, "cost_per_hour": n.per_hour, "spot": n.spot, "source": n.source})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "namespaces": c.namespaces.iter().map(|g| json!({
            "context": g.context, "namespace": g.namespace, "cost_per_hour": g.cost_per_hour,
            "cpu_cost_per_hour": g.cpu_cost_per_hour, "ram_cost_per_hour": g.ram_cost_per_hour,
            "efficiency": g.efficiency, "basis": g.basis,
        })).collect::<Vec<_>>(),
        "right_sizing": c.right_sizing.iter().map(|r| json!({
            "context": r.context, "namespace": r.namespace, "pod": r.pod, "workload": r.workload,
            "cpu_request": r.cpu_request, "cpu_usage": r.cpu_usage,
            "memory_request_gib": r.memory_request_gib, "memory_usage_gib": r.memory_usage_gib,
            "saving_per_hour": r.saving_per_hour,
        })).collect::<Vec<_>>(),
        "workloads": c.workloads.iter().map(|g| json!({
            "context": g.context, "namespace": g.namespace, "workload": g.workload,
            "cost_per_hour": g.cost_per_hour, "cpu_cost_per_hour": g.cpu_cost_per_hour,
            "ram_cost_per_hour": g.ram_cost_per_hour, "efficiency": g.efficiency, "basis": g.basis,
        })).collect::<Vec<_>>(),
    })
}

pub fn to_text(c: &Costs) -> String {
    let mut out = format!(
        "{:<20} {:>10} {:>10}  {}\n",
        "CLUSTER", "$/HOUR", "IDLE $/H", "SOURCE"
    );
    for x in &c.clusters {
        out.push_str(&match &x.unknown {
            Some(why) => format!("{:<20} {:>10} {:>10}  {why}\n", x.context, "unknown", "—"),
            None => format!(
                "{:<20} {:>10.4} {:>10.4}  {}\n",
                x.context, x.cost_per_hour, x.idle_per_hour, x.source
            ),
        });
    }
    out.push_str(&format!(
        "\n{:<20} {:<24} {:>10} {:>10}  {}\n",
        "CLUSTER", "NAMESPACE", "$/HOUR", "EFFIC.", "BASIS"
    ));
    for g in &c.namespaces {
        let eff = g
            .efficiency
            .map_or("—".into(), |e| format!("{:.0}%", e * 100.0));
        out.push_str(&format!(
            "{:<20} {:<24} {:>10.4} {:>10}  {}\n",
            g.context, g.namespace, g.cost_per_hour, eff, g.basis
        ));
    }
    out
}
