//! `fleetdeck query 'TEXT' [--json]`: the palette's question once, after the
//! clusters have synced (as `snapshot` waits). What the kind needs besides
//! the clusters' objects is read here: SLOs, costs, the timeline, Velero,
//! the experiments and the remediation queue.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::console::connect;
use crate::query::run::Held;
use crate::query::{parse_guarded, shortcuts};
use crate::remediation::queue::{Decision, Entry, Queue};
use crate::snapshot;
use crate::startup::Options;

pub fn run(
    opts: &Options,
    demo: bool,
    text: &str,
    json: bool,
    timeout: u64,
) -> anyhow::Result<ExitCode> {
    // A saved query by its name, or a plain phrase.
    let saved = crate::paths::Paths::resolve(opts.config_file)
        .ok()
        .and_then(|p| crate::config::Config::load(&p.config_file).ok())
        .and_then(|c| c.queries.into_iter().find(|q| q.name == text))
        .map(|q| q.query);
    let text = saved
        .as_deref()
        .or_else(|| shortcuts::expand(text))
        .unwrap_or(text);
    let q = match parse_guarded(text) {
        Ok(q) => q,
        Err(e) => {
            errln!("fleetdeck: query: {}", e.pointed(text));
            return Ok(ExitCode::from(2));
        }
    };
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let c = connect(opts, demo)?;
        for w in &c.warnings {
            errln!("fleetdeck: {w}");
        }
        snapshot::settle(&c.console, Duration::from_secs(timeout)).await;
        let now = Utc::now();
        let kind = q.kind.name;
        let changes = match kind {
            "changes" => {
                let since = now - chrono::Duration::hours(24);
                super::changes::gather(&c, opts, demo, since, now).await
            }
            _ => Vec::new(),
        };
        let slos = match (kind, demo) {
            ("slos", false) => {
                let st = super::load(opts)?;
                crate::slo::report::rows(&st)
                    .await
                    .map_err(anyhow::Error::msg)?
            }
            ("slos", true) => {
                c.console
                    .slo
                    .spawn(Duration::from_secs(5), c.console.notify.clone());
                let mut rows = Vec::new();
                for _ in 0..50 {
                    rows = c.console.slo.rows(now);
                    if !rows.is_empty() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                rows.into_iter().map(|(r, _)| r).collect()
            }
            _ => Vec::new(),
        };
        let costs = match (kind, &c.catalog) {
            ("costs", Ok(catalog)) => Some(Arc::new(
                crate::cost::fleet::costs(&c.console, catalog, &c.config).await,
            )),
            ("costs", Err(e)) => anyhow::bail!("prices: {e}"),
            _ => None,
        };
        let readers = c.console.readers();
        let backups = match (kind, c.console.backups.latest()) {
            ("backups", Some(b)) => Some(b),
            ("backups", None) if !demo => Some(Arc::new(
                crate::backups::monitor::read_all(&readers, &c.config).await,
            )),
            _ => None,
        };
        let chaos = match (kind, c.console.chaos.latest()) {
            ("experiments", Some(x)) => Some(x),
            ("experiments", None) if !demo => {
                Some(Arc::new(crate::chaos::monitor::read_all(&readers).await))
            }
            _ => None,
        };
        let forecast = match (kind, demo) {
            ("clusters", false) => {
                let metas = crate::forecast::monitor::asked(&c.console);
                Some(Arc::new(
                    crate::forecast::monitor::read_all(&metas, &c.config).await,
                ))
            }
            _ => c.console.forecast.latest(),
        };
        let (remediations, rem_notes) = match kind {
            "remediations" => {
                let (entries, notes) = remediation_queue(&c, opts).await?;
                (Some(entries), notes)
            }
            _ => (None, Vec::new()),
        };
        let held = Held {
            now,
            stores: c.console.stores(),
            rows: c.console.rows(now),
            slos,
            costs,
            changes,
            backups,
            chaos,
            forecast,
            remediations,
        };
        let mut answer = held.ask(text).map_err(anyhow::Error::msg)?;
        answer.unknown.extend(rem_notes);
        if json {
            outln!("{}", serde_json::to_string_pretty(&answer.to_json())?);
        } else {
            out!("{}", text_table(&answer, now));
            errln!("{}", answer.summary());
        }
        for line in &answer.unknown {
            errln!(
                "fleetdeck: {line}; its {} are not in the answer",
                answer.kind
            );
        }
        Ok(if answer.unknown.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

/// The remediation queue after a scan, as `fleetdeck remediation list`
/// keeps it (decisions kept; the demo's only in memory), and what the scan
/// could not read.
async fn remediation_queue(
    c: &super::console::Connected,
    opts: &Options<'_>,
) -> anyhow::Result<(Vec<Entry>, Vec<String>)> {
    use crate::remediation::task::Scanner as _;
    let found = match &c.demo {
        Some(d) => crate::demo::DemoScanner(d.clone()).scan(None, None).await,
        None => crate::remediation::scan::scan(&super::load(opts)?, None, None).await,
    };
    let mut notes = found.errors.clone();
    notes.extend(found.forbidden.iter().map(|f| format!("not readable: {f}")));
    let entries = match c.demo {
        Some(_) => found
            .proposals
            .into_iter()
            .map(|proposal| Entry {
                proposal,
                decision: Decision::Pending,
            })
            .collect(),
        None => Queue::update(&c.paths.data_dir, |q| {
            q.merge(&found.scanned, found.proposals);
            Ok(q.entries.values().cloned().collect())
        })
        .map_err(anyhow::Error::msg)?,
    };
    Ok((entries, notes))
}

/// Columns padded to their widest cell.
fn text_table(a: &crate::query::Answer, now: chrono::DateTime<Utc>) -> String {
    let cells: Vec<Vec<String>> = a
        .rows
        .iter()
        .map(|h| h.cells.iter().map(|c| c.show(now)).collect())
        .collect();
    let mut w: Vec<usize> = a.columns.iter().map(|c| c.len()).collect();
    for r in &cells {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |r: Vec<String>| {
        let padded: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = w[i]))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(a.columns.iter().map(|c| c.to_uppercase()).collect());
    for r in cells {
        out.push_str(&line(r));
    }
    out
}
