//! The fleet timeline against the lab: a Deployment created, edited by hand
//! (field manager kubectl-edit), scaled, and a pod of it crash-looping (the
//! lab has no kubelet: the test writes the BackOff Event, counted 100). A
//! console watching in tmux shows each once with before → after; `changes
//! --json` from the same data dir lists them once, attributed; a console
//! started afterwards (a fresh data dir) still lists them from what the
//! cluster holds.

mod support;

use chrono::Utc;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{json, Value};

use support::cli::{text, Cli};
use support::tmux::{fleetdeck_on, Tmux};

fn lines_for<'a>(changes: &'a Value, ns: &str) -> Vec<&'a Value> {
    changes["changes"]
        .as_array()
        .expect("a changes array")
        .iter()
        .filter(|c| c["object"]["namespace"] == ns)
        .collect()
}

fn count(lines: &[&Value], kind: &str, name: &str) -> usize {
    lines
        .iter()
        .filter(|c| c["kind"] == kind && c["object"]["name"] == name)
        .count()
}

fn find<'a>(lines: &[&'a Value], kind: &str, name: &str) -> &'a Value {
    lines
        .iter()
        .find(|c| c["kind"] == kind && c["object"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} line for {name} in {lines:#?}"))
}

/// `changes --json` for the namespace, each change listed once, the
/// creation and the crash loop attributed as the cluster holds them.
fn changes_once_each(cli: &Cli, context: &str, ns: &str) -> Vec<Value> {
    let out = cli.run(&["--context", context, "changes", "--json", "--since", "30m"]);
    assert!(out.status.success(), "{}", text(&out));
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<Value> = lines_for(&all, ns).into_iter().cloned().collect();
    let refs: Vec<&Value> = lines.iter().collect();
    for (kind, name) in [
        ("edit", "web"),
        ("scale", "web"),
        ("warning", "web-crash"),
        ("revision", "web"),
    ] {
        assert_eq!(count(&refs, kind, name), 1, "{kind} {name}: {lines:#?}");
    }
    let w = find(&refs, "warning", "web-crash");
    assert_eq!(
        (w["summary"].as_str(), w["count"].as_u64()),
        (Some("BackOff ×100"), Some(100))
    );
    assert_eq!(
        find(&refs, "revision", "web")["by"],
        "kubectl-client-side-apply"
    );
    assert_eq!(find(&refs, "edit", "web")["by"], "kubectl-edit");
    assert_eq!(find(&refs, "scale", "web")["by"], "kubectl");
    lines
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_a_scale_and_a_crash_loop_each_appear_once_attributed() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[0];
    let ns = lab.namespace(c, "timeline").await;
    let client = lab.client(&c.admin()).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns.name);
    let create = PostParams {
        field_manager: Some("kubectl-client-side-apply".into()),
        ..Default::default()
    };
    deployments
        .create(&create, &support::deployment("web", 1))
        .await
        .unwrap();

    // A console watching from before the changes.
    let cli = Cli::new(lab);
    let tmux = Tmux::start(
        &fleetdeck_on(cli.home.path(), &lab.kubeconfig, &c.operator()),
        220,
        50,
    );
    tmux.wait_for("the fleet row", |s| {
        support::tmux::fleet_state(s, &c.operator()).as_deref() == Some("ok")
    });
    tmux.keys(&["3"]);
    tmux.keys(&["/"]);
    tmux.keys(&["-l", &ns.name]);
    tmux.keys(&["Enter"]);
    // Created before the console started: from its managedFields.
    tmux.wait_for("the creation", |s| s.contains("kubectl-client-side-apply"));

    let edit = PatchParams {
        field_manager: Some("kubectl-edit".into()),
        ..Default::default()
    };
    let image = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "registry.example/app:2.0"}]}}}});
    deployments
        .patch("web", &edit, &Patch::Strategic(image))
        .await
        .unwrap();
    let s = tmux.wait_for("the hand edit", |s| s.contains("image app 1.0 → 2.0"));
    assert!(s.contains("kubectl-edit"), "{s}");

    // The edit's rollout done and a few seconds apart, so the controller's
    // scaling Events of the two moments are not one moment.
    support::eventually(
        "the edit rolled out",
        std::time::Duration::from_secs(90),
        || async {
            let d = deployments.get("web").await.ok()?;
            let s = d.status?;
            (s.observed_generation == Some(2)
                && s.updated_replicas == Some(1)
                && s.available_replicas == Some(1)
                && s.replicas == Some(1))
            .then_some(())
        },
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let scale = PatchParams {
        field_manager: Some("kubectl".into()),
        ..Default::default()
    };
    deployments
        .patch_scale(
            "web",
            &scale,
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    tmux.wait_for("the scale", |s| s.contains("replicas 1 → 3"));

    // One Event counted 100 times, as a kubelet would leave it.
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let backoff: Event = serde_json::from_value(json!({
        "metadata": {"name": "web-crash.backoff", "namespace": ns.name},
        "involvedObject": {"kind": "Pod", "namespace": ns.name, "name": "web-crash"},
        "reason": "BackOff", "type": "Warning", "count": 100,
        "message": "Back-off restarting failed container app",
        "firstTimestamp": now, "lastTimestamp": now,
        "source": {"component": "kubelet"}
    }))
    .unwrap();
    Api::<Event>::namespaced(client.clone(), &ns.name)
        .create(&PostParams::default(), &backoff)
        .await
        .unwrap();
    let s = tmux.wait_for("the crash loop", |s| s.contains("BackOff ×100"));
    assert_eq!(s.matches("replicas 1 → 3").count(), 1, "{s}");
    // The crash loop's line opened (the filter narrowed to its pod): the
    // Events' message, their count.
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "/Pod/web-crash"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("only the crash loop", |s| s.contains(" Changes [1] "));
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("the change's detail", |s| s.contains(" Change "));
    assert!(
        s.contains("Back-off restarting failed container app"),
        "{s}"
    );
    assert!(s.contains("count    100"), "{s}");
    tmux.keys(&["Escape"]);
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "since 2h"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("a longer window", |s| {
        s.contains("what changed in the last 2h")
    });
    // The workload's own history, in its detail.
    tmux.keys(&["1", "Enter"]);
    tmux.wait_for("the cluster's workloads", |s| s.contains("Workloads — "));
    tmux.keys(&["/"]);
    tmux.keys(&["-l", &ns.name]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("filtered to web", |s| s.contains("[1]"));
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("web's history", |s| {
        s.contains("HISTORY (last 2h") && s.contains("replicas 1 → 3")
    });
    assert!(s.contains("image app 1.0 → 2.0  by kubectl-edit"), "{s}");
    tmux.keys(&["q"]);

    // Headless, from the watching console's data dir: its observed lines
    // with before → after stand for the backfilled ones.
    let lines = changes_once_each(&cli, &c.operator(), &ns.name);
    let lines: Vec<&Value> = lines.iter().collect();
    assert_eq!(
        find(&lines, "edit", "web")["summary"],
        "image app 1.0 → 2.0"
    );
    assert_eq!(find(&lines, "scale", "web")["summary"], "replicas 1 → 3");

    // A console that was not watching: the same changes from what the
    // cluster holds, still once each and attributed.
    let fresh = Cli::new(lab);
    let lines = changes_once_each(&fresh, &c.operator(), &ns.name);
    let lines: Vec<&Value> = lines.iter().collect();
    // From the ReplicaSets: the revision's images before → after, the
    // writer from managedFields.
    assert_eq!(
        find(&lines, "edit", "web")["summary"],
        "image app 1.0 → 2.0"
    );
    // From the controller's ScalingReplicaSet Event, attributed from managedFields.
    assert_eq!(find(&lines, "scale", "web")["summary"], "replicas 1 → 3");

    // The text table names them too.
    let out = fresh.run(&["--context", &c.operator(), "changes"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("BackOff ×100") && table.contains("kubectl-edit"),
        "{table}"
    );
    ns.delete().await;
}

/// A node this test creates, cordoned and removed while a console watches:
/// each is one `node` line in the view and in `changes --json` from the
/// console's data dir (node transitions are observed, not backfilled).
#[tokio::test(flavor = "multi_thread")]
async fn a_cordoned_node_appears_once() {
    use k8s_openapi::api::core::v1::Node;
    use kube::api::DeleteParams;
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[0];
    let nodes: Api<Node> = Api::all(lab.client(&c.admin()).await);
    let name = format!("tl-node-{}", std::process::id());
    let cli = Cli::new(lab);
    let tmux = Tmux::start(
        &fleetdeck_on(cli.home.path(), &lab.kubeconfig, &c.operator()),
        220,
        50,
    );
    tmux.wait_for("the fleet row", |s| {
        support::tmux::fleet_state(s, &c.operator()).as_deref() == Some("ok")
    });
    tmux.keys(&["3", "/"]);
    tmux.keys(&["-l", &name]);
    tmux.keys(&["Enter"]);
    // No kubelet and no kwok annotation: a Node object nothing else writes.
    let node: Node = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
    nodes.create(&PostParams::default(), &node).await.unwrap();
    tmux.wait_for("the node joining", |s| s.contains("joined"));
    let cordon = PatchParams {
        field_manager: Some("kubectl-cordon".into()),
        ..Default::default()
    };
    let unschedulable = json!({"spec": {"unschedulable": true}});
    nodes
        .patch(&name, &cordon, &Patch::Merge(unschedulable))
        .await
        .unwrap();
    let s = tmux.wait_for("the cordon", |s| s.contains("cordoned"));
    assert_eq!(s.matches("cordoned").count(), 1, "{s}");
    nodes.delete(&name, &DeleteParams::default()).await.unwrap();
    tmux.wait_for("the node leaving", |s| s.contains(" left"));
    tmux.keys(&["q"]);

    let out = cli.run(&[
        "--context",
        &c.operator(),
        "changes",
        "--json",
        "--since",
        "30m",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<&str> = all["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "node" && l["object"]["name"] == name.as_str())
        .filter_map(|l| l["summary"].as_str())
        .collect();
    // kwok may adopt the node and mark it Ready: a readiness line beside
    // these (or in the same line as the cordon) is the node's real story.
    for word in ["joined", "cordoned", "left"] {
        let n = lines
            .iter()
            .filter(|l| l.split(", ").any(|p| p == word))
            .count();
        assert_eq!(n, 1, "{word}: {lines:?}");
    }
}

/// Argo CD syncs from what the Applications record (no Argo CD controller
/// runs in the lab: the test writes its status as it would): a deployment in
/// the history and a sync failing now, each one `sync` line, attributed.
#[tokio::test(flavor = "multi_thread")]
async fn argo_cd_syncs_are_read_from_the_applications() {
    use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "tl-argo").await;
    let gvk = GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Application");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "applications");
    let apps: Api<DynamicObject> =
        Api::namespaced_with(lab.client(&c.admin()).await, &ns.name, &ar);
    let app: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "shop"},
        "spec": {"project": "default",
                 "source": {"repoURL": "https://git.example/shop.git", "path": "deploy", "targetRevision": "main"},
                 "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"}}
    }))
    .unwrap();
    apps.create(&PostParams::default(), &app).await.unwrap();
    let at = |secs_ago: i64| {
        (Utc::now() - chrono::Duration::seconds(secs_ago))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let sha = "4f2c9e1a5b6c7d8e9f00112233445566778899aa";
    apps.patch(
        "shop",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {
            "history": [
                {"id": 7, "revision": "0000000000000000000000000000000000000007", "deployedAt": at(7200)},
                {"id": 8, "revision": sha, "deployStartedAt": at(600), "deployedAt": at(590),
                 "initiatedBy": {"username": "alice"}}],
            "operationState": {"phase": "Failed", "message": "one or more objects failed to apply",
                "operation": {"sync": {"revision": "v2.0.0"}, "initiatedBy": {"automated": true}},
                "startedAt": at(120), "finishedAt": at(115)}
        }})),
    )
    .await
    .unwrap();

    let cli = Cli::new(lab);
    let out = cli.run(&[
        "--context",
        &c.operator(),
        "changes",
        "--json",
        "--since",
        "1h",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<(String, String)> = lines_for(&all, &ns.name)
        .iter()
        .filter(|l| l["kind"] == "sync" && l["object"]["name"] == "shop")
        .map(|l| {
            (
                l["summary"].as_str().unwrap_or_default().to_string(),
                l["by"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (
                "sync to v2.0.0 failed".to_string(),
                "argocd (automated)".to_string()
            ),
            ("synced to 4f2c9e1".to_string(), "alice".to_string()),
        ]
    );
    ns.delete().await;
}
