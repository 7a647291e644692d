//! What the simulated controllers make of fleetdeck's requests to a
//! workload: the same bodies `ops::build::compute` planned, read field by
//! field (`spec.replicas`, `spec.paused`, `status.abort`, a cleared pause, a
//! replaced pod template…) into the world. The next tick renders the effect.
//! The simulation's status moves every tick, so these writes carry no
//! resourceVersion check (the route and Service writes do, `traffic.rs`).

use serde_json::Value;

use super::rollouts;
use super::world::{Cluster, Strategy};
use crate::ops::action::{PatchRequest, PatchType};

pub fn apply(
    c: &mut Cluster,
    wi: usize,
    req: &PatchRequest,
    tick: i64,
    at: i64,
) -> Result<(), String> {
    let body = &req.body;
    if req.patch_type == PatchType::Json {
        return json_ops(c, wi, body, tick);
    }
    let w = &mut c.workloads[wi];
    if let Some(n) = body.pointer("/spec/replicas").and_then(Value::as_i64) {
        w.replicas = n as i32;
        w.generation += 1;
        if let Some(set) = w.sets.last_mut() {
            set.target = w.replicas;
        }
    }
    let restarted = body.pointer("/spec/restartAt").is_some()
        || body
            .pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
            .is_some();
    if restarted {
        // The controller recreates the pods on the next tick, as a rolling
        // restart ends up doing.
        w.generation += 1;
        let (ns, name) = (w.namespace.clone(), w.name.clone());
        c.pods
            .retain(|p| !(p.namespace == ns && p.workload == name));
    }
    if let Some(paused) = body.pointer("/spec/paused").and_then(Value::as_bool) {
        let w = &mut c.workloads[wi];
        let ro = w.rollout.as_mut().ok_or("spec.paused: not a Rollout")?;
        ro.spec_paused = paused;
        w.generation += 1;
    }
    if let Some(status) = body.get("status") {
        status_fields(c, wi, status, tick, at)?;
    }
    Ok(())
}

/// Undo's `replace /spec/template`: that template's image becomes the newest.
fn json_ops(c: &mut Cluster, wi: usize, ops: &Value, tick: i64) -> Result<(), String> {
    for op in ops.as_array().into_iter().flatten() {
        let path = op.get("path").and_then(Value::as_str).unwrap_or("");
        let image = op
            .pointer("/value/spec/containers/0/image")
            .and_then(Value::as_str);
        match (path, image) {
            ("/spec/template", Some(image)) => rollouts::roll_back(c, wi, image, tick),
            _ => return Err(format!("the demo does not simulate a JSON patch of {path}")),
        }
    }
    Ok(())
}

/// The status fields Argo's controller reacts to.
fn status_fields(
    c: &mut Cluster,
    wi: usize,
    status: &Value,
    tick: i64,
    at: i64,
) -> Result<(), String> {
    let w = &mut c.workloads[wi];
    let current = w.current().hash.clone();
    let ro = w.rollout.as_mut().ok_or("status: not a Rollout")?;
    let steps = match &ro.strategy {
        Strategy::Canary { steps } => Some(steps.len()),
        Strategy::BlueGreen { .. } => None,
    };
    match status.get("abort").and_then(Value::as_bool) {
        Some(true) => {
            ro.aborted = Some(at);
            ro.paused = None;
            ro.promote_full = false;
        }
        // Retry: the steps start over.
        Some(false) if ro.aborted.is_some() => {
            ro.aborted = None;
            ro.paused = None;
            ro.step = 0;
        }
        _ => {}
    }
    if status.get("promoteFull").and_then(Value::as_bool) == Some(true) {
        ro.promote_full = true;
        ro.paused = None;
    }
    if let Some(i) = status.get("currentStepIndex").and_then(Value::as_u64) {
        ro.step = (i as usize).min(steps.unwrap_or(0));
        ro.paused = None;
    } else if status.get("pauseConditions").is_some_and(Value::is_null) && ro.paused.is_some() {
        // A cleared pause condition: the canary goes on to the next step,
        // a blue/green promotes.
        match steps {
            Some(_) => {
                ro.paused = None;
                ro.step += 1;
            }
            None => rollouts::cut_over(ro, &current, tick),
        }
    }
    Ok(())
}
