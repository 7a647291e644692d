//! SLOs defined elsewhere, read from YAML files named by `slo_files`:
//! OpenSLO v1 `kind: SLO`, Sloth `version: prometheus/v1` specs and Pyrra
//! `ServiceLevelObjective` objects. Each becomes an `[[slo]]` as if written
//! in the config; a document that cannot be mapped is an error naming the
//! file, the document and why.

use std::path::Path;

use crate::basics::yaml;
use serde_json::Value;

use super::spec::{LatencySli, SloConfig};

fn s<'a>(v: &'a Value, p: &str) -> Option<&'a str> {
    v.pointer(p).and_then(Value::as_str)
}

fn base(name: &str, objective: f64, window: &str) -> SloConfig {
    SloConfig::new(name, objective, window)
}

/// A counter selector as a windowed rate: `sum(rate(Q[{{window}}]))`.
fn windowed(q: &str) -> String {
    format!("sum(rate({}[{{{{window}}}}]))", q.trim())
}

/// Pyrra/OpenSLO windows: `4w`, `28d`, `30d`.
fn window(w: &str) -> Result<String, String> {
    let d =
        super::math::parse_window(w).ok_or_else(|| format!("window {w:?} is not a duration"))?;
    let days = d.as_secs() / 86_400;
    if days == 0 || d.as_secs() % 86_400 != 0 {
        return Err(format!("window {w:?} is not a whole number of days"));
    }
    Ok(format!("{days}d"))
}

fn openslo(doc: &Value) -> Result<SloConfig, String> {
    let name = s(doc, "/metadata/name").ok_or("no metadata.name")?;
    let target = doc
        .pointer("/spec/objectives/0/target")
        .and_then(Value::as_f64)
        .ok_or("no spec.objectives[0].target")?;
    let w = s(doc, "/spec/timeWindow/0/duration").unwrap_or("30d");
    let mut slo = base(name, target * 100.0, &window(w)?);
    let ratio = doc.pointer("/spec/indicator/spec/ratioMetric").ok_or(
        "only inline indicators with ratioMetric are read (not indicatorRef or thresholdMetric)",
    )?;
    if !ratio
        .get("counter")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        return Err(
            "ratioMetric.counter must be true (raw counters that fleetdeck windows itself)".into(),
        );
    }
    let q = |k: &str| s(ratio, &format!("/{k}/metricSource/spec/query")).map(windowed);
    let total = q("total").ok_or("ratioMetric.total has no metricSource.spec.query")?;
    slo.error_query = Some(match (q("bad"), q("good")) {
        (Some(bad), _) => bad,
        (None, Some(good)) => format!("({total}) - ({good})"),
        (None, None) => return Err("ratioMetric has neither good nor bad".into()),
    });
    slo.total_query = Some(total);
    Ok(slo)
}

fn sloth(doc: &Value) -> Result<Vec<SloConfig>, String> {
    let service = s(doc, "/service").unwrap_or("service");
    let slos = doc
        .get("slos")
        .and_then(Value::as_array)
        .ok_or("no slos list")?;
    slos.iter()
        .map(|x| {
            let name = s(x, "/name").ok_or("an SLO without a name")?;
            let objective = x
                .get("objective")
                .and_then(Value::as_f64)
                .ok_or_else(|| format!("{name}: no objective"))?;
            let fix = |q: &str| q.replace("{{.window}}", "{{window}}");
            let e = s(x, "/sli/events/error_query").ok_or_else(|| {
                format!("{name}: only sli.events (error_query, total_query) is read")
            })?;
            let t = s(x, "/sli/events/total_query")
                .ok_or_else(|| format!("{name}: no sli.events.total_query"))?;
            let mut slo = base(&format!("{service}-{name}"), objective, "30d");
            slo.error_query = Some(fix(e));
            slo.total_query = Some(fix(t));
            Ok(slo)
        })
        .collect()
}

fn pyrra(doc: &Value) -> Result<SloConfig, String> {
    let name = s(doc, "/metadata/name").ok_or("no metadata.name")?;
    let target: f64 = match doc.pointer("/spec/target") {
        Some(Value::String(t)) => t
            .parse()
            .map_err(|_| format!("target {t:?} is not a number"))?,
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        _ => return Err("no spec.target".into()),
    };
    let mut slo = base(
        name,
        target,
        &window(s(doc, "/spec/window").unwrap_or("30d"))?,
    );
    if let Some(r) = doc.pointer("/spec/indicator/ratio") {
        let m = |k: &str| s(r, &format!("/{k}/metric")).map(windowed);
        slo.error_query = Some(m("errors").ok_or("indicator.ratio.errors.metric is missing")?);
        slo.total_query = Some(m("total").ok_or("indicator.ratio.total.metric is missing")?);
        return Ok(slo);
    }
    if let Some(l) = doc.pointer("/spec/indicator/latency") {
        // success: `h_bucket{…,le="0.5"}`; total: `h_count{…}`.
        let success =
            s(l, "/success/metric").ok_or("indicator.latency.success.metric is missing")?;
        let (metric, rest) = success
            .split_once("_bucket")
            .ok_or("latency.success.metric is not a _bucket series")?;
        let inner = rest.trim().trim_start_matches('{').trim_end_matches('}');
        let mut threshold = None;
        let mut selector = Vec::new();
        for m in inner.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            match m.strip_prefix("le=") {
                Some(v) => threshold = v.trim_matches('"').parse::<f64>().ok(),
                None => selector.push(m.to_string()),
            }
        }
        slo.latency = Some(LatencySli {
            metric: metric.to_string(),
            selector: selector.join(","),
            threshold: threshold.ok_or("latency.success.metric has no numeric le")?,
        });
        return Ok(slo);
    }
    Err("only ratio and latency indicators are read".into())
}

