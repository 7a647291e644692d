use chrono::TimeZone;
use serde_json::json;

use super::fleet::{FleetChaos, Found};
use super::read::Read;
use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap()
}

fn network_chaos() -> Value {
    json!({
        "apiVersion": "chaos-mesh.org/v1alpha1", "kind": "NetworkChaos",
        "metadata": {"name": "eu-latency", "namespace": "shop",
            "creationTimestamp": "2026-12-05T09:56:00Z"},
        "spec": {"action": "delay", "mode": "all",
            "selector": {"labelSelectors": {"app": "web"},
                "expressionSelectors": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]},
            "target": {"mode": "all", "selector": {"namespaces": ["pay"], "labelSelectors": {"app": "db"}}}},
        "status": {"experiment": {"desiredPhase": "Run"},
            "conditions": [{"type": "AllInjected", "status": "True"}, {"type": "Paused", "status": "False"}]}
    })
}

#[test]
fn a_running_network_chaos_says_what_it_selects_and_since_when() {
    let e = mesh("prod-eu", ChaosKind::NetworkChaos, &network_chaos());
    assert_eq!(e.phase, Phase::Running);
    assert_eq!(e.describe(now()), "NetworkChaos eu-latency active 4 min");
    assert_eq!(e.selectors.len(), 2);
    // No namespaces: the experiment's own, as Chaos Mesh's webhook defaults it.
    assert_eq!(e.selectors[0].namespaces, vec!["shop"]);
    assert_eq!(e.selectors[0].labels, "app=web,tier in (a,b)");
    assert_eq!(e.selectors[1].namespaces, vec!["pay"]);
}

#[test]
fn paused_stopped_and_finished_are_not_active() {
    let mut o = network_chaos();
    o["metadata"]["annotations"] = json!({PAUSE_ANNOTATION: "true"});
    assert_eq!(mesh("c", ChaosKind::NetworkChaos, &o).phase, Phase::Paused);
    let mut o = network_chaos();
    o["status"]["experiment"] = json!({"desiredPhase": "Stop", "containerRecords": [
        {"id": "shop/web-1", "events": [
            {"operation": "Apply", "type": "Succeeded", "timestamp": "2026-12-05T09:56:01Z"},
            {"operation": "Recover", "type": "Succeeded", "timestamp": "2026-12-05T09:58:00Z"}]}]});
    let e = mesh("c", ChaosKind::NetworkChaos, &o);
    assert_eq!(e.phase, Phase::Finished);
    assert!(!e.phase.active());
    assert_eq!(
        e.ended,
        Some(Utc.with_ymd_and_hms(2026, 12, 5, 9, 58, 0).unwrap())
    );
    // Created, no status yet: about to inject, so counted as running.
    let mut o = network_chaos();
    o.as_object_mut().unwrap().remove("status");
    assert_eq!(mesh("c", ChaosKind::NetworkChaos, &o).phase, Phase::Running);
}

#[test]
fn schedules_and_workflows_find_their_embedded_selectors() {
    let s = json!({"metadata": {"name": "nightly", "namespace": "ops"},
        "spec": {"schedule": "@every 1h", "type": "PodChaos",
            "podChaos": {"action": "pod-kill", "mode": "one", "selector": {"namespaces": ["shop"], "pods": {}}}}});
    let e = mesh("c", ChaosKind::Schedule, &s);
    assert_eq!(e.spawns, vec!["PodChaos"]);
    assert_eq!(e.selectors[0].namespaces, vec!["shop"]);
    let w = json!({"metadata": {"name": "game-day", "namespace": "ops"},
        "spec": {"entry": "all", "templates": [
            {"name": "all", "templateType": "Serial", "children": ["a", "b"]},
            {"name": "a", "templateType": "StressChaos", "stressChaos": {"selector": {"pods": {"shop": ["web-0"]}}}},
            {"name": "b", "templateType": "DNSChaos", "dnsChaos": {"selector": {"labelSelectors": {"app": "api"}}}}]},
        "status": {"conditions": [{"type": "Accomplished", "status": "False"}]}});
    let e = mesh("c", ChaosKind::Workflow, &w);
    assert_eq!(e.phase, Phase::Running);
    assert_eq!(e.spawns, vec!["StressChaos", "DNSChaos"]);
    // Pods named outright need no namespace default.
    assert!(e.selectors[0].namespaces.is_empty());
    assert_eq!(e.selectors[0].pods["shop"], vec!["web-0"]);
    assert_eq!(e.selectors[1].namespaces, vec!["ops"]);
}

