//! The OpenCost allocation model (slo-cost.md): a node's hourly price split
//! into a per-vCPU and a per-GiB rate, pods charged for max(request, usage)
//! of each (requests alone when no usage is known — the result says which),
//! idle = what the node costs beyond what is allocated, efficiency = usage /
//! request. Pure: the figures in the tests are worked out by hand.

use serde::Serialize;

use super::catalog::Catalog;

/// Bytes in a GiB (the model prices memory per GiB-hour).
pub const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// OpenCost's default prices (`configs/default.json`, GCP us-central1 based),
/// per hour: used when the catalog has no row for a node.
pub const DEFAULT_CPU: f64 = 0.031611;
pub const DEFAULT_SPOT_CPU: f64 = 0.006655;
pub const DEFAULT_RAM: f64 = 0.004237;
pub const DEFAULT_SPOT_RAM: f64 = 0.000892;

/// What fleetdeck knows of a node for pricing.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpec {
    pub name: String,
    pub instance_type: Option<String>,
    pub region: Option<String>,
    pub spot: bool,
    pub vcpu: f64,
    pub memory_gib: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodePrice {
    pub name: String,
    pub per_hour: f64,
    pub cpu_per_hour: f64,
    pub ram_per_gib_hour: f64,
    pub spot: bool,
    /// From the catalog row; `None` when priced by the defaults.
    pub provider: Option<String>,
    pub vcpu: f64,
    pub memory_gib: f64,
    pub region: Option<String>,
    /// `catalog: AWS EC2 On-Demand pricing (2025-06)`, `catalog estimate: …`,
    /// or `default (OpenCost): no catalog row for …`.
    pub source: String,
}

pub fn price_node(n: &NodeSpec, catalog: &Catalog) -> NodePrice {
    let row = match (&n.instance_type, &n.region) {
        (Some(t), Some(r)) => catalog.get(t, r, n.spot),
        _ => None,
    };
    match row {
        Some(p) => {
            // Split by OpenCost's default CPU:RAM price ratio.
            let ratio = DEFAULT_CPU / DEFAULT_RAM;
            let ram = p.usd_per_hour / (n.vcpu * ratio + n.memory_gib);
            NodePrice {
                name: n.name.clone(),
                per_hour: p.usd_per_hour,
                cpu_per_hour: ram * ratio,
                ram_per_gib_hour: ram,
                spot: n.spot,
                provider: Some(p.provider.clone()),
                vcpu: n.vcpu,
                memory_gib: n.memory_gib,
                region: n.region.clone(),
                source: format!(
                    "catalog{}: {} ({})",
                    if p.estimate { " estimate" } else { "" },
                    p.source,
                    p.as_of
                ),
            }
        }
        None => {
            let (cpu, ram) = if n.spot {
                (DEFAULT_SPOT_CPU, DEFAULT_SPOT_RAM)
            } else {
                (DEFAULT_CPU, DEFAULT_RAM)
            };
            NodePrice {
                name: n.name.clone(),
                per_hour: n.vcpu * cpu + n.memory_gib * ram,
                cpu_per_hour: cpu,
                ram_per_gib_hour: ram,
                spot: n.spot,
                provider: None,
                vcpu: n.vcpu,
                memory_gib: n.memory_gib,
                region: n.region.clone(),
                source: format!(
                    "default (OpenCost): no catalog row for {} in {}{}",
                    n.instance_type.as_deref().unwrap_or("an unlabelled node"),
                    n.region.as_deref().unwrap_or("an unknown region"),
                    if n.spot { " (spot)" } else { "" }
                ),
            }
        }
    }
}

