//! SLO definitions: `[[slo]]` entries of the config file. A ratio SLI names
//! an error and a total query with a `{{window}}` placeholder (and optionally
//! `{{cluster}}`, replaced by the cluster's name for a shared Prometheus); a
//! latency SLI names a histogram and the bucket that counts as fast enough.

use std::time::Duration;

use super::math::parse_window;
use crate::basics::glob;

pub use crate::config::slo::{GateConfig, LatencySli, ScrapeSli, SloConfig};

/// The two queries of an SLI for one window and cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Queries {
    pub errors: String,
    pub total: String,
}

impl SloConfig {
    /// An SLO with no SLI yet and every other key at its default.
    pub fn new(name: &str, objective: f64, window: &str) -> SloConfig {
        SloConfig {
            name: name.to_string(),
            objective,
            window: window.to_string(),
            clusters: Vec::new(),
            error_query: None,
            total_query: None,
            latency: None,
            min_rps: crate::config::slo::default_min_rps(),
            gate: None,
            scrape: None,
        }
    }

    pub fn period(&self) -> Result<Duration, String> {
        parse_window(&self.window)
            .ok_or_else(|| format!("window {:?}: expected e.g. 30d or 28d", self.window))
    }

    /// Checks what serde cannot: one SLI, a sane objective, a known window.
    pub fn check(&self) -> Result<(), String> {
        self.period()?;
        if !(self.objective > 0.0 && self.objective < 100.0) {
            return Err(format!(
                "objective {} must be a percentage between 0 and 100 (exclusive)",
                self.objective
            ));
        }
        match (&self.error_query, &self.total_query, &self.latency) {
            (Some(e), Some(t), None) => {
                for (key, q) in [("error_query", e), ("total_query", t)] {
                    if !q.contains("{{window}}") {
                        return Err(format!("{key} has no {{{{window}}}} placeholder"));
                    }
                }
                Ok(())
            }
            (None, None, Some(l)) if l.threshold > 0.0 => Ok(()),
            (None, None, Some(_)) => Err("latency.threshold must be above 0".into()),
            (None, None, None) if self.scrape.is_some() => Ok(()),
            _ => Err("give either error_query and total_query, or a [slo.latency] table (or only [slo.scrape] for scraped clusters)".into()),
        }
    }

    pub fn applies_to(&self, context: &str, group: Option<&str>) -> bool {
        self.clusters.is_empty()
            || self
                .clusters
                .iter()
                .any(|c| match c.strip_prefix("group:") {
                    Some(g) => group == Some(g),
                    None => glob::matches(c, context),
                })
    }

    /// The queries for a window, with `{{window}}` and `{{cluster}}` filled in.
    /// `extra` adds label matchers (the gate's `version="canary"`).
    pub fn queries(&self, window: &str, cluster: &str, extra: Option<&str>) -> Queries {
        let fill = |q: &str| {
            q.replace("{{window}}", window)
                .replace("{{cluster}}", cluster)
        };
        match (&self.error_query, &self.total_query, &self.latency) {
            (Some(e), Some(t), _) => Queries {
                errors: add_matcher(&fill(e), extra),
                total: add_matcher(&fill(t), extra),
            },
            (_, _, Some(l)) => {
                let sel = fill(&l.selector);
                let with = |more: &str| {
                    let parts: Vec<&str> = [sel.as_str(), more, extra.unwrap_or("")]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect();
                    format!("{{{}}}", parts.join(","))
                };
                let total = format!("sum(rate({}_count{}[{window}]))", l.metric, with(""));
                let good = format!(
                    "sum(rate({}_bucket{}[{window}]))",
                    l.metric,
                    with(&format!("le=\"{}\"", fmt_le(l.threshold)))
                );
                Queries {
                    errors: format!("({total}) - ({good})"),
                    total,
                }
            }
            _ => Queries {
                errors: String::new(),
                total: String::new(),
            },
        }
    }
}

/// `0.5` → `0.5`, `1` → `1`: `le` label values as client libraries write them.
fn fmt_le(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// Adds matchers to every `{…}` selector of a query (and to bare metric names
/// before `[`): enough for the simple rate/sum queries SLOs use.
pub fn add_matcher(query: &str, extra: Option<&str>) -> String {
    let Some(m) = extra.filter(|m| !m.is_empty()) else {
        return query.to_string();
    };
    let mut out = String::with_capacity(query.len() + 32);
    let mut chars = query.char_indices().peekable();
    let mut in_quote = false;
    while let Some((_, c)) = chars.next() {
        match c {
            '"' => {
                in_quote = !in_quote;
                out.push(c);
            }
            '{' if !in_quote => {
                out.push('{');
                let empty = matches!(chars.peek(), Some((_, '}')));
                out.push_str(m);
                if !empty {
                    out.push(',');
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio() -> SloConfig {
        toml::from_str(
            r#"
name = "checkout"
objective = 99.9
error_query = 'sum(rate(http_requests_total{job="checkout",code=~"5..",cluster="{{cluster}}"}[{{window}}]))'
total_query = 'sum(rate(http_requests_total{job="checkout",cluster="{{cluster}}"}[{{window}}]))'
[gate]
label = "version"
"#,
        )
        .unwrap()
    }

    #[test]
    fn ratio_queries_fill_placeholders_and_gate_matchers() {
        let s = ratio();
        assert_eq!(s.check(), Ok(()));
        let q = s.queries("5m", "lab-a", Some("version=\"canary\""));
        assert_eq!(
            q.errors,
            r#"sum(rate(http_requests_total{version="canary",job="checkout",code=~"5..",cluster="lab-a"}[5m]))"#
        );
        assert_eq!(s.period().unwrap().as_secs(), 30 * 86_400);
        assert_eq!(s.gate.as_ref().unwrap().canary, "canary");
    }

    #[test]
    fn latency_queries_count_the_slow_ones() {
        let s: SloConfig = toml::from_str(
            "name = \"lat\"\nobjective = 99\nwindow = \"28d\"\n[latency]\nmetric = \"h\"\nselector = 'job=\"x\"'\nthreshold = 0.5\n",
        )
        .unwrap();
        assert_eq!(s.check(), Ok(()));
        let q = s.queries("1h", "c", None);
        assert_eq!(q.total, r#"sum(rate(h_count{job="x"}[1h]))"#);
        assert_eq!(
            q.errors,
            r#"(sum(rate(h_count{job="x"}[1h]))) - (sum(rate(h_bucket{job="x",le="0.5"}[1h])))"#
        );
    }

    #[test]
    fn bad_definitions_are_named() {
        let mut s = ratio();
        s.objective = 100.0;
        assert!(s.check().unwrap_err().contains("objective"));
        let mut s = ratio();
        s.total_query = Some("sum(x)".into());
        assert!(s
            .check()
            .unwrap_err()
            .contains("total_query has no {{window}}"));
        let mut s = ratio();
        s.window = "monthly".into();
        assert!(s.check().unwrap_err().contains("window"));
        assert!(ratio().applies_to("anything", None));
        let mut s = ratio();
        s.clusters = vec!["group:prod".into(), "lab-*".into()];
        assert!(
            s.applies_to("x", Some("prod"))
                && s.applies_to("lab-b", None)
                && !s.applies_to("dev", Some("dev"))
        );
    }
}
