//! Clusters gathered by group, region or provider, with each gathering's
//! totals. A total over members some of which have no figure is partial and
//! says so (`known` of `of`): a partial sum is never passed off as the whole.

use serde::Serialize;

pub use crate::config::cluster::GroupBy;

use super::summary::{
    ClusterRow, ClusterState, Known, PodCounts, Ratio, RolloutCounts, WorkloadCounts,
};

/// A sum over the members that have a figure: `known` of `of` contributed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Partial<T> {
    pub sum: T,
    pub known: usize,
    pub of: usize,
}

impl<T> Partial<T> {
    /// Every member contributed.
    pub fn complete(&self) -> bool {
        self.known == self.of
    }

    /// A row's figure. `Missing` (no such kind there, or, for rollouts and
    /// warnings, not measured in summary mode) is left out rather than missed.
    fn add_known(&mut self, k: &Known<T>)
    where
        T: std::ops::AddAssign + Copy,
    {
        if !matches!(k, Known::Missing) {
            self.add(k.value());
        }
    }

    pub fn add(&mut self, v: Option<T>)
    where
        T: std::ops::AddAssign,
    {
        self.of += 1;
        if let Some(v) = v {
            self.known += 1;
            self.sum += v;
        }
    }
}

/// How many members are in each state, worst first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StateCounts {
    pub unreachable: usize,
    pub excluded: usize,
    pub degraded: usize,
    /// In summary mode, with the metrics engine's last read failed.
    pub stale: usize,
    pub syncing: usize,
    pub ok: usize,
    /// In summary mode, figures current.
    pub summary: usize,
    pub listed: usize,
}

impl StateCounts {
    fn add(&mut self, r: &ClusterRow) {
        let slot = match (&r.state, &r.excluded) {
            (ClusterState::Unreachable { .. }, _) => &mut self.unreachable,
            (ClusterState::Listed { .. }, _) => &mut self.listed,
            (ClusterState::Summary { error: Some(_), .. }, _) => &mut self.stale,
            (_, Some(_)) => &mut self.excluded,
            (ClusterState::Degraded { .. }, _) => &mut self.degraded,
            (ClusterState::Connecting | ClusterState::Syncing { .. }, _) => &mut self.syncing,
            (ClusterState::Summary { .. }, _) => &mut self.summary,
            (ClusterState::Ok, _) => &mut self.ok,
        };
        *slot += 1;
    }

    /// Non-zero counts, worst first: `("unreachable", 2)`, `("ok", 37)`.
    pub fn parts(&self) -> Vec<(&'static str, usize)> {
        [
            ("unreachable", self.unreachable),
            ("excluded", self.excluded),
            ("degraded", self.degraded),
            ("stale", self.stale),
            ("syncing", self.syncing),
            ("ok", self.ok),
            ("summary", self.summary),
            ("listed", self.listed),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
    }

    /// Members an operator should look at.
    pub fn troubled(&self) -> usize {
        self.unreachable + self.excluded + self.degraded + self.stale
    }
}

/// One gathering of clusters and its totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gathering {
    /// The shared value; `None` gathers the clusters that have none.
    pub key: Option<String>,
    /// Indices of the member rows, in the order given.
    pub members: Vec<usize>,
    pub states: StateCounts,
    pub nodes: Partial<Ratio>,
    pub pods: Partial<PodCounts>,
    pub workloads: Partial<WorkloadCounts>,
    pub rollouts: Partial<RolloutCounts>,
    pub warnings: Partial<usize>,
}

impl Gathering {
    fn new(key: Option<String>) -> Self {
        Gathering {
            key,
            members: Vec::new(),
            states: StateCounts::default(),
            nodes: Partial::default(),
            pods: Partial::default(),
            workloads: Partial::default(),
            rollouts: Partial::default(),
            warnings: Partial::default(),
        }
    }

    fn add(&mut self, i: usize, r: &ClusterRow) {
        self.members.push(i);
        self.states.add(r);
        // A listed cluster is not connected: it has no figures to miss.
        if matches!(r.state, ClusterState::Listed { .. }) {
            return;
        }
        if r.summarised {
            // The metrics engine had no series for it: unknown, not absent.
            self.nodes.add(r.nodes.value());
            self.pods.add(r.pods.value());
            self.workloads.add(r.workloads.value());
        } else {
            self.nodes.add_known(&r.nodes);
            self.pods.add_known(&r.pods);
            self.workloads.add_known(&r.workloads);
        }
        self.rollouts.add_known(&r.rollouts);
        self.warnings.add_known(&r.warnings);
    }
}