/// A pod's requests and (when known) usage, in cores and GiB.
#[derive(Debug, Clone, PartialEq)]
pub struct PodSpec {
    pub namespace: String,
    pub name: String,
    /// `(kind, name)` of the owning workload.
    pub workload: Option<(String, String)>,
    pub node: Option<String>,
    pub cpu_request: f64,
    pub memory_request_gib: f64,
    pub cpu_usage: Option<f64>,
    pub memory_usage_gib: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PodCost {
    pub namespace: String,
    pub name: String,
    pub node: String,
    pub workload: Option<(String, String)>,
    pub cpu_cost: f64,
    pub ram_cost: f64,
    /// `usage` when max(request, usage) was charged, `requests` otherwise.
    pub basis: &'static str,
    /// usage / request (cost-weighted over CPU and RAM), when usage is known.
    pub efficiency: Option<f64>,
}

impl PodCost {
    pub fn total(&self) -> f64 {
        self.cpu_cost + self.ram_cost
    }
}

/// Charges each scheduled pod at its node's rates.
pub fn allocate(nodes: &[NodePrice], pods: &[PodSpec]) -> Vec<PodCost> {
    let by_name: std::collections::HashMap<&str, &NodePrice> =
        nodes.iter().map(|n| (n.name.as_str(), n)).collect();
    pods.iter()
        .filter_map(|p| {
            let n = by_name.get(p.node.as_deref()?)?;
            let cpu = p.cpu_usage.map_or(p.cpu_request, |u| u.max(p.cpu_request));
            let mem = p
                .memory_usage_gib
                .map_or(p.memory_request_gib, |u| u.max(p.memory_request_gib));
            let (cpu_cost, ram_cost) = (cpu * n.cpu_per_hour, mem * n.ram_per_gib_hour);
            let efficiency = match (p.cpu_usage, p.memory_usage_gib) {
                (Some(cu), Some(mu)) => {
                    let requested =
                        p.cpu_request * n.cpu_per_hour + p.memory_request_gib * n.ram_per_gib_hour;
                    let used = cu * n.cpu_per_hour + mu * n.ram_per_gib_hour;
                    (requested > 0.0).then(|| used / requested)
                }
                _ => None,
            };
            Some(PodCost {
                namespace: p.namespace.clone(),
                name: p.name.clone(),
                node: n.name.clone(),
                workload: p.workload.clone(),
                cpu_cost,
                ram_cost,
                basis: if p.cpu_usage.is_some() || p.memory_usage_gib.is_some() {
                    "usage"
                } else {
                    "requests"
                },
                efficiency,
            })
        })
        .collect()
}

/// What the nodes cost beyond what their pods are charged.
pub fn idle(nodes: &[NodePrice], pods: &[PodCost]) -> f64 {
    nodes
        .iter()
        .map(|n| {
            let used: f64 = pods
                .iter()
                .filter(|p| p.node == n.name)
                .map(PodCost::total)
                .sum();
            (n.per_hour - used).max(0.0)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(t: &str, region: &str, spot: bool, vcpu: f64, gib: f64) -> NodeSpec {
        NodeSpec {
            name: format!("{t}-{spot}"),
            instance_type: Some(t.into()),
            region: Some(region.into()),
            spot,
            vcpu,
            memory_gib: gib,
        }
    }

    #[test]
    fn catalog_price_split_by_the_default_ratio() {
        let c = Catalog::load(None).unwrap();
        // m5.xlarge us-east-1 $0.192: ratio 0.031611/0.004237 = 7.46070…;
        // RAM = 0.192 / (4 × 7.46070 + 16) = 0.192 / 45.84281 = $0.0041882/GiB-h;
        // CPU = 0.0041882 × 7.46070 = $0.0312470/vCPU-h.
        let p = price_node(&node("m5.xlarge", "us-east-1", false, 4.0, 16.0), &c);
        assert!((p.ram_per_gib_hour - 0.0041882).abs() < 1e-6, "{p:?}");
        assert!((p.cpu_per_hour - 0.0312470).abs() < 1e-6, "{p:?}");
        assert!((4.0 * p.cpu_per_hour + 16.0 * p.ram_per_gib_hour - 0.192).abs() < 1e-9);
        assert!(p.source.starts_with("catalog: AWS EC2 On-Demand pricing"));
        let spot = price_node(&node("m5.xlarge", "us-east-1", true, 4.0, 16.0), &c);
        assert_eq!(spot.per_hour, 0.0768);
        assert!(spot.source.starts_with("catalog estimate:"));
    }

    #[test]
    fn unknown_types_fall_back_to_opencost_defaults_and_say_so() {
        let c = Catalog::load(None).unwrap();
        // 4 × 0.031611 + 16 × 0.004237 = 0.126444 + 0.067792 = $0.194236/h.
        let p = price_node(&node("x9.huge", "us-east-1", false, 4.0, 16.0), &c);
        assert!((p.per_hour - 0.194236).abs() < 1e-9);
        assert_eq!(
            p.source,
            "default (OpenCost): no catalog row for x9.huge in us-east-1"
        );
        // Spot defaults: 4 × 0.006655 + 16 × 0.000892 = 0.02662 + 0.014272 = $0.040892/h.
        let s = price_node(&node("x9.huge", "us-east-1", true, 4.0, 16.0), &c);
        assert!((s.per_hour - 0.040892).abs() < 1e-9);
    }

    #[test]
    fn pods_pay_for_the_larger_of_request_and_usage_and_idle_is_the_rest() {
        let n = NodePrice {
            name: "n".into(),
            per_hour: 0.2,
            cpu_per_hour: 0.03,
            ram_per_gib_hour: 0.004,
            spot: false,
            provider: None,
            vcpu: 4.0,
            memory_gib: 16.0,
            region: None,
            source: "t".into(),
        };
        let pod = |cpu_use: Option<f64>| PodSpec {
            namespace: "shop".into(),
            name: "web".into(),
            workload: None,
            node: Some("n".into()),
            cpu_request: 1.0,
            memory_request_gib: 2.0,
            cpu_usage: cpu_use,
            memory_usage_gib: cpu_use.map(|_| 1.0),
        };
        // Requests only: 1 × 0.03 + 2 × 0.004 = 0.038.
        let c = allocate(std::slice::from_ref(&n), &[pod(None)]);
        assert!((c[0].total() - 0.038).abs() < 1e-12);
        assert_eq!((c[0].basis, c[0].efficiency), ("requests", None));
        // Usage 1.5 cores, 1 GiB: CPU at usage, RAM at request:
        // 1.5 × 0.03 + 2 × 0.004 = 0.053; efficiency (1.5×0.03 + 1×0.004) / 0.038 = 0.049/0.038.
        let specs = [pod(Some(1.5))];
        let c = allocate(std::slice::from_ref(&n), &specs);
        assert!((c[0].total() - 0.053).abs() < 1e-12);
        assert!((c[0].efficiency.unwrap() - 0.049 / 0.038).abs() < 1e-12);
        assert!((idle(std::slice::from_ref(&n), &c) - 0.147).abs() < 1e-12);
        // An unscheduled pod costs nothing yet.
        let mut pending = pod(None);
        pending.node = None;
        assert!(allocate(&[n], &[pending]).is_empty());
    }
}
