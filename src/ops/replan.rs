//! A conflict that only means "the controller wrote status meanwhile" is
//! no reason to fail an abort. When the first request meets a stale
//! resourceVersion (nothing written yet), the object is read and the
//! action planned again; it is sent again only when the object moved in
//! ways the action neither read nor writes: the same requests come out,
//! the spec is unchanged, and so is every field the requests write. A
//! teammate's promote, abort or edit changes one of those, and the
//! conflict stands. Bounded by [`REPLANS`]; each attempt is journaled.

use serde_json::{json, Value};

use super::action::{PatchRequest, PatchType};
use super::pipeline::{plan, Outcome, Plan};
use crate::ops::build::Declared;

/// Re-plans after conflicts, at most.
pub const REPLANS: usize = 3;

/// Marks a conflict on a later request: something was already written.
pub const PARTIAL: &str = " requests applied)";

/// Whether a conflict left the object untouched (worth a re-plan).
pub fn untouched_conflict(o: &Outcome) -> bool {
    matches!(o, Outcome::Conflict(m) if !m.contains(PARTIAL))
}

/// Plans again from the object as it is now; `Ok` with the new plan (and
/// what moved) when sending it again is the same action, `Err` with why not.
pub async fn again(client: &kube::Client, old: &Plan) -> Result<(Plan, String), String> {
    // Route declarations and SLO gates are not at hand here; the gate
    // verdict of moments ago stands (identical requests below mean the
    // inputs it judged have not moved in any way the action depends on).
    let mut fresh = plan(client, &old.target, old.op.clone(), &Declared::default())
        .await
        .map_err(|e| format!("planning again failed: {e}"))?;
    let moved = moved_only_elsewhere(old, &fresh)?;
    fresh.gate = old.gate.clone();
    fresh.overridden = old.overridden;
    fresh.group = old.group.clone();
    fresh.failover = old.failover.clone();
    fresh.summary = old.summary.clone().or(fresh.summary);
    Ok((fresh, moved))
}

/// `Ok(what moved)` when the fresh plan is the same action on an object
/// whose relevant fields are as they were.
pub fn moved_only_elsewhere(old: &Plan, fresh: &Plan) -> Result<String, String> {
    let same = |a: &[PatchRequest], b: &[PatchRequest]| {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                x.patch_type == y.patch_type && x.subresource == y.subresource && x.body == y.body
            })
    };
    if !same(&old.requests, &fresh.requests) {
        return Err("planned again, the action would send something else now".into());
    }
    let a = serde_json::to_value(&old.before).unwrap_or(Value::Null);
    let b = serde_json::to_value(&fresh.before).unwrap_or(Value::Null);
    if a.get("spec") != b.get("spec") {
        return Err("its spec changed".into());
    }
    for p in written_paths(&old.requests) {
        if a.pointer(&p) != b.pointer(&p) {
            return Err(format!("{p} changed (a field this action writes)"));
        }
    }
    let moved: Vec<&str> = ["status", "metadata"]
        .into_iter()
        .filter(|k| {
            let strip = |v: &Value| {
                let mut v = v.get(*k).cloned().unwrap_or(Value::Null);
                if let Some(m) = v.as_object_mut() {
                    m.remove("resourceVersion");
                    m.remove("managedFields");
                }
                v
            };
            strip(&a) != strip(&b)
        })
        .collect();
    Ok(match moved.as_slice() {
        [] => "only its resourceVersion moved".into(),
        m => format!("only its {} moved", m.join(" and ")),
    })
}

/// JSON pointers of every field the requests write (leaves of merge and
/// apply bodies; the paths of JSON-patch ops). A Scale's `spec.replicas`
/// is the object's, covered by the spec check.
fn written_paths(reqs: &[PatchRequest]) -> Vec<String> {
    let mut out = Vec::new();
    for r in reqs {
        match r.patch_type {
            PatchType::Json => out.extend(
                r.body
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|op| op.get("path")?.as_str().map(str::to_string)),
            ),
            _ => leaves(&r.body, String::new(), &mut out),
        }
    }
    out
}

fn leaves(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                leaves(x, format!("{at}/{k}"), out);
            }
        }
        _ if !at.is_empty() => out.push(at),
        _ => {}
    }
}

/// What the journal keeps of a re-plan: which attempt, after which action,
/// and what had moved.
pub fn record(attempt: usize, after: &str, moved: &str) -> Value {
    json!({"attempt": attempt, "after": after, "moved": moved})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::pipeline::plan_from;
    use crate::ops::target::{ObjectKind, Target};
    use crate::ops::Operation;

    fn rollout(rv: &str, abort: bool, message: &str, image: &str) -> Plan {
        let obj: kube::api::DynamicObject = serde_json::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": {"name": "web", "namespace": "shop", "resourceVersion": rv},
            "spec": {"template": {"spec": {"containers": [{"name": "a", "image": image}]}}},
            "status": {"abort": abort, "message": message, "currentStepIndex": 1}
        }))
        .unwrap();
        let t = Target::new("c", "shop", ObjectKind::Rollout, "web");
        let before = serde_json::to_value(&obj).unwrap();
        plan_from(
            &t,
            Operation::Abort,
            vec![PatchRequest::status(json!({"status": {"abort": true}}))],
            obj,
            before,
        )
    }

    #[test]
    fn a_controllers_status_write_is_retried_a_teammates_abort_or_edit_is_not() {
        let old = rollout("10", false, "", "web:2");
        let status_only = rollout("11", false, "progressing", "web:2");
        assert_eq!(
            moved_only_elsewhere(&old, &status_only),
            Ok("only its status moved".into())
        );
        let aborted = rollout("11", true, "aborted", "web:2");
        assert_eq!(
            moved_only_elsewhere(&old, &aborted),
            Err("/status/abort changed (a field this action writes)".into())
        );
        let edited = rollout("11", false, "", "web:3");
        assert_eq!(
            moved_only_elsewhere(&old, &edited),
            Err("its spec changed".into())
        );
        let mut other = rollout("11", false, "", "web:2");
        other.requests = vec![PatchRequest::status(json!({"status": {"abort": false}}))];
        assert!(moved_only_elsewhere(&old, &other).is_err());
    }

    #[test]
    fn written_paths_cover_merge_leaves_and_json_ops() {
        let reqs = vec![
            PatchRequest::status(
                json!({"status": {"pauseConditions": null, "currentStepIndex": 2}}),
            ),
            PatchRequest::json(json!([{"op": "replace", "path": "/spec/template"}])),
        ];
        let mut p = written_paths(&reqs);
        p.sort();
        assert_eq!(
            p,
            [
                "/spec/template",
                "/status/currentStepIndex",
                "/status/pauseConditions"
            ]
        );
    }
}
