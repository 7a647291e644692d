//! Backups (Velero) across the fleet: per schedule, the last *successful*
//! backup (phase `Completed`; a schedule's `lastBackup` only says one
//! started), its age against the recovery-point objective, and what failed.
//! Pure evaluation here; `read` fetches the objects.

pub mod fleet;
pub mod monitor;
pub mod read;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::service::ServiceConfig;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Backup {
    pub namespace: String,
    pub name: String,
    /// `velero.io/schedule-name`.
    pub schedule: Option<String>,
    pub phase: String,
    pub start: Option<DateTime<Utc>>,
    pub completion: Option<DateTime<Utc>>,
    pub errors: u64,
    pub warnings: u64,
    pub failure_reason: Option<String>,
    pub validation_errors: Vec<String>,
    pub included_namespaces: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schedule {
    pub namespace: String,
    pub name: String,
    pub cron: String,
    pub paused: bool,
    pub included_namespaces: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Location {
    pub name: String,
    pub phase: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Restore {
    pub name: String,
    pub phase: String,
    pub backup: Option<String>,
}

/// What one cluster holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Holdings {
    pub backups: Vec<Backup>,
    pub schedules: Vec<Schedule>,
    pub locations: Vec<Location>,
    pub restores: Vec<Restore>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Ok,
    Late,
    Failing,
    Unknown,
}

/// One schedule's answer to "how much would we lose".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub context: String,
    pub schedule: String,
    pub last_success: Option<DateTime<Utc>>,
    pub age_seconds: Option<i64>,
    pub rpo_seconds: Option<i64>,
    /// Where the objective came from: `service checkout`, `schedule 0 2 * * *`.
    pub rpo_from: Option<String>,
    pub state: State,
    pub last_error: Option<String>,
    /// Not a failure, not a success: a newer `PartiallyFailed` backup.
    pub warning: Option<String>,
}

pub(crate) const FAILED: [&str; 2] = ["Failed", "FailedValidation"];

/// Whether `included` (a backup's `includedNamespaces`) covers `ns`: empty
/// and `*` mean every namespace.
pub fn covers(included: &[String], ns: &str) -> bool {
    included.is_empty() || included.iter().any(|n| n == "*" || n == ns)
}

/// Where a cluster's objectives come from: the services that run in it,
/// else its `[[cluster]]` entry's `rpo`.
#[derive(Debug, Clone, Copy)]
pub struct Objectives<'a> {
    pub services: &'a [ServiceConfig],
    pub cluster: Option<u64>,
}

/// Each schedule of one cluster, evaluated at `now`.
pub fn evaluate(
    context: &str,
    group: Option<&str>,
    h: &Holdings,
    objectives: Objectives,
    now: DateTime<Utc>,
) -> Vec<Row> {
    let mut rows: Vec<Row> = h
        .schedules
        .iter()
        .map(|s| schedule_row(context, group, s, h, objectives, now))
        .collect();
    rows.sort_by(|a, b| a.schedule.cmp(&b.schedule));
    rows
}

fn schedule_row(
    context: &str,
    group: Option<&str>,
    s: &Schedule,
    h: &Holdings,
    objectives: Objectives,
    now: DateTime<Utc>,
) -> Row {
    let own: Vec<&Backup> = h
        .backups
        .iter()
        .filter(|b| b.namespace == s.namespace && b.schedule.as_deref() == Some(&s.name))
        .collect();
    let last_success = own
        .iter()
        .filter(|b| b.phase == "Completed")
        .filter_map(|b| b.completion)
        .max();
    let newest = own
        .iter()
        .filter(|b| b.start.is_some())
        .max_by_key(|b| b.start);
    // The tightest objective of the services this schedule covers, else
    // the cluster's, else the schedule's own rhythm.
    let by_service = objectives
        .services
        .iter()
        .filter(|svc| svc.runs_in(context, group) && covers(&s.included_namespaces, &svc.namespace))
        .filter_map(|svc| {
            svc.rpo_seconds()
                .map(|r| (r as i64, format!("service {}", svc.name)))
        })
        .min()
        .or_else(|| {
            objectives
                .cluster
                .map(|r| (r as i64, "cluster config".to_string()))
        });
    // Why there is no objective, when there is none: said on the row.
    let by_schedule = || {
        match crate::basics::cron::parse(&s.cron) {
        Err(e) => Err(format!("no objective: {e}")),
        Ok(c) => c
            .longest_gap(now)
            .map(|g| (g.num_seconds(), format!("schedule {}", s.cron)))
            .ok_or_else(|| {
                format!(
                    "no objective: {:?} runs less than twice in two weeks; set an rpo on its [[service]]",
                    s.cron
                )
            }),
    }
    };
    let (rpo, rpo_from, no_objective) = match by_service.map_or_else(by_schedule, Ok) {
        Ok((r, from)) => (Some(r), Some(from), None),
        Err(why) => (None, None, Some(why)),
    };
    let age = last_success.map(|t| (now - t).num_seconds().max(0));
    let failed = newest.filter(|b| FAILED.contains(&b.phase.as_str()));
    let partial = newest
        .filter(|b| b.phase == "PartiallyFailed")
        .filter(|b| b.completion.or(b.start) > last_success);
    let state = match (failed, rpo, age) {
        (Some(_), _, _) => State::Failing,
        (None, None, _) => State::Unknown,
        (None, Some(_), None) => State::Late,
        (None, Some(r), Some(a)) if a > r => State::Late,
        _ => State::Ok,
    };
    Row {
        context: context.to_string(),
        schedule: format!("{}/{}", s.namespace, s.name),
        last_success,
        age_seconds: age,
        rpo_seconds: rpo,
        rpo_from,
        state,
        last_error: failed.map(why),
        warning: partial
            .map(|b| {
                format!(
                    "{} PartiallyFailed ({} errors, {} warnings): not a recovery point",
                    b.name, b.errors, b.warnings
                )
            })
            .or(no_objective),
    }
}

