//! `kubectl rollout undo deployment`: the previous revision's ReplicaSet
//! (or the one asked for), its pod template without the
//! `pod-template-hash` label, and the Deployment's annotations rebuilt as
//! kubectl does — its own for the keys kubectl keeps, the ReplicaSet's for
//! the rest — in one JSON patch.

use serde_json::{json, Map, Value};

use super::action::PatchRequest;

const HASH_LABEL: &str = "pod-template-hash";
pub const REVISION: &str = "deployment.kubernetes.io/revision";

/// Kept from the Deployment, never copied from the ReplicaSet (kubectl's list).
const KEEP: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// A ReplicaSet's revision under annotation `key`.
pub fn revision_at(rs: &Value, key: &str) -> Option<i64> {
    rs.pointer("/metadata/annotations")?
        .get(key)?
        .as_str()?
        .parse()
        .ok()
}

fn revision(rs: &Value) -> Option<i64> {
    revision_at(rs, REVISION)
}

/// ReplicaSets owned by the `kind` object with this uid, newest revision
/// (under annotation `key`) first.
pub fn owned_by(uid: Option<&str>, kind: &str, key: &str, all: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = all
        .iter()
        .filter(|rs| {
            rs.pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|refs| {
                    refs.iter().any(|r| {
                        r.get("kind").and_then(Value::as_str) == Some(kind)
                            && r.get("uid").and_then(Value::as_str) == uid
                    })
                })
        })
        .cloned()
        .collect();
    out.sort_by_key(|rs| std::cmp::Reverse(revision_at(rs, key).unwrap_or(0)));
    out
}

fn without_hash(t: &Value) -> Value {
    let mut t = t.clone();
    if let Some(l) = t
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        l.remove(HASH_LABEL);
    }
    t
}

pub fn request(
    deploy: &Value,
    replicasets: &[Value],
    to: Option<i64>,
) -> Result<PatchRequest, String> {
    let uid = deploy.pointer("/metadata/uid").and_then(Value::as_str);
    let rs = owned_by(uid, "Deployment", REVISION, replicasets);
    let current = rs.first().and_then(revision).unwrap_or(0);
    let pick = match to {
        Some(n) if n > 0 => rs.iter().find(|r| revision(r) == Some(n)),
        _ => rs.iter().find(|r| revision(r).is_some_and(|v| v < current)),
    };
    let Some(pick) = pick else {
        return Err(match to {
            Some(n) if n > 0 => format!("no revision {n} among the Deployment's ReplicaSets"),
            _ => "no rollout history: no previous revision to roll back to".into(),
        });
    };
    let template = without_hash(pick.pointer("/spec/template").unwrap_or(&Value::Null));
    if deploy.pointer("/spec/template").map(without_hash) == Some(template.clone()) {
        return Err(format!(
            "skipped: the current template already matches revision {}",
            revision(pick).unwrap_or(0)
        ));
    }
    let empty = Map::new();
    let of = |v: &Value| {
        v.pointer("/metadata/annotations")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_else(|| empty.clone())
    };
    let (mine, theirs) = (of(deploy), of(pick));
    let mut annotations = Map::new();
    for k in KEEP {
        if let Some(v) = mine.get(k) {
            annotations.insert(k.into(), v.clone());
        }
    }
    for (k, v) in theirs.iter().filter(|(k, _)| !KEEP.contains(&k.as_str())) {
        annotations.insert(k.clone(), v.clone());
    }
    Ok(PatchRequest::json(json!([
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(rev: &str, image: &str, extra: Value) -> Value {
        json!({"metadata": {"name": format!("web-{rev}"), "labels": {HASH_LABEL: rev},
            "annotations": {REVISION: rev, "kubernetes.io/change-cause": format!("deploy {image}"), "x": extra},
            "ownerReferences": [{"kind": "Deployment", "uid": "u1"}]},
            "spec": {"template": {"metadata": {"labels": {"app": "web", HASH_LABEL: rev}},
                "spec": {"containers": [{"name": "web", "image": image}]}}}})
    }

    #[test]
    fn the_previous_revision_as_kubectl_restores_it() {
        let deploy = json!({"metadata": {"uid": "u1", "annotations": {REVISION: "3", "team": "shop"}},
            "spec": {"template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "web:3"}]}}}});
        let all = vec![
            rs("1", "web:1", json!("a")),
            rs("3", "web:3", json!("c")),
            rs("2", "web:2", json!("b")),
        ];
        let r = request(&deploy, &all, None).unwrap();
        assert_eq!(
            r.body,
            json!([
                {"op": "replace", "path": "/spec/template", "value": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "web:2"}]}}},
                {"op": "replace", "path": "/metadata/annotations", "value": {
                    REVISION: "3", "kubernetes.io/change-cause": "deploy web:2", "x": "b"}}
            ])
        );
        assert!(
            request(&deploy, &all, Some(1)).unwrap().body[0]["value"]["spec"]["containers"][0]
                ["image"]
                == "web:1"
        );
        assert!(request(&deploy, &all, Some(3))
            .unwrap_err()
            .starts_with("skipped"));
        assert!(request(&deploy, &all[..1], None).is_err());
    }
}