/// Every SLO of a YAML file (several documents allowed); the first error.
pub fn load(path: &Path) -> Result<Vec<SloConfig>, String> {
    match check(path) {
        (slos, errors) if errors.is_empty() => Ok(slos),
        (_, mut errors) => Err(errors.swap_remove(0)),
    }
}

/// The SLOs of a YAML file that read, and one `path:line: …` per document
/// that does not (a YAML syntax error is the file's only one).
pub fn check(path: &Path) -> (Vec<SloConfig>, Vec<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return (Vec::new(), vec![format!("{}: {e}", path.display())]),
    };
    let docs: Vec<Value> = match serde_saphyr::from_multiple(&text) {
        Ok(d) => d,
        Err(e) => return (Vec::new(), vec![yaml::error(path, &e)]),
    };
    let lines = yaml::document_lines(&text);
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    for (i, doc) in docs.iter().enumerate() {
        let what = |e: String| {
            let name = s(doc, "/metadata/name")
                .or(s(doc, "/service"))
                .unwrap_or("?");
            let line = lines.get(i).copied().unwrap_or(1);
            format!(
                "{}:{line}: document {} ({name}): {e}",
                path.display(),
                i + 1
            )
        };
        let found = match (s(doc, "/apiVersion"), s(doc, "/kind"), s(doc, "/version")) {
            (Some(v), Some("SLO"), _) if v.starts_with("openslo/") => openslo(doc).map(|s| vec![s]),
            (Some(v), Some("ServiceLevelObjective"), _) if v.starts_with("pyrra.dev/") => pyrra(doc).map(|s| vec![s]),
            (_, _, Some("prometheus/v1")) => sloth(doc),
            _ => Err("neither OpenSLO (kind: SLO), Sloth (version: prometheus/v1) nor Pyrra (ServiceLevelObjective)".into()),
        };
        match found {
            Ok(slos) => {
                for slo in slos {
                    match slo.check() {
                        Ok(()) => out.push(slo),
                        Err(e) => errors.push(what(e)),
                    }
                }
            }
            Err(e) => errors.push(what(e)),
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_openslo_file_loads() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/openslo.yaml");
        assert_eq!(load(std::path::Path::new(path)).unwrap().len(), 4);
    }

    #[test]
    fn openslo_sloth_and_pyrra_map_to_slos() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("slos.yaml");
        std::fs::write(&f, include_str!("testdata/imports.yaml")).unwrap();
        let slos = load(&f).unwrap();
        let names: Vec<&str> = slos.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "checkout-availability",
                "payments-requests-availability",
                "api-errors",
                "api-latency"
            ]
        );
        let o = &slos[0];
        assert_eq!((o.objective, o.window.as_str()), (99.9, "28d"));
        assert_eq!(
            o.error_query.as_deref(),
            Some(r#"sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{window}}]))"#)
        );
        let sl = &slos[1];
        assert_eq!(
            sl.error_query.as_deref(),
            Some(r#"sum(rate(http_requests_total{code=~"5.."}[{{window}}]))"#)
        );
        let p = &slos[2];
        assert_eq!((p.objective, p.window.as_str()), (99.5, "28d"));
        let lat = slos[3].latency.as_ref().unwrap();
        assert_eq!(
            (lat.metric.as_str(), lat.selector.as_str(), lat.threshold),
            ("http_request_duration_seconds", r#"job="api""#, 0.5)
        );
    }

    #[test]
    fn unmappable_documents_name_file_document_and_reason() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("bad.yaml");
        std::fs::write(&f, "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  objectives: [{target: 0.99}]\n  indicatorRef: y\n").unwrap();
        let e = load(&f).unwrap_err();
        assert!(
            e.contains("bad.yaml:1: document 1 (x): only inline indicators"),
            "{e}"
        );
        std::fs::write(&f, "a: [").unwrap();
        let e = load(&f).unwrap_err();
        assert!(e.starts_with(&format!("{}:1:", f.display())), "{e}");
        assert!(!e.contains('\n'), "one line: {e}");
    }
}
