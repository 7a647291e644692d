//! The cost view's right-sizing as fixes: a single-container Deployment or
//! StatefulSet whose pods request at least twice what they use (cAdvisor
//! usage from the cluster's Prometheus over `[cost] usage_window`) gets a
//! proposal to set its requests to the peak usage + 20 %, as
//! `kubectl set resources … --requests` does (a strategic merge patch of
//! the container).

use std::collections::BTreeMap;

use chrono::Utc;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::{json, Value};

use super::queue::{id, Proposal, Risk, Source};
use crate::config::Config;
use crate::cost::report::{HEADROOM, RATIO};
use crate::fleet::objects::{bytes, cpu_millis};
use crate::fleet::summary::ClusterMeta;
use crate::ops::apply::Change;
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;

const MIB: f64 = 1024.0 * 1024.0;

async fn list(client: &kube::Client, ar: kube::api::ApiResource) -> Result<Vec<Value>, String> {
    crate::fleet::rollout_tree::list_all(client, &ar).await
}

fn owner(obj: &Value) -> Option<(String, String)> {
    let r = obj
        .pointer("/metadata/ownerReferences")?
        .as_array()?
        .first()?;
    Some((
        r.get("kind")?.as_str()?.into(),
        r.get("name")?.as_str()?.into(),
    ))
}

fn s<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

/// New requests for one workload, or `None` when it is not oversized:
/// `(cpu millicores, memory MiB)`, each `None` when that one is fine.
pub fn fit(request: (u64, u64), usage: (f64, f64)) -> Option<(Option<u64>, Option<u64>)> {
    let (req_m, req_b) = request;
    let (cores, gib) = usage;
    let used_m = cores * 1000.0;
    let used_b = gib * 1024.0 * MIB;
    let cpu = (req_m > 0 && req_m as f64 >= RATIO * used_m)
        .then(|| ((used_m * HEADROOM / 5.0).ceil() as u64 * 5).max(10));
    let mem = (req_b > 0 && req_b as f64 >= RATIO * used_b)
        .then(|| ((used_b * HEADROOM / MIB).ceil() as u64).max(16));
    (cpu.is_some() || mem.is_some()).then_some((cpu, mem))
}

