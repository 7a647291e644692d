//! Transitions this console sees happen: each cluster's store is compared
//! with what it held the last time its generation moved, so a new image, a
//! scale, a pause, a cutover, a node going NotReady or the cluster going
//! unreachable becomes one line with before → after. The first look at a
//! cluster only records what is there: what happened before is the
//! backfill's to tell.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};

use super::change::{Change, ChangeKind, ObjectRef};
use super::edits::is_controller;
use super::revisions::images_diff;
use crate::fleet::objects::{NodeInfo, WorkloadInfo};
use crate::fleet::store::{ClusterData, Connection, Resource, ResourceState};
use crate::fleet::summary::ClusterRow;

#[derive(Debug, Clone, PartialEq)]
struct WorkloadSeen {
    images: Vec<String>,
    desired: i32,
    paused: bool,
    aborted: bool,
    active: Option<String>,
}

impl WorkloadSeen {
    fn of(w: &WorkloadInfo) -> WorkloadSeen {
        let r = w.rollout.as_ref();
        WorkloadSeen {
            images: w.images.clone(),
            desired: w.desired,
            paused: r.is_some_and(|r| r.paused),
            aborted: r.is_some_and(|r| r.aborted),
            active: r.and_then(|r| r.active_selector.clone()),
        }
    }
}

#[derive(Debug, Default)]
struct ClusterSeen {
    generation: Option<u64>,
    state: Option<(String, Option<String>)>,
    /// Since when some watches (not all) have lost the server: held back
    /// for `HOLD`, as it is mostly the first second of an outage.
    losing: Option<DateTime<Utc>>,
    /// `None` until the workload lists first synced.
    workloads: Option<HashMap<ObjectRef, WorkloadSeen>>,
    nodes: Option<BTreeMap<String, (bool, bool)>>,
}

/// What every cluster looked like at its last observed generation.
#[derive(Debug, Default)]
pub struct Observer {
    clusters: HashMap<String, ClusterSeen>,
}

impl Observer {
    /// The changes since the last call for this cluster (none when its
    /// store has not moved).
    pub fn observe(
        &mut self,
        row: &ClusterRow,
        d: &ClusterData,
        now: DateTime<Utc>,
    ) -> Vec<Change> {
        let ctx = row.meta.context.as_str();
        let seen = self.clusters.entry(ctx.to_string()).or_default();
        let mut word = row.state.word().to_string();
        let mut excluded = row.excluded.clone();
        let mut at = now;
        let mut held = false;
        let lost_since = only_lost(d);
        if let Some(first) = lost_since.filter(|_| word == "degraded") {
            // Some watches lost the server, not all: on the way into an
            // outage or out of one, not a degraded cluster of its own.
            if let Some((w, e)) = seen.state.as_ref().filter(|(w, _)| w == "unreachable") {
                (word, excluded) = (w.clone(), e.clone());
            } else {
                let since = *seen.losing.get_or_insert(first);
                held = now - since < Duration::seconds(HOLD_SECS);
                at = since;
            }
        } else if let Some(since) = seen.losing.take() {
            // The outage (or its end) dates from the first watch that lost it.
            at = since;
        }
        let state = (word, excluded);
        let mut out = Vec::new();
        // Connecting and syncing are the way to a settled state, not news:
        // compare settled states only.
        let settled = !matches!(state.0.as_str(), "connecting" | "syncing") && !held;
        if settled {
            if let Some(before) = seen.state.replace(state.clone()) {
                out.extend(cluster_change(ctx, &before, &state, row, at));
            }
        }
        if seen.generation == Some(d.generation) {
            return out;
        }
        seen.generation = Some(d.generation);
        let synced = d.deployments.synced_once
            && d.statefulsets.synced_once
            && d.daemonsets.synced_once
            && (d.rollouts.synced_once
                || matches!(
                    d.rollouts.state,
                    ResourceState::Missing | ResourceState::Forbidden(_)
                ));
        if synced {
            let now_seen: HashMap<ObjectRef, (WorkloadSeen, &WorkloadInfo)> = d
                .workloads()
                .map(|w| {
                    let key = ObjectRef::new(w.kind.name(), &w.namespace, &w.name);
                    (key, (WorkloadSeen::of(w), w))
                })
                .collect();
            if let Some(before) = &seen.workloads {
                out.extend(workload_changes(ctx, before, &now_seen, now));
            }
            seen.workloads = Some(now_seen.into_iter().map(|(k, (s, _))| (k, s)).collect());
        }
        if d.nodes.synced_once {
            let nodes: BTreeMap<String, (bool, bool)> = d
                .nodes
                .items
                .values()
                .map(|n: &NodeInfo| (n.name.clone(), (n.ready, n.unschedulable)))
                .collect();
            if let Some(before) = &seen.nodes {
                out.extend(node_changes(ctx, before, &nodes, now));
            }
            seen.nodes = Some(nodes);
        }
        out
    }
}

