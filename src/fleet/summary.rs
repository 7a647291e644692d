//! Rows derived from the stores: what the Fleet and Workloads views and
//! `fleetdeck snapshot` show. Pure functions of the data and a clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::last_known::Saved;

use super::objects::WorkloadKind;
use super::rollout::Phase;
use super::store::{ClusterData, Connection, Resource, ResourceState};
pub use super::tally::PodCounts;

pub use crate::config::cluster::{ClusterMeta, HealthPolicy};

/// A cluster as a background reader (backups, chaos) reads it: its metadata
/// and its one client, once built.
pub type Reader = (
    ClusterMeta,
    std::sync::Arc<std::sync::OnceLock<kube::Client>>,
);

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum ClusterState {
    Connecting,
    Syncing {
        percent: u8,
    },
    Ok,
    Degraded {
        reasons: Vec<String>,
    },
    Unreachable {
        since: DateTime<Utc>,
        error: String,
    },
    /// Known from a discovery source, not connected (not provisioned, no
    /// usable credentials): shown, never counted.
    Listed {
        why: String,
    },
    /// Counts from the metrics engine, read at `as_of`; not watched. `error`:
    /// the last read failed (the figures are the read before).
    Summary {
        as_of: DateTime<Utc>,
        error: Option<String>,
    },
}

impl ClusterState {
    pub fn word(&self) -> &'static str {
        match self {
            ClusterState::Connecting => "connecting",
            ClusterState::Syncing { .. } => "syncing",
            ClusterState::Ok => "ok",
            ClusterState::Degraded { .. } => "degraded",
            ClusterState::Unreachable { .. } => "unreachable",
            ClusterState::Listed { .. } => "listed",
            ClusterState::Summary { .. } => "summary",
        }
    }
}

/// A count that may be unknown because the identity may not read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Known<T> {
    Value(T),
    Forbidden,
    Missing,
    Pending,
}

