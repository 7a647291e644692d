//! Faults on the cluster reserved for them (lab-d), one step after another:
//! API server down and back, 410 Gone after an etcd compaction, etcd down,
//! RBAC revoked mid-run, and a Rollout that does not match the schema.
//! lab-a is watched alongside to show the rest of the fleet stays live.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use fleetdeck::config::Config;
use fleetdeck::fleet::handles::Fleet;
use fleetdeck::fleet::store::ResourceState;
use fleetdeck::fleet::summary::{ClusterRow, ClusterState, Known};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::rbac::v1::ClusterRole;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::json;

const GUARD: Duration = Duration::from_secs(120);

async fn wait(
    fleet: &Fleet,
    what: &str,
    f: impl Fn(&ClusterRow, &ClusterRow) -> bool,
) -> Vec<ClusterRow> {
    let last = Mutex::new(String::new());
    let rows = support::eventually_or(what, GUARD, || async {
        let rows = fleet.rows(Utc::now());
        *last.lock().unwrap() = format!("{:?}", rows[1].state);
        f(&rows[0], &rows[1]).then_some(rows)
    })
    .await;
    rows.unwrap_or_else(|| {
        panic!(
            "timed out waiting for {what}; lab-d is {}",
            last.lock().unwrap()
        )
    })
}

