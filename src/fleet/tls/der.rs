//! Just enough DER to read a certificate's `notAfter`: the validity is the
//! fifth field of the TBSCertificate (after an optional version). Anything
//! unexpected is an error, never a panic.

use chrono::{DateTime, NaiveDateTime, Utc};

/// One TLV: its tag, its contents, and what follows it.
fn tlv(buf: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let (&tag, rest) = buf.split_first().ok_or("truncated: no tag")?;
    let (&first, rest) = rest.split_first().ok_or("truncated: no length")?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return Err(format!("bad length of {n} bytes"));
        }
        let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(format!(
            "truncated: {len} bytes wanted, {} left",
            rest.len()
        ));
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const VERSION: u8 = 0xa0;

/// The certificate's `notAfter`.
pub fn not_after(cert: &[u8]) -> Result<DateTime<Utc>, String> {
    let (tag, cert, _) = tlv(cert)?;
    expect(tag, SEQUENCE, "certificate")?;
    let (tag, mut tbs, _) = tlv(cert)?;
    expect(tag, SEQUENCE, "tbsCertificate")?;
    if tbs.first() == Some(&VERSION) {
        tbs = tlv(tbs)?.2;
    }
    // serialNumber, signature, issuer
    for _ in 0..3 {
        tbs = tlv(tbs)?.2;
    }
    let (tag, validity, _) = tlv(tbs)?;
    expect(tag, SEQUENCE, "validity")?;
    let (_, _, rest) = tlv(validity)?;
    let (tag, time, _) = tlv(rest)?;
    time_of(tag, time)
}

fn expect(tag: u8, want: u8, what: &str) -> Result<(), String> {
    match tag == want {
        true => Ok(()),
        false => Err(format!("{what}: tag {tag:#04x}, expected {want:#04x}")),
    }
}

fn time_of(tag: u8, raw: &[u8]) -> Result<DateTime<Utc>, String> {
    let s = std::str::from_utf8(raw).map_err(|_| "time is not text".to_string())?;
    let full = match tag {
        // RFC 5280: two-digit years 50–99 are 19xx, 00–49 are 20xx.
        UTC_TIME if s.len() == 13 => {
            let yy: u32 = s[..2].parse().map_err(|_| format!("bad time {s:?}"))?;
            format!("{}{s}", if yy >= 50 { "19" } else { "20" })
        }
        GENERALIZED_TIME if s.len() == 15 => s.to_string(),
        _ => return Err(format!("unsupported time {s:?} (tag {tag:#04x})")),
    };
    NaiveDateTime::parse_from_str(&full, "%Y%m%d%H%M%SZ")
        .map(|t| t.and_utc())
        .map_err(|e| format!("bad time {s:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate made with
    /// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
    /// -subj /CN=t -days 5 -keyout /dev/null` (not after 2026-12-09 17:19:13).
    const PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBbjCCAROgAwIBAgIUB0GehY29Gpkmb1Q8I4EDDK19UyswCgYIKoZIzj0EAwIw
DDEKMAgGA1UEAwwBdDAeFw0yNjEyMDQxNzE5MTNaFw0yNjEyMDkxNzE5MTNaMAwx
CjAIBgNVBAMMAXQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATFKQT3098Nfqbb
bVhCfV0fEIq5mQa8fgc93ki2DTtlVHDB0GlJ+GzpDZEj8uLiGqxrB2moXXCwrVqu
CsX23feCo1MwUTAdBgNVHQ4EFgQUqtq3Ftv0Na1K9AkLbxGwie5eF8EwHwYDVR0j
BBgwFoAUqtq3Ftv0Na1K9AkLbxGwie5eF8EwDwYDVR0TAQH/BAUwAwEB/zAKBggq
hkjOPQQDAgNJADBGAiEA/BUjU9htt70uKfCMI10kp6Ic4CzhQ7zGeNyAYz4SHuAC
IQCCHHsSoWTTkeFG42qGp51yhq7pg3U3SGGPbiNmSnu3BQ==
-----END CERTIFICATE-----";

    fn der() -> Vec<u8> {
        use rustls::pki_types::{pem::PemObject, CertificateDer};
        CertificateDer::from_pem_slice(PEM.as_bytes())
            .unwrap()
            .to_vec()
    }

    #[test]
    fn reads_not_after() {
        let t = not_after(&der()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-09T17:19:13+00:00");
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        let d = der();
        for n in [0, 1, 2, 10, 40, d.len() / 2] {
            assert!(not_after(&d[..n]).is_err(), "{n} bytes");
        }
        assert!(not_after(b"\x30\x84\xff\xff\xff\xff").is_err());
        assert!(not_after(b"\x04\x01\x00").is_err());
    }

    #[test]
    fn two_digit_years_follow_rfc_5280() {
        let t = time_of(UTC_TIME, b"491231235959Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2049-12-31T23:59:59+00:00");
        let t = time_of(UTC_TIME, b"500101000000Z").unwrap();
        assert_eq!(t.to_rfc3339(), "1950-01-01T00:00:00+00:00");
    }
}
