//! Credentials read from a hub's Secrets, turned into a kubeconfig entry in
//! memory. Only inline material is accepted: an exec plugin, an auth
//! provider, `execProviderConfig` or `awsAuthConfig` would run a command (or
//! read a file) chosen by whoever can write that Secret, on the operator's
//! machine — such a cluster is listed with a note, never connected.

use kube::config::Kubeconfig;
use serde_json::{json, Value};

/// What is needed to reach one discovered cluster.
#[derive(Clone)]
pub struct Access {
    pub server: String,
    /// PEM, base64 as kubeconfig's `certificate-authority-data`.
    pub ca_data: Option<String>,
    pub tls_server_name: Option<String>,
    pub insecure: bool,
    pub user: User,
}

/// Secret material: never printed (no Debug), kept in memory only.
#[derive(Clone)]
pub enum User {
    Token(String),
    Cert { cert_data: String, key_data: String },
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Access {{ server: {:?}, .. }}", self.server)
    }
}

/// A kubeconfig holding one context `name` for `a`.
pub fn kubeconfig(name: &str, a: &Access) -> Result<Kubeconfig, String> {
    let mut cluster = json!({"server": a.server});
    if let Some(ca) = &a.ca_data {
        cluster["certificate-authority-data"] = json!(ca);
    }
    if let Some(sni) = &a.tls_server_name {
        cluster["tls-server-name"] = json!(sni);
    }
    if a.insecure {
        cluster["insecure-skip-tls-verify"] = json!(true);
    }
    let user = match &a.user {
        User::Token(t) => json!({"token": t}),
        User::Cert {
            cert_data,
            key_data,
        } => json!({"client-certificate-data": cert_data, "client-key-data": key_data}),
    };
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
    }))
    .map_err(|e| e.to_string())
}

/// The access a kubeconfig (a CAPI `<name>-kubeconfig` Secret's `value`)
/// gives through its current context, or why it is not used.
pub fn from_kubeconfig(text: &str) -> Result<Access, String> {
    let kc: Value = serde_saphyr::from_str(text)
        .map_err(|e| format!("its kubeconfig does not parse: {}", e.without_snippet()))?;
    let contexts = kc["contexts"].as_array().cloned().unwrap_or_default();
    let current = kc["current-context"].as_str().unwrap_or_default();
    let ctx = contexts
        .iter()
        .find(|c| c["name"] == current)
        .or(contexts.first())
        .ok_or("its kubeconfig has no context")?;
    let named = |list: &str, name: &Value| -> Value {
        kc[list]
            .as_array()
            .and_then(|l| l.iter().find(|e| &e["name"] == name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let cluster = named("clusters", &ctx["context"]["cluster"])["cluster"].clone();
    let user = named("users", &ctx["context"]["user"])["user"].clone();
    for (key, what) in [
        ("exec", "an exec credential plugin"),
        ("auth-provider", "an auth provider"),
        ("tokenFile", "a token file"),
        ("client-certificate", "a client certificate file"),
        ("client-key", "a client key file"),
    ] {
        if !user[key].is_null() {
            return Err(format!(
                "its credentials use {what}, which fleetdeck does not run or read from a hub's Secret"
            ));
        }
    }
    if !cluster["certificate-authority"].is_null() {
        return Err(
            "its CA is a file path, which fleetdeck does not read from a hub's Secret".into(),
        );
    }
    let s = |v: &Value| v.as_str().map(String::from);
    let user = match (
        s(&user["token"]),
        s(&user["client-certificate-data"]),
        s(&user["client-key-data"]),
    ) {
        (Some(t), _, _) => User::Token(t),
        (None, Some(cert_data), Some(key_data)) => User::Cert {
            cert_data,
            key_data,
        },
        _ => return Err("its kubeconfig has no inline token or client certificate".into()),
    };
    Ok(Access {
        server: s(&cluster["server"]).ok_or("its kubeconfig names no server")?,
        ca_data: s(&cluster["certificate-authority-data"]),
        tls_server_name: s(&cluster["tls-server-name"]),
        insecure: cluster["insecure-skip-tls-verify"] == true,
        user,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_credentials_are_taken_and_commands_never() {
        let ok = "current-context: a\nclusters: [{name: c, cluster: {server: 'https://h:1', certificate-authority-data: Q0E=}}]\nusers: [{name: u, user: {token: s3cret}}]\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n";
        let a = from_kubeconfig(ok).unwrap();
        assert_eq!(a.server, "https://h:1");
        assert!(!format!("{a:?}").contains("s3cret"));
        let kc = kubeconfig("capi/a", &a).unwrap();
        assert_eq!(kc.contexts[0].name, "capi/a");
        let exec = ok.replace(
            "{token: s3cret}",
            "{exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh}}",
        );
        let e = from_kubeconfig(&exec).unwrap_err();
        assert!(e.contains("exec credential plugin"), "{e}");
        let file = ok.replace("{token: s3cret}", "{tokenFile: /etc/passwd}");
        assert!(from_kubeconfig(&file).unwrap_err().contains("token file"));
    }
}
