//! Deployments, StatefulSets, DaemonSets and Argo Rollouts, with status
//! counted from their pods the way their controllers count it.

use serde_json::{json, Value};

use crate::demo::rng::{fnv, hex};
use crate::demo::world::{Pod, RolloutState, Step, Strategy, Workload};
use crate::ops::marks::ANNOTATION;

pub(super) const REVISION: &str = "rollout.argoproj.io/revision";

use super::Ctx;

/// Requests sized like the real thing, so capacity and cost views have
/// something to add up.
fn requests(name: &str) -> (&'static str, &'static str) {
    match name {
        "opensearch" => ("1", "4Gi"),
        "ledger" | "prometheus" => ("500m", "2Gi"),
        "catalog-cache" => ("250m", "1Gi"),
        "kube-proxy" | "node-exporter" => ("50m", "64Mi"),
        "coredns" => ("100m", "70Mi"),
        _ => ("250m", "256Mi"),
    }
}

pub(super) fn container(name: &str, image: &str) -> Value {
    let (cpu, memory) = requests(name);
    json!({
        "name": name,
        "image": image,
        "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}},
        "imagePullPolicy": "IfNotPresent",
    })
}

/// The pod labels: the name, plus what a Service selects by.
pub(super) fn pod_labels(w: &Workload) -> Value {
    let mut labels = json!({"app.kubernetes.io/name": w.name});
    for (k, v) in &w.labels {
        labels[k] = json!(v);
    }
    labels
}

fn selector(w: &Workload) -> Value {
    json!({"matchLabels": pod_labels(w)})
}

pub(super) fn template(w: &Workload, image: &str) -> Value {
    json!({
        "metadata": {"labels": pod_labels(w)},
        "spec": {"containers": [container(&w.name, image)]},
    })
}

pub(super) fn uid(x: Ctx, w: &Workload) -> String {
    x.uid(&format!("{}/{}/{}", w.kind.name(), w.namespace, w.name))
}

fn meta(x: Ctx, w: &Workload) -> Value {
    let mut meta = json!({
        "name": w.name,
        "namespace": w.namespace,
        "uid": uid(x, w),
        "generation": w.generation,
        "creationTimestamp": x.time(w.created),
        "labels": {"app.kubernetes.io/name": w.name, "app.kubernetes.io/part-of": "acme-shop"},
    });
    if w.rollout.is_some() {
        meta["annotations"][REVISION] = json!(w.current().revision.to_string());
    }
    if let Some(mark) = &w.mark {
        meta["annotations"][ANNOTATION] = json!(mark);
    }
    meta
}

/// Pods of one workload as its controller counts them.
#[derive(Clone, Copy, Default, Hash)]
pub(super) struct Counts {
    total: i32,
    scheduled: i32,
    updated: i32,
    ready: i32,
    updated_ready: i32,
}

impl Counts {
    pub(super) fn of(x: Ctx, w: &Workload) -> Counts {
        let current = &w.current().hash;
        let mut n = Counts::default();
        for p in x.c.pods.iter().filter(|p| owned(w, p)) {
            let ready = p.ready(x.tick, x.c.node_ready(p.node.as_deref()));
            n.total += 1;
            n.scheduled += i32::from(p.node.is_some());
            n.ready += i32::from(ready);
            if &p.hash == current {
                n.updated += 1;
                n.updated_ready += i32::from(ready);
            }
        }
        n
    }
    /// Ready pods of the ReplicaSet with this hash.
    pub(super) fn ready_in(x: Ctx, w: &Workload, hash: &str) -> i32 {
        x.c.pods
            .iter()
            .filter(|p| owned(w, p) && p.hash == hash)
            .filter(|p| p.ready(x.tick, x.c.node_ready(p.node.as_deref())))
            .count() as i32
    }
}

fn owned(w: &Workload, p: &Pod) -> bool {
    p.workload == w.name && p.namespace == w.namespace
}

