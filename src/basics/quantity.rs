//! Kubernetes resource quantities, the whole grammar of
//! `k8s.io/apimachinery/pkg/api/resource`: a signed decimal number, then a
//! binary suffix (`Ki` … `Ei`), a decimal suffix (`n`, `u`, `m`, none, `k`,
//! `M`, `G`, `T`, `P`, `E`) or a decimal exponent (`e3`, `E-2`). `1E` is an
//! exabyte while `1E3` is a thousand, as in Kubernetes.

const BINARY: [(&str, i32); 6] = [
    ("Ki", 10),
    ("Mi", 20),
    ("Gi", 30),
    ("Ti", 40),
    ("Pi", 50),
    ("Ei", 60),
];
const DECIMAL: [(&str, i32); 10] = [
    ("n", -9),
    ("u", -6),
    ("m", -3),
    ("", 0),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];

/// The split of `text` into its number and its suffix, if the number is
/// well formed: digits with at most one `.`, at least one digit, a sign.
fn split(text: &str) -> Option<(&str, &str)> {
    let t = text.trim();
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let num = &body[..end];
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return None;
    }
    let sign_len = t.len() - body.len();
    Some((&t[..sign_len + end], &body[end..]))
}

/// A quantity's value; `None` when it is not a quantity.
pub fn parse(text: &str) -> Option<f64> {
    let (num, suffix) = split(text)?;
    let n: f64 = num.parse().ok()?;
    if let Some(exp) = suffix.strip_prefix(['e', 'E']).filter(|e| !e.is_empty()) {
        let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let e: i32 = exp.parse().ok()?;
            return finite(n * 10f64.powi(e));
        }
    }
    if let Some((_, p)) = BINARY.iter().find(|(s, _)| *s == suffix) {
        return finite(n * 2f64.powi(*p));
    }
    let (_, p) = DECIMAL.iter().find(|(s, _)| *s == suffix)?;
    finite(n * 10f64.powi(*p))
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Two quantities with the same value, however written (`0.5` = `500m`).
pub fn eq(a: &str, b: &str) -> bool {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        _ => a == b,
    }
}

/// In thousandths, rounded up as Kubernetes' `MilliValue` does (`100n` CPU
/// is 1 millicore, not 0); `None` for negatives and non-quantities.
pub fn millis(text: &str) -> Option<u64> {
    whole(parse(text)? * 1000.0)
}

/// In units, rounded up as Kubernetes' `Value` does (bytes of memory).
pub fn value(text: &str) -> Option<u64> {
    whole(parse(text)?)
}

fn whole(v: f64) -> Option<u64> {
    // Tolerate float noise just above a whole number (0.1 * 1000).
    let r = v.round();
    let v = if (v - r).abs() < 1e-6 * r.abs().max(1.0) {
        r
    } else {
        v.ceil()
    };
    (v >= 0.0 && v <= u64::MAX as f64).then_some(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        let cases: &[(&str, f64)] = &[
            ("4", 4.0),
            ("250m", 0.25),
            ("1.5", 1.5),
            ("0.5", 0.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("+2", 2.0),
            ("-3k", -3000.0),
            ("500000u", 0.5),
            ("100n", 1e-7),
            ("16Gi", 16.0 * 1073741824.0),
            ("512M", 512e6),
            ("1P", 1e15),
            ("1Pi", 1125899906842624.0),
            ("1E", 1e18),
            ("1Ei", 1152921504606846976.0),
            ("1e3", 1000.0),
            ("1E3", 1000.0),
            ("2e-3", 0.002),
            ("1e+2", 100.0),
        ];
        for (text, want) in cases {
            let got = parse(text).unwrap_or_else(|| panic!("{text} parses"));
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1e-9),
                "{text}: {got} != {want}"
            );
        }
        for bad in [
            "", "m", "Ki", "1.2.3", "1KiB", "1 Gi", "1e", "1e3.5", "1x", "--1", ".",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn millis_and_bytes_round_up_like_kubernetes() {
        assert_eq!(millis("500000u"), Some(500));
        assert_eq!(millis("100n"), Some(1));
        assert_eq!(millis("0.1"), Some(100));
        assert_eq!(millis("4"), Some(4000));
        assert_eq!(value("1Pi"), Some(1 << 50));
        assert_eq!(value("1Ei"), Some(1 << 60));
        assert_eq!(value("1E"), Some(1_000_000_000_000_000_000));
        assert_eq!(value("1.5k"), Some(1500));
        assert_eq!(value("-1"), None);
        assert_eq!(value("junk"), None);
        assert!(eq("0.5", "500m") && eq("1024Mi", "1Gi") && !eq("1G", "1Gi"));
    }

    proptest! {
        /// Any integer with any suffix reads back as integer × the suffix's factor.
        #[test]
        fn suffixes_scale_the_number(n in 0u32..1_000_000, i in 0usize..16, frac in proptest::option::of(1u32..1000)) {
            let (suffix, factor) = if i < 6 {
                (BINARY[i].0, 2f64.powi(BINARY[i].1))
            } else {
                (DECIMAL[i - 6].0, 10f64.powi(DECIMAL[i - 6].1))
            };
            let (text, num) = match frac {
                Some(f) => (format!("{n}.{f:03}{suffix}"), n as f64 + f as f64 / 1000.0),
                None => (format!("{n}{suffix}"), n as f64),
            };
            let want = num * factor;
            let got = parse(&text).unwrap();
            prop_assert!((got - want).abs() <= 1e-9 * want.abs().max(1e-12), "{} → {} != {}", text, got, want);
        }

        /// Nothing panics, whatever the text.
        #[test]
        fn never_panics(s in ".{0,12}") {
            let _ = (parse(&s), millis(&s), value(&s));
        }
    }
}
