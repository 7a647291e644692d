//! A workload whose newest revision crash-loops (and that has an older one):
//! a proposal to undo the rollout — `kubectl rollout undo` for a
//! Deployment, `kubectl argo rollouts undo` for a Rollout.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::{json, Value};

use super::queue::{id, Proposal, Source};
use crate::fleet::summary::ClusterMeta;
use crate::ops::apply::Change;
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;

const DEPLOY_REVISION: &str = "deployment.kubernetes.io/revision";
const ROLLOUT_REVISION: &str = "rollout.argoproj.io/revision";

async fn list(client: &kube::Client, ar: kube::api::ApiResource) -> Result<Vec<Value>, String> {
    crate::fleet::rollout_tree::list_all(client, &ar).await
}

fn owner(obj: &Value) -> Option<(&str, &str, &str)> {
    let r = obj
        .pointer("/metadata/ownerReferences")?
        .as_array()?
        .first()?;
    Some((
        r.get("kind")?.as_str()?,
        r.get("name")?.as_str()?,
        r.get("uid")?.as_str()?,
    ))
}

/// `(reason, restarts)` when a container of the pod crash-loops.
fn crashing(pod: &Value) -> Option<(String, i64)> {
    pod.pointer("/status/containerStatuses")?
        .as_array()?
        .iter()
        .find_map(|c| {
            let reason = c.pointer("/state/waiting/reason")?.as_str()?;
            (reason == "CrashLoopBackOff").then(|| {
                (
                    reason.to_string(),
                    c.get("restartCount").and_then(Value::as_i64).unwrap_or(0),
                )
            })
        })
}

fn revision(rs: &Value) -> Option<i64> {
    let a = rs.pointer("/metadata/annotations")?;
    a.get(DEPLOY_REVISION)
        .or_else(|| a.get(ROLLOUT_REVISION))?
        .as_str()?
        .parse()
        .ok()
}

fn image(rs: &Value) -> String {
    rs.pointer("/spec/template/spec/containers/0/image")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string()
}

/// Proposals from the pods and ReplicaSets of one cluster (pure).
pub fn proposals(
    context: &str,
    meta: &ClusterMeta,
    pods: &[Value],
    replicasets: &[Value],
) -> Vec<Proposal> {
    // Crash-looping pods by the ReplicaSet that owns them.
    let mut by_rs: BTreeMap<(String, String), Vec<(String, i64)>> = BTreeMap::new();
    for p in pods {
        let (Some(c), Some(("ReplicaSet", rs, _))) = (crashing(p), owner(p)) else {
            continue;
        };
        let ns = p
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        by_rs
            .entry((ns.to_string(), rs.to_string()))
            .or_default()
            .push(c);
    }
    let mut out = Vec::new();
    for ((ns, rs_name), crashes) in by_rs {
        let in_ns = |rs: &&Value| {
            rs.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns.as_str())
        };
        let Some(rs) = replicasets.iter().filter(in_ns).find(|rs| {
            rs.pointer("/metadata/name").and_then(Value::as_str) == Some(rs_name.as_str())
        }) else {
            continue;
        };
        let Some((kind, name, uid)) = owner(rs) else {
            continue;
        };
        let kind = match kind {
            "Deployment" => ObjectKind::Deployment,
            "Rollout" => ObjectKind::Rollout,
            _ => continue,
        };
        let mut siblings: Vec<&Value> = replicasets
            .iter()
            .filter(in_ns)
            .filter(|r| owner(r).is_some_and(|(_, _, u)| u == uid))
            .collect();
        siblings.sort_by_key(|r| std::cmp::Reverse(revision(r).unwrap_or(0)));
        let newest = siblings.first().copied();
        let previous = siblings.get(1).copied();
        // Only after a rollout: the crashing revision is the newest, and there is one before it.
        let (Some(newest), Some(previous)) = (newest, previous) else {
            continue;
        };
        if newest.pointer("/metadata/name") != rs.pointer("/metadata/name") {
            continue;
        }
        let (rev, prev) = (
            revision(newest).unwrap_or(0),
            revision(previous).unwrap_or(0),
        );
        let restarts: i64 = crashes.iter().map(|(_, r)| r).sum();
        let target = Target::new(context, &ns, kind, name);
        let object = target.kubectl();
        out.push(Proposal {
            id: id(Source::CrashLoop, context, &object, &json!({"undo_from": rev})),
            source: Source::CrashLoop,
            context: context.to_string(),
            object,
            summary: format!(
                "{} pod(s) of revision {rev} in CrashLoopBackOff ({restarts} restarts) since the rollout: undo to revision {prev} ({} → {})",
                crashes.len(),
                image(newest),
                image(previous)
            ),
            changes: vec![Change {
                path: "spec.template.spec.containers[0].image".into(),
                live: json!(image(newest)),
                desired: json!(image(previous)),
                manager: None,
            }],
            op: Some(Operation::Undo { to_revision: None }),
            risk: super::queue::Risk {
                pods: crashes.len() as i64,
                production: super::scan::risk(meta, None).production,
                slo: None,
            },
            target: Some(target),
            found: Utc::now(),
            preflight: None,
        });
    }
    out
}

pub async fn find(client: &kube::Client, meta: &ClusterMeta) -> Result<Vec<Proposal>, String> {
    let pods = list(
        client,
        kube::api::ApiResource::erase::<k8s_openapi::api::core::v1::Pod>(&()),
    )
    .await?;
    if !pods.iter().any(|p| crashing(p).is_some()) {
        return Ok(Vec::new());
    }
    let rs = list(
        client,
        kube::api::ApiResource::erase::<k8s_openapi::api::apps::v1::ReplicaSet>(&()),
    )
    .await?;
    Ok(proposals(&meta.context, meta, &pods, &rs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(name: &str, rev: &str, image: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "shop", "annotations": {DEPLOY_REVISION: rev},
            "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "u1"}]},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}})
    }

    fn pod(rs: &str, crash: bool) -> Value {
        let state = if crash {
            json!({"waiting": {"reason": "CrashLoopBackOff"}})
        } else {
            json!({"running": {}})
        };
        json!({"metadata": {"name": format!("{rs}-x"), "namespace": "shop",
            "ownerReferences": [{"kind": "ReplicaSet", "name": rs, "uid": "r"}]},
            "status": {"containerStatuses": [{"name": "web", "restartCount": 4, "state": state}]}})
    }

    #[test]
    fn a_crash_loop_on_the_newest_revision_proposes_an_undo() {
        let rss = vec![rs("web-1", "1", "web:1"), rs("web-2", "2", "web:2")];
        let p = proposals(
            "c",
            &ClusterMeta::default(),
            &[pod("web-2", true), pod("web-1", false)],
            &rss,
        );
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].object, "shop/deployment/web");
        assert_eq!(p[0].summary, "1 pod(s) of revision 2 in CrashLoopBackOff (4 restarts) since the rollout: undo to revision 1 (web:2 → web:1)");
        assert_eq!(p[0].op, Some(Operation::Undo { to_revision: None }));
        // The old revision crash-looping, or no older revision: nothing to undo.
        assert!(proposals("c", &ClusterMeta::default(), &[pod("web-1", true)], &rss).is_empty());
        assert!(proposals(
            "c",
            &ClusterMeta::default(),
            &[pod("web-2", true)],
            &rss[1..]
        )
        .is_empty());
    }
}
