//! Argo CD cluster Secrets (label `argocd.argoproj.io/secret-type: cluster`
//! in Argo CD's namespace): keys `name`, `server` and `config` (JSON with
//! `bearerToken` and `tlsClientConfig` {caData, certData, keyData, insecure,
//! serverName}). One using `execProviderConfig` or `awsAuthConfig` is
//! listed with a note and never run.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::ByteString;
use kube::api::{Api, ListParams};
use kube::Client;
use serde_json::Value;

use super::creds::{Access, User};
use super::{why, Found};

const LABEL: &str = "argocd.argoproj.io/secret-type=cluster";

pub async fn list(client: &Client, ns: &str, source: &str) -> Result<Vec<Found>, String> {
    let secrets = Api::<Secret>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(LABEL))
        .await
        .map_err(|e| why(&e, &format!("Secrets in {ns}")))?;
    Ok(secrets.items.iter().map(|s| found(s, source)).collect())
}

fn text(data: &BTreeMap<String, ByteString>, key: &str) -> Option<String> {
    data.get(key)
        .and_then(|b| String::from_utf8(b.0.clone()).ok())
        .filter(|s| !s.is_empty())
}

fn found(s: &Secret, source: &str) -> Found {
    let empty = BTreeMap::new();
    let data = s.data.as_ref().unwrap_or(&empty);
    let secret = s.metadata.name.clone().unwrap_or_default();
    let name = text(data, "name").unwrap_or_else(|| secret.clone());
    let mut f = Found {
        name: format!("argocd/{name}"),
        source: source.to_string(),
        lifecycle: "registered".into(),
        provider: None,
        region: None,
        group: None,
        url: text(data, "server"),
        access: None,
        note: None,
        detail: Vec::new(),
    };
    match access(data) {
        Ok(a) => f.access = Some(a),
        Err(e) => f.note = Some(format!("Secret {secret}: {e}")),
    }
    f
}

fn access(data: &BTreeMap<String, ByteString>) -> Result<Access, String> {
    let server = text(data, "server").ok_or("no server")?;
    let config: Value = match text(data, "config") {
        Some(c) => serde_json::from_str(&c).map_err(|e| format!("config is not JSON: {e}"))?,
        None => Value::Null,
    };
    for (key, what) in [
        ("execProviderConfig", "an exec provider"),
        (
            "awsAuthConfig",
            "AWS IAM authentication (it runs a command)",
        ),
    ] {
        if !config[key].is_null() {
            return Err(format!(
                "its config uses {what}, which fleetdeck does not run from a hub's Secret"
            ));
        }
    }
    let tls = &config["tlsClientConfig"];
    let s = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(String::from);
    let user = match (
        s(&config["bearerToken"]),
        s(&tls["certData"]),
        s(&tls["keyData"]),
    ) {
        (Some(t), _, _) => User::Token(t),
        (None, Some(cert_data), Some(key_data)) => User::Cert {
            cert_data,
            key_data,
        },
        _ => return Err("no bearerToken or client certificate in its config".into()),
    };
    Ok(Access {
        server,
        ca_data: s(&tls["caData"]),
        tls_server_name: s(&tls["serverName"]),
        insecure: tls["insecure"] == true,
        user,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(config: &str) -> BTreeMap<String, ByteString> {
        [("server", "https://h:1"), ("config", config)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec())))
            .collect()
    }

    #[test]
    fn a_token_is_taken_and_an_exec_provider_is_not() {
        let a = access(&data(
            r#"{"bearerToken":"t","tlsClientConfig":{"caData":"Q0E="}}"#,
        ))
        .unwrap();
        assert_eq!(a.ca_data.as_deref(), Some("Q0E="));
        let e = access(&data(r#"{"execProviderConfig":{"command":"/bin/sh"}}"#)).unwrap_err();
        assert!(e.contains("exec provider"), "{e}");
        let e = access(&data(r#"{"awsAuthConfig":{"clusterName":"x"}}"#)).unwrap_err();
        assert!(e.contains("AWS"), "{e}");
    }
}
