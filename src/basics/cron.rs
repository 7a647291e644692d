//! Backup schedules' timing: Velero's `spec.schedule` is a five-field cron
//! expression (minute hour day-of-month month day-of-week, with lists,
//! ranges and steps) or a descriptor (`@every 6h`, `@daily`, …). A recovery-
//! point objective taken from a schedule is its interval, and for an
//! irregular one the longest gap between runs over the next seven days.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Every(Duration),
    Cron(Box<Fields>),
}

/// Each field as the set of values it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    minute: Vec<bool>,
    hour: Vec<bool>,
    dom: Vec<bool>,
    month: Vec<bool>,
    dow: Vec<bool>,
    /// Cron's rule: when both day fields are restricted, either may match.
    dom_any: bool,
    dow_any: bool,
}

/// Parses a schedule; the error says which field and why.
pub fn parse(text: &str) -> Result<Schedule, String> {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix("@every") {
        let d = crate::basics::duration::parse(rest.trim())
            .ok_or_else(|| format!("{t:?}: @every needs a duration like 6h or 30m"))?;
        let d = Duration::from_std(d).map_err(|e| format!("{t:?}: {e}"))?;
        if d <= Duration::zero() {
            return Err(format!("{t:?}: @every needs a positive duration"));
        }
        return Ok(Schedule::Every(d));
    }
    let expanded = match t {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        other => other,
    };
    let parts: Vec<&str> = expanded.split_whitespace().collect();
    if parts.len() != 5 {
        return Err(format!(
            "{t:?}: expected five fields (minute hour day month weekday) or @every/@daily…"
        ));
    }
    let field = |i: usize, name: &str, lo: u32, hi: u32| {
        set(parts[i], lo, hi).map_err(|e| format!("{t:?}: {name} field {:?}: {e}", parts[i]))
    };
    let mut dow = field(4, "weekday", 0, 7)?;
    // 7 is Sunday too.
    if dow[7] {
        dow[0] = true;
    }
    Ok(Schedule::Cron(Box::new(Fields {
        minute: field(0, "minute", 0, 59)?,
        hour: field(1, "hour", 0, 23)?,
        dom: field(2, "day", 1, 31)?,
        month: field(3, "month", 1, 12)?,
        dow,
        dom_any: parts[2] == "*" || parts[2] == "?",
        dow_any: parts[4] == "*" || parts[4] == "?",
    })))
}

/// The values `spec` allows, indexed 0..=hi.
fn set(spec: &str, lo: u32, hi: u32) -> Result<Vec<bool>, String> {
    let mut out = vec![false; hi as usize + 1];
    for part in spec.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let s: u32 = s.parse().map_err(|_| format!("bad step {s:?}"))?;
                if s == 0 {
                    return Err("a step of 0".into());
                }
                (r, s)
            }
            None => (part, 1),
        };
        let num = |s: &str| -> Result<u32, String> {
            let n: u32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
            if n < lo || n > hi {
                return Err(format!("{n} is outside {lo}–{hi}"));
            }
            Ok(n)
        };
        let (a, b) = match range {
            "*" | "?" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (num(a)?, num(b)?),
                // `5/15`: from 5 to the end, every 15.
                None if step > 1 => (num(r)?, hi),
                None => {
                    let n = num(r)?;
                    (n, n)
                }
            },
        };
        if a > b {
            return Err(format!("range {a}-{b} runs backwards"));
        }
        for v in (a..=b).step_by(step as usize) {
            out[v as usize] = true;
        }
    }
    Ok(out)
}

impl Fields {
    fn matches(&self, t: DateTime<Utc>) -> bool {
        let dom = self.dom[t.day() as usize];
        let dow = self.dow[t.weekday().num_days_from_sunday() as usize];
        let day = match (self.dom_any, self.dow_any) {
            (true, true) => true,
            (true, false) => dow,
            (false, true) => dom,
            (false, false) => dom || dow,
        };
        self.minute[t.minute() as usize]
            && self.hour[t.hour() as usize]
            && self.month[t.month() as usize]
            && day
    }
}

impl Schedule {
    /// The longest time between two runs, of those starting in the seven
    /// days from `from` (the interval itself for `@every`); `None` if it
    /// runs less than twice in two weeks (`@monthly`, say).
    pub fn longest_gap(&self, from: DateTime<Utc>) -> Option<Duration> {
        let f = match self {
            Schedule::Every(d) => return Some(*d),
            Schedule::Cron(f) => f,
        };
        let start = from
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(from);
        // Gaps that start within the seven days, followed to their end (at
        // most seven days more: a weekly pattern has repeated by then).
        let week = Duration::days(7);
        let mut last: Option<DateTime<Utc>> = None;
        let mut longest: Option<Duration> = None;
        for m in 0..=2 * 7 * 24 * 60 {
            let t = start + Duration::minutes(m);
            if !f.matches(t) {
                continue;
            }
            if let Some(prev) = last {
                let gap = t - prev;
                longest = Some(longest.map_or(gap, |l| l.max(gap)));
            }
            if t - start >= week {
                break;
            }
            last = Some(t);
        }
        longest
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn monday() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap()
    }

    fn gap_hours(s: &str) -> Option<i64> {
        parse(s)
            .unwrap()
            .longest_gap(monday())
            .map(|d| d.num_hours())
    }

    #[test]
    fn regular_schedules_have_their_interval() {
        assert_eq!(gap_hours("0 2 * * *"), Some(24));
        assert_eq!(gap_hours("@daily"), Some(24));
        assert_eq!(gap_hours("@every 6h"), Some(6));
        assert_eq!(gap_hours("0 */4 * * *"), Some(4));
        assert_eq!(gap_hours("@hourly"), Some(1));
        assert_eq!(gap_hours("@weekly"), Some(7 * 24));
        assert_eq!(gap_hours("@monthly"), None, "not twice in two weeks");
    }

    #[test]
    fn irregular_ones_give_their_longest_gap() {
        // Weekdays at 01:00: Friday 01:00 → Monday 01:00.
        assert_eq!(gap_hours("0 1 * * 1-5"), Some(72));
        // 02:00 and 08:00: the night gap.
        assert_eq!(gap_hours("0 2,8 * * *"), Some(18));
        // Sunday as 7.
        assert_eq!(gap_hours("30 3 * * 0,3"), gap_hours("30 3 * * 7,3"));
    }

    #[test]
    fn bad_schedules_say_which_field() {
        let e = parse("0 25 * * *").unwrap_err();
        assert!(e.contains("hour") && e.contains("25"), "{e}");
        assert!(parse("* * *").unwrap_err().contains("five fields"));
        assert!(parse("*/0 * * * *").unwrap_err().contains("step of 0"));
        assert!(parse("5-1 * * * *").unwrap_err().contains("backwards"));
        assert!(parse("@every soon").is_err());
    }
}
