//! Argo CD Applications that are OutOfSync: a proposal to sync, as Argo CD
//! documents it — the top-level `operation` field set by a merge patch
//! (`{"operation":{"initiatedBy":{"username":…},"sync":{"revision":…,"prune":false}}}`),
//! refused while an operation is already set.

use chrono::Utc;
use serde_json::{json, Value};

use super::queue::{id, Proposal, Risk, Source};
use crate::fleet::summary::ClusterMeta;
use crate::ops::apply::Change;
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;

/// The revision to sync to: what Argo CD compared against, else the target.
pub fn revision(app: &Value) -> Option<String> {
    app.pointer("/status/sync/revision")
        .or_else(|| app.pointer("/spec/source/targetRevision"))
        .and_then(Value::as_str)
        .map(String::from)
}

/// A proposal for one Application, if it is OutOfSync.
pub fn proposal(context: &str, meta: &ClusterMeta, app: &Value) -> Option<Proposal> {
    let s = |p: &str| app.pointer(p).and_then(Value::as_str);
    if s("/status/sync/status") != Some("OutOfSync") {
        return None;
    }
    let (ns, name) = (s("/metadata/namespace")?, s("/metadata/name")?);
    let target = Target::new(context, ns, ObjectKind::Application, name);
    let rev = revision(app);
    let out_of_sync: Vec<Change> = app
        .pointer("/status/resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("status").and_then(Value::as_str) == Some("OutOfSync"))
        .map(|r| {
            let g = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
            Change {
                path: format!(
                    "{}/{}/{}",
                    g("namespace"),
                    g("kind").to_lowercase(),
                    g("name")
                ),
                live: json!("OutOfSync"),
                desired: json!("Synced"),
                manager: None,
            }
        })
        .collect();
    let health = s("/status/health/status").unwrap_or("Unknown");
    let object = target.kubectl();
    Some(Proposal {
        id: id(Source::ArgoCd, context, &object, &json!({"sync": rev})),
        source: Source::ArgoCd,
        context: context.to_string(),
        object,
        summary: format!(
            "OutOfSync ({} resource(s)), health {health}: sync to {}",
            out_of_sync.len(),
            rev.as_deref().unwrap_or("the target revision")
        ),
        changes: out_of_sync,
        op: Some(Operation::Sync {
            username: String::new(),
            revision: rev,
        }),
        risk: Risk {
            pods: 0,
            production: super::scan::risk(meta, None).production,
            slo: None,
        },
        target: Some(target),
        found: Utc::now(),
        preflight: None,
    })
}

pub async fn find(client: &kube::Client, meta: &ClusterMeta) -> Result<Vec<Proposal>, String> {
    let ar = ObjectKind::Application.api_resource();
    Ok(crate::fleet::rollout_tree::list_all(client, &ar)
        .await?
        .iter()
        .filter_map(|a| proposal(&meta.context, meta, a))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_sync_applications_become_sync_proposals() {
        let meta = ClusterMeta::default();
        let mut app = json!({"metadata": {"namespace": "argocd", "name": "shop"},
            "spec": {"source": {"targetRevision": "main"}},
            "status": {"sync": {"status": "OutOfSync", "revision": "abc123"}, "health": {"status": "Healthy"},
                       "resources": [{"kind": "Deployment", "namespace": "shop", "name": "web", "status": "OutOfSync"},
                                     {"kind": "Service", "namespace": "shop", "name": "web", "status": "Synced"}]}});
        let p = proposal("c", &meta, &app).unwrap();
        assert_eq!(
            p.summary,
            "OutOfSync (1 resource(s)), health Healthy: sync to abc123"
        );
        assert_eq!(p.changes[0].path, "shop/deployment/web");
        assert_eq!(
            p.op,
            Some(Operation::Sync {
                username: String::new(),
                revision: Some("abc123".into())
            })
        );
        app["status"]["sync"]["status"] = json!("Synced");
        assert!(proposal("c", &meta, &app).is_none());
    }
}
