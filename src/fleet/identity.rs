//! Contexts that reach the same API server are one cluster: a user's `prod`
//! and `prod-admin`, or the lab's three identities per cluster. Same server
//! URL and the same CA (as bytes, whether given inline or as a file) and TLS
//! server name make the same cluster; a context whose cluster entry is
//! missing is a cluster of its own.

use kube::config::Kubeconfig;
use sha2::{Digest, Sha256};

/// What identifies the API server a context reaches; `None` if the
/// kubeconfig does not say.
pub fn cluster_key(config: &Kubeconfig, context: &str) -> Option<String> {
    let cluster = cluster_of(config, context)?;
    let server = normal_url(cluster.server.as_deref()?);
    let ca = ca_bytes(cluster).map_or_else(
        || {
            if cluster.insecure_skip_tls_verify == Some(true) {
                "insecure".to_string()
            } else {
                "system".to_string()
            }
        },
        |b| {
            Sha256::digest(&b)
                .iter()
                .take(12)
                .map(|x| format!("{x:02x}"))
                .collect()
        },
    );
    Some(format!(
        "{server} ca={ca} sni={}",
        cluster.tls_server_name.as_deref().unwrap_or_default()
    ))
}

/// A server URL as compared: scheme and host lower-cased, no trailing `/`.
pub fn normal_url(server: &str) -> String {
    let server = server.trim().trim_end_matches('/');
    let (scheme, rest) = server.split_once("://").unwrap_or(("https", server));
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    format!(
        "{}://{}/{path}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

/// The server URL `context` reaches, as compared (`normal_url`).
pub fn server_of(config: &Kubeconfig, context: &str) -> Option<String> {
    Some(normal_url(cluster_of(config, context)?.server.as_deref()?))
}

/// The cluster entry `context` uses.
fn cluster_of<'a>(config: &'a Kubeconfig, context: &str) -> Option<&'a kube::config::Cluster> {
    let ctx = config
        .contexts
        .iter()
        .find(|c| c.name == context)?
        .context
        .as_ref()?;
    config
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)?
        .cluster
        .as_ref()
}

/// The kubeconfig's name for the cluster entry a context uses.
pub fn cluster_name(config: &Kubeconfig, context: &str) -> Option<String> {
    config
        .contexts
        .iter()
        .find(|c| c.name == context)?
        .context
        .as_ref()
        .map(|c| c.cluster.clone())
        .filter(|c| !c.is_empty())
}

fn ca_bytes(cluster: &kube::config::Cluster) -> Option<Vec<u8>> {
    use base64::Engine;
    if let Some(data) = &cluster.certificate_authority_data {
        let clean: String = data.split_whitespace().collect();
        return base64::engine::general_purpose::STANDARD
            .decode(clean)
            .ok()
            .map(|b: Vec<u8>| normalize_pem(&b));
    }
    let path = cluster.certificate_authority.as_ref()?;
    std::fs::read(path).ok().map(|b| normalize_pem(&b))
}

/// PEM text compared without its line endings and surrounding blanks.
fn normalize_pem(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(bytes)
        .split_whitespace()
        .collect::<String>()
        .into_bytes()
}

/// `contexts` (in kubeconfig order) grouped by the cluster they reach; each
/// group keeps that order, and groups are in the order of their first context.
pub fn group(config: &Kubeconfig, contexts: &[String]) -> Vec<Vec<String>> {
    let mut groups: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for c in contexts {
        let key = cluster_key(config, c);
        match groups.iter_mut().find(|(k, _)| key.is_some() && *k == key) {
            Some((_, members)) => members.push(c.clone()),
            None => groups.push((key, vec![c.clone()])),
        }
    }
    groups.into_iter().map(|(_, m)| m).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig(yaml: &str) -> Kubeconfig {
        Kubeconfig::from_yaml(yaml).unwrap()
    }

    const TWO: &str = r#"
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: "https://PROD.example:6443/", certificate-authority-data: "Y2EtYQo="}
- name: prod-again
  cluster: {server: "https://prod.example:6443", certificate-authority-data: "Y2Et\nYQo="}
- name: other-ca
  cluster: {server: "https://prod.example:6443", certificate-authority-data: "Y2EtYgo="}
- name: staging
  cluster: {server: "https://staging.example:6443"}
users:
- name: u
  user: {token: t}
contexts:
- {name: prod, context: {cluster: prod, user: u}}
- {name: staging, context: {cluster: staging, user: u}}
- {name: prod-admin, context: {cluster: prod-again, user: u}}
- {name: imposter, context: {cluster: other-ca, user: u}}
- {name: dangling, context: {cluster: nowhere, user: u}}
- {name: dangling-too, context: {cluster: nowhere, user: u}}
"#;

    #[test]
    fn same_server_and_ca_is_one_cluster_in_kubeconfig_order() {
        let k = kubeconfig(TWO);
        let all: Vec<String> = k.contexts.iter().map(|c| c.name.clone()).collect();
        assert_eq!(
            group(&k, &all),
            vec![
                vec!["prod".to_string(), "prod-admin".into()],
                vec!["staging".into()],
                vec!["imposter".into()],
                vec!["dangling".into()],
                vec!["dangling-too".into()],
            ]
        );
    }

    #[test]
    fn a_ca_file_and_the_same_ca_inline_match() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.crt");
        std::fs::write(&ca, "ca-a\r\n").unwrap();
        let k = kubeconfig(&format!(
            r#"
apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {{server: "https://h:1", certificate-authority-data: "Y2EtYQo="}}
- name: b
  cluster: {{server: "https://h:1", certificate-authority: "{}"}}
contexts:
- {{name: a, context: {{cluster: a, user: u}}}}
- {{name: b, context: {{cluster: b, user: u}}}}
"#,
            ca.display()
        ));
        assert_eq!(cluster_key(&k, "a"), cluster_key(&k, "b"));
        assert!(cluster_key(&k, "a").is_some());
    }
}
