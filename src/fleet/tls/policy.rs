//! Which contexts must use post-quantum key exchange only, and the
//! provider that offers nothing else (the process-wide one is
//! `basics::http`). Set once at start, read by every client built after.

use std::sync::{Arc, RwLock};

use rustls::crypto::aws_lc_rs::{self, kx_group};
use rustls::crypto::CryptoProvider;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Every cluster (`require_post_quantum` at the top of the config).
    pub all: bool,
    /// Each `[[cluster]]` entry's context glob and its `require_post_quantum`,
    /// in config order: the first entry that matches a context decides.
    pub entries: Vec<(String, bool)>,
}

impl Policy {
    pub fn from_config(config: &crate::config::Config) -> Policy {
        Policy {
            all: config.require_post_quantum,
            entries: config
                .clusters
                .iter()
                .map(|c| (c.context.clone(), c.require_post_quantum))
                .collect(),
        }
    }

    pub fn requires(&self, context: &str) -> bool {
        self.all
            || self
                .entries
                .iter()
                .find(|(glob, _)| crate::basics::glob::matches(glob, context))
                .is_some_and(|(_, on)| *on)
    }
}

static POLICY: RwLock<Option<Policy>> = RwLock::new(None);

pub fn set(p: Policy) {
    *POLICY.write().unwrap_or_else(|e| e.into_inner()) = Some(p);
}

/// Whether a client for `context` may offer post-quantum groups only.
pub fn required(context: &str) -> bool {
    let p = POLICY.read().unwrap_or_else(|e| e.into_inner());
    p.as_ref().is_some_and(|p| p.requires(context))
}

/// Offers post-quantum groups only: a classical-only server fails the
/// handshake before any request is sent.
pub fn post_quantum_only() -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider {
        kx_groups: vec![
            kx_group::X25519MLKEM768,
            kx_group::SECP256R1MLKEM768,
            kx_group::MLKEM768,
        ],
        ..aws_lc_rs::default_provider()
    })
}

pub use crate::basics::http::{hybrid, install_tls_provider as install};

/// A key-exchange group's name as people and `openssl` print it.
pub fn group_name(g: rustls::NamedGroup) -> String {
    match g {
        rustls::NamedGroup::X25519MLKEM768 => "X25519MLKEM768".into(),
        rustls::NamedGroup::secp256r1 => "P-256".into(),
        rustls::NamedGroup::secp384r1 => "P-384".into(),
        rustls::NamedGroup::X25519 => "X25519".into(),
        other => format!("{other:?}"),
    }
}

/// Whether a group resists a quantum adversary (a hybrid counts).
pub fn is_post_quantum(g: rustls::NamedGroup) -> bool {
    matches!(
        g,
        rustls::NamedGroup::X25519MLKEM768
            | rustls::NamedGroup::secp256r1MLKEM768
            | rustls::NamedGroup::MLKEM768
            | rustls::NamedGroup::MLKEM1024
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hybrid_group_comes_first_and_pq_only_has_no_classical_group() {
        let h = hybrid();
        assert_eq!(h.kx_groups[0].name(), rustls::NamedGroup::X25519MLKEM768);
        assert!(h.kx_groups.iter().any(|g| !is_post_quantum(g.name())));
        let pq = post_quantum_only();
        assert!(pq.kx_groups.iter().all(|g| is_post_quantum(g.name())));
    }

    #[test]
    fn policy_by_context_or_all() {
        set(Policy {
            all: false,
            entries: vec![("edge-*".into(), true), ("*".into(), false)],
        });
        assert!(required("edge-1"));
        assert!(!required("prod"));
        set(Policy::default());
        assert!(!required("edge-1"));
    }
}
