//! The fleet's backups at one moment: each cluster's schedules evaluated,
//! what is wrong beside them (locations, failed backups, restores under
//! way) and, for a cluster that could not be read, why. Shared by
//! `fleetdeck backups`, the Backups view, the Fleet column and the timeline.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{evaluate, why, Holdings, Location, Objectives, Restore, Row, State, FAILED};

pub const NOT_INSTALLED: &str = "Velero is not installed";

/// A backup that failed or partly failed: a timeline line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub namespace: String,
    pub name: String,
    pub phase: String,
    pub at: DateTime<Utc>,
    pub why: String,
}

/// One cluster's answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    pub context: String,
    pub rows: Vec<Row>,
    /// Storage locations that are not `Available`.
    pub locations: Vec<Location>,
    /// Restores not finished.
    pub restores: Vec<Restore>,
    pub failures: Vec<Failure>,
    /// Why nothing could be read (or that Velero is not installed).
    pub note: Option<String>,
}

impl Found {
    /// Evaluates what was read from one cluster (or why it was not).
    pub fn of(
        context: &str,
        group: Option<&str>,
        held: Result<Option<Holdings>, String>,
        objectives: Objectives,
        now: DateTime<Utc>,
    ) -> Found {
        let mut f = Found {
            context: context.to_string(),
            ..Default::default()
        };
        let h = match held {
            Ok(Some(h)) => h,
            Ok(None) => {
                f.note = Some(NOT_INSTALLED.into());
                return f;
            }
            Err(e) => {
                f.note = Some(e);
                return f;
            }
        };
        f.rows = evaluate(context, group, &h, objectives, now);
        f.failures = h
            .backups
            .iter()
            .filter(|b| FAILED.contains(&b.phase.as_str()) || b.phase == "PartiallyFailed")
            .filter_map(|b| {
                Some(Failure {
                    namespace: b.namespace.clone(),
                    name: b.name.clone(),
                    phase: b.phase.clone(),
                    at: b.completion.or(b.start)?,
                    why: why(&b),
                })
            })
            .collect();
        f.locations = h
            .locations
            .into_iter()
            .filter(|l| l.phase.as_deref() != Some("Available"))
            .collect();
        f.restores = h
            .restores
            .into_iter()
            .filter(|r| {
                !matches!(
                    r.phase.as_str(),
                    "Completed" | "Failed" | "PartiallyFailed" | "FailedValidation"
                )
            })
            .collect();
        f
    }

    /// Not read, for a reason other than Velero being absent.
    pub fn unread(&self) -> bool {
        self.note.as_deref().is_some_and(|n| n != NOT_INSTALLED)
    }

    /// The cluster's worst schedule, for the Fleet column.
    pub fn worst(&self) -> Option<&Row> {
        self.rows.iter().min_by_key(|r| sort_key(r))
    }
}

/// Every cluster's findings, as of `at`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetBackups {
    pub at: Option<DateTime<Utc>>,
    pub clusters: Vec<Found>,
}

impl FleetBackups {
    /// Every schedule, worst first: failing, late (oldest first), unknown, ok.
    pub fn worst_first(&self) -> Vec<&Row> {
        let mut rows: Vec<&Row> = self.clusters.iter().flat_map(|f| &f.rows).collect();
        rows.sort_by_key(|r| sort_key(r));
        rows
    }

    pub fn cluster(&self, context: &str) -> Option<&Found> {
        self.clusters.iter().find(|f| f.context == context)
    }
}

pub fn rank(s: State) -> u8 {
    match s {
        State::Failing => 0,
        State::Late => 1,
        State::Unknown => 2,
        State::Ok => 3,
    }
}

/// Worst first: by state, then the oldest last success; names break ties.
pub fn sort_key(r: &Row) -> (u8, std::cmp::Reverse<Option<i64>>, String, String) {
    (
        rank(r.state),
        std::cmp::Reverse(r.age_seconds),
        r.context.clone(),
        r.schedule.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::{Backup, Schedule};
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn failures_locations_and_restores_are_kept_and_the_worst_is_first() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
        let b = |name: &str, sched: &str, phase: &str, h: i64| Backup {
            namespace: "velero".into(),
            name: name.into(),
            schedule: Some(sched.into()),
            phase: phase.into(),
            start: Some(now - Duration::hours(h)),
            completion: Some(now - Duration::hours(h)),
            ..Default::default()
        };
        let s = |name: &str| Schedule {
            namespace: "velero".into(),
            name: name.into(),
            cron: "@every 1h".into(),
            ..Default::default()
        };
        let h = Holdings {
            backups: vec![
                b("a-1", "a", "Completed", 0),
                b("b-1", "b", "Completed", 3),
                b("b-2", "b", "Failed", 1),
            ],
            schedules: vec![s("a"), s("b")],
            locations: vec![
                Location {
                    name: "default".into(),
                    phase: Some("Available".into()),
                },
                Location {
                    name: "dr".into(),
                    phase: Some("Unavailable".into()),
                },
            ],
            restores: vec![Restore {
                name: "r".into(),
                phase: "InProgress".into(),
                backup: None,
            }],
        };
        let none = Objectives {
            services: &[],
            cluster: None,
        };
        let f = Found::of("prod", None, Ok(Some(h)), none, now);
        assert_eq!(f.failures.len(), 1);
        assert_eq!(f.failures[0].name, "b-2");
        assert_eq!(f.locations.len(), 1);
        assert_eq!(f.restores.len(), 1);
        assert_eq!(f.worst().map(|r| r.schedule.as_str()), Some("velero/b"));
        let fleet = FleetBackups {
            at: Some(now),
            clusters: vec![
                f,
                Found::of("edge", None, Err("forbidden".into()), none, now),
            ],
        };
        let order: Vec<State> = fleet.worst_first().iter().map(|r| r.state).collect();
        assert_eq!(order, vec![State::Failing, State::Ok]);
        assert!(fleet.cluster("edge").unwrap().unread());
    }
}
