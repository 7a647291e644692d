//! The Journal view's rows — the incident timeline: this console's journal
//! merged with the actions other fleetdeck consoles left in the clusters as
//! Events, and SLO alerts starting and stopping to fire; newest first.

use chrono::{DateTime, Utc};

use crate::console::Console;
use crate::fleet::handles::with_data;
use crate::journal::{Record, RecordKind};

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    pub at: DateTime<Utc>,
    /// `journal` (this console) or the reporting host of a cluster Event.
    pub source: String,
    pub context: String,
    pub target: String,
    pub action: String,
    /// ok, conflict, denied, … — or `pending` for an intent with no outcome yet.
    pub result: String,
    pub by: String,
    pub reason: String,
}

pub fn timeline(records: &[Record], fleet: &Console, host: &str) -> Vec<TimelineRow> {
    let mut rows: Vec<TimelineRow> = Vec::new();
    // One row per action: its last record (outcome, reconcile, denied) wins.
    let mut by_id: std::collections::BTreeMap<&str, &Record> = Default::default();
    for r in records {
        by_id.insert(r.id.as_str(), r);
    }
    for r in by_id.values() {
        rows.push(TimelineRow {
            at: r.ts,
            source: "journal".into(),
            context: r.context.clone(),
            target: r.target.to_string(),
            action: r.action.clone(),
            result: match (r.kind, &r.result) {
                (RecordKind::Intent, _) => "pending".into(),
                (_, Some(res)) => res.clone(),
                (k, None) => k.as_str().into(),
            },
            by: r.identity.clone().unwrap_or_else(|| r.operator.clone()),
            reason: r.reason.clone(),
        });
    }
    for c in &fleet.clusters {
        with_data(&c.data, |d| {
            for e in d.actions.items.values() {
                let instance = e.reporting_instance.clone().unwrap_or_default();
                if instance == host {
                    continue; // this console's own: already in the journal
                }
                let (reason, by) = match e.message.rsplit_once(" — ") {
                    Some((r, b)) => (r.to_string(), b.to_string()),
                    None => (e.message.clone(), String::new()),
                };
                rows.push(TimelineRow {
                    at: e.last_seen.unwrap_or_default(),
                    source: instance,
                    context: c.meta.context.clone(),
                    target: format!("{}/{}/{}", e.namespace, e.object_kind, e.object_name),
                    action: e.reason.to_lowercase(),
                    result: if e.type_ == "Warning" { "failed" } else { "ok" }.into(),
                    by,
                    reason,
                });
            }
        });
    }
    for a in fleet.slo.events() {
        rows.push(TimelineRow {
            at: a.at,
            source: "slo".into(),
            context: a.context,
            target: format!("SLO {}", a.slo),
            action: a.alert,
            result: if a.firing { "firing" } else { "resolved" }.into(),
            by: String::new(),
            reason: a.detail,
        });
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.at));
    rows
}