fn available_condition(x: Ctx, w: &Workload, ok: bool) -> Value {
    let (status, reason, message) = if ok {
        (
            "True",
            "MinimumReplicasAvailable",
            "has minimum availability",
        )
    } else {
        (
            "False",
            "MinimumReplicasUnavailable",
            "does not have minimum availability",
        )
    };
    json!({"type": "Available", "status": status, "reason": reason,
           "message": format!("{} {} {message}.", w.kind.name(), w.name),
           "lastTransitionTime": x.time(w.created)})
}

pub(super) fn deployment(x: Ctx, w: &Workload, n: Counts) -> Value {
    let rs = format!("{}-{}", w.name, w.current().hash);
    // maxUnavailable 25%: fewer ready than that is unavailable.
    let min_ready = w.replicas - w.replicas / 4;
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(x, w),
        "spec": {
            "replicas": w.replicas,
            "selector": selector(w),
            "template": template(w, &w.image),
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
        },
        "status": {
            "observedGeneration": w.generation,
            "replicas": n.total,
            "updatedReplicas": n.updated,
            "readyReplicas": n.ready,
            "availableReplicas": n.ready,
            "unavailableReplicas": (n.total - n.ready).max(0),
            "conditions": [
                available_condition(x, w, n.ready >= min_ready),
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                 "message": format!("ReplicaSet \"{rs}\" has successfully progressed."),
                 "lastTransitionTime": x.time(w.created)},
            ],
        },
    })
}

pub(super) fn statefulset(x: Ctx, w: &Workload, n: Counts) -> Value {
    let revision = format!("{}-{}", w.name, w.current().hash);
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta(x, w),
        "spec": {
            "replicas": w.replicas,
            "serviceName": w.name,
            "podManagementPolicy": "OrderedReady",
            "selector": selector(w),
            "template": template(w, &w.image),
            "updateStrategy": {"type": "RollingUpdate"},
        },
        "status": {
            "observedGeneration": w.generation,
            "replicas": n.total,
            "readyReplicas": n.ready,
            "availableReplicas": n.ready,
            "currentReplicas": n.updated,
            "updatedReplicas": n.updated,
            "currentRevision": revision,
            "updateRevision": revision,
            "collisionCount": 0,
        },
    })
}

pub(super) fn daemonset(x: Ctx, w: &Workload, n: Counts) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": meta(x, w),
        "spec": {
            "selector": selector(w),
            "template": template(w, &w.image),
            "updateStrategy": {"type": "RollingUpdate",
                               "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
        },
        "status": {
            "observedGeneration": w.generation,
            "desiredNumberScheduled": x.c.nodes.len(),
            "currentNumberScheduled": n.scheduled,
            "updatedNumberScheduled": n.updated,
            "numberReady": n.ready,
            "numberAvailable": n.ready,
            "numberUnavailable": (x.c.nodes.len() as i32 - n.ready).max(0),
            "numberMisscheduled": 0,
        },
    })
}

