//! The same change in many clusters — a wave rolling an image out, a bad
//! config hitting every region — is one group: the view shows one line
//! ("in 5 clusters") that expands to the members.

use std::collections::HashMap;

use chrono::Duration;

use super::change::{Change, ChangeKind};

/// Changes further apart than this are separate events, not one wave.
pub const WINDOW_MINUTES: i64 = 15;

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Newest first; the first is the group's line.
    pub members: Vec<Change>,
}

impl Group {
    pub fn head(&self) -> &Change {
        &self.members[0]
    }

    /// Names the group while the timeline moves under it (the view's Enter).
    pub fn key(&self) -> String {
        let h = self.head();
        format!(
            "{}|{}|{}|{}|{}",
            h.time.timestamp_millis(),
            h.context,
            h.kind.word(),
            h.object,
            h.summary
        )
    }

    /// Distinct clusters, in the members' order.
    pub fn contexts(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for m in &self.members {
            if !out.contains(&m.context.as_str()) {
                out.push(&m.context);
            }
        }
        out
    }
}

/// What makes two changes "the same" across clusters.
fn same(a: &Change, b: &Change) -> bool {
    // A cluster's own line (unreachable) names the cluster as its object:
    // the same summary in two clusters is still the same kind of event.
    let object_free = matches!(a.kind, ChangeKind::Cluster);
    a.context != b.context
        && a.kind == b.kind
        && a.summary == b.summary
        && (object_free || a.object == b.object)
}

/// `same`'s fields hashed: only groups under the same hash are compared.
fn bucket(c: &Change) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    c.kind.hash(&mut h);
    c.summary.hash(&mut h);
    if !matches!(c.kind, ChangeKind::Cluster) {
        c.object.hash(&mut h);
    }
    h.finish()
}

/// Groups `changes` (newest first, as `collect` returns them): a change joins
/// the newest group whose head is the same change in another cluster within
/// [`WINDOW_MINUTES`] and which has no member from its cluster yet.
pub fn group(changes: Vec<Change>) -> Vec<Group> {
    let window = Duration::minutes(WINDOW_MINUTES);
    let mut groups: Vec<Group> = Vec::new();
    // Group indices by bucket, oldest group first (= newest head first).
    let mut by_bucket: HashMap<u64, Vec<usize>> = HashMap::new();
    for c in changes {
        let candidates = by_bucket.entry(bucket(&c)).or_default();
        let home = candidates.iter().copied().find(|&i| {
            let g = &groups[i];
            let h = g.head();
            (h.time - c.time).abs() <= window
                && same(h, &c)
                && !g.members.iter().any(|m| m.context == c.context)
        });
        match home {
            Some(i) => groups[i].members.push(c),
            None => {
                candidates.push(groups.len());
                groups.push(Group { members: vec![c] });
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::change::ObjectRef;
    use chrono::{DateTime, Utc};

    fn image(ctx: &str, at: DateTime<Utc>) -> Change {
        Change::new(
            at,
            ctx,
            ChangeKind::Revision,
            ObjectRef::new("Deployment", "shop", "checkout"),
            "image shop/checkout 1.4.2 → 1.5.0".into(),
        )
    }

    #[test]
    fn a_wave_is_one_group_an_unrelated_change_and_a_late_repeat_are_not() {
        let t = Utc::now();
        let mut other = image("prod-us", t - Duration::minutes(1));
        other.summary = "replicas 3 → 5".into();
        other.kind = ChangeKind::Scale;
        let changes = vec![
            image("prod-eu", t),
            other,
            image("prod-us", t - Duration::minutes(2)),
            image("prod-ap", t - Duration::minutes(4)),
            // The same cluster again: its own line, not a member.
            image("prod-eu", t - Duration::minutes(5)),
            // An hour earlier in another cluster: a separate event.
            image("stage", t - Duration::minutes(70)),
        ];
        let groups = group(changes);
        let sizes: Vec<usize> = groups.iter().map(|g| g.members.len()).collect();
        assert_eq!(sizes, [3, 1, 1, 1]);
        assert_eq!(groups[0].contexts(), ["prod-eu", "prod-us", "prod-ap"]);
        assert_eq!(groups[1].head().kind, ChangeKind::Scale);
    }

    #[test]
    fn clusters_going_unreachable_together_are_one_group() {
        let t = Utc::now();
        let down = |ctx: &str| {
            Change::new(
                t,
                ctx,
                ChangeKind::Cluster,
                ObjectRef::new("Cluster", "", ctx),
                "ok → unreachable".into(),
            )
        };
        let groups = group(vec![down("a"), down("b"), down("c")]);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].contexts(), ["a", "b", "c"]);
    }
}
