//! Room for a scale-up and what it costs: the pod template's requests times
//! the added replicas, against the allocatable left on the cluster's Ready,
//! schedulable nodes; priced at the cluster's node rates (cost catalog).

use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::Value;

use crate::cost::catalog::Catalog;
use crate::cost::model::{price_node, NodeSpec, GIB};
use crate::fleet::objects::{bytes, cpu_millis, Compact};

/// CPU millicores and memory bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Resources {
    pub cpu_millis: u64,
    pub memory: u64,
}

fn q(v: Option<&Value>) -> Option<Quantity> {
    v.and_then(|v| match v {
        Value::String(s) => Some(Quantity(s.clone())),
        Value::Number(n) => Some(Quantity(n.to_string())),
        _ => None,
    })
}

/// One pod's requests from a workload's `spec.template`.
pub fn per_pod(workload: &Value) -> Resources {
    let containers = workload
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array);
    let mut r = Resources::default();
    for c in containers.into_iter().flatten() {
        let req = c.pointer("/resources/requests");
        if let Some(cpu) = q(req.and_then(|r| r.get("cpu"))) {
            r.cpu_millis += cpu_millis(&cpu);
        }
        if let Some(mem) = q(req.and_then(|r| r.get("memory"))) {
            r.memory += bytes(&mem);
        }
    }
    r
}

fn ready(n: &Node) -> bool {
    let conds = n.status.as_ref().and_then(|s| s.conditions.as_ref());
    conds.is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn schedulable(n: &Node) -> bool {
    ready(n) && n.spec.as_ref().and_then(|s| s.unschedulable) != Some(true)
}

/// Ready nodes out of all, for the exclusion rule.
pub fn ready_share(nodes: &[Node]) -> (usize, usize) {
    (nodes.iter().filter(|n| ready(n)).count(), nodes.len())
}

/// Allocatable on Ready, schedulable nodes minus what their running pods request.
pub fn free(nodes: &[Node], pods: &[Pod]) -> Resources {
    let mut total = Resources::default();
    let mut names = std::collections::HashSet::new();
    for n in nodes.iter().filter(|n| schedulable(n)) {
        let alloc = n.status.as_ref().and_then(|s| s.allocatable.as_ref());
        total.cpu_millis += alloc.and_then(|a| a.get("cpu")).map_or(0, cpu_millis);
        total.memory += alloc.and_then(|a| a.get("memory")).map_or(0, bytes);
        if let Some(name) = &n.metadata.name {
            names.insert(name.clone());
        }
    }
    let mut used = Resources::default();
    for p in pods {
        let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
        let node = p.spec.as_ref().and_then(|s| s.node_name.as_ref());
        if matches!(phase, Some("Succeeded" | "Failed")) || !node.is_some_and(|n| names.contains(n))
        {
            continue;
        }
        for c in p.spec.iter().flat_map(|s| s.containers.iter()) {
            let req = c.resources.as_ref().and_then(|r| r.requests.as_ref());
            used.cpu_millis += req.and_then(|r| r.get("cpu")).map_or(0, cpu_millis);
            used.memory += req.and_then(|r| r.get("memory")).map_or(0, bytes);
        }
    }
    Resources {
        cpu_millis: total.cpu_millis.saturating_sub(used.cpu_millis),
        memory: total.memory.saturating_sub(used.memory),
    }
}

/// `Err` naming what is short when `need` does not fit in `free`.
pub fn fits(need: Resources, free: Resources) -> Result<(), String> {
    let mut short = Vec::new();
    if need.cpu_millis > free.cpu_millis {
        short.push(format!(
            "CPU {}m needed, {}m free",
            need.cpu_millis, free.cpu_millis
        ));
    }
    if need.memory > free.memory {
        short.push(format!(
            "memory {:.2} GiB needed, {:.2} GiB free",
            need.memory as f64 / GIB,
            free.memory as f64 / GIB
        ));
    }
    if short.is_empty() {
        Ok(())
    } else {
        Err(short.join("; "))
    }
}

/// A pod's hourly cost at the cluster's mean node rates.
pub fn pod_cost_per_hour(nodes: &[Node], catalog: &Catalog, pod: Resources) -> Option<f64> {
    let prices: Vec<_> = nodes
        .iter()
        .filter_map(<crate::fleet::objects::NodeInfo as Compact>::compact)
        .map(|n| {
            price_node(
                &NodeSpec {
                    name: n.name.clone(),
                    instance_type: n.instance_type.clone(),
                    region: n.region.clone(),
                    spot: n.spot,
                    vcpu: n.cpu_millis as f64 / 1000.0,
                    memory_gib: n.memory_bytes as f64 / GIB,
                },
                catalog,
            )
        })
        .collect();
    if prices.is_empty() {
        return None;
    }
    let k = prices.len() as f64;
    let cpu = prices.iter().map(|p| p.cpu_per_hour).sum::<f64>() / k;
    let ram = prices.iter().map(|p| p.ram_per_gib_hour).sum::<f64>() / k;
    Some(pod.cpu_millis as f64 / 1000.0 * cpu + pod.memory as f64 / GIB * ram)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(name: &str, cpu: &str, mem: &str, ready: bool, cordoned: bool) -> Node {
        serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"unschedulable": cordoned},
            "status": {"allocatable": {"cpu": cpu, "memory": mem},
                       "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
        }))
        .unwrap()
    }

    fn pod(node: &str, cpu: &str, mem: &str, phase: &str) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "p"},
            "spec": {"nodeName": node, "containers": [{"name": "c", "resources": {"requests": {"cpu": cpu, "memory": mem}}}]},
            "status": {"phase": phase}
        }))
        .unwrap()
    }

    #[test]
    fn free_counts_only_ready_schedulable_nodes_and_live_pods() {
        let nodes = [
            node("a", "4", "16Gi", true, false),
            node("b", "4", "16Gi", false, false),
            node("c", "4", "16Gi", true, true),
        ];
        let pods = [
            pod("a", "1500m", "2Gi", "Running"),
            pod("a", "1", "1Gi", "Succeeded"),
            pod("b", "1", "1Gi", "Running"),
        ];
        let f = free(&nodes, &pods);
        assert_eq!(f.cpu_millis, 2500);
        assert_eq!(f.memory, 14 * 1024 * 1024 * 1024);
        assert_eq!(ready_share(&nodes), (2, 3));
        let need = Resources {
            cpu_millis: 3000,
            memory: 1024,
        };
        assert_eq!(fits(need, f).unwrap_err(), "CPU 3000m needed, 2500m free");
        assert!(fits(
            Resources {
                cpu_millis: 2500,
                memory: 0
            },
            f
        )
        .is_ok());
    }

    #[test]
    fn template_requests_per_pod() {
        let d = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}}},
            {"name": "b", "resources": {"requests": {"cpu": 1}}},
            {"name": "c"}
        ]}}}});
        assert_eq!(
            per_pod(&d),
            Resources {
                cpu_millis: 1250,
                memory: 256 * 1024 * 1024
            }
        );
    }
}
