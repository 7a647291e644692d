//! Summary mode: every summarised cluster's counts from kube-state-metrics
//! series in one Prometheus-API endpoint (Prometheus federation, Thanos,
//! Mimir) that labels them by cluster. A fixed set of queries per refresh,
//! whatever the number of clusters; no member cluster is contacted.

pub mod inventory;

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;

use crate::fleet::live::{Notifier, SharedData};
use crate::fleet::metrics::MetricCounts;
use crate::fleet::summary::{ClusterMeta, Ratio, WorkloadCounts};
use crate::fleet::tally::PodCounts;
use crate::slo::prom::{Endpoint, Sample};

/// What each query answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    NodesReady,
    Nodes,
    PodPhases,
    CrashLooping,
    Workloads,
    WorkloadsAvailable,
}

/// The queries of one refresh; `l` is the cluster label.
pub fn queries(l: &str) -> Vec<(Family, String)> {
    let avail =
        |avail: &str, want: &str, by: &str| format!("({avail} >= on({l}, namespace, {by}) {want})");
    vec![
        (
            Family::NodesReady,
            format!(
                r#"sum by ({l}) (kube_node_status_condition{{condition="Ready",status="true"}})"#
            ),
        ),
        // One series per node has the value 1 among true/false/unknown.
        (
            Family::Nodes,
            format!(r#"sum by ({l}) (kube_node_status_condition{{condition="Ready"}})"#),
        ),
        (
            Family::PodPhases,
            format!("sum by ({l}, phase) (kube_pod_status_phase)"),
        ),
        (
            Family::CrashLooping,
            format!(
                r#"sum by ({l}) (kube_pod_container_status_waiting_reason{{reason="CrashLoopBackOff"}})"#
            ),
        ),
        (
            Family::Workloads,
            format!(
                r#"count by ({l}) ({{__name__=~"kube_deployment_spec_replicas|kube_statefulset_replicas|kube_daemonset_status_desired_number_scheduled"}})"#
            ),
        ),
        (
            Family::WorkloadsAvailable,
            format!(
                "count by ({l}) ({} or {} or {})",
                avail(
                    "kube_deployment_status_replicas_available",
                    "kube_deployment_spec_replicas",
                    "deployment"
                ),
                avail(
                    "kube_statefulset_status_replicas_ready",
                    "kube_statefulset_replicas",
                    "statefulset"
                ),
                avail(
                    "kube_daemonset_status_number_available",
                    "kube_daemonset_status_desired_number_scheduled",
                    "daemonset"
                ),
            ),
        ),
    ]
}

/// Per cluster-label value, the counts the answers give. A family with no
/// series for a cluster stays `None` (shown as unknown, never as zero).
/// Crash-looping containers count as failing pods, out of Running, as the
/// live view counts a crash-looping pod.
pub fn fold(l: &str, answers: &[(Family, Vec<Sample>)]) -> HashMap<String, MetricCounts> {
    let mut out: HashMap<String, MetricCounts> = HashMap::new();
    let n = |v: f64| {
        if v.is_finite() && v > 0.0 {
            v.round() as usize
        } else {
            0
        }
    };
    for (family, samples) in answers {
        for s in samples {
            let Some(cluster) = s.labels.get(l) else {
                continue;
            };
            let m = out.entry(cluster.clone()).or_default();
            match family {
                Family::NodesReady => m.nodes.get_or_insert_with(Ratio::default).ready = n(s.value),
                Family::Nodes => m.nodes.get_or_insert_with(Ratio::default).total = n(s.value),
                Family::PodPhases => {
                    let p = m.pods.get_or_insert_with(PodCounts::default);
                    match s.labels.get("phase").map(String::as_str) {
                        Some("Running") => p.running += n(s.value),
                        Some("Pending" | "Unknown") => p.pending += n(s.value),
                        _ => {}
                    }
                }
                Family::CrashLooping => m.crashlooping = Some(n(s.value)),
                Family::Workloads => {
                    m.workloads
                        .get_or_insert_with(WorkloadCounts::default)
                        .total = n(s.value)
                }
                Family::WorkloadsAvailable => {
                    m.workloads
                        .get_or_insert_with(WorkloadCounts::default)
                        .healthy = n(s.value)
                }
            }
        }
    }
    for m in out.values_mut() {
        // kube-state-metrics has a waiting-reason series only for a waiting
        // container: a cluster whose pods are known has none crash-looping.
        if m.pods.is_some() && m.crashlooping.is_none() {
            m.crashlooping = Some(0);
        }
        if let (Some(p), Some(c)) = (m.pods.as_mut(), m.crashlooping) {
            p.failing = c;
            p.running = p.running.saturating_sub(c);
        }
    }
    out
}

/// The label value a cluster is known by: its name, else one of its contexts.
pub fn find<'a, T>(by: &'a HashMap<String, T>, meta: &ClusterMeta) -> Option<&'a T> {
    by.get(&meta.name)
        .or_else(|| meta.discovered.as_ref().and_then(|d| by.get(&d.known_as)))
        .or_else(|| meta.contexts.iter().find_map(|c| by.get(c)))
        .or_else(|| by.get(&meta.context))
}

