//! A canary in progress that fails its SLO gate (canary worse than stable
//! by more than the gate allows, the same check a promote asks): a proposal
//! to abort the rollout, as `kubectl argo rollouts abort` does.

use chrono::Utc;
use serde_json::{json, Value};

use super::queue::{id, Proposal, Risk, Source};
use crate::config::Config;
use crate::fleet::kubeconfig::kube_message;
use crate::fleet::rollout::{rollout_info, Phase, Strategy};
use crate::fleet::summary::ClusterMeta;
use crate::ops::apply::Change;
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;
use crate::verdict::GateState;

pub async fn find(
    client: &kube::Client,
    meta: &ClusterMeta,
    config: &Config,
) -> Result<Vec<Proposal>, String> {
    let prom = crate::slo::sources::PromClient::new(&config.prometheus);
    let gates = crate::slo::gate::gates_for(
        config,
        &prom,
        &meta.context,
        &meta.name,
        meta.group.as_deref(),
    );
    // Only evidence proposes an abort: a gate that cannot be evaluated here
    // is no reason to stop someone's release.
    let gates: Vec<_> = gates.into_iter().filter(|g| g.endpoint.is_ok()).collect();
    if gates.is_empty() {
        return Ok(Vec::new());
    }
    let api: kube::Api<kube::api::DynamicObject> =
        kube::Api::all_with(client.clone(), &ObjectKind::Rollout.api_resource());
    let rollouts = match api.list(&Default::default()).await {
        Ok(l) => l.items,
        Err(kube::Error::Api(s)) if s.code == 404 => return Ok(Vec::new()),
        Err(e) => return Err(kube_message(&e)),
    };
    let mut out = Vec::new();
    for ro in rollouts {
        let v = serde_json::to_value(&ro).unwrap_or(Value::Null);
        let Some(info) = rollout_info(&v) else {
            continue;
        };
        // A canary on its way: not Healthy at stable, not already aborted.
        let in_progress = info.strategy == Strategy::Canary
            && !info.aborted
            && matches!(info.phase, Phase::Paused | Phase::Progressing)
            && info.stable_rs.is_some()
            && info.stable_rs != info.current_pod_hash;
        if !in_progress {
            continue;
        }
        let stops: Vec<_> = crate::slo::gate::checks(&gates, &v)
            .await
            .into_iter()
            .filter(|c| c.state == GateState::Stop)
            .collect();
        if stops.is_empty() {
            continue;
        }
        let target = Target::new(
            &meta.context,
            &info.namespace,
            ObjectKind::Rollout,
            &info.name,
        );
        let object = target.kubectl();
        let revision = info.current_pod_hash.clone().unwrap_or_default();
        out.push(Proposal {
            id: id(
                Source::SloGate,
                &meta.context,
                &object,
                &json!({"abort": revision}),
            ),
            source: Source::SloGate,
            context: meta.context.clone(),
            object,
            summary: format!(
                "the canary ({revision}) fails its SLO gate: {}; abort (traffic back to stable)",
                stops
                    .iter()
                    .map(|c| format!("{}: {}", c.name, c.detail))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            changes: stops
                .iter()
                .map(|c| Change {
                    path: c.name.clone(),
                    live: json!(c.detail),
                    desired: json!("abort"),
                    manager: None,
                })
                .collect(),
            op: Some(Operation::Abort),
            risk: Risk {
                pods: i64::from(info.replicas),
                production: super::scan::risk(meta, None).production,
                slo: Some("canary failing".into()),
            },
            target: Some(target),
            found: Utc::now(),
            preflight: None,
        });
    }
    Ok(out)
}
