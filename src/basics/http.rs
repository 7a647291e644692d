//! One rustls crypto provider for the whole process (aws-lc-rs, the hybrid
//! post-quantum group X25519MLKEM768 offered first, classical groups after
//! it so older servers still answer), and HTTP clients built on it: reqwest
//! brings no provider of its own and needs this one installed first.

use rustls::crypto::aws_lc_rs::{self, kx_group};
use rustls::crypto::CryptoProvider;

/// The provider every client uses unless its cluster requires more.
pub fn hybrid() -> CryptoProvider {
    CryptoProvider {
        kx_groups: vec![
            kx_group::X25519MLKEM768,
            kx_group::X25519,
            kx_group::SECP256R1,
            kx_group::SECP384R1,
        ],
        ..aws_lc_rs::default_provider()
    }
}

/// Installs the process-wide provider once; later calls (and a provider
/// installed before) are left alone.
pub fn install_tls_provider() {
    if CryptoProvider::get_default().is_none() {
        let _ = hybrid().install_default();
    }
}

/// A reqwest client builder over the process's provider.
pub fn builder() -> reqwest::ClientBuilder {
    install_tls_provider();
    reqwest::Client::builder()
}

/// A default reqwest client over the process's provider.
pub fn client() -> reqwest::Client {
    builder().build().unwrap_or_else(|_| reqwest::Client::new())
}
