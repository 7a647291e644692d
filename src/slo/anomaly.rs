//! The baseline anomaly flag: how far the newest 5-minute error (or slow)
//! ratio sits from its own recent past, as a robust z-score — median and
//! median absolute deviation (MAD) of the previous points, so one spike in
//! the baseline does not hide the next (Iglewicz & Hoaglin's modified
//! z-score, flagged above 3.5).

/// Points of baseline needed before anything is flagged.
pub const MIN_BASELINE: usize = 10;
/// Flag when |z| exceeds this.
pub const THRESHOLD: f64 = 3.5;
/// Baseline length (refreshes).
pub const BASELINE: usize = 30;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The modified z-score of `latest` against `baseline` (finite points only);
/// `None` without enough baseline or when the baseline does not vary at all.
pub fn robust_z(baseline: &[f64], latest: f64) -> Option<f64> {
    let mut b: Vec<f64> = baseline.iter().copied().filter(|x| x.is_finite()).collect();
    if b.len() < MIN_BASELINE || !latest.is_finite() {
        return None;
    }
    let med = median(&mut b);
    let mut dev: Vec<f64> = b.iter().map(|x| (x - med).abs()).collect();
    let mad = median(&mut dev);
    if mad > 0.0 {
        return Some(0.6745 * (latest - med) / mad);
    }
    // More than half the baseline equal: fall back to the mean deviation.
    let mean_ad = dev.iter().sum::<f64>() / dev.len() as f64;
    (mean_ad > 0.0).then(|| (latest - med) / (1.253314 * mean_ad))
}

/// The flag for a history whose last point is the newest.
pub fn flag(history: &[f64]) -> Option<f64> {
    let (latest, before) = history.split_last()?;
    let start = before.len().saturating_sub(BASELINE);
    robust_z(&before[start..], *latest).filter(|z| z.abs() > THRESHOLD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_is_flagged_steady_noise_is_not() {
        // Baseline 0.001 ± 0.0002: median 0.001, MAD 0.0001.
        let base: Vec<f64> = (0..20)
            .map(|i| 0.001 + if i % 2 == 0 { 0.0001 } else { -0.0001 })
            .collect();
        // 0.0012: z = 0.6745 × 0.0002 / 0.0001 = 1.35 — not flagged.
        assert!((robust_z(&base, 0.0012).unwrap() - 1.349).abs() < 1e-3);
        // 0.02: z = 0.6745 × 0.019 / 0.0001 = 128 — flagged.
        let mut h = base.clone();
        h.push(0.02);
        assert!((flag(&h).unwrap() - 128.155).abs() < 0.01);
        h.pop();
        h.push(0.0011);
        assert_eq!(flag(&h), None);
        assert_eq!(robust_z(&base[..5], 1.0), None, "too little baseline");
        assert_eq!(
            robust_z(&[0.0; 12], 0.5),
            None,
            "a baseline that never varies says nothing"
        );
    }
}
