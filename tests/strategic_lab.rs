//! The demo applies a strategic merge patch as the real API server does:
//! the same patches (fleetdeck's own `kubectl set resources` and restart
//! bodies, and one that edits and deletes env entries) sent to a lab
//! Deployment and applied by the demo to the same object give the same pod
//! template. A JSON merge patch (what the demo once did) does not.

mod support;

use fleetdeck::ops::action::{workload_request, Operation};
use fleetdeck::ops::target::{ObjectKind, Target};
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn the_demos_strategic_merge_matches_the_api_servers() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[0];
    let ns = lab.namespace(c, "smp").await;
    let api: Api<Deployment> = Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                {"name": "app", "image": "app:1",
                 "resources": {"requests": {"cpu": "1", "memory": "1Gi"}},
                 "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "ports": [{"containerPort": 8080}]},
                {"name": "sidecar", "image": "proxy:1",
                 "resources": {"requests": {"cpu": "100m"}}}
            ]}}}
    }))
    .unwrap();
    api.create(&PostParams::default(), &d).await.unwrap();
    let target = Target::new(&c.operator(), &ns.name, ObjectKind::Deployment, "web");
    let now = chrono::Utc::now();
    let patches: Vec<Value> = vec![
        workload_request(
            &Operation::SetRequests {
                container: "app".into(),
                cpu: Some("300m".into()),
                memory: None,
            },
            &target,
            now,
        )
        .body,
        workload_request(&Operation::Restart, &target, now).body,
        json!({"spec": {"template": {"spec": {"containers": [{"name": "app",
            "env": [{"name": "B", "value": "3"}, {"name": "A", "$patch": "delete"}]}]}}}}),
    ];
    for (i, patch) in patches.iter().enumerate() {
        let before = serde_json::to_value(api.get("web").await.unwrap()).unwrap();
        let server = api
            .patch("web", &PatchParams::default(), &Patch::Strategic(patch))
            .await
            .unwrap_or_else(|e| panic!("patch {i}: {e}"));
        let server = serde_json::to_value(server).unwrap();
        let mut demo = before.clone();
        fleetdeck::demo::strategic::merge(&mut demo, patch);
        assert_eq!(
            demo["spec"]["template"], server["spec"]["template"],
            "patch {i}: {patch}"
        );
        if i != 1 {
            // A JSON merge patch replaces the containers list: the sidecar
            // (and the app's other fields) would be gone.
            let mut merged = before.clone();
            json_patch::merge(&mut merged, patch);
            assert_ne!(merged["spec"]["template"], server["spec"]["template"]);
        }
    }
    let end = serde_json::to_value(api.get("web").await.unwrap()).unwrap();
    let containers = &end["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers[1]["name"], "sidecar");
    assert_eq!(
        containers[0]["resources"]["requests"],
        json!({"cpu": "300m", "memory": "1Gi"})
    );
    assert_eq!(containers[0]["env"], json!([{"name": "B", "value": "3"}]));
    ns.delete().await;
}
