//! One TLS handshake with the API server using the client's own
//! configuration (kube's, or the post-quantum-only one): what was
//! negotiated and when each side's certificate expires. Nothing is sent
//! after the handshake.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kube::client::ConfigExt;
use rustls::pki_types::ServerName;
use rustls::SignatureScheme;
use tokio::io::AsyncWriteExt;

use super::{der, policy, TlsInfo};
use crate::fleet::kubeconfig::one_line;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Probes the server `cfg` points at; `None` for plain `http`.
pub async fn probe(cfg: &kube::Config, required: bool) -> Result<Option<TlsInfo>, String> {
    let uri = &cfg.cluster_url;
    if uri.scheme_str() != Some("https") {
        return Ok(None);
    }
    let host = uri.host().ok_or("the server URL has no host")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(443);
    let tls = match required {
        true => super::pq_client::tls_config(cfg, policy::post_quantum_only())?,
        false => cfg.rustls_client_config().map_err(|e| one_line(&e))?,
    };
    let client_cert_not_after = client_cert(&tls);
    let name = cfg.tls_server_name.as_deref().unwrap_or(host).to_string();
    let name = ServerName::try_from(name).map_err(|e| format!("server name: {e}"))?;
    let tcp = tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect((host, port)))
        .await
        .map_err(|_| format!("connect to {host}:{port}: timed out"))?
        .map_err(|e| format!("connect to {host}:{port}: {e}"))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
    let mut stream = tokio::time::timeout(TIMEOUT, connector.connect(name, tcp))
        .await
        .map_err(|_| "TLS handshake: timed out".to_string())?
        .map_err(|e| handshake_error(&e, required))?;
    let (_, conn) = stream.get_ref();
    let info = TlsInfo {
        version: conn
            .protocol_version()
            .map(version_name)
            .unwrap_or_else(|| "unknown".into()),
        group: conn
            .negotiated_key_exchange_group()
            .map(|g| policy::group_name(g.name())),
        post_quantum: conn
            .negotiated_key_exchange_group()
            .is_some_and(|g| policy::is_post_quantum(g.name())),
        server_cert_not_after: conn
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|c| der::not_after(c).ok()),
        client_cert_not_after,
        required,
    };
    let _ = stream.shutdown().await;
    Ok(Some(info))
}

/// The identity kube's configuration presents, if any.
fn client_cert(tls: &rustls::ClientConfig) -> Option<DateTime<Utc>> {
    let r = &tls.client_auth_cert_resolver;
    if !r.has_certs() {
        return None;
    }
    let schemes = [
        SignatureScheme::ECDSA_NISTP256_SHA256,
        SignatureScheme::ECDSA_NISTP384_SHA384,
        SignatureScheme::RSA_PSS_SHA256,
        SignatureScheme::RSA_PKCS1_SHA256,
        SignatureScheme::ED25519,
    ];
    let key = r.resolve(&[], &schemes)?;
    der::not_after(key.cert.first()?).ok()
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        other => format!("{other:?}"),
    }
}

/// Says why, in the words an operator needs: a post-quantum requirement
/// the server cannot meet is named as such.
fn handshake_error(e: &std::io::Error, required: bool) -> String {
    let text = one_line(e);
    if required && (text.contains("HandshakeFailure") || text.contains("IllegalParameter")) {
        format!(
            "require_post_quantum: the server offers no post-quantum key exchange \
             ({text}); nothing was sent"
        )
    } else {
        format!("TLS handshake: {text}")
    }
}
