//! The demo's chaos experiments, relative to the clock: a NetworkChaos
//! delaying checkout on prod-eu-west (active), a LitmusChaos engine killing
//! catalog pods on staging (its result awaited), a paused PodChaos on dev and
//! one that finished on the EU standby. Read by the same `chaos` code as a
//! live fleet; what each hits is set here (no API server to ask).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::json;

use crate::chaos::fleet::{FleetChaos, Found};
use crate::chaos::read::Read;
use crate::chaos::{engine, mesh, ChaosKind, Hit};

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn hit(namespace: &str, workload: &str, pods: usize) -> Vec<Hit> {
    vec![Hit {
        namespace: namespace.into(),
        workload: workload.into(),
        pods,
    }]
}

/// What the demo cluster `context` runs at `now`; not installed elsewhere.
pub fn read(context: &str, now: DateTime<Utc>) -> Read {
    let ago = |m: i64| at(now - Duration::minutes(m));
    let mut experiments = Vec::new();
    match context {
        "prod-eu-west" => {
            let o = json!({"metadata": {"name": "eu-latency", "namespace": "checkout",
                    "creationTimestamp": ago(4)},
                "spec": {"action": "delay", "mode": "all", "selector": {"labelSelectors": {"app": "checkout"}}},
                "status": {"experiment": {"desiredPhase": "Run"},
                    "conditions": [{"type": "AllInjected", "status": "True"}]}});
            let mut e = mesh(context, ChaosKind::NetworkChaos, &o);
            e.hits = hit("checkout", "checkout", 10);
            experiments.push(e);
        }
        "prod-eu-standby" => {
            let o = json!({"metadata": {"name": "kill-one-worker", "namespace": "checkout",
                    "creationTimestamp": ago(95)},
                "spec": {"action": "pod-kill", "mode": "one", "selector": {"labelSelectors": {"app": "checkout-worker"}}},
                "status": {"experiment": {"desiredPhase": "Stop", "containerRecords": [{"id": "w", "events": [
                    {"operation": "Recover", "type": "Succeeded", "timestamp": ago(40)}]}]}}});
            experiments.push(mesh(context, ChaosKind::PodChaos, &o));
        }
        "staging-eu" => {
            let o = json!({"metadata": {"name": "catalog-pod-delete", "namespace": "catalog",
                    "creationTimestamp": ago(25)},
                "spec": {"engineState": "active",
                    "appinfo": {"appns": "catalog", "applabel": "app=catalog-api", "appkind": "deployment"},
                    "experiments": [{"name": "pod-delete"}]},
                "status": {"engineStatus": "initialized"}});
            let result = json!({"metadata": {"name": "catalog-pod-delete-pod-delete", "namespace": "catalog"},
                "spec": {"engine": "catalog-pod-delete", "experiment": "pod-delete"},
                "status": {"experimentStatus": {"phase": "Running", "verdict": "Awaited", "probeSuccessPercentage": "100"}}});
            let mut e = engine(context, &o, &[result]);
            e.hits = hit("catalog", "catalog-api", 2);
            experiments.push(e);
        }
        "dev" => {
            let o = json!({"metadata": {"name": "cpu-burn", "namespace": "search",
                    "creationTimestamp": ago(300),
                    "annotations": {"experiment.chaos-mesh.org/pause": "true"}},
                "spec": {"mode": "all", "selector": {"labelSelectors": {"app": "search-api"}}}});
            experiments.push(mesh(context, ChaosKind::StressChaos, &o));
        }
        _ => return Read::default(),
    }
    Read {
        experiments,
        installed: true,
        problems: Vec::new(),
    }
}

/// The demo fleet's experiments at `now`, as the live monitor would find them.
pub fn fleet(contexts: &[String], now: DateTime<Utc>) -> FleetChaos {
    FleetChaos {
        at: Some(now),
        clusters: contexts
            .iter()
            .map(|c| Found::of(c, Ok(read(c, now))))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_runs_one_experiment_in_production() {
        let ctxs: Vec<String> = ["prod-eu-west", "prod-us-east", "staging-eu", "dev"]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let now = Utc::now();
        let f = fleet(&ctxs, now);
        assert_eq!(
            f.cluster_mark("prod-eu-west", now).as_deref(),
            Some("chaos: NetworkChaos eu-latency active 4 min")
        );
        assert!(f.cluster_mark("prod-us-east", now).is_none());
        assert!(f
            .workload_mark("staging-eu", "catalog", "catalog-api", now)
            .is_some());
        assert!(f.cluster_mark("dev", now).is_none(), "paused is not active");
    }
}
