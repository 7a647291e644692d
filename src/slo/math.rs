//! Error budgets and burn rates (SRE Workbook, as Sloth and Pyrra compute
//! them): budget B = 1 − objective; burn over a window = error ratio / B;
//! a window pair fires when both its long and short window burn faster than
//! k = budget share × period / long window.

use std::time::Duration;

use serde::Serialize;

/// The windows fleetdeck evaluates, shortest first, as Prometheus spells them.
pub const WINDOWS: [&str; 7] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Page,
    Ticket,
}

/// One multiwindow alert: long and short window, and the share of the
/// period's budget it allows to be spent in the long window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowPair {
    pub severity: Severity,
    pub long: &'static str,
    pub short: &'static str,
    pub budget_share: f64,
}

pub const PAIRS: [WindowPair; 4] = [
    WindowPair {
        severity: Severity::Page,
        long: "1h",
        short: "5m",
        budget_share: 0.02,
    },
    WindowPair {
        severity: Severity::Page,
        long: "6h",
        short: "30m",
        budget_share: 0.05,
    },
    WindowPair {
        severity: Severity::Ticket,
        long: "1d",
        short: "2h",
        budget_share: 0.10,
    },
    WindowPair {
        severity: Severity::Ticket,
        long: "3d",
        short: "6h",
        budget_share: 0.10,
    },
];

/// `5m`, `2h`, `30d` → a window; `None` for anything else, and for zero.
pub fn parse_window(text: &str) -> Option<Duration> {
    crate::basics::duration::parse(text).filter(|d| !d.is_zero())
}

/// The budget as a ratio of requests: 99.9 (percent) → 0.001.
pub fn budget(objective_percent: f64) -> f64 {
    1.0 - objective_percent / 100.0
}

pub fn burn(error_ratio: f64, budget: f64) -> f64 {
    error_ratio / budget
}

/// Budget left over the period, as a fraction (negative once blown).
pub fn remaining(error_ratio_period: f64, budget: f64) -> f64 {
    1.0 - error_ratio_period / budget
}

/// The burn threshold of a pair for a period: 14.4 for 1h/5m over 30 days.
pub fn threshold(pair: &WindowPair, period: Duration) -> f64 {
    let long = parse_window(pair.long).expect("the pairs use valid windows");
    pair.budget_share * period.as_secs_f64() / long.as_secs_f64()
}

/// How long until the budget is gone at `burn`; `None` when it is not
/// burning, or so slowly that it lasts more than 100 years (a tiny positive
/// burn once overflowed `Duration::from_secs_f64`, a panic in the draw path).
pub fn exhaustion(remaining: f64, period: Duration, burn: f64) -> Option<Duration> {
    if burn.is_nan() || burn <= 0.0 || !burn.is_finite() {
        return None;
    }
    let secs = (remaining.max(0.0) * period.as_secs_f64() / burn).max(0.0);
    crate::basics::duration::from_secs_f64(secs)
}

/// A pair's state from the burns of its two windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub severity: Severity,
    pub long: &'static str,
    pub short: &'static str,
    pub threshold: f64,
    pub long_burn: Option<f64>,
    pub short_burn: Option<f64>,
    /// Both windows over the threshold. Unknown burns never fire.
    pub firing: bool,
}

pub fn alerts(period: Duration, burn_of: impl Fn(&str) -> Option<f64>) -> Vec<Alert> {
    PAIRS
        .iter()
        .map(|p| {
            let k = threshold(p, period);
            let (long_burn, short_burn) = (burn_of(p.long), burn_of(p.short));
            let over = |b: Option<f64>| b.is_some_and(|b| b > k);
            Alert {
                severity: p.severity,
                long: p.long,
                short: p.short,
                threshold: k,
                long_burn,
                short_burn,
                firing: over(long_burn) && over(short_burn),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400;

    #[test]
    fn thresholds_match_the_workbook_table() {
        let d30 = Duration::from_secs(30 * DAY);
        let d28 = Duration::from_secs(28 * DAY);
        let k: Vec<f64> = PAIRS.iter().map(|p| threshold(p, d30)).collect();
        for (got, want) in k.iter().zip([14.4, 6.0, 3.0, 1.0]) {
            assert!((got - want).abs() < 1e-9, "{k:?}");
        }
        let k: Vec<f64> = PAIRS.iter().map(|p| threshold(p, d28)).collect();
        for (got, want) in k.iter().zip([13.44, 5.6, 2.8, 0.9333]) {
            assert!((got - want).abs() < 1e-3, "{k:?}");
        }
    }

    #[test]
    fn budget_burn_remaining_and_exhaustion() {
        // 99.9 %: B = 0.001. 0.5 % errors burn 5x; 0.05 % over the period
        // leaves half the budget; at 5x that half lasts 30d × 0.5 / 5 = 3 days.
        let b = budget(99.9);
        assert!((b - 0.001).abs() < 1e-12);
        assert!((burn(0.005, b) - 5.0).abs() < 1e-9);
        assert!((remaining(0.0005, b) - 0.5).abs() < 1e-9);
        assert!((remaining(0.002, b) + 1.0).abs() < 1e-9, "blown: negative");
        let left = exhaustion(0.5, Duration::from_secs(30 * DAY), 5.0).unwrap();
        assert_eq!(left.as_secs(), 3 * DAY);
        assert_eq!(exhaustion(0.5, Duration::from_secs(DAY), 0.0), None);
        assert_eq!(exhaustion(0.5, Duration::from_secs(DAY), f64::NAN), None);
        // A tiny error ratio: centuries away, not a panic.
        assert_eq!(exhaustion(0.5, Duration::from_secs(30 * DAY), 1e-300), None);
        assert_eq!(
            exhaustion(1.0, Duration::from_secs(30 * DAY), f64::MIN_POSITIVE),
            None
        );
    }

    #[test]
    fn a_pair_fires_only_when_both_windows_burn() {
        let period = Duration::from_secs(30 * DAY);
        // 1h and 5m at 20x: the first page fires; 6h at 4x (< 6) does not.
        let burns = |w: &str| match w {
            "5m" | "1h" => Some(20.0),
            "30m" => Some(20.0),
            "6h" => Some(4.0),
            "2h" | "1d" => Some(3.5),
            "3d" => None,
            _ => Some(0.0),
        };
        let a = alerts(period, burns);
        assert_eq!(
            a.iter().map(|a| a.firing).collect::<Vec<_>>(),
            [true, false, true, false]
        );
        assert_eq!(parse_window("30d"), Some(Duration::from_secs(30 * DAY)));
        assert_eq!(parse_window("5x"), None);
        assert_eq!(parse_window("0m"), None);
    }
}
