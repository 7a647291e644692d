//! Direct scrapes of `/metrics` (text exposition format) for clusters without
//! a Prometheus, parsed with `prometheus-parse` — and guarded against its
//! known limitations (slo-cost.md), so a body it would misread yields a
//! reported problem, never a silently wrong number:
//!
//! 1. names with `:` (recording rules) are dropped by its name regex:
//!    worked around — `:` is swapped for a marker before parsing and back after;
//! 2. label values with `,` `=` `}` or escapes are mangled by its label split:
//!    detected — the series is skipped and the line reported;
//! 3. histograms are grouped only after a `# TYPE` line (federate output is
//!    untyped): worked around — grouped histograms are flattened back into
//!    `_bucket{le}` series, so typed and untyped bodies read the same;
//! 4. unparseable values are skipped without error: detected and reported;
//!    OpenMetrics exemplars (` # {…}`) are reported, the sample kept.

use std::collections::BTreeMap;

use prometheus_parse::{Scrape, Value};

/// One sample, flattened: histogram buckets are `<name>_bucket` with `le`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlatSample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub samples: Vec<FlatSample>,
    /// One line per problem: `line 12: …`.
    pub problems: Vec<String>,
}

const COLON: &str = "__fleetdeck_colon__";

/// A Go float as the format allows (`NaN`, `+Inf`, `-Inf`, exponents).
fn go_float(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

/// Splits a sample line into (name, label block, rest); `None` for comments.
fn split_sample(line: &str) -> Option<(&str, Option<&str>, &str)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .unwrap_or(line.len());
    let (name, rest) = line.split_at(name_end);
    if let Some(body) = rest.strip_prefix('{') {
        // The label block ends at the first `}` outside quotes.
        let mut in_quote = false;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_quote => escaped = true,
                '"' => in_quote = !in_quote,
                '}' if !in_quote => return Some((name, Some(&body[..i]), body[i + 1..].trim())),
                _ => {}
            }
        }
        return Some((name, Some(body), ""));
    }
    Some((name, None, rest.trim()))
}

/// Label values prometheus-parse cannot read back faithfully.
fn risky_labels(block: &str) -> bool {
    let mut in_quote = false;
    for c in block.chars() {
        match c {
            '"' => in_quote = !in_quote,
            '\\' | ',' | '=' | '}' | '{' if in_quote => return true,
            _ => {}
        }
    }
    false
}

pub fn parse(body: &str) -> Parsed {
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    for (i, raw) in body.lines().enumerate() {
        let n = i + 1;
        let Some((name, labels, rest)) = split_sample(raw) else {
            // `# TYPE a:b counter` must match the renamed samples.
            lines.push(raw.replace(':', COLON));
            continue;
        };
        if labels.is_some_and(risky_labels) {
            problems.push(format!("line {n}: a label value of {name} has , = {{ }} or an escape; the series is skipped (prometheus-parse would misread it)"));
            continue;
        }
        let mut parts = rest.split_whitespace();
        let value = parts.next().unwrap_or("");
        if go_float(value).is_none() {
            problems.push(format!(
                "line {n}: {name}: value {value:?} is not a number; skipped"
            ));
            continue;
        }
        if rest.contains(" # {") || rest.contains("#{") {
            problems.push(format!(
                "line {n}: {name}: an OpenMetrics exemplar is ignored (sample kept)"
            ));
            let cut = rest.find('#').unwrap_or(rest.len());
            lines.push(format!(
                "{}{{{}}} {}",
                name.replace(':', COLON),
                labels.unwrap_or(""),
                rest[..cut].trim()
            ));
            continue;
        }
        lines.push(raw.replacen(name, &name.replace(':', COLON), 1));
    }
    let scrape = match Scrape::parse(lines.into_iter().map(Ok)) {
        Ok(s) => s,
        Err(e) => {
            problems.push(format!("the body could not be read: {e}"));
            return Parsed {
                samples: Vec::new(),
                problems,
            };
        }
    };
    let mut samples = Vec::new();
    for s in scrape.samples {
        let name = s.metric.replace(COLON, ":");
        let labels: BTreeMap<String, String> = s
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut flat = |suffix: &str, extra: Option<(&str, f64)>, value: f64| {
            let mut l = labels.clone();
            if let Some((k, v)) = extra {
                l.insert(k.to_string(), fmt_bound(v));
            }
            samples.push(FlatSample {
                name: format!("{name}{suffix}"),
                labels: l,
                value,
            });
        };
        match s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => flat("", None, v),
            Value::Histogram(buckets) => {
                for b in buckets {
                    flat("_bucket", Some(("le", b.less_than)), b.count);
                }
            }
            Value::Summary(qs) => {
                for q in qs {
                    flat("", Some(("quantile", q.quantile)), q.count);
                }
            }
        }
    }
    // `le="1"` and `le="1.0"` are the same bucket, typed or not.
    for s in &mut samples {
        for key in ["le", "quantile"] {
            if let Some(v) = s.labels.get_mut(key) {
                if let Some(f) = go_float(v) {
                    *v = fmt_bound(f);
                }
            }
        }
    }
    samples.sort_by(|a, b| (&a.name, &a.labels).cmp(&(&b.name, &b.labels)));
    Parsed { samples, problems }
}