pub(super) fn rollout(x: Ctx, w: &Workload, ro: &RolloutState) -> Value {
    let n = Counts::of(x, w);
    let current = w.current().hash.clone();
    let mut status = json!({
        "observedGeneration": w.generation.to_string(),
        "replicas": n.total,
        "updatedReplicas": n.updated,
        "currentPodHash": current,
        "stableRS": ro.stable,
        "selector": format!("app.kubernetes.io/name={}", w.name),
    });
    let paused_since = ro.paused.map(|(_, at)| x.time(at));
    let (strategy, pause_reason, ready, available, cutover_done, steps_done) = match &ro.strategy {
        Strategy::Canary { steps } => {
            status["currentStepIndex"] = json!(ro.step);
            status["currentStepHash"] = json!(hex(fnv(&format!("{steps:?}")), 10));
            status["canary"] = json!({});
            let steps: Vec<Value> = steps
                .iter()
                .map(|s| match s {
                    Step::Weight(w) => json!({"setWeight": w}),
                    Step::Pause(Some(d)) => json!({"pause": {"duration": format!("{d}s")}}),
                    Step::Pause(None) => json!({"pause": {}}),
                })
                .collect();
            let strategy = json!({"canary": {"steps": steps, "maxSurge": "25%",
                                             "maxUnavailable": 0,
                                             "canaryService": format!("{}-canary", w.name),
                                             "stableService": format!("{}-stable", w.name)}});
            let done = ro.step >= steps.len();
            (strategy, "CanaryPauseStep", n.ready, n.ready, true, done)
        }
        Strategy::BlueGreen {
            auto_promote,
            scale_down,
        } => {
            status["blueGreen"] = json!({"activeSelector": ro.active, "previewSelector": current});
            let strategy = json!({"blueGreen": {
                "activeService": format!("{}-active", w.name),
                "previewService": format!("{}-preview", w.name),
                "autoPromotionEnabled": true,
                "autoPromotionSeconds": auto_promote,
                "scaleDownDelaySeconds": scale_down,
            }});
            // Argo counts blue/green availability on the active ReplicaSet.
            let active = Counts::ready_in(x, w, &ro.active);
            (
                strategy,
                "BlueGreenPause",
                active,
                active,
                ro.active == current,
                true,
            )
        }
    };
    status["readyReplicas"] = json!(ready);
    status["availableReplicas"] = json!(available);
    let canary = matches!(ro.strategy, Strategy::Canary { .. });
    if let Some(since) = &paused_since {
        status["pauseConditions"] = json!([{"reason": pause_reason, "startTime": since}]);
        status["controllerPause"] = json!(true);
    }
    let aborted = ro.aborted.map(|at| {
        status["abort"] = json!(true);
        status["abortedAt"] = json!(x.time(at));
        format!(
            "Rollout aborted update to revision {}",
            w.current().revision
        )
    });
    // The controller's CalculateRolloutPhase, in its order.
    let degraded;
    let (phase, message) = if let Some(why) = &aborted {
        degraded = format!("RolloutAborted: {why}");
        ("Degraded", degraded.as_str())
    } else if ro.spec_paused {
        ("Paused", "manually paused")
    } else if paused_since.is_some() {
        ("Paused", pause_reason)
    } else if n.updated < w.replicas {
        ("Progressing", "more replicas need to be updated")
    } else if available < n.updated || ready.min(available) < w.replicas {
        (
            "Progressing",
            "updated replicas are still becoming available",
        )
    } else if !cutover_done {
        ("Progressing", "active service cutover pending")
    } else if canary && n.total > n.updated {
        ("Progressing", "old replicas are pending termination")
    } else if ro.stable != current || !steps_done {
        ("Progressing", "waiting for all steps to complete")
    } else {
        ("Healthy", "")
    };
    status["phase"] = json!(phase);
    if !message.is_empty() {
        status["message"] = json!(message);
    }
    let progressing = match phase {
        "Degraded" => json!({"type": "Progressing", "status": "False", "reason": "RolloutAborted",
                             "message": aborted.clone().unwrap_or_default()}),
        "Healthy" => json!({"type": "Progressing", "status": "True",
                             "reason": "NewReplicaSetAvailable",
                             "message": format!("Rollout \"{}\" has successfully progressed.", w.name)}),
        "Paused" => json!({"type": "Progressing", "status": "Unknown", "reason": "RolloutPaused",
                           "message": "Rollout is paused"}),
        _ => json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                    "message": format!("ReplicaSet \"{}-{current}\" is progressing.", w.name)}),
    };
    status["conditions"] = json!([
        available_condition(x, w, available >= w.replicas),
        progressing,
        {"type": "Healthy", "status": if phase == "Healthy" { "True" } else { "False" },
         "reason": if phase == "Healthy" { "RolloutHealthy" } else { "RolloutHealthyFalse" }},
    ]);
    let mut spec = json!({
        "replicas": w.replicas,
        "revisionHistoryLimit": 3,
        "selector": selector(w),
        "template": template(w, &w.image),
        "strategy": strategy,
    });
    if ro.spec_paused {
        spec["paused"] = json!(true);
    }
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": meta(x, w),
        "spec": spec,
        "status": status,
    })
}
