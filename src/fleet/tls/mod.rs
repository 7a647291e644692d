//! The link to each API server: one crypto provider for the process (the
//! hybrid post-quantum group first), post-quantum-only clients where the
//! config requires them, and a probe of what each handshake negotiated and
//! when its certificates expire.

pub mod der;
pub mod policy;
pub mod pq_client;
pub mod probe;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A certificate expiring sooner than this is a warning on its row: a
/// common cause of a cluster "suddenly" going unreachable.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsInfo {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    /// The key-exchange group negotiated: `X25519MLKEM768`, `P-256`, …
    pub group: Option<String>,
    /// Whether that group resists a quantum adversary (a hybrid counts).
    pub post_quantum: bool,
    pub server_cert_not_after: Option<DateTime<Utc>>,
    pub client_cert_not_after: Option<DateTime<Utc>>,
    /// The client offered post-quantum groups only.
    pub required: bool,
}

impl TlsInfo {
    /// Certificates that expire within [`EXPIRY_WARNING_DAYS`] (or have).
    pub fn warnings(&self, now: DateTime<Utc>) -> Vec<String> {
        [
            ("server", self.server_cert_not_after),
            ("client", self.client_cert_not_after),
        ]
        .into_iter()
        .filter_map(|(side, t)| {
            let left = t? - now;
            (left.num_days() < EXPIRY_WARNING_DAYS).then(|| match left.num_seconds() {
                s if s <= 0 => format!("{side} certificate expired"),
                s if s < 86_400 => format!("{side} certificate expires in {} h", s / 3600),
                _ => format!("{side} certificate expires in {} d", left.num_days()),
            })
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn certificates_near_expiry_are_warnings() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
        let info = TlsInfo {
            version: "TLSv1.3".into(),
            group: Some("X25519MLKEM768".into()),
            post_quantum: true,
            server_cert_not_after: Some(now + chrono::Duration::days(300)),
            client_cert_not_after: Some(now + chrono::Duration::days(5)),
            required: false,
        };
        assert_eq!(
            info.warnings(now),
            vec!["client certificate expires in 5 d"]
        );
        let soon = TlsInfo {
            server_cert_not_after: Some(now - chrono::Duration::hours(1)),
            client_cert_not_after: Some(now + chrono::Duration::hours(3)),
            ..info
        };
        assert_eq!(
            soon.warnings(now),
            vec![
                "server certificate expired",
                "client certificate expires in 3 h"
            ]
        );
    }
}