/// One refresh: every query at once, then every summarised store. A failed
/// query keeps each cluster's last figures and says why.
pub async fn refresh(
    endpoint: &Endpoint,
    label: &str,
    stores: &[(ClusterMeta, SharedData)],
    notify: &Notifier,
) -> Result<(), String> {
    let qs = queries(label);
    let answers = futures::future::join_all(qs.iter().map(|(_, q)| endpoint.query(q))).await;
    let mut ok = Vec::new();
    let mut failed = None;
    for ((family, q), a) in qs.iter().zip(answers) {
        match a {
            Ok(samples) => ok.push((*family, samples)),
            Err(e) => {
                tracing::warn!("summary query failed: {q}: {e}");
                failed.get_or_insert_with(|| format!("{}: {e}", endpoint.url));
            }
        }
    }
    let by = fold(label, &ok);
    let now = Utc::now();
    for (meta, data) in stores {
        let Ok(mut d) = data.lock() else { continue };
        if !matches!(d.connection, crate::fleet::store::Connection::Summary) {
            continue;
        }
        let next = match (&failed, find(&by, meta)) {
            (None, Some(m)) => MetricCounts {
                as_of: Some(now),
                ..m.clone()
            },
            (None, None) => MetricCounts {
                as_of: Some(now),
                ..Default::default()
            },
            (Some(e), _) => MetricCounts {
                as_of: d.metrics.as_of.or(Some(now)),
                error: Some(e.clone()),
                ..d.metrics.clone()
            },
        };
        if d.metrics != next {
            d.metrics = next;
            d.touch(true);
        }
    }
    notify.notify_one();
    failed.map_or(Ok(()), Err)
}

/// No endpoint to read: every summarised row says why instead of waiting.
pub fn unavailable(stores: &[(ClusterMeta, SharedData)], why: &str) {
    for (_, data) in stores {
        if let Ok(mut d) = data.lock() {
            d.metrics = MetricCounts {
                as_of: Some(Utc::now()),
                error: Some(why.to_string()),
                ..Default::default()
            };
            d.touch(true);
        }
    }
}

/// Refreshes every `every` until dropped (the task is aborted with it).
pub fn spawn(
    endpoint: Endpoint,
    label: String,
    stores: Vec<(ClusterMeta, SharedData)>,
    notify: Notifier,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let _ = refresh(&endpoint, &label, &stores, &notify).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn s(labels: &[(&str, &str)], value: f64) -> Sample {
        Sample {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            value,
        }
    }

    #[test]
    fn answers_fold_into_counts_per_cluster() {
        let answers = vec![
            (Family::NodesReady, vec![s(&[("k", "a")], 2.0)]),
            (
                Family::Nodes,
                vec![s(&[("k", "a")], 3.0), s(&[("k", "b")], 5.0)],
            ),
            (
                Family::PodPhases,
                vec![
                    s(&[("k", "a"), ("phase", "Running")], 10.0),
                    s(&[("k", "a"), ("phase", "Pending")], 2.0),
                    s(&[("k", "a"), ("phase", "Unknown")], 1.0),
                    s(&[("k", "a"), ("phase", "Succeeded")], 7.0),
                ],
            ),
            (Family::CrashLooping, vec![s(&[("k", "a")], 1.0)]),
            (Family::Workloads, vec![s(&[("k", "a")], 4.0)]),
            (Family::WorkloadsAvailable, vec![s(&[("k", "a")], 3.0)]),
            // A series without the cluster label is nobody's.
            (Family::Nodes, vec![s(&[("cluster", "a")], 99.0)]),
        ];
        let by = fold("k", &answers);
        let a = &by["a"];
        assert_eq!(a.nodes, Some(Ratio { ready: 2, total: 3 }));
        assert_eq!(
            a.pods,
            Some(PodCounts {
                running: 9,
                pending: 3,
                failing: 1
            })
        );
        assert_eq!(
            a.workloads,
            Some(WorkloadCounts {
                healthy: 3,
                total: 4
            })
        );
        // b has nodes only: the rest is unknown, not zero.
        let b = &by["b"];
        assert_eq!(b.nodes, Some(Ratio { ready: 0, total: 5 }));
        // Pods known and no waiting-reason series: none crash-looping.
        let c = &fold(
            "k",
            &[(
                Family::PodPhases,
                vec![s(&[("k", "c"), ("phase", "Running")], 4.0)],
            )],
        )["c"];
        assert_eq!(c.crashlooping, Some(0));
        assert_eq!((b.pods, b.workloads, b.crashlooping), (None, None, None));
        assert_eq!(by.len(), 2);
    }

    #[test]
    fn queries_are_fixed_whatever_the_fleet() {
        let q = queries("cluster");
        assert_eq!(q.len(), 6);
        assert!(q.iter().all(|(_, q)| q.contains("by (cluster")));
    }
}
