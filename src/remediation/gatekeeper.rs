//! OPA Gatekeeper: each violation a constraint's audit reports
//! (`status.violations[]`) is listed with the constraint's message. There is
//! no fix to apply; approving is not offered, rejecting or snoozing records
//! an exception.

use chrono::Utc;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use serde_json::{json, Value};

use super::queue::{id, Proposal, Risk, Source};
use crate::fleet::kubeconfig::kube_message;
use crate::fleet::summary::ClusterMeta;

const GROUP: &str = "constraints.gatekeeper.sh";

/// The constraint kinds Gatekeeper generated CRDs for, with a served version.
async fn kinds(client: &kube::Client) -> Result<Vec<ApiResource>, String> {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let crds = Api::<CustomResourceDefinition>::all(client.clone())
        .list(&ListParams::default())
        .await
        .map_err(|e| kube_message(&e))?;
    Ok(crds
        .items
        .into_iter()
        .filter(|c| c.spec.group == GROUP)
        .filter_map(|c| {
            let v = c.spec.versions.iter().find(|v| v.served)?;
            Some(ApiResource::from_gvk_with_plural(
                &GroupVersionKind::gvk(GROUP, &v.name, &c.spec.names.kind),
                &c.spec.names.plural,
            ))
        })
        .collect())
}

/// One proposal per violation of one constraint.
pub fn proposals(context: &str, meta: &ClusterMeta, constraint: &Value) -> Vec<Proposal> {
    let s = |v: &Value, p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let ckind = s(constraint, "/kind");
    let cname = s(constraint, "/metadata/name");
    let action = s(constraint, "/spec/enforcementAction");
    constraint
        .pointer("/status/violations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| {
            let (kind, ns, name) = (s(v, "/kind"), s(v, "/namespace"), s(v, "/name"));
            let object = if ns.is_empty() {
                format!("{}/{name}", kind.to_lowercase())
            } else {
                format!("{ns}/{}/{name}", kind.to_lowercase())
            };
            let message = s(v, "/message");
            let how = match s(v, "/enforcementAction") {
                a if !a.is_empty() => a,
                _ if !action.is_empty() => action.clone(),
                _ => "deny".into(),
            };
            Proposal {
                id: id(
                    Source::Gatekeeper,
                    context,
                    &object,
                    &json!({"constraint": format!("{ckind}/{cname}"), "message": message}),
                ),
                source: Source::Gatekeeper,
                context: context.to_string(),
                object,
                summary: format!("{ckind}/{cname} ({how}): {message}"),
                changes: Vec::new(),
                op: None,
                risk: Risk {
                    pods: 0,
                    production: super::scan::risk(meta, None).production,
                    slo: None,
                },
                target: None,
                found: Utc::now(),
                preflight: None,
            }
        })
        .collect()
}

pub async fn find(client: &kube::Client, meta: &ClusterMeta) -> Result<Vec<Proposal>, String> {
    let mut out = Vec::new();
    for ar in kinds(client).await? {
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
        let list = api
            .list(&ListParams::default())
            .await
            .map_err(|e| format!("{}: {}", ar.kind, kube_message(&e)))?;
        for c in list.items {
            let v = serde_json::to_value(c).unwrap_or(Value::Null);
            out.extend(proposals(&meta.context, meta, &v));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_violation_is_listed_with_the_message() {
        let c = json!({"kind": "K8sRequiredLabels", "metadata": {"name": "must-have-owner"},
            "spec": {"enforcementAction": "dryrun"},
            "status": {"totalViolations": 2, "violations": [
                {"kind": "Namespace", "name": "shop", "message": "you must provide labels: {\"owner\"}", "enforcementAction": "dryrun"},
                {"kind": "Pod", "namespace": "shop", "name": "web-1", "message": "no owner"}]}});
        let p = proposals("c", &ClusterMeta::default(), &c);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].object, "namespace/shop");
        assert_eq!(
            p[0].summary,
            "K8sRequiredLabels/must-have-owner (dryrun): you must provide labels: {\"owner\"}"
        );
        assert_eq!(p[1].object, "shop/pod/web-1");
        assert!(p[1].summary.contains("(dryrun): no owner"));
        assert!(p.iter().all(|p| p.op.is_none() && p.id.starts_with("g-")));
    }
}