impl<T: Copy> Known<T> {
    pub fn value(&self) -> Option<T> {
        match self {
            Known::Value(v) => Some(*v),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Ratio {
    pub ready: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RolloutCounts {
    pub total: usize,
    pub progressing: usize,
    pub paused: usize,
    pub degraded: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct WorkloadCounts {
    pub healthy: usize,
    pub total: usize,
}

/// Counts add up field by field: fleet totals and group totals.
macro_rules! add_fields {
    ($t:ty: $($f:ident),+) => {
        impl std::ops::AddAssign for $t {
            fn add_assign(&mut self, o: $t) {
                $(self.$f += o.$f;)+
            }
        }
    };
}
add_fields!(Ratio: ready, total);
add_fields!(WorkloadCounts: healthy, total);
add_fields!(RolloutCounts: total, progressing, paused, degraded);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterRow {
    pub meta: ClusterMeta,
    /// The context the cluster is watched through (`meta.context` unless it
    /// has several and another could list more).
    pub via: String,
    pub state: ClusterState,
    /// Why the cluster is left out of totals, if it is.
    pub excluded: Option<String>,
    pub version: Option<String>,
    pub nodes: Known<Ratio>,
    pub pods: Known<PodCounts>,
    pub workloads: Known<WorkloadCounts>,
    pub rollouts: Known<RolloutCounts>,
    pub warnings: Known<usize>,
    pub last_seen: Option<DateTime<Utc>>,
    /// Resources the identity may not read.
    pub forbidden: Vec<&'static str>,
    /// Containers in CrashLoopBackOff, as the metrics engine counts them
    /// (summary mode only).
    pub crashlooping: Option<usize>,
    /// Shown from the metrics engine (not watched live right now).
    pub summarised: bool,
    /// What the last TLS handshake negotiated, and certificates that expire
    /// within two weeks.
    pub tls: Option<super::tls::TlsInfo>,
    pub tls_warnings: Vec<String>,
    /// The figures are the last run's, from disk, live at this time: the
    /// cluster has not answered since start.
    pub stale: Option<DateTime<Utc>>,
    /// An edge cluster's link over the last hour.
    pub link: Option<LinkRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkRow {
    /// Share of probes answered over the last hour.
    pub availability: Option<f64>,
    /// A change seen but not counted yet: up or down, since when.
    pub pending: Option<(bool, DateTime<Utc>)>,
    pub hold_seconds: i64,
}

/// Warning events newer than this count as "recent".
pub const RECENT_WARNINGS: i64 = 3600;

fn known<T>(state: &ResourceState, synced: bool, v: impl FnOnce() -> T) -> Known<T> {
    match state {
        ResourceState::Forbidden(_) => Known::Forbidden,
        ResourceState::Missing => Known::Missing,
        _ if synced => Known::Value(v()),
        _ => Known::Pending,
    }
}

pub fn cluster_state(d: &ClusterData) -> ClusterState {
    match &d.connection {
        Connection::Listed { why } => return ClusterState::Listed { why: why.clone() },
        Connection::Summary => {
            return match d.metrics.as_of {
                Some(as_of) => ClusterState::Summary {
                    as_of,
                    error: d.metrics.error.clone(),
                },
                // The first read is still out.
                None => ClusterState::Connecting,
            };
        }
        _ => {}
    }
    if let Connection::Failed {
        error,
        since,
        transport: true,
    } = &d.connection
    {
        return ClusterState::Unreachable {
            since: *since,
            error: error.clone(),
        };
    }
    let states: Vec<(Resource, &ResourceState)> =
        Resource::ALL.iter().map(|r| (*r, d.state_of(*r))).collect();
    // Unreachable when every watch that could work fails to reach the server.
    let live: Vec<&(Resource, &ResourceState)> = states
        .iter()
        .filter(|(_, s)| !matches!(s, ResourceState::Forbidden(_) | ResourceState::Missing))
        .collect();
    let transport_failures: Vec<(DateTime<Utc>, &String)> = live
        .iter()
        .filter_map(|(_, s)| match s {
            ResourceState::Failing {
                since,
                error,
                transport: true,
            } => Some((*since, error)),
            _ => None,
        })
        .collect();
    if !live.is_empty() && transport_failures.len() == live.len() {
        let (since, error) = transport_failures
            .iter()
            .min_by_key(|(s, _)| *s)
            .map(|(s, e)| (*s, (*e).clone()))
            .unwrap_or((Utc::now(), String::new()));
        return ClusterState::Unreachable { since, error };
    }
    if matches!(d.connection, Connection::Connecting) && d.last_seen.is_none() {
        return ClusterState::Connecting;
    }
    let syncing = states
        .iter()
        .filter(|(_, s)| matches!(s, ResourceState::Syncing))
        .count();
    if syncing > 0 {
        let done = states.len() - syncing;
        return ClusterState::Syncing {
            percent: (done * 100 / states.len()) as u8,
        };
    }
    let mut reasons = Vec::new();
    if let Connection::Failed { error, .. } = &d.connection {
        reasons.push(error.clone());
    }
    for (r, s) in &states {
        match s {
            ResourceState::Forbidden(_) => reasons.push(format!("{} forbidden", r.name())),
            ResourceState::Failing { error, .. } => reasons.push(format!("{}: {error}", r.name())),
            _ => {}
        }
    }
    if reasons.is_empty() {
        ClusterState::Ok
    } else {
        ClusterState::Degraded { reasons }
    }
}

/// The parts of a row that walk every object (2,000 pods, say): they change
/// only when the store does, so callers may keep them by `generation`.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    nodes: Known<Ratio>,
    pods: Known<PodCounts>,
    workloads: Known<WorkloadCounts>,
    rollouts: Known<RolloutCounts>,
    region: Option<String>,
}

pub fn cluster_row(
    meta: &ClusterMeta,
    d: &ClusterData,
    policy: &HealthPolicy,
    now: DateTime<Utc>,
) -> ClusterRow {
    row_from(meta, d, policy, now, counts(d))
}

/// The row with counts kept from an earlier call while `d.generation` is
/// the same (the clock-dependent parts — recent warnings, state, last seen —
/// are always fresh).
pub fn cluster_row_cached(
    meta: &ClusterMeta,
    d: &ClusterData,
    policy: &HealthPolicy,
    now: DateTime<Utc>,
    cache: &mut Option<(u64, Counts)>,
) -> ClusterRow {
    let c = match cache {
        Some((g, c)) if *g == d.generation => c.clone(),
        _ => {
            let c = counts(d);
            *cache = Some((d.generation, c.clone()));
            c
        }
    };
    row_from(meta, d, policy, now, c)
}

/// The last run's figures, while the cluster has not answered since start.
pub fn stale(d: &ClusterData) -> Option<&super::last_known::Saved> {
    match d.connection {
        Connection::Summary | Connection::Listed { .. } => None,
        // The probe's answer (a version), not `last_seen`: a quiet failing
        // watch also counts as seen.
        _ if d.version.is_some() => None,
        _ => d.last_known.as_ref(),
    }
}

/// An edge cluster's state as its link counts it: a drop shorter than the
/// hold is `degraded` (still in the totals), a return shorter than the hold
/// is still `unreachable` — no flapping either way.
fn edge_state(state: ClusterState, d: &ClusterData, now: DateTime<Utc>) -> ClusterState {
    let Some(link) = &d.link else { return state };
    let hold = link.hold_secs();
    match (link.counted(), state) {
        (Some(true), ClusterState::Unreachable { since, error }) => ClusterState::Degraded {
            reasons: vec![format!(
                "edge link down {} ({error}); counts as unreachable after {hold}s",
                age(now, since)
            )],
        },
        (Some(false), ClusterState::Ok | ClusterState::Degraded { .. }) => {
            let back = link.pending().map_or(now, |(_, t)| t);
            ClusterState::Unreachable {
                since: link.counted_since().unwrap_or(back),
                error: format!(
                    "edge link back {} ago; counts as up after {hold}s",
                    age(now, back)
                ),
            }
        }
        (_, s) => s,
    }
}

fn counts(d: &ClusterData) -> Counts {
    if let Some(s) = stale(d) {
        return Counts {
            nodes: Saved::known(s.nodes),
            pods: Saved::known(s.pods),
            workloads: Saved::known(s.workloads),
            rollouts: Saved::known(s.rollouts),
            region: None,
        };
    }
    // A listed cluster is never watched: nothing is coming ("-", not "…").
    if matches!(d.connection, Connection::Listed { .. }) {
        return Counts {
            nodes: Known::Missing,
            pods: Known::Missing,
            workloads: Known::Missing,
            rollouts: Known::Missing,
            region: None,
        };
    }
    if matches!(d.connection, Connection::Summary) {
        let m = &d.metrics;
        // Before the first read "…"; a family with no series "-".
        fn k<T>(as_of: Option<DateTime<Utc>>, v: Option<T>) -> Known<T> {
            match (as_of, v) {
                (None, _) => Known::Pending,
                (Some(_), Some(v)) => Known::Value(v),
                (Some(_), None) => Known::Missing,
            }
        }
        return Counts {
            nodes: k(m.as_of, m.nodes),
            pods: k(m.as_of, m.pods),
            workloads: k(m.as_of, m.workloads),
            rollouts: Known::Missing,
            region: None,
        };
    }
    let nodes = known(&d.nodes.state, d.nodes.synced_once, || Ratio {
        ready: d.nodes.items.values().filter(|n| n.ready).count(),
        total: d.nodes.len(),
    });
    // Kept by the store as events arrive: a burst does not re-walk the pods.
    let pods = known(&d.pods.state, d.pods.synced_once, || *d.pods.tally());
    let workload_kinds = [&d.deployments, &d.statefulsets, &d.daemonsets, &d.rollouts];
    let any_forbidden = workload_kinds
        .iter()
        .take(3)
        .all(|k| matches!(k.state, ResourceState::Forbidden(_)));
    let synced = workload_kinds.iter().all(|k| {
        k.synced_once || !matches!(k.state, ResourceState::Syncing | ResourceState::Ready)
    });
    let workloads = if any_forbidden {
        Known::Forbidden
    } else if synced {
        Known::Value(WorkloadCounts {
            healthy: d.workloads().filter(|w| w.healthy).count(),
            total: d.workloads().count(),
        })
    } else {
        Known::Pending
    };
    let rollouts = known(&d.rollouts.state, d.rollouts.synced_once, || {
        let mut c = RolloutCounts::default();
        for w in d.rollouts.items.values() {
            c.total += 1;
            match w.rollout.as_ref().map(|r| r.phase) {
                Some(Phase::Progressing) => c.progressing += 1,
                Some(Phase::Paused) => c.paused += 1,
                Some(Phase::Degraded) => c.degraded += 1,
                _ => {}
            }
        }
        c
    });
    Counts {
        nodes,
        pods,
        workloads,
        rollouts,
        region: majority(d.nodes.items.values().filter_map(|n| n.region.as_deref())),
    }
}

fn row_from(
    meta: &ClusterMeta,
    d: &ClusterData,
    policy: &HealthPolicy,
    now: DateTime<Utc>,
    c: Counts,
) -> ClusterRow {
    let state = edge_state(cluster_state(d), d, now);
    let Counts {
        nodes,
        pods,
        workloads,
        rollouts,
        region,
    } = c;
    let cutoff = now - Duration::seconds(RECENT_WARNINGS);
    let warnings = known(&d.events.state, d.events.synced_once, || {
        d.events
            .items
            .values()
            .filter(|e| e.last_seen.is_none_or(|t| t >= cutoff))
            .count()
    });
    let unwatched = matches!(
        d.connection,
        Connection::Summary | Connection::Listed { .. }
    );
    let warnings = match stale(d) {
        Some(s) => Saved::known(s.warnings),
        None if unwatched => Known::Missing,
        None => warnings,
    };
    let excluded = exclusion(&state, nodes, policy);
    let mut meta = meta.clone();
    if meta.region.is_none() {
        meta.region = region;
    }
    ClusterRow {
        via: d.via.clone().unwrap_or_else(|| meta.context.clone()),
        meta,
        excluded,
        version: d
            .version
            .clone()
            .or_else(|| stale(d).and_then(|s| s.version.clone())),
        nodes,
        pods,
        workloads,
        rollouts,
        warnings,
        last_seen: d.last_seen,
        forbidden: Resource::ALL
            .iter()
            .filter(|r| matches!(d.state_of(**r), ResourceState::Forbidden(_)))
            .map(|r| r.name())
            .collect(),
        crashlooping: if unwatched {
            d.metrics.crashlooping
        } else {
            None
        },
        summarised: matches!(d.connection, Connection::Summary),
        tls_warnings: d.tls.as_ref().map(|t| t.warnings(now)).unwrap_or_default(),
        tls: d.tls.clone(),
        stale: stale(d).map(|s| s.at),
        link: d.link.as_ref().map(|l| LinkRow {
            availability: l.availability(),
            pending: l.pending(),
            hold_seconds: l.hold_secs(),
        }),
        state,
    }
}

fn exclusion(state: &ClusterState, nodes: Known<Ratio>, policy: &HealthPolicy) -> Option<String> {
    match state {
        ClusterState::Unreachable { .. } => return Some("unreachable".into()),
        ClusterState::Listed { .. } => return Some("listed, not connected".into()),
        _ => {}
    }
    let n = nodes.value()?;
    if n.total > 0 && (n.ready as f64) < policy.min_ready_nodes * n.total as f64 {
        return Some(format!(
            "{}/{} nodes ready (< {:.0}%)",
            n.ready,
            n.total,
            policy.min_ready_nodes * 100.0
        ));
    }
    None
}

fn majority<'a>(it: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in it {
        *counts.entry(v).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(_, c)| *c)
        .map(|(v, _)| v.to_string())
}

/// Fleet totals over the clusters that are not excluded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FleetTotals {
    /// Connected clusters; `listed` ones (known to a discovery source, not
    /// connected) are counted apart.
    pub clusters: usize,
    pub healthy_clusters: usize,
    pub excluded: usize,
    pub listed: usize,
    pub nodes: Ratio,
    pub pods: PodCounts,
    pub workloads: WorkloadCounts,
    pub rollouts: RolloutCounts,
    pub warnings: usize,
}

pub fn totals(rows: &[ClusterRow]) -> FleetTotals {
    let listed = |r: &&ClusterRow| matches!(r.state, ClusterState::Listed { .. });
    let mut t = FleetTotals {
        clusters: rows.iter().filter(|r| !listed(r)).count(),
        listed: rows.iter().filter(listed).count(),
        ..Default::default()
    };
    for r in rows.iter().filter(|r| !listed(r)) {
        if r.excluded.is_some() {
            t.excluded += 1;
            continue;
        }
        if r.state == ClusterState::Ok {
            t.healthy_clusters += 1;
        }
        if let Some(n) = r.nodes.value() {
            t.nodes += n;
        }
        if let Some(p) = r.pods.value() {
            t.pods += p;
        }
        if let Some(w) = r.workloads.value() {
            t.workloads += w;
        }
        if let Some(ro) = r.rollouts.value() {
            t.rollouts += ro;
        }
        t.warnings += r.warnings.value().unwrap_or(0);
    }
    t
}

/// One workload in one cluster, as the fleet-wide Workloads view shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadCell {
    pub ready: i32,
    pub desired: i32,
    pub images: Vec<String>,
    pub healthy: bool,
    pub status: String,
}

/// The same workload (namespace, kind, name) lined up across clusters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadLine {
    pub namespace: String,
    pub kind: WorkloadKind,
    pub name: String,
    /// One cell per cluster, in the order of the clusters passed in.
    pub cells: Vec<Option<WorkloadCell>>,
    pub replica_skew: bool,
    pub image_skew: bool,
}

