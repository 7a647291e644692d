//! The lab itself: real API servers, RBAC identities and the audit log.

mod support;

use std::time::Duration;

use futures::future::join_all;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

const GUARD: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread")]
async fn three_clusters_listed_concurrently_as_operator() {
    let Some(lab) = support::lab() else { return };
    assert_eq!(lab.clusters.len(), 3);
    let per_cluster = lab.clusters.iter().map(|c| async move {
        let client = lab.client(&c.operator()).await;
        let nodes = Api::<Node>::all(client.clone())
            .list(&ListParams::default())
            .await
            .unwrap_or_else(|e| panic!("{}: list nodes: {e}", c.name));
        let deployments = Api::<Deployment>::all(client)
            .list(&ListParams::default())
            .await
            .unwrap_or_else(|e| panic!("{}: list deployments: {e}", c.name));
        (c.name.clone(), nodes.items, deployments.items.len())
    });
    let results = join_all(per_cluster).await;
    let mut regions = Vec::new();
    for (name, nodes, _deployments) in &results {
        assert_eq!(nodes.len(), 3, "{name}: nodes");
        for n in nodes {
            let labels = n.metadata.labels.clone().unwrap_or_default();
            for key in [
                "node.kubernetes.io/instance-type",
                "topology.kubernetes.io/region",
                "topology.kubernetes.io/zone",
            ] {
                assert!(labels.contains_key(key), "{name}: node lacks {key}");
            }
            regions.push(labels["topology.kubernetes.io/region"].clone());
            let cap = n.status.as_ref().and_then(|s| s.capacity.clone()).unwrap();
            assert!(cap.contains_key("cpu") && cap.contains_key("memory"));
        }
    }
    regions.sort();
    regions.dedup();
    assert_eq!(regions.len(), 3, "each lab cluster is in its own region");
}

#[tokio::test(flavor = "multi_thread")]
async fn deployment_gets_running_ready_pods_on_fake_nodes() {
    let Some(lab) = support::lab() else { return };
    let cluster = &lab.clusters[0];
    let ns = lab.namespace(cluster, "deploy").await;
    let client = lab.client(&cluster.operator()).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns.name);
    deployments
        .create(&PostParams::default(), &support::deployment("web", 3))
        .await
        .expect("operator creates a Deployment");
    let pods: Api<Pod> = Api::namespaced(client, &ns.name);
    let ready = support::eventually("3 ready pods", GUARD, || async {
        let list = pods
            .list(&ListParams::default().labels("app=web"))
            .await
            .ok()?;
        let ready: Vec<Pod> = list
            .items
            .into_iter()
            .filter(|p| {
                let st = p.status.as_ref();
                st.and_then(|s| s.phase.as_deref()) == Some("Running")
                    && st
                        .and_then(|s| s.conditions.as_ref())
                        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
            })
            .collect();
        (ready.len() == 3).then_some(ready)
    })
    .await;
    for p in &ready {
        let node = p.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap();
        assert!(
            node.starts_with(&cluster.name),
            "scheduled onto a lab node: {node}"
        );
    }
    let available = support::eventually("deployment available", GUARD, || async {
        let d = deployments.get("web").await.ok()?;
        let n = d.status?.available_replicas?;
        (n == 3).then_some(n)
    })
    .await;
    assert_eq!(available, 3);
    ns.delete().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn readonly_patch_is_forbidden_and_both_patches_are_audited() {
    let Some(lab) = support::lab() else { return };
    let cluster = &lab.clusters[1];
    let ns = lab.namespace(cluster, "audit").await;
    let admin = lab.client(&cluster.admin()).await;
    Api::<Deployment>::namespaced(admin, &ns.name)
        .create(&PostParams::default(), &support::deployment("api", 1))
        .await
        .unwrap();

    let body = json!({"spec": {"replicas": 2}});
    let readonly: Api<Deployment> =
        Api::namespaced(lab.client(&cluster.readonly()).await, &ns.name);
    // The read-only identity can read...
    readonly.get("api").await.expect("view allows get");
    // ...but not write.
    match readonly
        .patch("api", &PatchParams::default(), &Patch::Merge(&body))
        .await
    {
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 403, "{status:?}"),
        other => panic!("read-only patch was not refused: {other:?}"),
    }
    let operator: Api<Deployment> =
        Api::namespaced(lab.client(&cluster.operator()).await, &ns.name);
    operator
        .patch("api", &PatchParams::default(), &Patch::Merge(&body))
        .await
        .expect("operator may patch");

    let is_patch_of = |e: &serde_json::Value, user: &str| {
        e["stage"] == "ResponseComplete"
            && e["verb"] == "patch"
            && e["user"]["username"] == user
            && e["objectRef"]["resource"] == "deployments"
            && e["objectRef"]["namespace"] == ns.name.as_str()
            && e["objectRef"]["name"] == "api"
    };
    let denied = support::wait_audit(&cluster.audit_log, GUARD, |e| {
        is_patch_of(e, &cluster.readonly())
    })
    .await;
    assert_eq!(denied["responseStatus"]["code"], 403);
    assert_eq!(
        denied["annotations"]["authorization.k8s.io/decision"],
        "forbid"
    );
    let allowed = support::wait_audit(&cluster.audit_log, GUARD, |e| {
        is_patch_of(e, &cluster.operator())
    })
    .await;
    assert_eq!(allowed["responseStatus"]["code"], 200);
    assert_eq!(
        allowed["requestObject"], body,
        "the patch body is in the audit log"
    );
    ns.delete().await;
}

/// The README's test command on a machine without the lab's tools: `lab up`
/// installs them as root on Debian; where it may not (here forced with
/// FLEETDECK_LAB_NO_INSTALL), it stops with one line naming the missing
/// tools and the command that installs them.
#[test]
fn a_machine_without_the_tools_gets_one_line_saying_how_to_install_them() {
    let python = std::process::Command::new("python3")
        .args([
            "-c",
            "import os, sys; print(os.path.realpath(sys.executable))",
        ])
        .output()
        .expect("python3 runs the lab");
    let python = String::from_utf8_lossy(&python.stdout).trim().to_string();
    let bare = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&python, bare.path().join("python3")).unwrap();
    let lab = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab/lab.py");
    let out = std::process::Command::new(&python)
        .arg(lab)
        .arg("tools")
        .env("PATH", bare.path())
        .env("FLEETDECK_LAB_NO_INSTALL", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let line = err.trim();
    assert!(!line.contains('\n'), "{err}");
    assert!(
        line.starts_with("lab: missing openssl, prometheus, promtool, tmux: install with `")
            && line.ends_with("apt-get install -y openssl prometheus tmux`"),
        "{line}"
    );
}
