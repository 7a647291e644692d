//! The Journal view's rows — the fleet timeline (`crate::timeline`): what
//! changed in every cluster, this console's journal, other consoles'
//! actions and SLO alerts; newest first.

use chrono::{DateTime, Utc};

use crate::console::Console;
use crate::fleet::summary::{age, ClusterRow, ClusterState};
use crate::journal::Record;
use crate::timeline::change::ObjectRef;
use crate::timeline::collect::{collect, Inputs};
use crate::timeline::{Change, ChangeKind};

pub fn timeline(
    records: &[Record],
    fleet: &Console,
    observed: &[Change],
    host: &str,
    since: DateTime<Utc>,
) -> Vec<Change> {
    let alerts = fleet.slo.events();
    let backups = fleet.backups.latest();
    let chaos = fleet.chaos.latest();
    collect(Inputs {
        fleet,
        records,
        observed,
        alerts: &alerts,
        backups: backups.as_deref(),
        chaos: chaos.as_deref(),
        host,
        since,
    })
}

/// Not ok, left out of totals, or with failing pods.
pub fn unhealthy(r: &ClusterRow) -> bool {
    !matches!(r.state, ClusterState::Ok)
        || r.excluded.is_some()
        || r.pods.value().is_some_and(|p| p.failing > 0)
}

/// The Fleet view's line about an unhealthy cluster: the newest thing that
/// changed in it and the warnings since — "prod-eu: checkout image 1.4.2 →
/// 1.5.0 12m ago; BackOff ×34 on checkout-7f9c since 11m".
pub fn hint(changes: &[Change], rows: &[ClusterRow], now: DateTime<Utc>) -> Option<String> {
    // `changes` is newest first: the first cause found is the newest.
    let (row, cause) = changes.iter().find_map(|c| {
        let is_cause = !matches!(
            c.kind,
            ChangeKind::Warning | ChangeKind::Slo | ChangeKind::Action
        );
        let row = rows
            .iter()
            .filter(|r| unhealthy(r))
            .find(|r| r.meta.reaches(&c.context))?;
        is_cause.then_some((row, c))
    })?;
    let mut line = format!(
        "{}: {} {} {} ago",
        row.meta.name,
        cause.object.name,
        cause.summary,
        age(now, cause.time)
    );
    let since = changes.iter().find(|w| {
        w.kind == ChangeKind::Warning && w.context == cause.context && w.time >= cause.time
    });
    if let Some(w) = since {
        let first = w.first.unwrap_or(w.time).max(cause.time);
        line.push_str(&format!(
            "; {} on {} since {}",
            w.summary,
            w.object.name,
            age(now, first)
        ));
    }
    Some(line)
}

/// A workload detail's own history: the timeline's lines about it (its
/// revisions, scales, edits, rollout steps, actions), newest first. Its
/// pods' warnings have their own section there.
pub fn history(changes: Vec<Change>, context: &str, object: &ObjectRef) -> Vec<Change> {
    changes
        .into_iter()
        .filter(|c| c.context == context && &c.object == object)
        .collect()
}

/// The timeline, built at most once a second and again when the window
/// changes: at 50 busy clusters a build takes tens of milliseconds
/// (docs/performance.md), too much for every frame. The views that show it
/// redraw every second (their "12s ago" moves), so nothing stays stale.
#[derive(Default)]
pub struct Fresh {
    built: Option<(std::time::Instant, u64, Vec<Change>)>,
}

const REBUILD: std::time::Duration = std::time::Duration::from_secs(1);

impl Fresh {
    pub fn get(
        &mut self,
        since_secs: u64,
        now: DateTime<Utc>,
        build: impl FnOnce(DateTime<Utc>) -> Vec<Change>,
    ) -> &[Change] {
        let fresh =
            matches!(&self.built, Some((at, s, _)) if *s == since_secs && at.elapsed() < REBUILD);
        if !fresh {
            // A window reaching before any time there is: everything.
            let since = i64::try_from(since_secs)
                .ok()
                .and_then(chrono::Duration::try_seconds)
                .and_then(|d| now.checked_sub_signed(d))
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            self.built = Some((std::time::Instant::now(), since_secs, build(since)));
        }
        self.built.as_ref().map_or(&[], |(_, _, c)| c.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::store::ClusterData;
    use crate::fleet::summary::{cluster_row, ClusterMeta, HealthPolicy};
    use crate::timeline::ObjectRef;
    use chrono::Duration;

    #[test]
    fn the_fleet_hint_names_the_newest_cause_and_the_warnings_since() {
        let now = Utc::now();
        let meta = |ctx: &str| ClusterMeta {
            context: ctx.into(),
            name: ctx.into(),
            ..Default::default()
        };
        // Never synced: not ok, so unhealthy.
        let rows = [cluster_row(
            &meta("prod-eu"),
            &ClusterData::default(),
            &HealthPolicy::default(),
            now,
        )];
        let line = |at: i64, ctx: &str, kind: ChangeKind, name: &str, s: &str| {
            Change::new(
                now - Duration::minutes(at),
                ctx,
                kind,
                ObjectRef::new("Deployment", "shop", name),
                s.into(),
            )
        };
        let mut warning = line(
            3,
            "prod-eu",
            ChangeKind::Warning,
            "checkout-7f9c",
            "BackOff ×34",
        );
        warning.first = Some(now - Duration::minutes(11));
        let changes = vec![
            warning,
            line(
                5,
                "prod-us",
                ChangeKind::Revision,
                "cart",
                "image cart 2 → 3",
            ),
            line(
                12,
                "prod-eu",
                ChangeKind::Revision,
                "checkout",
                "image shop/checkout 1.4.2 → 1.5.0",
            ),
            line(
                30,
                "prod-eu",
                ChangeKind::Scale,
                "checkout",
                "replicas 3 → 5",
            ),
        ];
        assert_eq!(
            hint(&changes, &rows, now).as_deref(),
            Some("prod-eu: checkout image shop/checkout 1.4.2 → 1.5.0 12m ago; BackOff ×34 on checkout-7f9c since 11m")
        );
        assert_eq!(
            hint(&changes[..2], &rows, now),
            None,
            "no cause in that cluster"
        );
    }
}
