//! A Rollout's tree, as `kubectl argo rollouts get rollout` shows it:
//! revisions (ReplicaSets) with their role and pods, and analysis runs with
//! their metric results. Fetched on demand while the detail is open.

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::Client;
use serde_json::Value;

use super::kubeconfig::kube_message;

const HASH_LABEL: &str = "rollouts-pod-template-hash";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RolloutTree {
    pub revisions: Vec<Revision>,
    pub analysis: Vec<AnalysisRun>,
    /// Canary vs stable per SLO with a gate: `(state, name, detail)`, as the
    /// release gate would judge a promote now.
    pub slo: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub revision: i64,
    pub name: String,
    /// `stable`, `canary`, `active`, `preview`, or empty for an old one.
    pub roles: Vec<&'static str>,
    pub desired: i64,
    pub ready: i64,
    pub images: Vec<String>,
    pub pods: Vec<PodLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodLine {
    pub name: String,
    pub phase: String,
    pub ready: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisRun {
    pub name: String,
    pub phase: String,
    /// `(metric, phase, last measured value)`.
    pub metrics: Vec<(String, String, String)>,
}

fn text(v: &Value, p: &str) -> String {
    v.pointer(p)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn owned_by(v: &Value, uid: &str) -> bool {
    v.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r.get("uid").and_then(Value::as_str) == Some(uid))
        })
}

fn owner_name(v: &Value) -> Option<String> {
    v.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .first()?
        .get("name")?
        .as_str()
        .map(String::from)
}

