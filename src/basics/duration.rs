//! Durations as people write them in fleetdeck's config and flags: `30s`,
//! `5m`, `2h`, `30d`, `1w`. One parser with checked arithmetic, so a huge
//! value is an error, never an overflow.

use std::time::Duration;

/// The longest duration fleetdeck accepts anywhere: 100 years.
pub const MAX_SECONDS: u64 = 100 * 365 * 86_400;

/// `<n><unit>` with unit s, m, h, d or w → a duration of at most 100 years;
/// `None` for anything else (no unit, a fraction, a sign, overflow).
pub fn parse(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().ok()?;
    let per: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(per)
        .filter(|s| *s <= MAX_SECONDS)
        .map(Duration::from_secs)
}

/// An RFC 3339 time, or an age (`2h`) after `now` (`ahead`) or before it.
pub fn time(
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
    ahead: bool,
) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    let d = chrono::Duration::from_std(parse(text)?).ok()?;
    match ahead {
        true => now.checked_add_signed(d),
        false => now.checked_sub_signed(d),
    }
}

/// `2h` from `now`, or an RFC 3339 time (a snooze's `--until`).
pub fn until(
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    time(text, now, true).ok_or_else(|| {
        format!("--until {text:?}: expected RFC 3339 or 30m, 2h, 7d (up to 100 years)")
    })
}

/// Seconds as a duration, `None` when negative, not finite or over 100
/// years (`Duration::from_secs_f64` panics on those).
pub fn from_secs_f64(secs: f64) -> Option<Duration> {
    (secs.is_finite() && (0.0..=MAX_SECONDS as f64).contains(&secs))
        .then(|| Duration::from_secs_f64(secs))
}

/// The largest whole unit that divides `secs`: `3600` → `1h`, `5400` → `90m`.
pub fn words(secs: u64) -> String {
    for (unit, per) in [("w", 7 * 86_400), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if secs > 0 && secs.is_multiple_of(per) {
            return format!("{}{unit}", secs / per);
        }
    }
    format!("{secs}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_limits() {
        assert_eq!(parse("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse(" 5m "), Some(Duration::from_secs(300)));
        assert_eq!(parse("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse("30d"), Some(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse("1w"), Some(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse("0s"), Some(Duration::ZERO));
        for bad in [
            "",
            "5",
            "m",
            "-5m",
            "1.5h",
            "5 m",
            "5y",
            "2ч",
            "99999999999999999999s",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        // Overflow and absurd sizes are refused, not wrapped.
        assert_eq!(parse(&format!("{}w", u64::MAX / 2)), None);
        assert_eq!(parse("36501d"), None);
        assert!(parse("36500d").is_some());
    }

    #[test]
    fn until_never_panics() {
        let now = chrono::Utc::now();
        assert_eq!(until("2h", now).unwrap(), now + chrono::Duration::hours(2));
        for bad in ["2ч", "ч", "", "h", "9999999999999d", "-1h", "2x", "2 h"] {
            assert!(until(bad, now).is_err(), "{bad}");
        }
        assert!(until("2026-12-01T00:00:00Z", now).is_ok());
    }

    #[test]
    fn seconds_from_floats() {
        assert_eq!(from_secs_f64(1.5), Some(Duration::from_millis(1500)));
        assert_eq!(from_secs_f64(-1.0), None);
        assert_eq!(from_secs_f64(f64::INFINITY), None);
        assert_eq!(from_secs_f64(f64::NAN), None);
        assert_eq!(from_secs_f64(1e300), None);
    }

    #[test]
    fn words_round_trip() {
        for w in ["1h", "90m", "1d", "2w", "45s"] {
            assert_eq!(words(parse(w).unwrap().as_secs()), w);
        }
    }
}