pub async fn find(
    client: &kube::Client,
    meta: &ClusterMeta,
    config: &Config,
) -> Result<Vec<Proposal>, String> {
    let http = crate::slo::sources::http_client(&config.prometheus)?;
    let Some(ep) = crate::slo::sources::endpoint_for(config, &meta.context, &http) else {
        return Ok(Vec::new());
    };
    let own = config.prometheus_for(&meta.context).is_some();
    let label = (!own).then_some(meta.name.as_str());
    let usage = crate::cost::usage::fetch(&ep, label, &config.cost.usage_window).await?;
    if usage.is_empty() {
        return Ok(Vec::new());
    }
    let pods = list(
        client,
        kube::api::ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&()),
    )
    .await?;
    let rss = list(
        client,
        kube::api::ApiResource::erase::<k8s_openapi::api::apps::v1::ReplicaSet>(&()),
    )
    .await?;
    // Peak usage per workload over its pods.
    let mut peak: BTreeMap<(String, ObjectKind, String), (f64, f64)> = BTreeMap::new();
    for p in &pods {
        let (ns, name) = (s(p, "/metadata/namespace"), s(p, "/metadata/name"));
        let Some(&(cores, gib)) = usage.get(&(ns.to_string(), name.to_string())) else {
            continue;
        };
        let workload = match owner(p) {
            Some((k, rs)) if k == "ReplicaSet" => rss
                .iter()
                .find(|r| s(r, "/metadata/namespace") == ns && s(r, "/metadata/name") == rs)
                .and_then(owner)
                .filter(|(k, _)| k == "Deployment")
                .map(|(_, n)| (ObjectKind::Deployment, n)),
            Some((k, n)) if k == "StatefulSet" => Some((ObjectKind::StatefulSet, n)),
            _ => None,
        };
        let Some((kind, wname)) = workload else {
            continue;
        };
        let e = peak.entry((ns.to_string(), kind, wname)).or_default();
        e.0 = e.0.max(cores);
        e.1 = e.1.max(gib);
    }
    let mut out = Vec::new();
    for ((ns, kind, name), used) in peak {
        let target = Target::new(&meta.context, &ns, kind, &name);
        let Ok(Some(w)) = target.api(client).get_opt(&name).await else {
            continue;
        };
        let w = serde_json::to_value(w).unwrap_or(Value::Null);
        let containers = w
            .pointer("/spec/template/spec/containers")
            .and_then(Value::as_array);
        // Usage is per pod: only a single container's requests can be set from it.
        let Some([c]) = containers.map(Vec::as_slice) else {
            continue;
        };
        let q = |k: &str| {
            c.pointer(&format!("/resources/requests/{k}"))
                .and_then(Value::as_str)
                .map(|v| Quantity(v.into()))
        };
        let (cpu_q, mem_q) = (q("cpu"), q("memory"));
        let request = (
            cpu_q.as_ref().map_or(0, cpu_millis),
            mem_q.as_ref().map_or(0, bytes),
        );
        let Some((cpu, mem)) = fit(request, used) else {
            continue;
        };
        let container = s(c, "/name").to_string();
        let request_text = json!({"container": container, "cpu": cpu_q.as_ref().map(|q| q.0.clone()), "memory": mem_q.as_ref().map(|q| q.0.clone())});
        let (cpu, mem) = (cpu.map(|m| format!("{m}m")), mem.map(|m| format!("{m}Mi")));
        let mut changes = Vec::new();
        let base = format!("spec.template.spec.containers[name={container}].resources.requests");
        if let Some(v) = &cpu {
            changes.push(Change {
                path: format!("{base}.cpu"),
                live: json!(cpu_q.as_ref().map(|q| q.0.clone())),
                desired: json!(v),
                manager: None,
            });
        }
        if let Some(v) = &mem {
            changes.push(Change {
                path: format!("{base}.memory"),
                live: json!(mem_q.as_ref().map(|q| q.0.clone())),
                desired: json!(v),
                manager: None,
            });
        }
        let op = Operation::SetRequests {
            container,
            cpu,
            memory: mem,
        };
        let object = target.kubectl();
        let pods = w
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        out.push(Proposal {
            // The requests being fitted, not the new figures: usage moves a
            // little between scans, the proposal stays the same one.
            id: id(
                Source::RightSizing,
                &meta.context,
                &object,
                &json!({"requests": request_text}),
            ),
            source: Source::RightSizing,
            context: meta.context.clone(),
            object,
            summary: format!(
                "requests {} for a peak use of {:.0}m CPU / {:.0}Mi (over {}): set to use + 20 %",
                changes
                    .iter()
                    .map(|c| format!(
                        "{} → {}",
                        c.live.as_str().unwrap_or("-"),
                        c.desired.as_str().unwrap_or("-")
                    ))
                    .collect::<Vec<_>>()
                    .join(", "),
                used.0 * 1000.0,
                used.1 * 1024.0,
                config.cost.usage_window
            ),
            changes,
            op: Some(op),
            risk: Risk {
                pods,
                production: super::scan::risk(meta, None).production,
                slo: None,
            },
            target: Some(target),
            found: Utc::now(),
            preflight: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_requests_fit_to_use_plus_headroom() {
        // 1 core / 2 GiB requested, a quarter used: 300m and 615Mi.
        assert_eq!(
            fit((1000, 2 << 30), (0.25, 0.5)),
            Some((Some(300), Some(615)))
        );
        // Used more than half: left alone.
        assert_eq!(fit((1000, 2 << 30), (0.6, 1.5)), None);
        // Only memory oversized; a floor for tiny use.
        assert_eq!(fit((100, 1 << 30), (0.09, 0.001)), Some((None, Some(16))));
        assert_eq!(fit((0, 0), (0.0, 0.0)), None);
    }
}
