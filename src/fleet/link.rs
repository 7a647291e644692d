//! An intermittent link (`edge = true`): the probe's outcomes over the last
//! hour, and a health change that counts only once it has held for `hold`,
//! so a cluster whose link drops for seconds does not flap in and out of the
//! fleet's totals.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

/// How far back availability looks.
pub const WINDOW_SECS: i64 = 3600;

#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    hold: Duration,
    /// Probe outcomes, oldest first, within [`WINDOW_SECS`].
    samples: VecDeque<(DateTime<Utc>, bool)>,
    /// The state that counts: `None` until the first outcome.
    counted: Option<bool>,
    /// When it started to count.
    counted_since: Option<DateTime<Utc>>,
}

impl Link {
    pub fn new(hold_secs: u64) -> Self {
        Link {
            hold: Duration::seconds(hold_secs.min(86_400) as i64),
            samples: VecDeque::new(),
            counted: None,
            counted_since: None,
        }
    }

    /// One probe outcome. The first one counts at once (nothing to flap
    /// from); a change counts once every outcome for `hold` agrees.
    pub fn record(&mut self, now: DateTime<Utc>, up: bool) {
        self.samples.push_back((now, up));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| (now - *t).num_seconds() > WINDOW_SECS)
        {
            self.samples.pop_front();
        }
        match self.counted {
            None => {
                self.counted = Some(up);
                self.counted_since = Some(now);
            }
            Some(c) if c != up => {
                if let Some(s) = self.run_since(up).filter(|s| now - *s >= self.hold) {
                    self.counted = Some(up);
                    self.counted_since = Some(s);
                }
            }
            _ => {}
        }
    }

    /// Since when the outcomes have all been `up` (the run ending now).
    fn run_since(&self, up: bool) -> Option<DateTime<Utc>> {
        let mut since = None;
        for (t, u) in self.samples.iter().rev() {
            if *u != up {
                break;
            }
            since = Some(*t);
        }
        since
    }

    pub fn counted(&self) -> Option<bool> {
        self.counted
    }

    /// Since when the counted state has held (from its first outcome).
    pub fn counted_since(&self) -> Option<DateTime<Utc>> {
        self.counted_since
    }

    /// A change seen but not yet counted: the new state and since when.
    pub fn pending(&self) -> Option<(bool, DateTime<Utc>)> {
        let (_, last) = *self.samples.back()?;
        match self.counted {
            Some(c) if c != last => Some((last, self.run_since(last)?)),
            _ => None,
        }
    }

    /// The share of outcomes that were up over the last hour.
    pub fn availability(&self) -> Option<f64> {
        if self.samples.is_empty() {
            return None;
        }
        let up = self.samples.iter().filter(|(_, u)| *u).count();
        Some(up as f64 / self.samples.len() as f64)
    }

    pub fn hold_secs(&self) -> i64 {
        self.hold.num_seconds()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap() + Duration::seconds(s)
    }

    #[test]
    fn a_short_drop_does_not_count_a_long_one_does() {
        let mut l = Link::new(30);
        l.record(at(0), true);
        // Down for 20 s of every 40: never held for 30 s.
        for cycle in 0..5 {
            let base = 10 + cycle * 40;
            for s in (base..base + 20).step_by(10) {
                l.record(at(s), false);
                assert_eq!(l.counted(), Some(true), "at {s}");
            }
            for s in (base + 20..base + 40).step_by(10) {
                l.record(at(s), true);
            }
        }
        assert_eq!(l.pending(), None);
        // Down for good: pending, then counted once held.
        for s in (210..=250).step_by(10) {
            l.record(at(s), false);
        }
        assert_eq!(l.counted(), Some(false));
        let a = l.availability().unwrap();
        assert!(a > 0.4 && a < 0.7, "{a}");
    }

    #[test]
    fn pending_says_what_and_since_when() {
        let mut l = Link::new(60);
        l.record(at(0), true);
        l.record(at(10), false);
        l.record(at(20), false);
        assert_eq!(l.pending(), Some((false, at(10))));
        assert_eq!(l.counted(), Some(true));
    }

    #[test]
    fn the_window_is_an_hour() {
        let mut l = Link::new(0);
        l.record(at(0), false);
        l.record(at(WINDOW_SECS + 10), true);
        assert_eq!(l.availability(), Some(1.0));
    }
}