fn pods_in(fleet: &Fleet, ns: &str) -> usize {
    fleet.clusters[1]
        .data
        .lock()
        .unwrap()
        .pods
        .items
        .values()
        .filter(|p| *p.namespace == *ns)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_on_the_reserved_cluster() {
    let Some((lab, d)) = support::fault_cluster() else {
        return;
    };
    let _exclusive = support::fault_lock(lab);
    let a = &lab.clusters[0];
    let cfg = Config::default();
    let metas = vec![cfg.meta_for(&a.operator()), cfg.meta_for(&d.operator())];
    let fleet = Fleet::connect(metas, lab.fresh_kubeconfig(), cfg.policy());
    wait(&fleet, "both ok", |a, d| {
        a.state == ClusterState::Ok && d.state == ClusterState::Ok
    })
    .await;
    let admin = lab.client_fresh(&d.admin()).await;

    // 1. The API server dies: lab-d turns unreachable and keeps its last data;
    //    lab-a stays live. It comes back without restarting anything.
    support::lab_cmd(&["stop", &d.name]);
    let rows = wait(&fleet, "lab-d unreachable", |_, d| {
        matches!(d.state, ClusterState::Unreachable { .. })
    })
    .await;
    assert_eq!(rows[0].state, ClusterState::Ok, "lab-a unaffected");
    assert_eq!(
        rows[1].nodes.value().map(|n| n.total),
        Some(3),
        "last-known data stays"
    );
    assert!(
        rows[1].excluded.is_some(),
        "unreachable is excluded from totals"
    );
    let seen = rows[1].last_seen.expect("seen before");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        fleet.rows(Utc::now())[1].last_seen,
        Some(seen),
        "age keeps counting"
    );
    support::lab_cmd(&["start", &d.name]);
    wait(&fleet, "lab-d recovers", |_, d| d.state == ClusterState::Ok).await;

    // 2. Compaction + restart: watches resume from a compacted revision, get
    //    410 Gone and relist; the table is never half-empty meanwhile.
    let ns_name = format!("faults-{}", std::process::id());
    let ns = ns_name.as_str();
    Api::<k8s_openapi::api::core::v1::Namespace>::all(admin.clone())
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": ns}})).unwrap(),
        )
        .await
        .unwrap();
    let deploys: Api<Deployment> = Api::namespaced(admin.clone(), ns);
    deploys
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "steady"},
                "spec": {"replicas": 5, "selector": {"matchLabels": {"app": "steady"}},
                    "template": {"metadata": {"labels": {"app": "steady"}},
                        "spec": {"containers": [{"name": "a", "image": "steady:1"}]}}}
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    support::eventually("5 pods seen", GUARD, || async {
        (pods_in(&fleet, ns) == 5).then_some(())
    })
    .await;
    let seen_counts = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (seen_counts, stop) = (seen_counts.clone(), stop.clone());
        let data = fleet.clusters[1].data.clone();
        let ns = ns_name.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let n = data
                    .lock()
                    .unwrap()
                    .pods
                    .items
                    .values()
                    .filter(|p| *p.namespace == *ns)
                    .count();
                seen_counts.lock().unwrap().insert(n);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let before = std::fs::metadata(&d.audit_log)
        .map(|m| m.len())
        .unwrap_or(0);
    support::lab_cmd(&["compact", &d.name]);
    support::lab_cmd(&["stop", &d.name]);
    support::lab_cmd(&["start", &d.name]);
    wait(&fleet, "lab-d ok after relist", |_, d| {
        d.state == ClusterState::Ok
    })
    .await;
    // The operator listed pods again after the restart: a relist, not a resumed watch.
    support::wait_audit(&d.audit_log, GUARD, |e| {
        e["verb"] == "list"
            && e["user"]["username"] == d.operator()
            && e["objectRef"]["resource"] == "pods"
    })
    .await;
    let text = std::fs::read_to_string(&d.audit_log).unwrap_or_default();
    assert!(text.len() as u64 > before);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let counts = seen_counts.lock().unwrap().clone();
    assert_eq!(
        counts.into_iter().collect::<Vec<_>>(),
        vec![5],
        "pod count never dipped during the relist"
    );

    // 3. etcd stops: the API server still answers but is not ready → degraded
    //    (not unreachable); back to ok when etcd returns.
    support::lab_cmd(&["stop", &d.name, "etcd"]);
    let rows = wait(&fleet, "lab-d degraded", |_, d| {
        matches!(d.state, ClusterState::Degraded { .. })
    })
    .await;
    let ClusterState::Degraded { reasons } = &rows[1].state else {
        unreachable!()
    };
    assert!(reasons.iter().any(|r| r.contains("etcd")), "{reasons:?}");
    assert_eq!(rows[0].state, ClusterState::Ok);
    support::lab_cmd(&["start", &d.name, "etcd"]);
    wait(&fleet, "lab-d ok after etcd", |_, d| {
        d.state == ClusterState::Ok
    })
    .await;

    // 4. The operator loses pods and events mid-run: those columns turn
    //    forbidden once the watches re-establish; nodes and workloads stay live.
    let roles: Api<ClusterRole> = Api::all(admin.clone());
    let original = roles.get("fleetdeck-operator").await.unwrap();
    let mut reduced = original.clone();
    if let Some(rules) = reduced.rules.as_mut() {
        for rule in rules.iter_mut() {
            if let Some(res) = rule.resources.as_mut() {
                res.retain(|r| r != "pods" && r != "events" && r != "deployments/scale");
            }
        }
        rules.retain(|r| r.resources.as_ref().is_none_or(|res| !res.is_empty()));
    }
    reduced.metadata.managed_fields = None;
    roles
        .replace("fleetdeck-operator", &PostParams::default(), &reduced)
        .await
        .unwrap();
    support::lab_cmd(&["stop", &d.name]);
    support::lab_cmd(&["start", &d.name]);
    // Right after a restart the RBAC cache may still be filling and deny
    // everything for a moment, and the workloads may still be relisting;
    // wait for the settled picture.
    // (A moment's 403 on deployments is that cache, not the role: wait for
    // the workloads' watch to come back rather than catch it mid-denial.)
    let rows = wait(
        &fleet,
        "pods forbidden, nodes and workloads live",
        |_, d| {
            d.pods == Known::Forbidden
                && matches!(d.nodes, Known::Value(_))
                && matches!(d.workloads, Known::Value(_))
        },
    )
    .await;
    assert!(matches!(rows[1].state, ClusterState::Degraded { .. }));
    assert!(
        matches!(rows[1].nodes, Known::Value(_)),
        "nodes stay live: {:?}",
        rows[1]
    );
    assert!(
        matches!(rows[1].workloads, Known::Value(_)),
        "workloads stay live"
    );
    assert!(
        rows[1].excluded.is_none(),
        "forbidden is not a reason to exclude"
    );
    let mut restored = roles.get("fleetdeck-operator").await.unwrap();
    restored.rules = original.rules.clone();
    roles
        .replace("fleetdeck-operator", &PostParams::default(), &restored)
        .await
        .unwrap();
    wait(&fleet, "pods readable again", |_, d| {
        d.state == ClusterState::Ok
    })
    .await;

    // 5. A Rollout that does not match fleetdeck's expectations (a CRD version
    //    that accepts anything) decodes leniently; the watch lives on.
    let crds: Api<DynamicObject> = Api::all_with(
        admin.clone(),
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "customresourcedefinitions",
        ),
    );
    let loose = json!({"spec": {"versions": [{"name": "v1alpha1", "served": true, "storage": true,
        "subresources": {"status": {}},
        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
    crds.patch(
        "rollouts.argoproj.io",
        &PatchParams::default(),
        &Patch::Merge(&loose),
    )
    .await
    .unwrap();
    let ro_ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout"),
        "rollouts",
    );
    let rollouts: Api<DynamicObject> = Api::namespaced_with(admin.clone(), ns, &ro_ar);
    let odd: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": {"name": "odd"},
        "spec": {"replicas": "three", "strategy": "canary", "template": 7},
        "status": ["not", "an", "object"]
    }))
    .unwrap();
    let fine: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": {"name": "fine"},
        "spec": {"replicas": 1, "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}},
            "selector": {"matchLabels": {"app": "fine"}},
            "template": {"metadata": {"labels": {"app": "fine"}}, "spec": {"containers": [{"name": "a", "image": "fine:1"}]}}}
    }))
    .unwrap();
    support::eventually("loose CRD accepts the odd rollout", GUARD, || async {
        rollouts.create(&PostParams::default(), &odd).await.ok()
    })
    .await;
    rollouts
        .create(&PostParams::default(), &fine)
        .await
        .unwrap();
    let names = support::eventually("both rollouts listed", GUARD, || async {
        let d = fleet.clusters[1].data.lock().unwrap();
        // Only this test's: other tests may leave Rollouts on lab-d.
        let mut names: Vec<String> = d
            .rollouts
            .items
            .values()
            .filter(|w| w.namespace == ns_name)
            .map(|w| w.name.clone())
            .collect();
        names.sort();
        (d.rollouts.state == ResourceState::Ready && names.len() == 2).then_some(names)
    })
    .await;
    assert_eq!(names, vec!["fine", "odd"]);
    let rows = fleet.rows(Utc::now());
    let all = fleet.clusters[1].data.lock().unwrap().rollouts.items.len();
    assert!(
        matches!(rows[1].rollouts, Known::Value(r) if r.total == all),
        "the odd rollout counts in the row"
    );
    // Put the real schema back for whoever comes next.
    rollouts.delete("odd", &Default::default()).await.unwrap();
    restore_fixtures(lab, &d);
    Api::<k8s_openapi::api::core::v1::Namespace>::all(admin)
        .delete(ns, &Default::default())
        .await
        .unwrap();
}

