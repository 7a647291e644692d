//! The whole timeline at one moment: what the clusters still hold (warning
//! Events, managedFields), what this console saw happen, its journal, other
//! consoles' Events and SLO alerts — newest first, nothing older than `since`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};

use super::change::{sort, Change, ChangeKind, ObjectRef};
use super::{edits, revisions, scaling, syncs, warnings};
use crate::backups::fleet::FleetBackups;
use crate::chaos::fleet::FleetChaos;
use crate::fleet::handles::{with_data, Fleet};
use crate::fleet::objects::WorkloadInfo;
use crate::journal::{Record, RecordKind};
use crate::slo::monitor::AlertEvent;

pub struct Inputs<'a> {
    pub fleet: &'a Fleet,
    pub records: &'a [Record],
    /// The observer's lines (this run's and those kept from earlier runs).
    pub observed: &'a [Change],
    pub alerts: &'a [AlertEvent],
    /// The latest read of the fleet's Velero objects, if any.
    pub backups: Option<&'a FleetBackups>,
    /// The latest read of the fleet's chaos experiments, if any.
    pub chaos: Option<&'a FleetChaos>,
    /// This console's host: its own Events are already in the journal.
    pub host: &'a str,
    pub since: DateTime<Utc>,
}

pub fn collect(i: Inputs) -> Vec<Change> {
    let mut backfill = Vec::new();
    for c in &i.fleet.clusters {
        let ctx = c.meta.context.as_str();
        with_data(&c.data, |d| {
            backfill.extend(warnings::aggregate(ctx, d.events.items.values(), i.since));
            // One lookup table per cluster: revisions and scales ask for
            // their workload thousands of times in a busy hour.
            let by_ref: HashMap<ObjectRef, &WorkloadInfo> = d
                .workloads()
                .map(|w| (ObjectRef::new(w.kind.name(), &w.namespace, &w.name), w))
                .collect();
            let workload = |o: &ObjectRef| by_ref.get(o).copied();
            let writer = |o: &ObjectRef| workload(o).and_then(edits::replicas_writer);
            let scales = scaling::scales(ctx, d.scaling.items.values(), writer, i.since);
            let revs = d.replicasets.items.values();
            let revs = revs.chain(d.controller_revisions.items.values());
            let revisions = revisions::revisions(ctx, revs, workload, i.since);
            // The Events' scales and the revisions have before → after;
            // managedFields only who and when.
            let better = Near::of(scales.iter().chain(&revisions));
            let managed: Vec<Change> = d
                .workloads()
                .flat_map(|w| edits::from_managers(ctx, w, i.since))
                .filter(|m| !better.has(m))
                .collect();
            backfill.extend(scales);
            backfill.extend(revisions);
            backfill.extend(syncs::syncs(ctx, d.applications.items.values(), i.since));
            backfill.extend(managed);
            for e in d.actions.items.values() {
                if e.reporting_instance.as_deref() == Some(i.host) {
                    continue;
                }
                let Some(at) = e.last_seen.filter(|t| *t >= i.since) else {
                    continue;
                };
                let (reason, by) = match e.message.rsplit_once(" — ") {
                    Some((r, b)) => (r.to_string(), b.to_string()),
                    None => (e.message.clone(), String::new()),
                };
                let object = ObjectRef::new(&e.object_kind, &e.namespace, &e.object_name);
                let result = if e.type_ == "Warning" { "failed" } else { "ok" };
                let summary = format!("{} {result}", e.reason.to_lowercase());
                let mut line =
                    Change::new(at, ctx, ChangeKind::Action, object, summary).detail(format!(
                        "{reason} (console {})",
                        e.reporting_instance.as_deref().unwrap_or("?")
                    ));
                line.by = (!by.is_empty()).then_some(by);
                backfill.push(line);
            }
        });
    }
    let observed: Vec<Change> = i
        .observed
        .iter()
        .filter(|c| c.time >= i.since)
        .cloned()
        .collect();
    let seen = Near::of(&observed);
    let mut out: Vec<Change> = backfill.into_iter().filter(|b| !seen.has(b)).collect();
    out.extend(observed);
    out.extend(journal(i.records, i.since));
    for a in i.alerts.iter().filter(|a| a.at >= i.since) {
        let state = if a.firing { "firing" } else { "resolved" };
        out.push(
            Change::new(
                a.at,
                &a.context,
                ChangeKind::Slo,
                ObjectRef::new("SLO", "", &a.slo),
                format!("{} {state}", a.alert),
            )
            .detail(a.detail.clone()),
        );
    }
    out.extend(backups(i.backups, i.since));
    out.extend(chaos(i.chaos, i.since));
    sort(&mut out);
    out
}

