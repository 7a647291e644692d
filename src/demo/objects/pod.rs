//! Pods as the kubelet reports them: scheduling, container start,
//! readiness, restarts and CrashLoopBackOff.

use serde_json::{json, Value};

use crate::demo::rng::{fnv, hex};
use crate::demo::world::Pod;
use crate::fleet::objects::WorkloadKind;

use super::workloads::{container, pod_labels};
use super::Ctx;

pub(super) fn pod(x: Ctx, p: &Pod) -> Value {
    let c = x.c;
    let node_ready = c.node_ready(p.node.as_deref());
    let ready = p.ready(x.tick, node_ready);
    let rs = format!("{}-{}", p.workload, p.hash);
    let (owner_kind, owner_name) = match p.kind {
        WorkloadKind::Deployment | WorkloadKind::Rollout => ("ReplicaSet", rs.clone()),
        WorkloadKind::StatefulSet => ("StatefulSet", p.workload.clone()),
        WorkloadKind::DaemonSet => ("DaemonSet", p.workload.clone()),
    };
    let mut labels = match c.workload(&p.namespace, &p.workload) {
        Some(i) => pod_labels(&c.workloads[i]),
        None => json!({"app.kubernetes.io/name": p.workload}),
    };
    match p.kind {
        WorkloadKind::Deployment => labels["pod-template-hash"] = json!(p.hash),
        WorkloadKind::Rollout => labels["rollouts-pod-template-hash"] = json!(p.hash),
        WorkloadKind::StatefulSet => {
            labels["controller-revision-hash"] = json!(rs);
            labels["statefulset.kubernetes.io/pod-name"] = json!(p.name);
        }
        WorkloadKind::DaemonSet => {
            labels["controller-revision-hash"] = json!(p.hash);
            labels["pod-template-generation"] = json!("1");
        }
    }
    let condition = |t: &str, ok: bool, at: i64| {
        json!({"type": t, "status": if ok { "True" } else { "False" },
               "lastTransitionTime": x.time(at)})
    };
    let repo = p.image.split(':').next().unwrap_or(&p.image);
    let image_id = format!("{repo}@sha256:{}", hex(fnv(&p.image), 64));
    let last_state = match p.last_exit {
        Some(e) => json!({"terminated": {"exitCode": e.code, "reason": e.reason,
                                         "startedAt": x.time(e.started),
                                         "finishedAt": x.time(e.at),
                                         "containerID": format!("containerd://{}", hex(fnv(&p.uid) ^ e.at as u64, 64))}}),
        None => json!({}),
    };
    let (phase, conditions, statuses) = if p.node.is_none() {
        let unschedulable = json!({"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable",
            "message": format!("0/{n} nodes are available: {n} Insufficient cpu.", n = c.nodes.len()),
            "lastTransitionTime": x.time(p.created)});
        ("Pending", json!([unschedulable]), json!([]))
    } else if p.creating(x.tick) {
        let state = json!({"name": p.workload, "image": p.image, "imageID": "",
                           "ready": false, "started": false, "restartCount": 0,
                           "state": {"waiting": {"reason": "ContainerCreating"}}});
        let conditions = json!([
            condition("PodReadyToStartContainers", false, p.created),
            condition("Initialized", true, p.created),
            condition("Ready", false, p.created),
            condition("ContainersReady", false, p.created),
            condition("PodScheduled", true, p.created),
        ]);
        ("Pending", conditions, json!([state]))
    } else {
        let state = match p.crash {
            Some(cr) => json!({"waiting": {"reason": "CrashLoopBackOff",
                "message": format!("back-off {}s restarting failed container={} pod={}_{}({})",
                                   cr.backoff, p.workload, p.name, p.namespace, p.uid)}}),
            None => json!({"running": {"startedAt": x.time(p.started)}}),
        };
        let since = p.started.max(p.created);
        let status = json!({"name": p.workload, "image": p.image, "imageID": image_id,
                            "containerID": format!("containerd://{}", hex(fnv(&p.uid) ^ p.started as u64, 64)),
                            "ready": ready, "started": p.crash.is_none(),
                            "restartCount": p.restarts, "state": state, "lastState": last_state});
        let conditions = json!([
            condition("PodReadyToStartContainers", true, p.created + 2),
            condition("Initialized", true, p.created),
            condition("Ready", ready, since),
            condition("ContainersReady", ready, since),
            condition("PodScheduled", true, p.created),
        ]);
        ("Running", conditions, json!([status]))
    };
    let h = fnv(&p.uid);
    let mut status = json!({
        "phase": phase,
        "conditions": conditions,
        "containerStatuses": statuses,
        "qosClass": "Burstable",
    });
    if let Some(node) = &p.node {
        status["hostIP"] = json!(format!(
            "10.{}.{}.{}",
            20 + fnv(node) % 40,
            (fnv(node) >> 8) % 256,
            (fnv(node) >> 16) % 254 + 1
        ));
        status["podIP"] = json!(format!(
            "100.{}.{}.{}",
            64 + h % 32,
            (h >> 8) % 256,
            (h >> 16) % 254 + 1
        ));
        status["startTime"] = json!(x.time(p.created));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": p.name,
            "namespace": p.namespace,
            "uid": p.uid,
            "creationTimestamp": x.time(p.created),
            "labels": labels,
            "ownerReferences": [{
                "apiVersion": "apps/v1",
                "kind": owner_kind,
                "name": owner_name,
                "uid": x.uid(&format!("{owner_kind}/{}/{owner_name}", p.namespace)),
                "controller": true,
                "blockOwnerDeletion": true,
            }],
        },
        "spec": {
            "nodeName": p.node,
            "containers": [container(&p.workload, &p.image)],
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
        },
        "status": status,
    })
}