/// How long a cluster some of whose watches lost the server waits before it
/// is called degraded: an outage reaches every watch within seconds.
const HOLD_SECS: i64 = 15;

/// When the first watch lost the server, if the cluster is degraded only
/// because some watches cannot reach it (transport errors): no 403, no
/// missing resource, no failing readiness check.
fn only_lost(d: &ClusterData) -> Option<DateTime<Utc>> {
    if matches!(
        d.connection,
        Connection::Failed {
            transport: false,
            ..
        }
    ) {
        return None;
    }
    let states = Resource::ALL.map(|r| d.state_of(r));
    let lost = |s: &&ResourceState| {
        matches!(
            s,
            ResourceState::Failing {
                transport: true,
                ..
            }
        )
    };
    let fine = |s: &&ResourceState| {
        matches!(
            s,
            ResourceState::Ready | ResourceState::Syncing | ResourceState::Missing
        )
    };
    if !states.iter().all(|s| lost(s) || fine(s)) {
        return None;
    }
    states
        .iter()
        .filter_map(|s| match s {
            ResourceState::Failing {
                since,
                transport: true,
                ..
            } => Some(*since),
            _ => None,
        })
        .min()
}

fn cluster_change(
    ctx: &str,
    before: &(String, Option<String>),
    after: &(String, Option<String>),
    row: &ClusterRow,
    now: DateTime<Utc>,
) -> Option<Change> {
    if before == after {
        return None;
    }
    let object = ObjectRef::new("Cluster", "", ctx);
    let detail = match &row.state {
        crate::fleet::summary::ClusterState::Unreachable { error, .. } => Some(error.clone()),
        crate::fleet::summary::ClusterState::Degraded { reasons } => Some(reasons.join("; ")),
        _ => None,
    };
    let word = after.0.clone();
    if before.0 == after.0 {
        let summary = match &after.1 {
            Some(why) => format!("left out of totals: {why}"),
            None => "counted in totals again".to_string(),
        };
        return Some(Change::new(now, ctx, ChangeKind::Cluster, object, summary));
    }
    let summary = format!("{} → {word}", before.0);
    let mut c = Change::new(now, ctx, ChangeKind::Cluster, object, summary).by("fleetdeck");
    c.detail = detail;
    Some(c)
}

fn workload_changes(
    ctx: &str,
    before: &HashMap<ObjectRef, WorkloadSeen>,
    after: &HashMap<ObjectRef, (WorkloadSeen, &WorkloadInfo)>,
    now: DateTime<Utc>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for (key, (a, w)) in after {
        let Some(b) = before.get(key) else {
            let summary = format!("created ({})", a.images.join(", "));
            let c = Change::new(now, ctx, ChangeKind::Revision, key.clone(), summary);
            out.push(attribute(c, w, "spec"));
            continue;
        };
        if a.images != b.images {
            let summary = images_diff(&b.images, &a.images);
            let c = Change::new(now, ctx, ChangeKind::Revision, key.clone(), summary);
            out.push(attribute(c, w, "spec.template"));
        }
        if a.desired != b.desired {
            let summary = format!("replicas {} → {}", b.desired, a.desired);
            let c = Change::new(now, ctx, ChangeKind::Scale, key.clone(), summary);
            out.push(attribute(c, w, "spec.replicas"));
        }
        for (was, is, on, off) in [
            (b.paused, a.paused, "paused", "resumed"),
            (b.aborted, a.aborted, "aborted", "abort cleared"),
        ] {
            if was != is {
                let summary = if is { on } else { off }.to_string();
                out.push(Change::new(
                    now,
                    ctx,
                    ChangeKind::Rollout,
                    key.clone(),
                    summary,
                ));
            }
        }
        if a.active != b.active && b.active.is_some() {
            let summary = format!(
                "active {} → {}",
                b.active.as_deref().unwrap_or("-"),
                a.active.as_deref().unwrap_or("-")
            );
            out.push(Change::new(
                now,
                ctx,
                ChangeKind::Cutover,
                key.clone(),
                summary,
            ));
        }
    }
    for key in before.keys().filter(|k| !after.contains_key(*k)) {
        out.push(Change::new(
            now,
            ctx,
            ChangeKind::Revision,
            key.clone(),
            "deleted".into(),
        ));
    }
    out
}

