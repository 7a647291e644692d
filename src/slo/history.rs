//! Rates from successive scrapes, for clusters without a Prometheus: the
//! scrapes kept in memory, a small selector (`name{l="v",l=~"re"}`), and the
//! increase of matching counters over a window — only for windows the history
//! actually covers (no made-up 30-day numbers).

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use regex::Regex;

use super::scrape::FlatSample;

#[derive(Debug, Clone)]
enum Op {
    Eq(String),
    Ne(String),
    Re(Regex),
    NotRe(Regex),
}

/// `http_requests_total{code=~"5..",service="checkout"}`.
#[derive(Debug, Clone)]
pub struct Selector {
    pub name: String,
    matchers: Vec<(String, Op)>,
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        let text = text.trim();
        let (name, rest) = match text.find('{') {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        let valid = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
        if name.is_empty() || !name.chars().all(valid) {
            return Err(format!(
                "{text:?}: expected NAME or NAME{{label=\"value\",…}}"
            ));
        }
        let mut matchers = Vec::new();
        if let Some(rest) = rest {
            let body = rest
                .strip_suffix('}')
                .ok_or_else(|| format!("{text:?}: no closing }}"))?;
            let re = Regex::new(
                r#"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)"#,
            )
            .expect("valid");
            let mut at = body;
            while !at.trim().is_empty() {
                let caps = re
                    .captures(at)
                    .ok_or_else(|| format!("{text:?}: cannot read the matcher at {at:?}"))?;
                let (label, op, value) = (
                    caps[1].to_string(),
                    &caps[2],
                    caps[3].replace("\\\"", "\"").replace("\\\\", "\\"),
                );
                let anchored = |v: &str| {
                    Regex::new(&format!("^(?:{v})$")).map_err(|e| format!("{text:?}: {e}"))
                };
                let op = match op {
                    "=" => Op::Eq(value),
                    "!=" => Op::Ne(value),
                    "=~" => Op::Re(anchored(&value)?),
                    _ => Op::NotRe(anchored(&value)?),
                };
                matchers.push((label, op));
                at = &at[caps[0].len()..];
            }
        }
        Ok(Selector {
            name: name.to_string(),
            matchers,
        })
    }

    pub fn matches(&self, s: &FlatSample) -> bool {
        s.name == self.name
            && self.matchers.iter().all(|(l, op)| {
                let v = s.labels.get(l).map(String::as_str).unwrap_or("");
                match op {
                    Op::Eq(x) => v == x,
                    Op::Ne(x) => v != x,
                    Op::Re(r) => r.is_match(v),
                    Op::NotRe(r) => !r.is_match(v),
                }
            })
    }
}

/// A series' identity within one source.
type Key = (String, BTreeMap<String, String>);

#[derive(Debug, Clone, Default)]
pub struct History {
    points: VecDeque<(DateTime<Utc>, BTreeMap<Key, f64>)>,
    /// Scrapes older than this are dropped.
    keep: Duration,
}

impl History {
    pub fn new(keep: Duration) -> History {
        History {
            points: VecDeque::new(),
            keep,
        }
    }

    pub fn push(&mut self, at: DateTime<Utc>, samples: &[FlatSample]) {
        let map = samples
            .iter()
            .map(|s| ((s.name.clone(), s.labels.clone()), s.value))
            .collect();
        self.points.push_back((at, map));
        let horizon =
            at - chrono::Duration::from_std(self.keep).unwrap_or(chrono::Duration::days(4));
        while self.points.front().is_some_and(|(t, _)| *t < horizon) {
            self.points.pop_front();
        }
    }

    /// How far back the history reaches from its newest scrape.
    pub fn span(&self) -> Duration {
        match (self.points.front(), self.points.back()) {
            (Some((a, _)), Some((b, _))) => (*b - *a).to_std().unwrap_or_default(),
            _ => Duration::ZERO,
        }
    }