/// Puts the tree together from the objects (pure; unit-tested).
pub fn build(ro: &Value, replicasets: &[Value], pods: &[Value], runs: &[Value]) -> RolloutTree {
    let uid = text(ro, "/metadata/uid");
    let stable = text(ro, "/status/stableRS");
    let current = text(ro, "/status/currentPodHash");
    let active = text(ro, "/status/blueGreen/activeSelector");
    let preview = text(ro, "/status/blueGreen/previewSelector");
    let blue_green = ro.pointer("/spec/strategy/blueGreen").is_some();
    let mut revisions: Vec<Revision> = replicasets
        .iter()
        .filter(|rs| owned_by(rs, &uid))
        .map(|rs| {
            let name = text(rs, "/metadata/name");
            let hash = rs
                .pointer("/metadata/labels")
                .and_then(|l| l.get(HASH_LABEL))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let mut roles = Vec::new();
            if !hash.is_empty() {
                if hash == stable {
                    roles.push("stable");
                }
                if blue_green {
                    if hash == active {
                        roles.push("active");
                    }
                    if hash == preview && preview != active {
                        roles.push("preview");
                    }
                } else if hash == current && hash != stable {
                    roles.push("canary");
                }
            }
            let mut pod_lines: Vec<PodLine> = pods
                .iter()
                .filter(|p| owner_name(p).as_deref() == Some(name.as_str()))
                .map(|p| PodLine {
                    name: text(p, "/metadata/name"),
                    phase: text(p, "/status/phase"),
                    ready: p
                        .pointer("/status/conditions")
                        .and_then(Value::as_array)
                        .is_some_and(|cs| {
                            cs.iter().any(|c| {
                                c.get("type").and_then(Value::as_str) == Some("Ready")
                                    && c.get("status").and_then(Value::as_str) == Some("True")
                            })
                        }),
                })
                .collect();
            pod_lines.sort_by(|a, b| a.name.cmp(&b.name));
            Revision {
                revision: rs
                    .pointer("/metadata/annotations/rollout.argoproj.io~1revision")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0),
                name,
                roles,
                desired: rs
                    .pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(0),
                ready: rs
                    .pointer("/status/readyReplicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(0),
                images: rs
                    .pointer("/spec/template/spec/containers")
                    .and_then(Value::as_array)
                    .map(|cs| cs.iter().map(|c| text(c, "/image")).collect())
                    .unwrap_or_default(),
                pods: pod_lines,
            }
        })
        .collect();
    revisions.sort_by_key(|r| std::cmp::Reverse(r.revision));
    let mut analysis: Vec<AnalysisRun> = runs
        .iter()
        .filter(|r| owned_by(r, &uid))
        .map(|r| AnalysisRun {
            name: text(r, "/metadata/name"),
            phase: text(r, "/status/phase"),
            metrics: r
                .pointer("/status/metricResults")
                .and_then(Value::as_array)
                .map(|ms| {
                    ms.iter()
                        .map(|m| {
                            let last = m
                                .get("measurements")
                                .and_then(Value::as_array)
                                .and_then(|l| l.last())
                                .map(|x| text(x, "/value"))
                                .unwrap_or_default();
                            (text(m, "/name"), text(m, "/phase"), last)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    analysis.sort_by(|a, b| b.name.cmp(&a.name));
    RolloutTree {
        revisions,
        analysis,
        slo: Vec::new(),
    }
}

/// Every object of a kind in a namespace, as JSON; a kind the cluster does
/// not serve (no CRD) is an empty list. Shared with the action planner.
pub async fn list(
    client: &Client,
    ns: &str,
    gvk: (&str, &str, &str),
    plural: &str,
) -> Result<Vec<Value>, String> {
    let ar = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(gvk.0, gvk.1, gvk.2), plural);
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &ar);
    match api.list(&ListParams::default()).await {
        Ok(l) => Ok(l
            .items
            .into_iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .collect()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(Vec::new()),
        Err(e) => Err(format!("listing {plural}: {}", kube_message(&e))),
    }
}

/// Every object of a resource in every namespace, as JSON; a kind the
/// cluster does not serve (no CRD) is an empty list.
pub async fn list_all(client: &Client, ar: &ApiResource) -> Result<Vec<Value>, String> {
    Ok(list_served(client, ar).await?.unwrap_or_default())
}

/// Every object of a resource in every namespace, as JSON; `None` when the
/// cluster does not serve it (no CRD), which is not the same as none.
pub async fn list_served(client: &Client, ar: &ApiResource) -> Result<Option<Vec<Value>>, String> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), ar);
    match api.list(&ListParams::default()).await {
        Ok(l) => Ok(Some(
            l.items
                .into_iter()
                .filter_map(|o| serde_json::to_value(o).ok())
                .collect(),
        )),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(format!("{}.{}: {}", ar.plural, ar.group, kube_message(&e))),
    }
}

/// The tree, and the Rollout object it was built from (the release gate
/// reads its pod hashes, so it needs no second GET).
pub async fn fetch(client: &Client, ns: &str, name: &str) -> Result<(RolloutTree, Value), String> {
    let ro_ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout"),
        "rollouts",
    );
    let ro = Api::<DynamicObject>::namespaced_with(client.clone(), ns, &ro_ar)
        .get(name)
        .await
        .map_err(|e| kube_message(&e))?;
    let ro = serde_json::to_value(ro).unwrap_or(Value::Null);
    let rs = list(client, ns, ("apps", "v1", "ReplicaSet"), "replicasets").await?;
    let pods = list(client, ns, ("", "v1", "Pod"), "pods").await?;
    let runs = list(
        client,
        ns,
        ("argoproj.io", "v1alpha1", "AnalysisRun"),
        "analysisruns",
    )
    .await?;
    Ok((build(&ro, &rs, &pods, &runs), ro))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn revisions_get_roles_and_pods() {
        let ro = json!({"metadata": {"uid": "u"}, "spec": {"strategy": {"canary": {}}},
            "status": {"stableRS": "aaa", "currentPodHash": "bbb"}});
        let rs = |name: &str, hash: &str, rev: &str| {
            json!({"metadata": {"name": name, "labels": {HASH_LABEL: hash},
            "annotations": {"rollout.argoproj.io/revision": rev}, "ownerReferences": [{"uid": "u"}]},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"image": format!("web:{rev}")}]}}},
            "status": {"readyReplicas": 1}})
        };
        let pod = json!({"metadata": {"name": "web-bbb-1", "ownerReferences": [{"name": "web-bbb"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}});
        let run = json!({"metadata": {"name": "web-bbb-2", "ownerReferences": [{"uid": "u"}]},
            "status": {"phase": "Running", "metricResults": [{"name": "errors", "phase": "Successful",
                "measurements": [{"value": "0.01"}, {"value": "0.02"}]}]}});
        let t = build(
            &ro,
            &[rs("web-aaa", "aaa", "1"), rs("web-bbb", "bbb", "2")],
            &[pod],
            &[run],
        );
        assert_eq!(t.revisions[0].name, "web-bbb");
        assert_eq!(t.revisions[0].roles, vec!["canary"]);
        assert_eq!(t.revisions[0].pods.len(), 1);
        assert_eq!(t.revisions[1].roles, vec!["stable"]);
        assert_eq!(
            t.analysis[0].metrics[0],
            ("errors".into(), "Successful".into(), "0.02".into())
        );
    }
}
