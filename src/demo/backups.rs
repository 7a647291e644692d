//! The demo's Velero objects, relative to the clock: hourly schedules on the
//! production clusters (one with a newer partly failed backup, one failing
//! against an unavailable storage location), a daily one on staging whose
//! last success is 30 hours old, and no Velero on dev. Evaluated by the same
//! `backups` code as a live fleet.

use chrono::{DateTime, Duration, Utc};

use crate::backups::fleet::{FleetBackups, Found};
use crate::backups::{Backup, Holdings, Location, Objectives, Schedule};

const NS: &str = "velero";

fn schedule(name: &str, cron: &str) -> Schedule {
    Schedule {
        namespace: NS.into(),
        name: name.into(),
        cron: cron.into(),
        paused: false,
        included_namespaces: vec!["*".into()],
    }
}

fn backup(schedule: &str, phase: &str, done: DateTime<Utc>) -> Backup {
    Backup {
        namespace: NS.into(),
        name: format!("{schedule}-{}", done.format("%Y%m%d%H%M%S")),
        schedule: Some(schedule.into()),
        phase: phase.into(),
        start: Some(done - Duration::minutes(4)),
        completion: Some(done),
        errors: if phase == "Completed" { 0 } else { 2 },
        warnings: if phase == "PartiallyFailed" { 5 } else { 0 },
        included_namespaces: vec!["*".into()],
        ..Default::default()
    }
}

fn location(name: &str, phase: &str) -> Location {
    Location {
        name: name.into(),
        phase: Some(phase.into()),
    }
}

/// What the demo cluster `context` holds at `now`; `None`: no Velero.
pub fn holdings(context: &str, now: DateTime<Utc>) -> Option<Holdings> {
    let ago = |m: i64| now - Duration::minutes(m);
    let hourly = || vec![schedule("hourly", "0 * * * *")];
    let h = match context {
        "prod-eu-west" | "prod-eu-standby" => Holdings {
            backups: vec![
                backup("hourly", "Completed", ago(80)),
                backup("hourly", "Completed", ago(20)),
            ],
            schedules: hourly(),
            locations: vec![location("default", "Available")],
            ..Default::default()
        },
        "prod-us-east" => Holdings {
            backups: vec![
                backup("hourly", "Completed", ago(50)),
                backup("hourly", "PartiallyFailed", ago(10)),
            ],
            schedules: hourly(),
            locations: vec![location("default", "Available")],
            ..Default::default()
        },
        "prod-us-standby" => {
            let mut failed = backup("hourly", "Failed", ago(5));
            failed.failure_reason =
                Some("BackupStorageLocation \"dr\" is unavailable: no such bucket".into());
            Holdings {
                backups: vec![backup("hourly", "Completed", ago(65)), failed],
                schedules: hourly(),
                locations: vec![location("dr", "Unavailable")],
                ..Default::default()
            }
        }
        "staging-eu" => Holdings {
            backups: vec![backup("daily", "Completed", ago(30 * 60))],
            schedules: vec![schedule("daily", "0 3 * * *")],
            locations: vec![location("default", "Available")],
            ..Default::default()
        },
        _ => return None,
    };
    Some(h)
}

/// The demo fleet's backups at `now`, as the live monitor would find them.
pub fn fleet(contexts: &[(String, Option<String>)], now: DateTime<Utc>) -> FleetBackups {
    let none = Objectives {
        services: &[],
        cluster: None,
    };
    FleetBackups {
        at: Some(now),
        clusters: contexts
            .iter()
            .map(|(ctx, group)| Found::of(ctx, group.as_deref(), Ok(holdings(ctx, now)), none, now))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backups::State;

    #[test]
    fn the_demo_shows_each_state() {
        let ctxs: Vec<(String, Option<String>)> = [
            "prod-eu-west",
            "prod-us-east",
            "prod-us-standby",
            "staging-eu",
            "dev",
        ]
        .iter()
        .map(|c| (c.to_string(), None))
        .collect();
        let f = fleet(&ctxs, Utc::now());
        let state = |c: &str| f.cluster(c).and_then(|x| x.worst()).map(|r| r.state);
        assert_eq!(state("prod-eu-west"), Some(State::Ok));
        assert_eq!(state("prod-us-standby"), Some(State::Failing));
        assert_eq!(state("staging-eu"), Some(State::Late));
        assert!(f.cluster("prod-us-east").unwrap().rows[0].warning.is_some());
        assert_eq!(state("dev"), None);
    }
}