fn restore_fixtures(lab: &support::Lab, d: &support::LabCluster) {
    for file in [lab.crds.join("rollout-crd.yaml"), lab.fixtures.clone()] {
        let out = std::process::Command::new(lab.kubectl())
            .args([
                "--kubeconfig",
                lab.kubeconfig.to_str().unwrap(),
                "--context",
                &d.admin(),
            ])
            .args(["apply", "--server-side", "--force-conflicts", "-f"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The real binary in tmux, watching lab-a, lab-b and lab-d, while lab-d's
/// API server and then its etcd go away and come back: it stays alive and
/// drawing, lab-d turns unreachable within 10 s (then degraded), the other
/// rows stay ok, and lab-d is ok again without a restart. (A process-wide
/// SIGPIPE disposition once killed it here; an in-process test cannot see that.)
#[test]
fn the_tui_outlives_a_dead_api_server_and_etcd() {
    use support::tmux::{fleet_state, Tmux, Tracked};
    let Some((lab, d)) = support::fault_cluster() else {
        return;
    };
    let _exclusive = support::fault_lock(lab);
    const MINUTE: Duration = Duration::from_secs(60);
    let home = tempfile::tempdir().unwrap();
    let (a, b) = (&lab.clusters[0].name, &lab.clusters[1].name);
    let p = Tracked::new(home.path());
    let t = Tmux::start(
        &p.command(&format!(
            "--read-only --kubeconfig {} --context {a} --context {b} --context {}",
            lab.kubeconfig.display(),
            d.name
        )),
        160,
        30,
    );
    let state = |s: &str, c: &str| fleet_state(s, c).unwrap_or_default();
    let all_ok = |s: &str| [a.as_str(), b, &d.name].iter().all(|c| state(s, c) == "ok");
    p.wait(&t, "three clusters ok", MINUTE, all_ok);

    let api_server = support::stop(&[&d.name]);
    let s = p.wait(&t, "lab-d unreachable", Duration::from_secs(10), |s| {
        state(s, &d.name).starts_with("unreachable")
    });
    assert_eq!(
        (state(&s, a), state(&s, b)),
        ("ok".into(), "ok".into()),
        "{s}"
    );
    p.assert_alive(&t);
    // Still drawing: the outage's age keeps counting on screen.
    let first = state(&s, &d.name);
    p.wait(&t, "the outage's age to move on", MINUTE, |s| {
        let now = state(s, &d.name);
        now.starts_with("unreachable") && now != first
    });
    std::thread::sleep(Duration::from_secs(5));
    p.assert_alive(&t);
    drop(api_server);
    p.wait(&t, "lab-d back", MINUTE, all_ok);
    p.assert_alive(&t);

    let etcd = support::stop(&[&d.name, "etcd"]);
    let s = p.wait(&t, "lab-d degraded", MINUTE, |s| {
        state(s, &d.name) == "degraded"
    });
    assert_eq!(
        (state(&s, a), state(&s, b)),
        ("ok".into(), "ok".into()),
        "{s}"
    );
    std::thread::sleep(Duration::from_secs(5));
    p.assert_alive(&t);
    drop(etcd);
    p.wait(&t, "lab-d back after etcd", MINUTE, all_ok);
    p.assert_alive(&t);

    // The timeline saw both (issue 18): in the view, then headless from the
    // same data dir, the API server's outage once each way.
    t.keys(&["3", "/"]);
    t.keys(&["-l", &format!("Cluster/{}", d.name)]);
    t.keys(&["Enter"]);
    // Back from unreachable straight to ok, or through degraded while the
    // restarted server's readiness checks still fail (a probe every 10 s).
    p.wait(&t, "the outages in Changes", MINUTE, |s| {
        [
            "ok → unreachable",
            "unreachable → ",
            "→ degraded",
            "degraded → ok",
        ]
        .iter()
        .all(|w| s.contains(w))
    });
    p.quit(&t);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .env("FLEETDECK_CONFIG_DIR", home.path())
        .env("FLEETDECK_DATA_DIR", home.path())
        .args(["--kubeconfig", &lab.kubeconfig.display().to_string()])
        .args(["--context", &d.name, "changes", "--json", "--since", "30m"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cluster_lines: Vec<&str> = all["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "cluster" && c["context"] == d.name.as_str())
        .filter_map(|c| c["summary"].as_str())
        .collect();
    // Newest first: the outage once each way, the etcd failure, all ok now.
    let once = |what: &str, is: &dyn Fn(&str) -> bool| {
        let n = cluster_lines.iter().filter(|l| is(l)).count();
        assert_eq!(n, 1, "{what}: {cluster_lines:?}");
    };
    once("ok → unreachable", &|l| l == "ok → unreachable");
    once("unreachable → …", &|l| l.starts_with("unreachable → "));
    assert!(
        cluster_lines.contains(&"ok → degraded"),
        "{cluster_lines:?}"
    );
    assert!(
        cluster_lines.first().is_some_and(|l| l.ends_with("→ ok")),
        "{cluster_lines:?}"
    );
}

/// `snapshot` reading lab-d when lab-d's API server dies mid-read (frozen
/// first, so the read is in flight, then killed): it reports lab-d
/// unreachable and exits 1, never killed by a signal.
#[test]
fn snapshot_outlives_a_cluster_that_dies_while_it_reads() {
    let Some((lab, d)) = support::fault_cluster() else {
        return;
    };
    let _exclusive = support::fault_lock(lab);
    let status = std::process::Command::new(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab/status"),
    )
    .output()
    .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let pid = status["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == d.name.as_str())
        .and_then(|c| c["pids"]["apiserver"].as_u64())
        .expect("lab-d's API server pid");
    struct Thaw(u64, String);
    impl Drop for Thaw {
        fn drop(&mut self) {
            // Gone already once lab-d was stopped; then this says nothing.
            let _ = std::process::Command::new("kill")
                .args(["-CONT", &self.0.to_string()])
                .stderr(std::process::Stdio::null())
                .status();
            support::lab_cmd(&["start", &self.1]);
        }
    }
    let _thaw = Thaw(pid, d.name.clone());
    let cli = support::cli::Cli::new(lab);
    let a = &lab.clusters[0].name;
    let child = cli
        .command(&[
            "snapshot",
            "--timeout",
            "30",
            "--context",
            a,
            "--context",
            &d.name,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(std::process::Command::new("kill")
        .args(["-STOP", &pid.to_string()])
        .status()
        .unwrap()
        .success());
    // The snapshot's requests to lab-d are now in flight and unanswered.
    std::thread::sleep(Duration::from_secs(2));
    support::lab_cmd(&["stop", &d.name]);
    let out = child.wait_with_output().unwrap();
    let text = support::cli::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let row = |c: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{c} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row(a).contains(" ok "), "{text}");
    assert!(row(&d.name).contains("unreachable"), "{text}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&d.name),
        "the reason names lab-d: {text}"
    );
}
