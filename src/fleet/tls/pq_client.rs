//! A kube client whose TLS offers post-quantum key exchange only. kube
//! builds its TLS from the process-wide provider, so a cluster that
//! requires more gets the same stack kube builds (base URI, auth, extra
//! headers, timeouts) around a connector with its own provider.

use std::sync::Arc;

use http::{Request, Response};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use kube::client::{Body, ClientBuilder, ConfigExt, DynBody};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tower::util::BoxService;
use tower::{BoxError, ServiceBuilder, ServiceExt};

use crate::fleet::kubeconfig::one_line;

/// What `ClientBuilder::try_from(config)` builds, so both paths take the
/// same layers after.
pub type Generic = BoxService<Request<Body>, Response<Box<DynBody>>, BoxError>;

/// The client's TLS configuration with `provider`: the kubeconfig's CA (or
/// its `insecure-skip-tls-verify`) and kube's own client identity.
pub fn tls_config(
    cfg: &kube::Config,
    provider: Arc<CryptoProvider>,
) -> Result<rustls::ClientConfig, String> {
    let own = cfg.rustls_client_config().map_err(|e| one_line(&e))?;
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = if cfg.accept_invalid_certs {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
    } else {
        let Some(certs) = cfg.root_cert.as_ref() else {
            return Err(
                "require_post_quantum needs the cluster's CA in the kubeconfig \
                        (certificate-authority or -data)"
                    .into(),
            );
        };
        let mut roots = RootCertStore::empty();
        for c in certs {
            roots
                .add(CertificateDer::from(c.clone()))
                .map_err(|e| format!("the kubeconfig's CA: {e}"))?;
        }
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| e.to_string())?;
        builder.with_webpki_verifier(verifier)
    };
    Ok(builder.with_client_cert_resolver(own.client_auth_cert_resolver.clone()))
}

/// kube's client stack around a post-quantum-only connector.
pub fn builder(cfg: &kube::Config) -> Result<ClientBuilder<Generic>, String> {
    if cfg.proxy_url.is_some() {
        return Err("require_post_quantum: a proxy-url is not supported".into());
    }
    let tls = tls_config(cfg, super::policy::post_quantum_only())?;
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    let mut https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http();
    if let Some(name) = &cfg.tls_server_name {
        let name =
            ServerName::try_from(name.clone()).map_err(|e| format!("tls-server-name: {e}"))?;
        https = https.with_server_name_resolver(hyper_rustls::FixedServerNameResolver::new(name));
    }
    let mut connector =
        hyper_timeout::TimeoutConnector::new(https.enable_http1().wrap_connector(http));
    connector.set_connect_timeout(cfg.connect_timeout);
    connector.set_read_timeout(cfg.read_timeout);
    connector.set_write_timeout(cfg.write_timeout);
    let client: hyper_util::client::legacy::Client<_, Body> =
        hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector);
    let service = ServiceBuilder::new()
        .layer(cfg.base_uri_layer())
        .option_layer(cfg.auth_layer().map_err(|e| one_line(&e))?)
        .layer(cfg.extra_headers_layer().map_err(|e| one_line(&e))?)
        .map_err(BoxError::from)
        .service(client)
        .map_response(|r: Response<hyper::body::Incoming>| {
            r.map(|b| Box::new(http_body_util::BodyExt::map_err(b, BoxError::from)) as Box<DynBody>)
        });
    Ok(ClientBuilder::new(
        BoxService::new(service),
        cfg.default_namespace.clone(),
    ))
}

/// `insecure-skip-tls-verify`: any certificate, signatures still checked
/// with the provider's algorithms (as kube does).
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
