//! Pods listed in protobuf agree with pods listed in JSON, on a real API
//! server and on odd pods: a crash loop with restarts, an OOM-killed and
//! evicted pod, a pod with 200 KB of annotations, one being deleted (held by
//! a finalizer), init containers with requests, Deployment pods owned through
//! a ReplicaSet. `RECORD_PB_FIXTURES=dir` also saves both list bodies of the
//! namespace, the recorded objects `fleet::wire_pb`'s unit test decodes.

mod support;

use std::collections::BTreeMap;

use fleetdeck::fleet::objects::{Compact, PodInfo};
use fleetdeck::fleet::pod_watch::pod_events;
use fleetdeck::fleet::wire::WirePod;
use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher::Event;
use serde_json::json;
use std::time::Duration;

fn odd_pods() -> Vec<(Pod, Option<serde_json::Value>)> {
    let pod = |v: serde_json::Value| -> Pod { serde_json::from_value(v).unwrap() };
    // No nodeName and a selector no node matches: nothing but this test
    // writes their status.
    let spec = json!({"nodeSelector": {"fleetdeck.io/none": "x"},
        "containers": [{"name": "app", "image": "registry.example/app:1.0",
            "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"cpu": "1"}}},
            {"name": "side", "image": "registry.example/side:1.0",
            "resources": {"requests": {"cpu": "0.1", "memory": "1Gi"}}}],
        "initContainers": [{"name": "init", "image": "registry.example/init:1.0",
            "resources": {"requests": {"cpu": "2"}}}]});
    let now = "2026-01-02T03:04:05Z";
    vec![
        (
            pod(
                json!({"metadata": {"name": "crashing", "labels": {"app": "c", "tier": "web"}}, "spec": spec}),
            ),
            Some(json!({"phase": "Running", "startTime": now,
                "conditions": [{"type": "Ready", "status": "False"}, {"type": "PodScheduled", "status": "True"}],
                "containerStatuses": [
                    {"name": "app", "image": "registry.example/app:1.0", "imageID": "", "ready": false, "restartCount": 7,
                     "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
                     "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}},
                    {"name": "side", "image": "registry.example/side:1.0", "imageID": "", "ready": true, "restartCount": 2,
                     "state": {"running": {"startedAt": now}}}]})),
        ),
        (
            pod(json!({"metadata": {"name": "evicted"}, "spec": spec})),
            Some(
                json!({"phase": "Failed", "reason": "Evicted", "message": "low on memory",
                "containerStatuses": [{"name": "app", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
                    "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}),
            ),
        ),
        (
            pod(json!({"metadata": {"name": "annotated",
                "annotations": {"big": "x".repeat(200_000), "fleetdeck.io/note": "ünïcödé"}}, "spec": spec})),
            Some(json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]})),
        ),
        (
            pod(
                json!({"metadata": {"name": "going", "finalizers": ["fleetdeck.io/test-hold"]}, "spec": spec}),
            ),
            None,
        ),
        (
            pod(json!({"metadata": {"name": "fresh"}, "spec": spec})),
            None,
        ),
    ]
}

/// The pods of `ns` as the protobuf list path gives them.
async fn protobuf_list(client: kube::Client, ns: &str) -> BTreeMap<String, WirePod> {
    let stream = pod_events(client);
    futures::pin_mut!(stream);
    let mut out = BTreeMap::new();
    while let Some(e) = stream.next().await {
        match e.expect("the protobuf list") {
            Event::InitApply(p) if p.metadata.namespace.as_deref() == Some(ns) => {
                out.insert(p.metadata.name.clone().unwrap(), p);
            }
            Event::InitDone => return out,
            _ => {}
        }
    }
    panic!("the stream ended before InitDone");
}

fn compact(pods: &BTreeMap<String, WirePod>) -> BTreeMap<String, (PodInfo, String)> {
    pods.iter()
        .map(|(k, p)| {
            let m = &p.metadata;
            // What the store keeps, plus the metadata the watcher relies on.
            let meta = format!(
                "{:?} {:?} {:?} {:?} {:?} {:?}",
                m.uid,
                m.resource_version,
                m.labels,
                m.owner_references,
                m.creation_timestamp,
                m.deletion_timestamp
            );
            (k.clone(), (PodInfo::compact(p).unwrap(), meta))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn protobuf_and_json_pod_lists_agree() {
    let Some(lab) = support::lab() else { return };
    let cluster = &lab.clusters[1];
    let ns = lab.namespace(cluster, "podpb").await;
    let client = lab.client(&cluster.admin()).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns.name);
    for (p, status) in odd_pods() {
        let name = p.metadata.name.clone().unwrap();
        pods.create(&PostParams::default(), &p).await.unwrap();
        if let Some(status) = status {
            pods.patch_status(
                &name,
                &PatchParams::default(),
                &Patch::Merge(json!({"status": status})),
            )
            .await
            .unwrap_or_else(|e| panic!("status of {name}: {e}"));
        }
    }
    pods.delete("going", &DeleteParams::default())
        .await
        .unwrap();
    Api::<Deployment>::namespaced(client.clone(), &ns.name)
        .create(&PostParams::default(), &support::deployment("web", 3))
        .await
        .unwrap();

    // The Deployment's pods come and change state; compare once two lists
    // in a row agree with each other.
    let json_api: Api<WirePod> = Api::namespaced(client.clone(), &ns.name);
    let mut last = None;
    for _ in 0..60 {
        let json: BTreeMap<String, WirePod> = json_api
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|p| (p.metadata.name.clone().unwrap(), p))
            .collect();
        let pb = protobuf_list(client.clone(), &ns.name).await;
        let (json, pb) = (compact(&json), compact(&pb));
        if json.len() == 8 && json == pb {
            last = Some(pb);
            break;
        }
        last = None;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let agreed = last.expect("the protobuf and JSON lists agree on the namespace's 8 pods");
    let (crashing, _) = &agreed["crashing"];
    assert!(crashing.failing && crashing.restarts == 9, "{crashing:?}");
    assert_eq!(crashing.cpu_request_millis, 350);
    assert_eq!(crashing.memory_request_bytes, (64 << 20) + (1 << 30));
    assert_eq!(agreed["evicted"].0.reason.as_deref(), Some("OOMKilled"));
    assert!(agreed["going"].0.deleting);
    let owned = agreed
        .values()
        .filter(|(p, _)| p.owner.as_ref().is_some_and(|(_, n)| &**n == "web"));
    assert_eq!(owned.count(), 3);

    if let Ok(dir) = std::env::var("RECORD_PB_FIXTURES") {
        record(&client, &ns.name, std::path::Path::new(&dir)).await;
    }
    pods.patch(
        "going",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    ns.delete().await;
}

/// Saves the namespace's pod list in both encodings.
async fn record(client: &kube::Client, ns: &str, dir: &std::path::Path) {
    for (accept, file) in [
        ("application/vnd.kubernetes.protobuf", "pods.pb"),
        ("application/json", "pods.json"),
    ] {
        let mut req = http::Request::get(format!("/api/v1/namespaces/{ns}/pods"))
            .body(kube::client::Body::from(Vec::new()))
            .unwrap();
        req.headers_mut()
            .insert(http::header::ACCEPT, http::HeaderValue::from_static(accept));
        let body = client
            .send(req)
            .await
            .unwrap()
            .into_body()
            .collect_bytes()
            .await
            .unwrap();
        std::fs::write(dir.join(file), &body).unwrap();
    }
}