pub fn workload_lines(clusters: &[&ClusterData]) -> Vec<WorkloadLine> {
    let mut lines: BTreeMap<(String, WorkloadKind, String), WorkloadLine> = BTreeMap::new();
    for (i, d) in clusters.iter().enumerate() {
        for w in d.workloads() {
            let line = lines
                .entry((w.namespace.clone(), w.kind, w.name.clone()))
                .or_insert_with(|| WorkloadLine {
                    namespace: w.namespace.clone(),
                    kind: w.kind,
                    name: w.name.clone(),
                    cells: vec![None; clusters.len()],
                    replica_skew: false,
                    image_skew: false,
                });
            line.cells[i] = Some(WorkloadCell {
                ready: w.ready,
                desired: w.desired,
                images: w.images.clone(),
                healthy: w.healthy,
                status: w.status.clone(),
            });
        }
    }
    let mut out: Vec<WorkloadLine> = lines.into_values().collect();
    for line in &mut out {
        let present: Vec<&WorkloadCell> = line.cells.iter().flatten().collect();
        // A DaemonSet's count follows each cluster's node count: not skew.
        line.replica_skew = line.kind != WorkloadKind::DaemonSet
            && present.windows(2).any(|w| w[0].desired != w[1].desired);
        line.image_skew = present.windows(2).any(|w| w[0].images != w[1].images);
    }
    out
}