    /// The increase of the counters `sel` matches over the last `window`
    /// (from the scrapes inside it, scaled to the window), counter resets
    /// handled (a drop means the counter restarted from 0); `None` when the
    /// history does not reach back over the window (a scrape interval of
    /// slack allowed) or nothing matched.
    pub fn increase(&self, sel: &Selector, window: Duration) -> Option<f64> {
        let (end, _) = self.points.back()?;
        let start = *end - chrono::Duration::from_std(window).ok()?;
        let slack = self.interval().unwrap_or_default();
        let (oldest, _) = self.points.front()?;
        if *oldest > start + slack {
            return None;
        }
        let inside: Vec<_> = self.points.iter().filter(|(t, _)| *t >= start).collect();
        let (first, last) = (inside.first()?.0, inside.last()?.0);
        let span = (last - first).num_milliseconds() as f64 / 1000.0;
        if inside.len() < 2 || span <= 0.0 {
            return None;
        }
        let mut total = 0.0;
        let mut seen = false;
        let mut prev: BTreeMap<&Key, f64> = BTreeMap::new();
        for (_, map) in &inside {
            for (k, v) in map {
                if !sel.matches(&FlatSample {
                    name: k.0.clone(),
                    labels: k.1.clone(),
                    value: *v,
                }) {
                    continue;
                }
                seen = true;
                if let Some(p) = prev.insert(k, *v) {
                    total += if *v >= p { v - p } else { *v };
                }
            }
        }
        // Scale to the whole window, as Prometheus extrapolates `increase`.
        seen.then_some(total * window.as_secs_f64() / span)
    }

    /// The median gap between scrapes.
    fn interval(&self) -> Option<chrono::Duration> {
        let mut gaps: Vec<chrono::Duration> = self
            .points
            .iter()
            .zip(self.points.iter().skip(1))
            .map(|((a, _), (b, _))| *b - *a)
            .collect();
        gaps.sort();
        gaps.get(gaps.len() / 2).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str, code: &str, v: f64) -> FlatSample {
        FlatSample {
            name: name.into(),
            labels: [("code".to_string(), code.to_string())].into(),
            value: v,
        }
    }

    #[test]
    fn increase_over_observed_windows_only_with_resets() {
        let t0 = Utc::now();
        let mut h = History::new(Duration::from_secs(3600));
        // 10 s apart: 200s grow by 100 per scrape; 500s by 1, restarting once.
        for i in 0..13 {
            let at = t0 + chrono::Duration::seconds(10 * i);
            let bad = if i < 7 { i as f64 } else { (i - 7) as f64 };
            h.push(
                at,
                &[
                    s("req_total", "200", 100.0 * i as f64),
                    s("req_total", "500", bad),
                ],
            );
        }
        let all = Selector::parse("req_total").unwrap();
        let bad = Selector::parse(r#"req_total{code=~"5.."}"#).unwrap();
        // The last minute: scrapes 6..12, six gaps; the 500s restart at 7.
        assert_eq!(
            h.increase(&bad, Duration::from_secs(60)),
            Some(5.0),
            "reset counted from 0"
        );
        assert_eq!(h.increase(&all, Duration::from_secs(60)), Some(605.0));
        // Two minutes are covered (120 s of history); five are not.
        assert!(h.increase(&all, Duration::from_secs(120)).is_some());
        assert_eq!(h.increase(&all, Duration::from_secs(300)), None);
        assert_eq!(
            h.increase(&Selector::parse("other").unwrap(), Duration::from_secs(60)),
            None
        );
        assert_eq!(h.span(), Duration::from_secs(120));
    }

    #[test]
    fn selectors() {
        let sel =
            Selector::parse(r#"http_requests_total{service="a,b",code!="200", path=~"/api/.*"}"#)
                .unwrap();
        let mut x = s("http_requests_total", "500", 1.0);
        x.labels.insert("service".into(), "a,b".into());
        x.labels.insert("path".into(), "/api/v1".into());
        assert!(sel.matches(&x));
        x.labels.insert("path".into(), "/static".into());
        assert!(!sel.matches(&x));
        assert!(Selector::parse("bad name{").is_err());
        assert!(Selector::parse(r#"x{a="1""#).is_err());
        assert!(Selector::parse(r#"x{a=~"("}"#).is_err());
    }
}