/// The change's author: the latest writer of `path` in managedFields. A
/// person's write makes an image or template change a hand edit.
fn attribute(mut c: Change, w: &WorkloadInfo, path: &str) -> Change {
    let writer = w
        .managers
        .iter()
        .filter(|m| m.subresource.as_deref() != Some("status"))
        .filter(|m| {
            m.fields.iter().any(|f| {
                f == path || f.starts_with(&format!("{path}.")) || path.starts_with(f.as_str())
            })
        })
        .max_by_key(|m| m.time);
    if let Some(m) = writer {
        if c.kind == ChangeKind::Revision
            && !is_controller(&m.manager)
            && !c.summary.starts_with("created")
        {
            c.kind = ChangeKind::Edit;
        }
        c.by = Some(m.manager.clone());
    }
    c
}

fn node_changes(
    ctx: &str,
    before: &BTreeMap<String, (bool, bool)>,
    after: &BTreeMap<String, (bool, bool)>,
    now: DateTime<Utc>,
) -> Vec<Change> {
    let mut out = Vec::new();
    let node = |n: &str| ObjectRef::new("Node", "", n);
    for (name, &(ready, cordoned)) in after {
        let summary = match before.get(name) {
            None => Some("joined".to_string()),
            Some(&(was_ready, was_cordoned)) => {
                let mut parts = Vec::new();
                if was_ready != ready {
                    parts.push(if ready { "Ready again" } else { "NotReady" });
                }
                if was_cordoned != cordoned {
                    parts.push(if cordoned { "cordoned" } else { "uncordoned" });
                }
                (!parts.is_empty()).then(|| parts.join(", "))
            }
        };
        if let Some(s) = summary {
            out.push(Change::new(now, ctx, ChangeKind::Node, node(name), s));
        }
    }
    for name in before.keys().filter(|n| !after.contains_key(*n)) {
        out.push(Change::new(
            now,
            ctx,
            ChangeKind::Node,
            node(name),
            "left".into(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::objects::WorkloadSource;
    use crate::fleet::summary::{cluster_row, ClusterMeta, HealthPolicy};
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Node;
    use kube::runtime::watcher::Event;
    use serde_json::json;

    fn deployment(image: &str, replicas: i32, manager: &str) -> WorkloadSource {
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "checkout", "namespace": "shop",
                "creationTimestamp": "2026-12-03T09:00:00Z",
                "managedFields": [{"manager": manager, "operation": "Update",
                    "time": "2026-12-03T10:00:00Z", "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:spec": {"f:replicas": {}, "f:template": {}}}}]},
            "spec": {"replicas": replicas, "selector": {},
                "template": {"spec": {"containers": [{"name": "app", "image": image}]}}}
        }))
        .unwrap();
        WorkloadSource::Deployment(d)
    }

    fn node(ready: bool, cordoned: bool) -> Node {
        serde_json::from_value(json!({
            "metadata": {"name": "n1"},
            "spec": {"unschedulable": cordoned},
            "status": {"conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}
        }))
        .unwrap()
    }

    fn cluster() -> ClusterData {
        let mut d = ClusterData::default();
        d.set_connection(crate::fleet::store::Connection::Connected);
        for k in [&mut d.deployments, &mut d.statefulsets, &mut d.daemonsets] {
            k.apply(Event::InitDone);
        }
        d.pods.apply(Event::InitDone);
        d.namespaces.apply(Event::InitDone);
        d.events.apply(Event::InitDone);
        d.actions.apply(Event::InitDone);
        d.scaling.apply(Event::InitDone);
        d.replicasets.apply(Event::InitDone);
        d.controller_revisions.apply(Event::InitDone);
        d.applications.apply(Event::InitDone);
        d.rollouts.set_state(ResourceState::Missing);
        d.deployments
            .apply(Event::Apply(deployment("shop/checkout:1.4.2", 3, "helm")));
        d.nodes.apply(Event::InitDone);
        d.nodes.apply(Event::Apply(node(true, false)));
        d.touch(true);
        d
    }

    fn look(o: &mut Observer, d: &ClusterData) -> Vec<(ChangeKind, String, Option<String>)> {
        let meta = ClusterMeta {
            context: "prod".into(),
            ..Default::default()
        };
        let now = Utc::now();
        let row = cluster_row(&meta, d, &HealthPolicy::default(), now);
        o.observe(&row, d, now)
            .into_iter()
            .map(|c| (c.kind, c.summary, c.by))
            .collect()
    }

    #[test]
    fn first_look_records_then_each_change_is_one_line_with_before_and_after() {
        let mut o = Observer::default();
        let mut d = cluster();
        assert_eq!(look(&mut o, &d), []);

        let edit = deployment("shop/checkout:1.5.0", 3, "kubectl-edit");
        d.deployments.apply(Event::Apply(edit));
        d.touch(true);
        assert_eq!(
            look(&mut o, &d),
            [(
                ChangeKind::Edit,
                "image checkout 1.4.2 → 1.5.0".into(),
                Some("kubectl-edit".into())
            )]
        );
        // The same generation again: nothing new.
        assert_eq!(look(&mut o, &d), []);

        d.deployments.apply(Event::Apply(deployment(
            "shop/checkout:1.5.0",
            5,
            "kube-controller-manager",
        )));
        d.nodes.apply(Event::Apply(node(false, true)));
        d.touch(true);
        let mut got = look(&mut o, &d);
        got.sort();
        assert_eq!(
            got,
            [
                (
                    ChangeKind::Scale,
                    "replicas 3 → 5".into(),
                    Some("kube-controller-manager".into())
                ),
                (ChangeKind::Node, "NotReady, cordoned".into(), None),
                (
                    ChangeKind::Cluster,
                    "left out of totals: 0/1 nodes ready (< 50%)".into(),
                    None
                ),
            ]
        );
    }

    #[test]
    fn a_cluster_going_unreachable_and_back_is_two_lines() {
        let mut o = Observer::default();
        let mut d = cluster();
        look(&mut o, &d);
        d.set_connection(crate::fleet::store::Connection::Failed {
            error: "connection refused".into(),
            since: Utc::now(),
            transport: true,
        });
        let down = look(&mut o, &d);
        assert_eq!(down.len(), 1, "{down:?}");
        assert_eq!(down[0].0, ChangeKind::Cluster);
        assert!(down[0].1.ends_with("→ unreachable"), "{down:?}");
        d.set_connection(crate::fleet::store::Connection::Connected);
        let back = look(&mut o, &d);
        assert_eq!(back.len(), 1, "{back:?}");
        assert_eq!(back[0].1, "unreachable → ok");
    }

    fn look_at(
        o: &mut Observer,
        d: &ClusterData,
        at: DateTime<Utc>,
    ) -> Vec<(String, DateTime<Utc>)> {
        let meta = ClusterMeta {
            context: "prod".into(),
            ..Default::default()
        };
        let row = cluster_row(&meta, d, &HealthPolicy::default(), at);
        o.observe(&row, d, at)
            .into_iter()
            .map(|c| (c.summary, c.time))
            .collect()
    }

    fn lose(d: &mut ClusterData, r: Resource, at: DateTime<Utc>) {
        let s = ResourceState::Failing {
            error: "connection refused".into(),
            since: at,
            transport: true,
        };
        d.set_resource_state(r, s);
    }

    /// Watches lose the server one by one and come back one by one: the
    /// timeline says "ok → unreachable" from the first loss and
    /// "unreachable → ok" once all are back, not the degraded moments between.
    #[test]
    fn an_outage_reached_watch_by_watch_is_two_lines_not_four() {
        let t0 = Utc::now();
        let s = |n: i64| t0 + Duration::seconds(n);
        let mut o = Observer::default();
        let mut d = cluster();
        look_at(&mut o, &d, t0);
        lose(&mut d, Resource::Pods, s(1));
        assert_eq!(look_at(&mut o, &d, s(1)), []);
        for r in Resource::ALL {
            if d.state_of(r).is_ready() {
                lose(&mut d, r, s(3));
            }
        }
        assert_eq!(
            look_at(&mut o, &d, s(3)),
            [("ok → unreachable".to_string(), s(1))]
        );
        d.set_resource_state(Resource::Pods, ResourceState::Ready);
        assert_eq!(look_at(&mut o, &d, s(40)), []);
        for r in Resource::ALL {
            if matches!(d.state_of(r), ResourceState::Failing { .. }) {
                d.set_resource_state(r, ResourceState::Ready);
            }
        }
        assert_eq!(
            look_at(&mut o, &d, s(60)),
            [("unreachable → ok".to_string(), s(60))]
        );
        // One watch losing the server for good is degraded, after the hold.
        lose(&mut d, Resource::Events, s(70));
        assert_eq!(look_at(&mut o, &d, s(71)), []);
        assert_eq!(
            look_at(&mut o, &d, s(90)),
            [("ok → degraded".to_string(), s(70))]
        );
    }
}