/// What the cluster holds about a failed backup (its logs are in object
/// storage and are not read).
pub(crate) fn why(b: &&Backup) -> String {
    let mut parts = vec![format!("{} {}", b.name, b.phase)];
    if let Some(r) = &b.failure_reason {
        parts.push(r.clone());
    }
    if !b.validation_errors.is_empty() {
        parts.push(b.validation_errors.join("; "));
    }
    if b.errors > 0 {
        parts.push(format!("{} errors", b.errors));
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
    }

    fn none() -> Objectives<'static> {
        Objectives {
            services: &[],
            cluster: None,
        }
    }

    fn backup(name: &str, phase: &str, hours_ago: i64) -> Backup {
        let t = now() - Duration::hours(hours_ago);
        Backup {
            namespace: "velero".into(),
            name: name.into(),
            schedule: Some("daily".into()),
            phase: phase.into(),
            start: Some(t - Duration::minutes(5)),
            completion: Some(t),
            errors: if phase == "Completed" { 0 } else { 3 },
            ..Default::default()
        }
    }

    fn holdings(backups: Vec<Backup>) -> Holdings {
        Holdings {
            backups,
            schedules: vec![Schedule {
                namespace: "velero".into(),
                name: "daily".into(),
                cron: "0 2 * * *".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_daily_schedule_whose_last_success_is_26_hours_old_is_late() {
        let h = holdings(vec![
            backup("daily-1", "Completed", 26),
            backup("daily-2", "PartiallyFailed", 2),
        ]);
        let r = &evaluate("prod", None, &h, none(), now())[0];
        assert_eq!(r.state, State::Late);
        assert_eq!(r.rpo_seconds, Some(24 * 3600));
        assert_eq!(r.age_seconds, Some(26 * 3600));
        let w = r.warning.as_deref().unwrap();
        assert!(w.contains("daily-2 PartiallyFailed (3 errors"), "{w}");
        assert_eq!(r.last_error, None, "partial is a warning, not a failure");
    }

    #[test]
    fn a_service_objective_wins_and_a_failure_says_why() {
        let svc: ServiceConfig = toml::from_str(
            "name = \"shop\"\nclusters = [\"prod\"]\nnamespace = \"shop\"\nrpo = \"48h\"",
        )
        .unwrap();
        let mut failed = backup("daily-3", "Failed", 1);
        failed.failure_reason = Some("BackupStorageLocation default is unavailable".into());
        let h = holdings(vec![backup("daily-1", "Completed", 26), failed]);
        let both = Objectives {
            services: std::slice::from_ref(&svc),
            cluster: Some(3600),
        };
        let r = &evaluate("prod", None, &h, both, now())[0];
        assert_eq!(r.rpo_seconds, Some(48 * 3600));
        assert_eq!(r.rpo_from.as_deref(), Some("service shop"));
        let cluster_only = Objectives {
            services: &[],
            cluster: Some(3600),
        };
        let by_cluster = &evaluate("prod", None, &h, cluster_only, now())[0];
        assert_eq!(by_cluster.rpo_seconds, Some(3600));
        assert_eq!(by_cluster.rpo_from.as_deref(), Some("cluster config"));
        assert_eq!(r.state, State::Failing);
        assert!(r.last_error.as_deref().unwrap().contains("unavailable"));
    }

    #[test]
    fn never_succeeded_is_late_and_no_objective_is_unknown() {
        let h = holdings(vec![]);
        assert_eq!(
            evaluate("prod", None, &h, none(), now())[0].state,
            State::Late
        );
        let mut h = holdings(vec![]);
        h.schedules[0].cron = "not a schedule".into();
        let r = &evaluate("prod", None, &h, none(), now())[0];
        assert_eq!(r.state, State::Unknown);
        let why = r.warning.as_deref().unwrap_or_default();
        assert!(
            why.contains("no objective") && why.contains("five fields"),
            "{why}"
        );
    }
}