/// Gathers `order` (row indices, already filtered and sorted) by `by`.
/// Gatherings come in the order of their first member, so the sort that put
/// the worst cluster first puts its gathering first; by name, they come in
/// key order. Clusters without a value come last.
pub fn gather(rows: &[ClusterRow], order: &[usize], by: GroupBy, by_name: bool) -> Vec<Gathering> {
    let mut out: Vec<Gathering> = Vec::new();
    let mut at: std::collections::HashMap<Option<&str>, usize> = Default::default();
    for &i in order {
        let Some(r) = rows.get(i) else { continue };
        let key = by.key(&r.meta);
        let slot = *at.entry(key).or_insert_with(|| {
            out.push(Gathering::new(key.map(str::to_string)));
            out.len() - 1
        });
        out[slot].add(i, r);
    }
    if by_name {
        out.sort_by(|a, b| a.key.cmp(&b.key));
    }
    // `None` sorts first in key order; it belongs last either way.
    out.sort_by_key(|g| g.key.is_none());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::cluster::ClusterMeta;
    use crate::fleet::summary::Known;

    fn row(
        name: &str,
        group: Option<&str>,
        state: ClusterState,
        pods: Option<usize>,
    ) -> ClusterRow {
        ClusterRow {
            meta: ClusterMeta {
                context: name.into(),
                contexts: vec![name.into()],
                name: name.into(),
                group: group.map(str::to_string),
                ..Default::default()
            },
            via: name.into(),
            state,
            excluded: None,
            version: None,
            nodes: Known::Pending,
            pods: match pods {
                Some(n) => Known::Value(PodCounts {
                    running: n,
                    pending: 0,
                    failing: 1,
                }),
                None => Known::Forbidden,
            },
            workloads: Known::Pending,
            rollouts: Known::Pending,
            warnings: Known::Value(2),
            last_seen: None,
            forbidden: Vec::new(),
            crashlooping: None,
            summarised: false,
            tls: None,
            tls_warnings: Vec::new(),
            stale: None,
            link: None,
        }
    }

    #[test]
    fn sums_say_how_many_members_had_figures() {
        let rows = vec![
            row("a", Some("eu"), ClusterState::Ok, Some(10)),
            row("b", Some("eu"), ClusterState::Ok, None),
            row(
                "c",
                Some("us"),
                ClusterState::Degraded {
                    reasons: vec!["x".into()],
                },
                Some(5),
            ),
            row("d", None, ClusterState::Ok, Some(1)),
        ];
        let g = gather(&rows, &[0, 1, 2, 3], GroupBy::Group, false);
        assert_eq!(g.len(), 3);
        assert_eq!(g[0].key.as_deref(), Some("eu"));
        assert_eq!(g[0].pods.sum.running, 10);
        assert_eq!((g[0].pods.known, g[0].pods.of), (1, 2));
        assert!(!g[0].pods.complete());
        assert_eq!(g[0].warnings.sum, 4);
        assert_eq!(g[1].states.parts(), vec![("degraded", 1)]);
        assert_eq!(g[2].key, None, "clusters without a group come last");
    }

    #[test]
    fn gatherings_follow_their_first_member_unless_by_name() {
        let rows = vec![
            row("a", Some("zz"), ClusterState::Ok, Some(1)),
            row("b", None, ClusterState::Ok, Some(1)),
            row("c", Some("aa"), ClusterState::Ok, Some(1)),
        ];
        let keys = |g: Vec<Gathering>| g.into_iter().map(|g| g.key).collect::<Vec<_>>();
        let first = keys(gather(&rows, &[0, 1, 2], GroupBy::Group, false));
        assert_eq!(first, vec![Some("zz".into()), Some("aa".into()), None]);
        let named = keys(gather(&rows, &[0, 1, 2], GroupBy::Group, true));
        assert_eq!(named, vec![Some("aa".into()), Some("zz".into()), None]);
    }

    #[test]
    fn listed_clusters_are_counted_but_miss_no_figures() {
        let rows = vec![
            row("a", Some("eu"), ClusterState::Ok, Some(3)),
            row(
                "b",
                Some("eu"),
                ClusterState::Listed {
                    why: "no context".into(),
                },
                None,
            ),
        ];
        let g = gather(&rows, &[0, 1], GroupBy::Group, false);
        assert_eq!(g[0].members, vec![0, 1]);
        assert!(g[0].pods.complete());
        assert_eq!(g[0].states.listed, 1);
    }

    #[test]
    fn a_kind_missing_is_left_out_not_missed() {
        let mut a = row("a", Some("eu"), ClusterState::Ok, Some(3));
        a.rollouts = Known::Value(RolloutCounts {
            total: 2,
            ..Default::default()
        });
        let mut b = row("b", Some("eu"), ClusterState::Ok, Some(3));
        b.rollouts = Known::Missing;
        let g = gather(&[a, b], &[0, 1], GroupBy::Group, false);
        assert_eq!((g[0].rollouts.sum.total, g[0].rollouts.of), (2, 1));
        assert!(g[0].rollouts.complete());
        assert_eq!(g[0].nodes.known, 0, "pending everywhere: unknown");
    }
}
