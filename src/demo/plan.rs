//! Planning in the demo through the same `ops::build::compute` as against a
//! live cluster. The GET and LISTs `build` would make are answered from the
//! simulation: objects as the stores were last sent them, ReplicaSets
//! rendered from the pod sets, the stored Services and routes. The dry-run
//! applies the requests locally, guards included (`patch.rs`).

use std::collections::BTreeMap;

use kube::api::DynamicObject;
use serde_json::{json, Value};

use super::patch::{self, Refused};
use super::{objects, traffic, Demo};
use crate::ops::action::Operation;
use crate::ops::build::{compute, Declared, Related};
use crate::ops::pipeline::{plan_from, Plan, Preflight};
use crate::ops::target::{ObjectKind, Target};

impl Demo {
    /// The plan and its pre-flight for `op` on `target`, or why the target
    /// cannot be read (unknown cluster, outage, no such object).
    pub fn plan(
        &self,
        target: &Target,
        op: Operation,
        declared: &Declared,
    ) -> Result<(Plan, Preflight), String> {
        let ci = self.readable(&target.context)?;
        let obj = self.get(ci, target)?;
        // The demo's syncs are signed by the demo, as live ones by the user.
        let op = match op {
            Operation::Sync { username, revision } if username.is_empty() => Operation::Sync {
                username: "demo".into(),
                revision,
            },
            other => other,
        };
        let related = self.related(ci, target, &op);
        plan_with(target, op, obj, &related, declared)
    }

    pub(super) fn readable(&self, context: &str) -> Result<usize, String> {
        let ci = self
            .world
            .clusters
            .iter()
            .position(|c| c.meta.context == context)
            .ok_or_else(|| format!("no demo cluster {context}"))?;
        if self.epoch.is_none() {
            return Err("the demo has not started yet".into());
        }
        if !super::script::reachable(&self.world.clusters[ci].meta.name, self.tick) {
            return Err(format!("{context}: unreachable (simulated outage)"));
        }
        Ok(ci)
    }

    /// The object as a GET would return it.
    pub(super) fn get(&self, ci: usize, t: &Target) -> Result<Value, String> {
        let found = match self.rendered(ci, t.kind) {
            Some(m) => m
                .get(&format!("{}/{}", t.namespace, t.name))
                .map(|(_, v)| v.clone()),
            None => {
                let c = &self.world.clusters[ci];
                traffic::find(c, t.kind, &t.namespace, &t.name).map(|i| c.traffic[i].clone())
            }
        };
        let ar = t.api_resource();
        let resource = match ar.group.as_str() {
            "" => ar.plural.clone(),
            g => format!("{}.{g}", ar.plural),
        };
        found.ok_or_else(|| format!("{t}: {resource} \"{}\" not found", t.name))
    }

    /// A workload kind's objects as last sent to the store, by `ns/name`.
    fn rendered(&self, ci: usize, kind: ObjectKind) -> Option<&BTreeMap<String, (u64, Value)>> {
        let r = self.feeds[ci].rendered();
        let map = match kind {
            ObjectKind::Deployment => &r.deployments,
            ObjectKind::StatefulSet => &r.statefulsets,
            ObjectKind::DaemonSet => &r.daemonsets,
            ObjectKind::Rollout => &r.rollouts,
            _ => return None,
        };
        Some(map)
    }

    /// What `build` lists for the operation, from the target's namespace.
    fn related(&self, ci: usize, t: &Target, op: &Operation) -> Related {
        let c = &self.world.clusters[ci];
        let ns = &t.namespace;
        let list = |kind| -> Vec<Value> {
            let all = self.rendered(ci, kind).into_iter().flatten();
            all.filter(|(k, _)| k.split_once('/').is_some_and(|(n, _)| n == ns))
                .map(|(_, (_, v))| v.clone())
                .collect()
        };
        let mut related = Related::default();
        match (op, t.kind) {
            (Operation::Scale { .. } | Operation::Restart, _) => {}
            (_, ObjectKind::Rollout) => {
                let epoch = self.epoch.unwrap_or_default();
                let tick = (self.tick - 1).max(0);
                related.replicasets = objects::replicasets(c, self.world.seed, tick, epoch, ns);
            }
            (Operation::Step { .. }, _) => {
                related.rollouts = list(ObjectKind::Rollout);
                related.services = traffic::list(c, ObjectKind::Service, ns);
                related.deployments = list(ObjectKind::Deployment);
            }
            _ => related.deployments = list(ObjectKind::Deployment),
        }
        related
    }
}

/// `compute`, then the plan as `pipeline::plan` builds it and a local
/// dry-run. What `compute` refuses shows in the dialog as unavailable.
pub fn plan_with(
    target: &Target,
    op: Operation,
    obj: Value,
    related: &Related,
    declared: &Declared,
) -> Result<(Plan, Preflight), String> {
    let before: DynamicObject =
        serde_json::from_value(obj.clone()).map_err(|e| format!("{target}: {e}"))?;
    let decided = match compute(target, &op, &obj, related, declared) {
        Ok(d) => d,
        Err(why) => {
            let plan = plan_from(target, op, Vec::new(), before, obj);
            return Ok((plan, Preflight::Unavailable(why)));
        }
    };
    let first = decided.requests.first().and_then(|r| r.subresource.clone());
    let view = match first.as_deref() {
        Some("scale") => scale_view(&obj),
        _ => obj,
    };
    let mut plan = plan_from(target, op, decided.requests, before, view);
    plan.gate = decided.gate;
    plan.summary = decided.summary;
    let pf = dry_run(&plan);
    Ok((plan, pf))
}

/// The scale subresource as the API server shows it.
fn scale_view(obj: &Value) -> Value {
    let at = |p: &str| obj.pointer(p).cloned().unwrap_or(Value::Null);
    json!({
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {
            "name": at("/metadata/name"),
            "namespace": at("/metadata/namespace"),
            "uid": at("/metadata/uid"),
            "resourceVersion": at("/metadata/resourceVersion"),
        },
        "spec": {"replicas": at("/spec/replicas")},
        "status": {"replicas": at("/status/replicas")},
    })
}

/// Every request on the object as planned; dry-runs do not compose, so each
/// is guarded by the planned resourceVersion, as `pipeline::preflight` sends them.
fn dry_run(plan: &Plan) -> Preflight {
    let mut after = plan.before_view.clone();
    for req in &plan.requests {
        match patch::apply(&mut after, req, &plan.rv_before) {
            Ok(()) => {}
            Err(Refused::Conflict(_)) => return Preflight::Stale,
            Err(Refused::Invalid(e)) => {
                return Preflight::Unavailable(format!("dry-run refused: {e}"))
            }
        }
    }
    Preflight::Ready { after }
}