/// `le`/`quantile` values as exposition writes them (`+Inf`, `0.5`, `1`).
fn fmt_bound(v: f64) -> String {
    if v == f64::INFINITY {
        "+Inf".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}").trim_end_matches(".0").to_string()
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(p: &'a Parsed, name: &str, label: (&str, &str)) -> Option<&'a FlatSample> {
        p.samples
            .iter()
            .find(|s| s.name == name && s.labels.get(label.0).map(String::as_str) == Some(label.1))
    }

    /// What fleetdeck does with each limitation of prometheus-parse 0.2.5.
    #[test]
    fn exposition_edge_cases_conformance() {
        let p = parse(include_str!("testdata/edge_cases.prom"));
        // Plain counters, with and without a timestamp.
        assert_eq!(
            get(&p, "http_requests_total", ("code", "200"))
                .unwrap()
                .value,
            1027.0
        );
        assert_eq!(
            get(&p, "http_requests_total", ("code", "500"))
                .unwrap()
                .value,
            3.0
        );
        // 1. Worked around: the recording rule is read, colons and all.
        let rule = get(
            &p,
            "slo:sli_error:ratio_rate5m",
            ("sloth_slo", "availability"),
        )
        .unwrap();
        assert_eq!(rule.value, 0.0012);
        // 2. Detected: each risky series is skipped and named by line, never mangled.
        for (line, label) in [(10, "path"), (11, "query"), (12, "ua")] {
            assert!(
                p.problems
                    .iter()
                    .any(|x| x.starts_with(&format!("line {line}:"))),
                "{:?}",
                p.problems
            );
            assert!(
                p.samples.iter().all(|s| !s.labels.contains_key(label)),
                "{label} leaked"
            );
        }
        // 3. Worked around: typed and untyped histograms read the same.
        for name in ["latency_seconds_bucket", "fed_latency_seconds_bucket"] {
            let b = |le| get(&p, name, ("le", le)).map(|s| s.value);
            assert_eq!(
                (b("0.5"), b("1"), b("+Inf")),
                (Some(80.0), Some(95.0), Some(100.0)),
                "{name}"
            );
        }
        assert_eq!(
            p.samples
                .iter()
                .find(|s| s.name == "latency_seconds_count")
                .map(|s| s.value),
            Some(100.0)
        );
        // 4. Special values parse; the unparseable one is reported, the
        //    exemplar reported and its sample kept.
        assert!(get(&p, "temperature", ("room", "a"))
            .unwrap()
            .value
            .is_nan());
        assert_eq!(
            get(&p, "temperature", ("room", "b")).unwrap().value,
            f64::INFINITY
        );
        assert_eq!(
            get(&p, "temperature", ("room", "c")).unwrap().value,
            f64::NEG_INFINITY
        );
        assert_eq!(get(&p, "temperature", ("room", "d")).unwrap().value, 1.2);
        assert!(get(&p, "temperature", ("room", "e")).is_none());
        assert!(
            p.problems
                .iter()
                .any(|x| x.contains("\"twelve\" is not a number")),
            "{:?}",
            p.problems
        );
        assert_eq!(
            get(&p, "http_requests_total", ("code", "404"))
                .unwrap()
                .value,
            8.0
        );
        assert!(
            p.problems.iter().any(|x| x.contains("exemplar")),
            "{:?}",
            p.problems
        );
        assert_eq!(p.problems.len(), 5, "{:?}", p.problems);
    }
}
