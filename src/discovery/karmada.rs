//! Karmada: `Cluster` objects (`cluster.karmada.io/v1alpha1`, cluster-scoped).
//! A Push-mode member's credentials are in the Secret `spec.secretRef` names
//! (keys `token` and `caBundle`); a Pull-mode member's agent holds them, so
//! it is connected only through the user's own context for its endpoint.

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::Client;
use serde_json::Value;

use super::creds::{Access, User};
use super::{condition, why, Found};

const WHAT: &str = "clusters.cluster.karmada.io";

pub async fn list(client: &Client, source: &str) -> Result<Vec<Found>, String> {
    let gvk = GroupVersionKind::gvk("cluster.karmada.io", "v1alpha1", "Cluster");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "clusters");
    let items = Api::<DynamicObject>::all_with(client.clone(), &ar)
        .list(&ListParams::default())
        .await
        .map_err(|e| why(&e, WHAT))?
        .items;
    let mut out = Vec::new();
    for o in &items {
        let mut f = found(o, source);
        let spec = &o.data["spec"];
        if f.lifecycle != "Ready" {
            f.note = Some(format!("not connected while {}", f.lifecycle));
        } else if spec["syncMode"] == "Pull" {
            f.note = Some(match &f.url {
                Some(u) => format!("Pull mode: connected only through a context for {u}"),
                None => "Pull mode and no apiEndpoint".into(),
            });
        } else {
            match push_access(client, spec).await {
                Ok(a) => f.access = Some(a),
                Err(e) => f.note = Some(e),
            }
        }
        out.push(f);
    }
    Ok(out)
}

/// Ready True, False or Unknown (unreachable); Deleting wins.
pub fn lifecycle(status: &Value, deleting: bool) -> String {
    match (deleting, condition(status, "Ready")) {
        (true, _) => "Deleting",
        (_, Some("True")) => "Ready",
        (_, Some("False")) => "NotReady",
        (_, Some(_)) => "Unreachable",
        (_, None) => "Pending",
    }
    .into()
}

fn found(o: &DynamicObject, source: &str) -> Found {
    let spec = &o.data["spec"];
    let status = &o.data["status"];
    let mut detail: Vec<String> = super::taints(spec);
    if let Some(z) = spec["zones"].as_array().filter(|z| !z.is_empty()) {
        let z: Vec<&str> = z.iter().filter_map(Value::as_str).collect();
        detail.push(format!("zones {}", z.join(",")));
    }
    let nodes = &status["nodeSummary"];
    if let (Some(ready), Some(total)) = (nodes["readyNum"].as_i64(), nodes["totalNum"].as_i64()) {
        detail.push(format!("{ready}/{total} nodes ready"));
    }
    if let Some(v) = status["kubernetesVersion"].as_str() {
        detail.push(format!("kubernetes {v}"));
    }
    let s = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(String::from);
    Found {
        name: format!("karmada/{}", o.metadata.name.clone().unwrap_or_default()),
        source: source.to_string(),
        lifecycle: lifecycle(status, o.metadata.deletion_timestamp.is_some()),
        provider: s(&spec["provider"]),
        region: s(&spec["region"]),
        group: None,
        url: s(&spec["apiEndpoint"]),
        access: None,
        note: None,
        detail,
    }
}

async fn push_access(client: &Client, spec: &Value) -> Result<Access, String> {
    let server = spec["apiEndpoint"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or("no apiEndpoint")?;
    let (Some(ns), Some(name)) = (
        spec["secretRef"]["namespace"].as_str(),
        spec["secretRef"]["name"].as_str(),
    ) else {
        return Err("Push mode without secretRef: inventory only".into());
    };
    let secret = super::read_secret(client, ns, name).await?;
    let data = secret.data.unwrap_or_default();
    let token = data
        .get("token")
        .and_then(|b| String::from_utf8(b.0.clone()).ok())
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| format!("Secret {ns}/{name} has no token"))?;
    // caBundle holds the PEM itself; the kubeconfig entry wants it base64.
    use base64::Engine;
    let ca_data = data
        .get("caBundle")
        .filter(|b| !b.0.is_empty())
        .map(|b| base64::engine::general_purpose::STANDARD.encode(&b.0));
    Ok(Access {
        server: server.to_string(),
        ca_data,
        tls_server_name: None,
        insecure: spec["insecureSkipTLSVerification"] == true,
        user: User::Token(token.trim().to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ready_condition_names_the_lifecycle() {
        let s = |st: &str| json!({"conditions": [{"type": "Ready", "status": st}]});
        assert_eq!(lifecycle(&s("True"), false), "Ready");
        assert_eq!(lifecycle(&s("False"), false), "NotReady");
        assert_eq!(lifecycle(&s("Unknown"), false), "Unreachable");
        assert_eq!(lifecycle(&json!({}), false), "Pending");
        assert_eq!(lifecycle(&s("True"), true), "Deleting");
    }
}
