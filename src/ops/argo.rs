//! Argo Rollouts actions, as `kubectl argo rollouts` sends them
//! (`pkg/kubectl-argo-rollouts/cmd/*`, api-contracts.md): which requests,
//! when each is needed, and how to tell the controller has acted.

use serde_json::{json, Value};

use super::action::{Operation, PatchRequest};
use crate::fleet::rollout::{rollout_info, Phase, RolloutInfo, Strategy};
use crate::verdict::{Check, Verdict};

const HASH_LABEL: &str = "rollouts-pod-template-hash";
const REVISION: &str = "rollout.argoproj.io/revision";

fn steps(ro: &Value) -> usize {
    ro.pointer("/spec/strategy/canary/steps")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

fn step_index(ro: &Value) -> i64 {
    ro.pointer("/status/currentStepIndex")
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

fn pause_conditions(ro: &Value) -> bool {
    ro.pointer("/status/pauseConditions")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

fn flag(ro: &Value, path: &str) -> bool {
    ro.pointer(path).and_then(Value::as_bool).unwrap_or(false)
}

fn text<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    v.pointer(path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The plugin's `getPatches` for a plain promote: the status patch first,
/// then (only if `spec.paused`) the spec patch.
fn promote_step(ro: &Value) -> Vec<PatchRequest> {
    let mut out = Vec::new();
    let n = steps(ro) as i64;
    let next = || {
        let i = step_index(ro);
        if i < n {
            i + 1
        } else {
            i
        }
    };
    let canary = ro
        .pointer("/spec/strategy/canary")
        .is_some_and(Value::is_object);
    let inconclusive = canary
        && text(ro, "/status/canary/currentStepAnalysisRunStatus/status") == Some("Inconclusive");
    if inconclusive && pause_conditions(ro) && flag(ro, "/status/controllerPause") && n > 0 {
        out.push(PatchRequest::status(json!({"status": {
            "pauseConditions": null, "controllerPause": false, "currentStepIndex": next()
        }})));
    } else if pause_conditions(ro) {
        out.push(PatchRequest::status(
            json!({"status": {"pauseConditions": null}}),
        ));
    } else if canary && n > 0 {
        out.push(PatchRequest::status(
            json!({"status": {"pauseConditions": null, "currentStepIndex": next()}}),
        ));
    }
    if flag(ro, "/spec/paused") {
        out.push(PatchRequest::merge(json!({"spec": {"paused": false}})));
    }
    out
}

/// The requests for a Rollout operation, read off the live object (and, for
/// undo, its ReplicaSets). An empty list means there is nothing to do.
pub fn requests(
    op: &Operation,
    ro: &Value,
    replicasets: &[Value],
) -> Result<Vec<PatchRequest>, String> {
    Ok(match op {
        Operation::Promote { full: false } => promote_step(ro),
        Operation::Promote { full: true } => {
            let mut out = Vec::new();
            if text(ro, "/status/currentPodHash") != text(ro, "/status/stableRS") {
                out.push(PatchRequest::status(
                    json!({"status": {"promoteFull": true}}),
                ));
            }
            if flag(ro, "/spec/paused") {
                out.push(PatchRequest::merge(json!({"spec": {"paused": false}})));
            }
            out
        }
        Operation::Abort => vec![PatchRequest::status(json!({"status": {"abort": true}}))],
        Operation::Retry => vec![PatchRequest::status(json!({"status": {"abort": false}}))],
        Operation::Pause => vec![PatchRequest::merge(json!({"spec": {"paused": true}}))],
        Operation::Resume => {
            let mut out = Vec::new();
            if pause_conditions(ro) {
                out.push(PatchRequest::status(
                    json!({"status": {"pauseConditions": null}}),
                ));
            }
            if flag(ro, "/spec/paused") {
                out.push(PatchRequest::merge(json!({"spec": {"paused": false}})));
            }
            out
        }
        Operation::Undo { to_revision } => {
            let template = undo_template(ro, replicasets, *to_revision)?;
            vec![PatchRequest::json(json!([
                {"op": "replace", "path": "/spec/template", "value": template}
            ]))]
        }
        _ => return Err(format!("{} is not a Rollout action", op.name())),
    })
}

fn revision(rs: &Value) -> Option<i64> {
    super::undo::revision_at(rs, REVISION)
}

/// ReplicaSets the Rollout owns (by uid), newest revision first.
pub fn owned_replicasets(ro: &Value, all: &[Value]) -> Vec<Value> {
    super::undo::owned_by(text(ro, "/metadata/uid"), "Rollout", REVISION, all)
}

/// As `kubectl argo rollouts undo`: the previous revision (or the one asked
/// for), its pod template without the hash label.
fn undo_template(ro: &Value, replicasets: &[Value], to: Option<i64>) -> Result<Value, String> {
    let owned = owned_replicasets(ro, replicasets);
    let current = owned.first().and_then(revision).unwrap_or(0);
    let pick = match to {
        Some(n) if n > 0 => owned.iter().find(|rs| revision(rs) == Some(n)),
        _ => owned
            .iter()
            .find(|rs| revision(rs).is_some_and(|r| r < current)),
    };
    let Some(rs) = pick else {
        return Err(match to {
            Some(n) if n > 0 => format!("no revision {n} among the rollout's ReplicaSets"),
            _ => "no previous revision to roll back to".into(),
        });
    };
    let mut template = rs
        .pointer("/spec/template")
        .cloned()
        .ok_or("the ReplicaSet has no pod template")?;
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(HASH_LABEL);
    }
    Ok(template)
}

/// The ReplicaSet running the rollout's newest template.
fn current_rs<'a>(ro: &Value, owned: &'a [Value]) -> Option<&'a Value> {
    let hash = text(ro, "/status/currentPodHash")?;
    owned.iter().find(|rs| {
        rs.pointer("/metadata/labels")
            .and_then(|l| l.get(HASH_LABEL))
            .and_then(Value::as_str)
            == Some(hash)
    })
}

/// The gate's readiness check: the side a promote sends traffic to must have
/// every pod it asks for ready.
pub fn gate(ro: &Value, replicasets: &[Value]) -> Verdict {
    let Some(info) = rollout_info(ro) else {
        return Verdict::unknown("not a Rollout object");
    };
    let mut checks = Vec::new();
    if info.phase == Phase::Degraded {
        checks.push(Check::stop(
            "phase",
            format!(
                "the rollout is Degraded ({}); retry or undo first",
                info.message
            ),
        ));
    }
    let owned = owned_replicasets(ro, replicasets);
    let side = match info.strategy {
        Strategy::BlueGreen => "preview",
        _ => "canary",
    };
    match current_rs(ro, &owned) {
        Some(rs) => {
            let want = rs
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let ready = rs
                .pointer("/status/readyReplicas")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let name = text(rs, "/metadata/name").unwrap_or("?");
            let detail = format!("{side} ReplicaSet {name}: {ready}/{want} ready");
            checks.push(if ready >= want {
                Check::go("target ready", detail)
            } else {
                Check::stop("target ready", detail)
            });
        }
        None => checks.push(Check::unknown(
            "target ready",
            format!("no ReplicaSet for the {side} pods yet"),
        )),
    }
    Verdict::from_checks(checks)
}

/// Whether the controller shows the operation done, compared with the
/// object as it was planned.
pub fn done(op: &Operation, before: &Value, after: &Value) -> bool {
    let (Some(b), Some(a)) = (rollout_info(before), rollout_info(after)) else {
        return false;
    };
    let observed = !a.message.starts_with("waiting for rollout spec update");
    let complete = |i: &RolloutInfo| {
        i.phase == Phase::Healthy && i.stable_rs.is_some() && i.stable_rs == i.current_pod_hash
    };
    observed
        && match op {
            Operation::Promote { full: false } | Operation::Resume => {
                let stepped = match (b.step, a.step) {
                    (Some((bi, _)), Some((ai, _))) => ai > bi,
                    _ => false,
                };
                let promoted = a.strategy == Strategy::BlueGreen
                    && a.stable_rs.is_some()
                    && a.stable_rs == a.current_pod_hash;
                complete(&a) || stepped || promoted
            }
            Operation::Promote { full: true } => complete(&a),
            Operation::Abort => a.aborted && a.phase == Phase::Degraded,
            Operation::Retry => !a.aborted && a.phase != Phase::Degraded,
            Operation::Pause => flag(after, "/spec/paused") && a.phase == Phase::Paused,
            Operation::Undo { .. } => true,
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canary(idx: i64, paused: bool, conditions: bool) -> Value {
        json!({
            "metadata": {"name": "web", "uid": "u1", "generation": 2},
            "spec": {"paused": paused, "strategy": {"canary": {"steps": [
                {"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {"duration": "10s"}}
            ]}}},
            "status": {"currentStepIndex": idx, "observedGeneration": "2",
                "pauseConditions": if conditions { json!([{"reason": "CanaryPauseStep"}]) } else { Value::Null },
                "currentPodHash": "new", "stableRS": "old"}
        })
    }

    #[test]
    fn promote_is_the_plugin_patch_sequence() {
        // Paused at a pause step: only the pause conditions are cleared.
        let r = requests(
            &Operation::Promote { full: false },
            &canary(1, false, true),
            &[],
        )
        .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].subresource.as_deref(), Some("status"));
        assert_eq!(r[0].body, json!({"status": {"pauseConditions": null}}));
        // Not paused: skip to the next step; spec.paused adds the spec patch.
        let r = requests(
            &Operation::Promote { full: false },
            &canary(2, true, false),
            &[],
        )
        .unwrap();
        assert_eq!(
            r[0].body,
            json!({"status": {"pauseConditions": null, "currentStepIndex": 3}})
        );
        assert_eq!(r[1].body, json!({"spec": {"paused": false}}));
        assert_eq!(r[1].subresource, None);
        // At the end the index stays.
        let r = requests(
            &Operation::Promote { full: false },
            &canary(4, false, false),
            &[],
        )
        .unwrap();
        assert_eq!(r[0].body["status"]["currentStepIndex"], 4);
        let full = requests(
            &Operation::Promote { full: true },
            &canary(1, false, true),
            &[],
        )
        .unwrap();
        assert_eq!(full[0].body, json!({"status": {"promoteFull": true}}));
        let abort = requests(&Operation::Abort, &canary(1, false, true), &[]).unwrap();
        assert_eq!(abort[0].body, json!({"status": {"abort": true}}));
        assert!(abort[0].fallback_main);
    }

    #[test]
    fn undo_picks_the_previous_revision_without_the_hash_label() {
        let rs = |rev: &str, hash: &str, image: &str| {
            json!({"metadata": {"name": format!("web-{hash}"), "labels": {HASH_LABEL: hash},
                "annotations": {REVISION: rev},
                "ownerReferences": [{"kind": "Rollout", "uid": "u1"}]},
                "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "web", HASH_LABEL: hash}},
                    "spec": {"containers": [{"name": "web", "image": image}]}}}})
        };
        let all = vec![
            rs("1", "old", "web:1"),
            rs("3", "new", "web:3"),
            rs("2", "mid", "web:2"),
        ];
        let r = requests(
            &Operation::Undo { to_revision: None },
            &canary(1, false, true),
            &all,
        )
        .unwrap();
        assert_eq!(
            r[0].body,
            json!([{"op": "replace", "path": "/spec/template", "value": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "web:2"}]}}}])
        );
        let r = requests(
            &Operation::Undo {
                to_revision: Some(1),
            },
            &canary(1, false, true),
            &all,
        )
        .unwrap();
        assert_eq!(
            r[0].body[0]["value"]["spec"]["containers"][0]["image"],
            "web:1"
        );
        assert!(requests(
            &Operation::Undo {
                to_revision: Some(9)
            },
            &canary(1, false, true),
            &all
        )
        .is_err());
    }
}
