//! `journal show` / `journal export`: text, Markdown (a postmortem timeline)
//! and JSON, plus the `--since`/`--context` filter.

use std::fmt::Write;

use chrono::{DateTime, SecondsFormat, Utc};

use super::record::Record;
use crate::basics::glob;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Records at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Context globs (`*`, `?`), as `--context` elsewhere: a record on any
    /// of them is kept; none means every context.
    pub contexts: Vec<String>,
}

impl Filter {
    pub fn keep(&self, r: &Record) -> bool {
        self.since.is_none_or(|t| r.ts >= t)
            && (self.contexts.is_empty()
                || self.contexts.iter().any(|g| glob::matches(g, &r.context)))
    }
}

fn time(r: &Record) -> String {
    r.ts.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The user, with the API server's name for them when it differs.
fn who(r: &Record) -> String {
    match &r.identity {
        Some(id) if *id != r.operator => format!("{} ({id})", r.operator),
        _ => r.operator.clone(),
    }
}

/// `ok`, the error, or `-` (an intent has no result yet).
fn result(r: &Record) -> String {
    match (&r.result, &r.error) {
        (Some(res), Some(e)) => format!("{res}: {e}"),
        (Some(res), None) => res.clone(),
        (None, Some(e)) => format!("error: {e}"),
        (None, None) => "-".into(),
    }
}

/// Newlines and control characters would break the one-line-per-record
/// layout (and let a reason forge extra lines).
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// One line per record, for `journal show`.
pub fn render_text(records: &[Record]) -> String {
    let mut out = String::new();
    for r in records {
        let _ = write!(
            out,
            "#{} {} {:<9} {} {} {}/{} by {} → {}",
            r.seq,
            time(r),
            r.kind.as_str(),
            one_line(&r.action),
            one_line(&r.id),
            one_line(&r.context),
            one_line(&r.target.to_string()),
            one_line(&who(r)),
            one_line(&result(r)),
        );
        if !r.reason.is_empty() {
            let _ = write!(out, " — {:?}", one_line(&r.reason));
        }
        out.push('\n');
    }
    out
}

/// A Markdown timeline table for a postmortem (`journal export --markdown`).
pub fn render_markdown(records: &[Record]) -> String {
    let mut out = String::from(
        "| # | Time (UTC) | Kind | Action | Context | Target | Operator | Result | rv before → after | Reason | Id |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in records {
        let rv = match (&r.rv_before, &r.rv_after) {
            (None, None) => String::new(),
            (b, a) => format!(
                "{} → {}",
                b.as_deref().unwrap_or("?"),
                a.as_deref().unwrap_or("?")
            ),
        };
        let cells = [
            r.seq.to_string(),
            time(r),
            r.kind.as_str().to_string(),
            r.action.clone(),
            r.context.clone(),
            r.target.to_string(),
            who(r),
            result(r),
            rv,
            r.reason.clone(),
            r.id.clone(),
        ];
        out.push('|');
        for c in cells {
            let _ = write!(out, " {} |", cell(&c));
        }
        out.push('\n');
    }
    out
}

/// Escape what would end a table cell or row.
fn cell(s: &str) -> String {
    one_line(s).replace('\\', "\\\\").replace('|', "\\|")
}

/// JSON export: the records as stored, as one pretty array.
pub fn render_json(records: &[Record]) -> serde_json::Result<String> {
    serde_json::to_string_pretty(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{RecordKind, Target};
    use chrono::TimeZone;

    fn rec(seq: u64, context: &str, reason: &str) -> Record {
        Record {
            seq,
            ts: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, seq as u32).unwrap(),
            kind: RecordKind::Intent,
            id: format!("a{seq}"),
            operator: "alice".into(),
            identity: Some("system:admin".into()),
            context: context.into(),
            target: Target {
                namespace: "shop".into(),
                kind: "Deployment".into(),
                name: "web".into(),
            },
            action: "scale".into(),
            reason: reason.into(),
            request: None,
            rv_before: Some("10".into()),
            rv_after: None,
            result: None,
            error: None,
            detail: None,
            prev: "0".repeat(64),
        }
    }

    #[test]
    fn text_is_one_line_per_record_even_with_newlines() {
        let out = render_text(&[rec(1, "lab-a", "spike\nfake line"), rec(2, "lab-b", "")]);
        assert_eq!(out.lines().count(), 2);
        let first = out.lines().next().unwrap();
        assert!(
            first.starts_with("#1 2026-03-01T12:00:01Z intent"),
            "{first}"
        );
        assert!(first.contains("lab-a/shop/Deployment/web by alice (system:admin) → -"));
        assert!(first.contains("spike fake line"));
    }

    #[test]
    fn markdown_escapes_cells() {
        let out = render_markdown(&[rec(1, "lab-a", "a | b\nc")]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[2].contains("a \\| b c"), "{}", lines[2]);
        assert!(lines[2].contains("| 10 → ? |"));
        assert_eq!(
            lines[0].matches(" |").count(),
            lines[2].matches(" |").count()
        );
    }

    #[test]
    fn filter_since_and_context_glob() {
        let rs = [
            rec(1, "prod-eu", ""),
            rec(5, "prod-us", ""),
            rec(9, "lab-a", ""),
        ];
        let f = Filter {
            since: Some(Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 5).unwrap()),
            contexts: vec!["prod-*".into()],
        };
        let kept: Vec<u64> = rs.iter().filter(|r| f.keep(r)).map(|r| r.seq).collect();
        assert_eq!(kept, [5]);
        // Every --context counts, not only the first.
        let f = Filter {
            since: None,
            contexts: vec!["lab-*".into(), "prod-eu".into()],
        };
        let kept: Vec<u64> = rs.iter().filter(|r| f.keep(r)).map(|r| r.seq).collect();
        assert_eq!(kept, [1, 9]);
        assert_eq!(rs.iter().filter(|r| Filter::default().keep(r)).count(), 3);
    }

    #[test]
    fn json_round_trips() {
        let rs = vec![rec(1, "a", "r")];
        let back: Vec<Record> = serde_json::from_str(&render_json(&rs).unwrap()).unwrap();
        assert_eq!(back, rs);
    }
}