/// A line per failed or partly failed backup (what the cluster holds about
/// it; the logs are in object storage).
fn backups(b: Option<&FleetBackups>, since: DateTime<Utc>) -> Vec<Change> {
    let Some(b) = b else { return Vec::new() };
    b.clusters
        .iter()
        .flat_map(|f| f.failures.iter().map(move |x| (f, x)))
        .filter(|(_, x)| x.at >= since)
        .map(|(f, x)| {
            Change::new(
                x.at,
                &f.context,
                ChangeKind::Backup,
                ObjectRef::new("Backup", &x.namespace, &x.name),
                x.phase.to_lowercase(),
            )
            .by("velero".to_string())
            .detail(x.why.clone())
        })
        .collect()
}

/// A line when each experiment started (created) and, when it says, when
/// it stopped hurting its targets (recovered, paused or stopped).
fn chaos(c: Option<&FleetChaos>, since: DateTime<Utc>) -> Vec<Change> {
    let Some(c) = c else { return Vec::new() };
    let mut out = Vec::new();
    for e in c.all() {
        let object = ObjectRef::new(e.kind.name(), &e.namespace, &e.name);
        let hits = e
            .hits
            .iter()
            .map(|h| format!("{}/{}", h.namespace, h.workload))
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(t) = e.since.filter(|t| *t >= since) {
            let line = Change::new(
                t,
                &e.context,
                ChangeKind::Chaos,
                object.clone(),
                "started".into(),
            )
            .by(e.kind.group().to_string());
            out.push(match hits.is_empty() {
                true => line,
                false => line.detail(format!("hits {hits}")),
            });
        }
        if let Some(t) = e.ended.filter(|t| *t >= since) {
            let line = Change::new(
                t,
                &e.context,
                ChangeKind::Chaos,
                object,
                e.phase.as_str().into(),
            );
            out.push(line.by(e.kind.group().to_string()));
        }
    }
    out
}

/// Lines from a better source (this console saw it happen; an Event or a
/// revision has before → after), indexed by what they are about: a
/// backfilled edit, scale or revision near one of them is the same change.
struct Near<'a> {
    at: HashMap<(&'a str, &'a ObjectRef, ChangeKind), Vec<DateTime<Utc>>>,
}

impl<'a> Near<'a> {
    fn of(better: impl IntoIterator<Item = &'a Change>) -> Near<'a> {
        let mut at: HashMap<_, Vec<_>> = HashMap::new();
        for o in better {
            at.entry((o.context.as_str(), &o.object, o.kind))
                .or_default()
                .push(o.time);
        }
        Near { at }
    }

    fn has(&self, b: &Change) -> bool {
        matches!(
            b.kind,
            ChangeKind::Scale | ChangeKind::Edit | ChangeKind::Revision
        ) && self
            .at
            .get(&(b.context.as_str(), &b.object, b.kind))
            .is_some_and(|ts| {
                ts.iter()
                    .any(|t| (*t - b.time).abs() <= Duration::seconds(10))
            })
    }
}

/// One line per action: its last record (outcome, reconcile, denied) wins.
fn journal(records: &[Record], since: DateTime<Utc>) -> Vec<Change> {
    let mut by_id: BTreeMap<&str, (&Record, DateTime<Utc>)> = BTreeMap::new();
    for r in records {
        let first = by_id.get(r.id.as_str()).map_or(r.ts, |(_, t)| *t);
        by_id.insert(r.id.as_str(), (r, first));
    }
    by_id
        .into_values()
        .filter(|(r, _)| r.ts >= since)
        .map(|(r, first)| {
            let result = match (r.kind, &r.result) {
                (RecordKind::Intent, _) => "pending".to_string(),
                (_, Some(res)) => res.clone(),
                (k, None) => k.as_str().to_string(),
            };
            let t = &r.target;
            let mut c = Change::new(
                r.ts,
                &r.context,
                ChangeKind::Action,
                ObjectRef::new(&t.kind, &t.namespace, &t.name),
                format!("{} {result}", r.action),
            )
            .by(r.identity.clone().unwrap_or_else(|| r.operator.clone()))
            .detail(format!("{} (journal {})", r.reason, r.id));
            c.first = (first != r.ts).then_some(first);
            c
        })
        .collect()
}