/// A compact age as kubectl prints it: `42s`, `5m`, `3h`, `12d`.
pub fn age(now: DateTime<Utc>, since: DateTime<Utc>) -> String {
    let s = (now - since).num_seconds().max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::wire::WirePod;
    use k8s_openapi::api::core::v1::{Pod, PodStatus};
    use kube::runtime::watcher::Event;

    fn pod(name: &str) -> WirePod {
        let mut p = Pod::default();
        p.metadata.name = Some(name.into());
        p.metadata.namespace = Some("shop".into());
        p.status = Some(PodStatus {
            phase: Some("Running".into()),
            ..Default::default()
        });
        WirePod::of(&p)
    }

    fn running(r: &ClusterRow) -> Option<usize> {
        r.pods.value().map(|p| p.running)
    }

    #[test]
    fn counts_are_kept_until_the_store_generation_moves() {
        let (meta, policy, now) = (ClusterMeta::default(), HealthPolicy::default(), Utc::now());
        let mut d = ClusterData::default();
        d.pods.apply(Event::InitDone);
        let changed = d.pods.apply(Event::Apply(pod("a")));
        d.touch(changed);
        let mut cache = None;
        let first = cluster_row_cached(&meta, &d, &policy, now, &mut cache);
        assert_eq!(first, cluster_row(&meta, &d, &policy, now));
        assert_eq!(running(&first), Some(1));

        // A change the store did not announce: the cached counts stand, which
        // is what makes an unchanged cluster cost nothing per frame.
        d.pods.apply(Event::Apply(pod("b")));
        let stale = cluster_row_cached(&meta, &d, &policy, now, &mut cache);
        assert_eq!(running(&stale), Some(1));

        d.touch(true);
        let fresh = cluster_row_cached(&meta, &d, &policy, now, &mut cache);
        assert_eq!(fresh, cluster_row(&meta, &d, &policy, now));
        assert_eq!(running(&fresh), Some(2));

        // State changes bump the generation too: a forbidden pod list is
        // never shown with the counts it had before.
        d.set_resource_state(Resource::Pods, ResourceState::Forbidden("no".into()));
        let forbidden = cluster_row_cached(&meta, &d, &policy, now, &mut cache);
        assert_eq!(forbidden.pods, Known::Forbidden);
    }
}
