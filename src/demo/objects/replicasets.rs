//! A Rollout's ReplicaSets, labelled, annotated and owned as Argo's
//! controller leaves them. No view lists ReplicaSets, so they are not fed to
//! the stores; planning reads them, as `kubectl argo rollouts undo` and the
//! promote gate do.

use serde_json::{json, Value};

use crate::demo::world::Workload;

use super::workloads::{pod_labels, template, uid, Counts, REVISION};
use super::Ctx;

const HASH: &str = "rollouts-pod-template-hash";

pub(super) fn replicasets(x: Ctx, w: &Workload) -> Vec<Value> {
    let owner = uid(x, w);
    w.sets
        .iter()
        .map(|s| {
            let name = format!("{}-{}", w.name, s.hash);
            let mut labels = pod_labels(w);
            labels[HASH] = json!(s.hash);
            let mut tpl = template(w, &s.image);
            tpl["metadata"]["labels"] = labels.clone();
            let pods =
                x.c.pods
                    .iter()
                    .filter(|p| p.namespace == w.namespace && p.workload == w.name)
                    .filter(|p| p.hash == s.hash)
                    .count();
            let ready = Counts::ready_in(x, w, &s.hash);
            json!({
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": name,
                    "namespace": w.namespace,
                    "uid": x.uid(&format!("ReplicaSet/{}/{name}", w.namespace)),
                    "labels": labels,
                    "annotations": {REVISION: s.revision.to_string()},
                    "ownerReferences": [{
                        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                        "name": w.name, "uid": owner,
                        "controller": true, "blockOwnerDeletion": true,
                    }],
                },
                "spec": {
                    "replicas": s.target,
                    "selector": {"matchLabels": labels},
                    "template": tpl,
                },
                "status": {"replicas": pods, "readyReplicas": ready, "availableReplicas": ready},
            })
        })
        .collect()
}
