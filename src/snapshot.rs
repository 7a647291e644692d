//! `fleetdeck snapshot`: the fleet state once, for jump hosts and scripts.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::fleet::handles::Fleet;
use crate::fleet::summary::{ClusterRow, ClusterState, Known};

/// Waits until every cluster has settled (or `timeout`), without polling the
/// clusters: the stores notify on change.
pub async fn settle(fleet: &Fleet, timeout: Duration) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !fleet.settled(Utc::now()) {
        // Every state change notifies; the deadline bounds a cluster that
        // never settles.
        let wait = tokio::time::timeout_at(deadline, fleet.notify.notified());
        if wait.await.is_err() {
            break;
        }
    }
}

fn known<T: serde::Serialize + Copy>(k: &Known<T>) -> Value {
    match k {
        Known::Value(v) => json!(v),
        _ => Value::Null,
    }
}

fn state_word(r: &ClusterRow) -> &'static str {
    if r.excluded.is_some()
        && !matches!(
            r.state,
            ClusterState::Unreachable { .. } | ClusterState::Listed { .. }
        )
    {
        "excluded"
    } else {
        r.state.word()
    }
}

fn error_of(r: &ClusterRow) -> Option<String> {
    match &r.state {
        ClusterState::Unreachable { error, .. } => Some(error.clone()),
        ClusterState::Degraded { reasons } => Some(reasons.join("; ")),
        ClusterState::Listed { why } => Some(why.clone()),
        ClusterState::Summary { error, .. } => error.clone(),
        _ => r.excluded.clone(),
    }
}

/// With each cluster's capacity forecast when one was read
/// (`"forecast": {"cpu": {…}, "memory": {…}}`, or `{"unknown": why}`).
pub fn to_json(
    rows: &[ClusterRow],
    forecast: Option<&crate::forecast::monitor::FleetForecast>,
) -> Value {
    let now = Utc::now();
    let clusters: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "context": r.via,
                "contexts": r.meta.contexts,
                "name": r.meta.name,
                "group": r.meta.group,
                "region": r.meta.region,
                "cloud": r.meta.cloud,
                "role": r.meta.role,
                "state": state_word(r),
                "error": error_of(r),
                "excluded": r.excluded,
                "last_seen": r.last_seen.map(|t| t.to_rfc3339()),
                "version": r.version,
                "nodes": known(&r.nodes),
                "pods": known(&r.pods),
                "workloads": known(&r.workloads),
                "rollouts": known(&r.rollouts),
                "warnings": known(&r.warnings),
                "forbidden": r.forbidden,
                "forecast": forecast.and_then(|f| f.clusters.get(&r.meta.context)).map(|f| match f {
                    Ok(f) => serde_json::to_value(f).unwrap_or_default(),
                    Err(e) => json!({"unknown": e}),
                }),
                "mode": match &r.state {
                    ClusterState::Listed { .. } => "listed",
                    _ if r.summarised => "summary",
                    _ => "live",
                },
                "as_of": match &r.state {
                    ClusterState::Summary { as_of, .. } => Some(as_of.to_rfc3339()),
                    _ => None,
                },
                "crashlooping": r.crashlooping,
                // Figures from the last run, on disk, until it answers.
                "stale": r.stale.map(|at| json!({
                    "age_seconds": (now - at).num_seconds().max(0),
                    "as_of": at.to_rfc3339(),
                })),
                "link": r.link.as_ref().map(|l| json!({
                    "availability": l.availability,
                    "window_seconds": crate::fleet::link::WINDOW_SECS,
                    "hold_seconds": l.hold_seconds,
                    "pending": l.pending.map(|(up, since)| json!({
                        "up": up,
                        "since": since.to_rfc3339(),
                    })),
                })),
                "tls": r.tls.as_ref().map(|t| json!({
                    "version": t.version,
                    "group": t.group,
                    "post_quantum": t.post_quantum,
                    "required": t.required,
                    "server_cert_not_after": t.server_cert_not_after.map(|x| x.to_rfc3339()),
                    "client_cert_not_after": t.client_cert_not_after.map(|x| x.to_rfc3339()),
                    "warnings": r.tls_warnings,
                })),
            })
        })
        .collect();
    json!({ "clusters": clusters, "totals": crate::fleet::summary::totals(rows) })
}

fn cell<T: Copy>(k: &Known<T>, f: impl Fn(T) -> String) -> String {
    match k {
        Known::Value(v) => f(*v),
        Known::Forbidden => "forbidden".into(),
        Known::Missing => "-".into(),
        Known::Pending => "…".into(),
    }
}

pub fn to_text(rows: &[ClusterRow], now: DateTime<Utc>) -> String {
    let mut table: Vec<Vec<String>> = vec![[
        "CLUSTER",
        "STATE",
        "VERSION",
        "REGION",
        "NODES",
        "PODS R/P/F",
        "WORKLOADS",
        "WARN",
    ]
    .map(String::from)
    .to_vec()];
    for r in rows {
        let mut state = state_word(r).to_string();
        if let ClusterState::Unreachable { since, .. } = &r.state {
            state = format!("unreachable {}", crate::fleet::summary::age(now, *since));
        }
        table.push(vec![
            r.meta.name.clone(),
            state,
            r.version.clone().unwrap_or_else(|| "?".into()),
            r.meta.region.clone().unwrap_or_else(|| "-".into()),
            cell(&r.nodes, |n| format!("{}/{}", n.ready, n.total)),
            cell(&r.pods, |p| {
                format!("{}/{}/{}", p.running, p.pending, p.failing)
            }),
            cell(&r.workloads, |w| format!("{}/{}", w.healthy, w.total)),
            cell(&r.warnings, |w| w.to_string()),
        ]);
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|c| {
            table
                .iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &table {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// One line per unreachable cluster, for stderr; empty when all answered.
pub fn unreachable_reasons(rows: &[ClusterRow]) -> Vec<String> {
    rows.iter()
        .filter_map(|r| match &r.state {
            ClusterState::Unreachable { error, .. } => {
                Some(format!("{}: unreachable: {error}", r.meta.context))
            }
            _ => None,
        })
        .collect()
}
