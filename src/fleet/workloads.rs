//! One cluster's workloads with their pods joined, and a single workload's
//! detail (pods, conditions, events), derived from the stores.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::objects::{EventInfo, PodInfo, PodPhase, WorkloadInfo, WorkloadKind};
use super::store::ClusterData;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct WorkloadRow {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    pub ready: i32,
    pub desired: i32,
    pub updated: i32,
    pub available: i32,
    pub images: Vec<String>,
    pub healthy: bool,
    pub status: String,
    pub pods_running: usize,
    pub pods_total: usize,
    pub restarts: u32,
    pub created: Option<DateTime<Utc>>,
}

/// Pods grouped by (namespace, owner kind, owner name) so joining is linear.
fn pods_by_owner(d: &ClusterData) -> HashMap<(&str, &str, &str), Vec<&PodInfo>> {
    let mut map: HashMap<(&str, &str, &str), Vec<&PodInfo>> = HashMap::new();
    for p in d.pods.items.values() {
        if let Some((kind, name)) = &p.owner {
            map.entry((&*p.namespace, &**kind, &**name))
                .or_default()
                .push(p);
        }
    }
    map
}

fn owner_kind(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Deployment | WorkloadKind::Rollout => "ReplicaSet",
        WorkloadKind::StatefulSet => "StatefulSet",
        WorkloadKind::DaemonSet => "DaemonSet",
    }
}

pub fn cluster_workloads(d: &ClusterData) -> Vec<WorkloadRow> {
    let pods = pods_by_owner(d);
    let mut rows: Vec<WorkloadRow> = d
        .workloads()
        .map(|w| {
            let own = pods
                .get(&(w.namespace.as_str(), owner_kind(w.kind), w.name.as_str()))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            WorkloadRow {
                kind: w.kind,
                namespace: w.namespace.clone(),
                name: w.name.clone(),
                ready: w.ready,
                desired: w.desired,
                updated: w.updated,
                available: w.available,
                images: w.images.clone(),
                healthy: w.healthy,
                status: w.status.clone(),
                pods_running: own
                    .iter()
                    .filter(|p| p.phase == PodPhase::Running && !p.failing)
                    .count(),
                pods_total: own.len(),
                restarts: own.iter().map(|p| p.restarts).sum(),
                created: w.created,
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.namespace, &a.name, a.kind).cmp(&(&b.namespace, &b.name, b.kind)));
    rows
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadDetail {
    pub info: WorkloadInfo,
    pub pods: Vec<PodInfo>,
    /// Warning events about the workload or its pods, newest first.
    pub events: Vec<EventInfo>,
}

pub fn workload_detail(
    d: &ClusterData,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
) -> Option<WorkloadDetail> {
    let info = d
        .workloads()
        .find(|w| w.kind == kind && w.namespace == namespace && w.name == name)?
        .clone();
    let mut pods: Vec<PodInfo> = d
        .pods
        .items
        .values()
        .filter(|p| {
            &*p.namespace == namespace
                && p.owner
                    .as_ref()
                    .is_some_and(|(k, n)| &**k == owner_kind(kind) && &**n == name)
        })
        .cloned()
        .collect();
    pods.sort_by(|a, b| a.name.cmp(&b.name));
    let mut events: Vec<EventInfo> = d
        .events
        .items
        .values()
        .filter(|e| {
            e.namespace == namespace
                && (e.object_name == name || pods.iter().any(|p| p.name == e.object_name))
        })
        .cloned()
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
    Some(WorkloadDetail { info, pods, events })
}
