//! Cluster API: `Cluster` objects (`cluster.x-k8s.io`, v1beta2 or v1beta1 —
//! whichever the server serves), their phase as the row's lifecycle, the
//! provider from `spec.infrastructureRef.kind`, and credentials from the
//! `<name>-kubeconfig` Secret (key `value`). Only a Provisioned cluster is
//! connected.

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::Client;

use super::{creds, why, Found};

const WHAT: &str = "clusters.cluster.x-k8s.io";

fn api(client: &Client, ns: Option<&str>, version: &str) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("cluster.x-k8s.io", version, "Cluster");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "clusters");
    match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

/// The Clusters, from the newest version the server serves.
async fn clusters(client: &Client, ns: Option<&str>) -> Result<Vec<DynamicObject>, String> {
    let mut last = String::new();
    for version in ["v1beta2", "v1beta1"] {
        match api(client, ns, version).list(&ListParams::default()).await {
            Ok(l) => return Ok(l.items),
            Err(kube::Error::Api(s)) if s.code == 404 => {
                last = format!("{WHAT}: not served (CRD absent)");
            }
            Err(e) => return Err(why(&e, WHAT)),
        }
    }
    Err(last)
}

pub async fn list(client: &Client, ns: Option<&str>, source: &str) -> Result<Vec<Found>, String> {
    let mut out = Vec::new();
    for c in clusters(client, ns).await? {
        let name = c.metadata.name.clone().unwrap_or_default();
        let namespace = c.metadata.namespace.clone().unwrap_or_default();
        let status = &c.data["status"];
        let deleting = c.metadata.deletion_timestamp.is_some();
        let phase = match status["phase"].as_str() {
            _ if deleting => "Deleting".to_string(),
            Some(p) => p.to_string(),
            None => "Pending".to_string(),
        };
        let failure = status["failureMessage"].as_str().map(String::from);
        let mut found = Found {
            name: format!("capi/{name}"),
            source: source.to_string(),
            lifecycle: phase.clone(),
            provider: c.data["spec"]["infrastructureRef"]["kind"]
                .as_str()
                .map(String::from),
            region: c
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("topology.kubernetes.io/region").cloned()),
            group: None,
            url: endpoint(&c.data["spec"]["controlPlaneEndpoint"]),
            access: None,
            note: None,
            detail: Vec::new(),
        };
        if phase != "Provisioned" {
            found.note = Some(match failure {
                Some(f) => format!("{phase}: {f}"),
                None => format!("not connected while {phase}"),
            });
            out.push(found);
            continue;
        }
        match credentials(client, &namespace, &name).await {
            Ok(a) => found.access = Some(a),
            Err(e) => found.note = Some(e),
        }
        out.push(found);
    }
    Ok(out)
}

fn endpoint(e: &serde_json::Value) -> Option<String> {
    let host = e["host"].as_str().filter(|h| !h.is_empty())?;
    Some(match e["port"].as_i64() {
        Some(p) => format!("https://{host}:{p}"),
        None => format!("https://{host}"),
    })
}

/// The access in `<name>-kubeconfig`, or why there is none.
async fn credentials(client: &Client, ns: &str, name: &str) -> Result<creds::Access, String> {
    let secret = format!("{name}-kubeconfig");
    let s = super::read_secret(client, ns, &secret).await?;
    let value = s
        .data
        .as_ref()
        .and_then(|d| d.get("value"))
        .ok_or_else(|| format!("Secret {ns}/{secret} has no key value"))?;
    let text = String::from_utf8(value.0.clone())
        .map_err(|_| format!("Secret {ns}/{secret}: value is not text"))?;
    creds::from_kubeconfig(&text).map_err(|e| format!("Secret {ns}/{secret}: {e}"))
}