#[test]
fn a_litmus_engine_joins_its_results() {
    let engine_obj = json!({"metadata": {"name": "web-chaos", "namespace": "shop",
            "creationTimestamp": "2026-12-05T09:00:00Z"},
        "spec": {"engineState": "active", "appinfo": {"appns": "shop", "applabel": "app=web", "appkind": "deployment"},
            "experiments": [{"name": "pod-delete"}]},
        "status": {"engineStatus": "initialized"}});
    let results = vec![
        json!({"metadata": {"name": "web-chaos-pod-delete", "namespace": "shop"},
            "spec": {"engine": "web-chaos", "experiment": "pod-delete"},
            "status": {"experimentStatus": {"phase": "Running", "verdict": "Awaited", "probeSuccessPercentage": "50"}}}),
        json!({"metadata": {"name": "other-pod-delete", "namespace": "shop"}, "spec": {"engine": "other"}}),
    ];
    let e = engine("c", &engine_obj, &results);
    assert_eq!(e.phase, Phase::Running);
    assert_eq!(e.spawns, vec!["pod-delete"]);
    assert_eq!(e.selectors[0].labels, "app=web");
    assert_eq!(e.selectors[0].kind.as_deref(), Some("deployment"));
    assert_eq!(e.results.len(), 1);
    assert_eq!(e.results[0].verdict.as_deref(), Some("Awaited"));
    assert_eq!(e.results[0].probe_success_percentage, Some(50.0));
    let mut stopped = engine_obj.clone();
    stopped["spec"]["engineState"] = json!("stop");
    assert_eq!(engine("c", &stopped, &[]).phase, Phase::Stopped);
    stopped["spec"]["engineState"] = json!("active");
    stopped["status"]["engineStatus"] = json!("completed");
    assert_eq!(engine("c", &stopped, &[]).phase, Phase::Finished);
}

#[test]
fn marks_name_the_experiment_and_an_unread_cluster_is_unknown() {
    let mut e = mesh("prod-eu", ChaosKind::NetworkChaos, &network_chaos());
    e.hits = vec![Hit {
        namespace: "shop".into(),
        workload: "web".into(),
        pods: 3,
    }];
    let fleet = FleetChaos {
        at: Some(now()),
        clusters: vec![
            Found::of(
                "prod-eu",
                Ok(Read {
                    experiments: vec![e],
                    installed: true,
                    problems: vec![],
                }),
            ),
            Found::of("prod-us", Err("not connected".into())),
            Found::of("dev", Ok(Read::default())),
        ],
    };
    assert_eq!(
        fleet.cluster_mark("prod-eu", now()).as_deref(),
        Some("chaos: NetworkChaos eu-latency active 4 min")
    );
    assert_eq!(
        fleet
            .workload_mark("prod-eu", "shop", "web", now())
            .as_deref(),
        Some("chaos: NetworkChaos eu-latency active 4 min")
    );
    assert!(fleet
        .workload_mark("prod-eu", "shop", "api", now())
        .is_none());
    assert_eq!(
        fleet.cluster_mark("prod-us", now()).as_deref(),
        Some("chaos: unknown (not connected)")
    );
    // Nothing installed is nothing running, not an unknown.
    assert!(fleet.cluster_mark("dev", now()).is_none());
    assert_eq!(minutes(3 * 3600 + 120), "3 h 2 min");
}
