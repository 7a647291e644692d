//! The demo's remediation queue: objects a live scan would find — an Argo CD
//! Application OutOfSync and a ConfigMap edited by hand on prod-eu-west
//! (against a desired state built in here), a Gatekeeper violation on
//! staging-eu — found by the same proposal builders as live, and fixed
//! through the same journal and the simulation.

use serde_json::{json, Value};
use tokio::sync::oneshot;

use super::control::{Command, DemoControl, Mark};
use super::world::Cluster;
use super::Demo;
use crate::fleet::summary::ClusterMeta;
use crate::journal::Journal;
use crate::ops::apply::{changes, overlay};
use crate::ops::journaled;
use crate::ops::target::{ObjectKind, Target};
use crate::remediation::queue::{id, Proposal, Source};
use crate::remediation::scan::{risk, summary, Found};
use crate::remediation::task::Scanner;

/// What the desired-state tree says of the flags ConfigMap.
fn desired_flags() -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "checkout-flags", "namespace": "checkout"},
           "data": {"new-checkout-flow": "off", "max-cart-items": "50"}})
}

pub(super) fn setup(c: &mut Cluster) {
    match c.meta.name.as_str() {
        "prod-eu-west" => {
            c.traffic.push(json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "checkout-flags", "namespace": "checkout", "resourceVersion": "73311",
                    "uid": "0c1f9e2a-demo-flags",
                    "managedFields": [
                        {"manager": "argocd-controller", "operation": "Apply", "time": "2026-11-20T09:12:00Z",
                         "fieldsV1": {"f:data": {"f:new-checkout-flow": {}, "f:max-cart-items": {}}}},
                        {"manager": "kubectl-edit", "operation": "Update", "time": "2026-11-23T10:42:00Z",
                         "fieldsV1": {"f:data": {"f:new-checkout-flow": {}}}}]},
                "data": {"new-checkout-flow": "on", "max-cart-items": "50"}
            }));
            c.traffic.push(json!({
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": "payments", "namespace": "argocd", "resourceVersion": "88120", "uid": "5b7e-demo-app"},
                "spec": {"project": "default", "source": {"repoURL": "https://git.acme.example/payments.git", "path": "deploy/prod", "targetRevision": "main"},
                         "destination": {"server": "https://kubernetes.default.svc", "namespace": "payments"}},
                "status": {"sync": {"status": "OutOfSync", "revision": "9d41c07"}, "health": {"status": "Healthy"},
                    "resources": [{"group": "apps", "kind": "Deployment", "namespace": "payments", "name": "payments", "status": "OutOfSync"}]}
            }));
        }
        "staging-eu" => c.traffic.push(json!({
            "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sRequiredLabels",
            "metadata": {"name": "must-have-owner"},
            "spec": {"enforcementAction": "dryrun", "parameters": {"labels": ["owner"]}},
            "status": {"totalViolations": 1, "violations": [{"kind": "Namespace", "name": "search",
                "message": "you must provide labels: {\"owner\"}", "enforcementAction": "dryrun"}]}
        })),
        _ => {}
    }
}

impl Demo {
    /// Every cluster's stored objects, with its metadata.
    pub(super) fn objects(&self) -> Vec<(ClusterMeta, Vec<Value>)> {
        self.world
            .clusters
            .iter()
            .filter(|c| super::script::reachable(&c.meta.name, self.tick))
            .map(|c| (c.meta.clone(), c.traffic.clone()))
            .collect()
    }
}

/// The simulation as a remediation scanner.
pub struct DemoScanner(pub DemoControl);

fn drift(meta: &ClusterMeta, objects: &[Value]) -> Option<Proposal> {
    let want = desired_flags();
    let live = objects.iter().find(|o| {
        o.pointer("/metadata/name") == want.pointer("/metadata/name")
            && o.get("kind") == want.get("kind")
    })?;
    let found = changes(live, &overlay(live, &want));
    if found.is_empty() {
        return None;
    }
    let target = Target::new(
        &meta.context,
        "checkout",
        ObjectKind::ConfigMap,
        "checkout-flags",
    );
    let object = target.kubectl();
    Some(Proposal {
        id: id(Source::Drift, &meta.context, &object, &want),
        source: Source::Drift,
        context: meta.context.clone(),
        object,
        summary: summary(&found),
        changes: found,
        op: Some(crate::ops::Operation::Apply { manifest: want }),
        risk: risk(meta, Some(live)),
        target: Some(target),
        found: chrono::Utc::now(),
        preflight: None,
    })
}

impl Scanner for DemoScanner {
    async fn scan(&self, context: Option<&str>, source: Option<Source>) -> Found {
        let (reply, rx) = oneshot::channel();
        let mut out = Found::default();
        if self.0.tx.send(Command::Objects { reply }).is_err() {
            out.errors.push("the demo is not running".into());
            return out;
        }
        let Ok(clusters) = rx.await else {
            out.errors.push("the demo stopped".into());
            return out;
        };
        let want = |s: Source| source.is_none_or(|x| x == s);
        for (meta, objects) in clusters {
            if context.is_some_and(|c| c != meta.context) {
                continue;
            }
            out.scanned.push(meta.context.clone());
            for o in &objects {
                let api = o.get("apiVersion").and_then(Value::as_str).unwrap_or("");
                if want(Source::ArgoCd) && api.starts_with("argoproj.io/") {
                    out.proposals.extend(crate::remediation::argocd::proposal(
                        &meta.context,
                        &meta,
                        o,
                    ));
                }
                if want(Source::Gatekeeper) && api.starts_with("constraints.gatekeeper.sh/") {
                    out.proposals
                        .extend(crate::remediation::gatekeeper::proposals(
                            &meta.context,
                            &meta,
                            o,
                        ));
                }
            }
            if want(Source::Drift) {
                out.proposals.extend(drift(&meta, &objects));
            }
        }
        // The fix's pre-flight, planned on the simulation as live.
        for p in &mut out.proposals {
            let (Some(op), Some(t)) = (p.op.clone(), p.target.clone()) else {
                continue;
            };
            let planned = self.0.plan(&t, op, &Default::default()).await;
            p.preflight = Some(crate::remediation::scan::preflight_text(planned));
        }
        out
    }

    async fn execute(
        &self,
        journal: &Journal,
        p: &Proposal,
        reason: &str,
    ) -> Result<String, String> {
        let (Some(op), Some(target)) = (p.op.clone(), p.target.clone()) else {
            return Err(format!("{}: nothing to apply", p.id));
        };
        let (mut plan, _) = self.0.plan(&target, op, &Default::default()).await?;
        plan.group = Some(format!("remediation-{}", p.id));
        let done = journaled::record(
            journal,
            &plan,
            reason,
            Some("demo".into()),
            async |id, by| {
                let mark = Mark {
                    reason: reason.to_string(),
                    by,
                    journal_id: id,
                };
                (self.0.execute(&plan, mark).await, Vec::new())
            },
        )
        .await
        .map_err(|e| format!("journal: {e}"))?;
        match done.outcome.error() {
            None => Ok(format!(
                "{}: {} {} done in the demo",
                p.id,
                plan.op.name(),
                target.short()
            )),
            Some(e) => Err(format!("{}: {e}", p.id)),
        }
    }
}
