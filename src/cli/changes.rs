//! `fleetdeck changes`: what changed across the fleet, newest first — the
//! Journal view's timeline without the terminal. Each cluster's Events and
//! managedFields (the backfill), the lines a console observed and kept in
//! the data dir, the journal and SLO alerts.

use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::console::connect;
use crate::fleet::summary::{age, ClusterState};
use crate::journal::{Filter, Journal};
use crate::snapshot;
use crate::startup::Options;
use crate::timeline::collect::{collect, Inputs};
use crate::timeline::{saved, Change};

pub fn run(
    opts: &Options,
    demo: bool,
    since: &str,
    json: bool,
    timeout: u64,
) -> anyhow::Result<ExitCode> {
    let now = Utc::now();
    let since_t = crate::basics::duration::time(since, now, false).ok_or_else(|| {
        anyhow::anyhow!("--since {since:?}: expected RFC 3339 or an age like 30m, 2h, 7d")
    })?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let c = connect(opts, demo)?;
        for w in &c.warnings {
            errln!("fleetdeck: {w}");
        }
        snapshot::settle(&c.console, Duration::from_secs(timeout)).await;
        let changes = gather(&c, opts, demo, since_t, now).await;
        let rows = c.console.rows(Utc::now());
        // A cluster that could not be read has changes nobody can list:
        // named, never an empty answer that looks like "nothing changed".
        let unknown: Vec<(String, String)> = rows
            .iter()
            .filter_map(|r| match &r.state {
                ClusterState::Unreachable { error, .. } => {
                    Some((r.meta.context.clone(), format!("unreachable: {error}")))
                }
                _ => None,
            })
            .collect();
        if json {
            let unknown: Vec<_> = unknown
                .iter()
                .map(|(c, r)| json!({"context": c, "reason": r}))
                .collect();
            outln!(
                "{}",
                serde_json::to_string_pretty(&json!({"changes": changes, "unknown": unknown}))?
            );
        } else {
            out!("{}", text(&changes, now));
        }
        for (ctx, reason) in &unknown {
            errln!("fleetdeck: {ctx}: {reason}; its changes are not listed");
        }
        Ok(if unknown.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

fn text(changes: &[Change], now: DateTime<Utc>) -> String {
    if changes.is_empty() {
        return "no changes in this window\n".into();
    }
    let mut out = format!(
        "{:<9} {:<16} {:<9} {:<40} {:<20} {}\n",
        "WHEN", "CONTEXT", "KIND", "OBJECT", "BY", "WHAT"
    );
    for c in changes {
        out.push_str(&format!(
            "{:<9} {:<16} {:<9} {:<40} {:<20} {}\n",
            format!("{} ago", age(now, c.time)),
            c.context,
            c.kind.word(),
            c.object.to_string(),
            c.by.as_deref().unwrap_or("-"),
            c.summary
        ));
    }
    out
}

/// Everything the timeline holds since `since`, as the Changes view would
/// list it: Events and managedFields, the lines a console kept, the journal,
/// SLO alerts, backups and experiments (read once here).
pub(super) async fn gather(
    c: &super::console::Connected,
    opts: &Options<'_>,
    demo: bool,
    since_t: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Change> {
    let dir = if demo {
        &c.paths.demo_dir
    } else {
        &c.paths.data_dir
    };
    let (observed, problem) = saved::load(&dir.join("timeline.jsonl"), now);
    if let Some(p) = problem {
        errln!("fleetdeck: {p}");
    }
    let jdir = if demo {
        &c.paths.demo_dir
    } else {
        &c.paths.journal_dir
    };
    let filter = Filter {
        since: Some(since_t),
        contexts: opts.contexts.to_vec(),
    };
    let records = match Journal::open(jdir).and_then(|j| j.read()) {
        Ok(r) => r.into_iter().filter(|r| filter.keep(r)).collect(),
        Err(e) => {
            errln!("fleetdeck: journal {}: {e}", jdir.display());
            Vec::new()
        }
    };
    let contexts: Vec<&str> = c
        .console
        .clusters
        .iter()
        .map(|h| h.meta.context.as_str())
        .collect();
    let observed: Vec<Change> = observed
        .into_iter()
        .filter(|o| contexts.contains(&o.context.as_str()))
        .collect();
    let alerts = c.console.slo.events();
    // The console reads Velero and the experiments in the background;
    // here, once.
    let readers = c.console.readers();
    let backups = match c.console.backups.latest() {
        Some(b) => Some(b),
        None if demo => None,
        None => Some(std::sync::Arc::new(
            crate::backups::monitor::read_all(&readers, &c.config).await,
        )),
    };
    let chaos = match c.console.chaos.latest() {
        Some(x) => Some(x),
        None if demo => None,
        None => Some(std::sync::Arc::new(
            crate::chaos::monitor::read_all(&readers).await,
        )),
    };
    collect(Inputs {
        fleet: &c.console,
        records: &records,
        observed: &observed,
        alerts: &alerts,
        backups: backups.as_deref(),
        chaos: chaos.as_deref(),
        host: &crate::ops::marks::host(),
        since: since_t,
    })
}
