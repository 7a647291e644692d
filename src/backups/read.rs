//! Velero's objects in one cluster, read once (all namespaces), kept compact.

use chrono::{DateTime, Utc};
use kube::api::{ApiResource, GroupVersionKind};
use kube::Client;
use serde_json::Value;

use super::{Backup, Holdings, Location, Restore, Schedule};
use crate::fleet::rollout_tree::list_served;

/// Every object of a kind as JSON; `None` when Velero's CRD is not there.
async fn list(client: &Client, kind: &str, plural: &str) -> Result<Option<Vec<Value>>, String> {
    let gvk = GroupVersionKind::gvk("velero.io", "v1", kind);
    list_served(client, &ApiResource::from_gvk_with_plural(&gvk, plural)).await
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(text).collect())
        .unwrap_or_default()
}

fn backup(o: &Value) -> Backup {
    let (m, spec, st) = (&o["metadata"], &o["spec"], &o["status"]);
    Backup {
        namespace: text(&m["namespace"]).unwrap_or_default(),
        name: text(&m["name"]).unwrap_or_default(),
        schedule: text(&m["labels"]["velero.io/schedule-name"]),
        phase: text(&st["phase"]).unwrap_or_else(|| "New".into()),
        start: time(&st["startTimestamp"]),
        completion: time(&st["completionTimestamp"]),
        errors: st["errors"].as_u64().unwrap_or(0),
        warnings: st["warnings"].as_u64().unwrap_or(0),
        failure_reason: text(&st["failureReason"]).filter(|s| !s.is_empty()),
        validation_errors: strings(&st["validationErrors"]),
        included_namespaces: strings(&spec["includedNamespaces"]),
    }
}

fn schedule(o: &Value) -> Schedule {
    let (m, spec) = (&o["metadata"], &o["spec"]);
    Schedule {
        namespace: text(&m["namespace"]).unwrap_or_default(),
        name: text(&m["name"]).unwrap_or_default(),
        cron: text(&spec["schedule"]).unwrap_or_default(),
        paused: spec["paused"].as_bool().unwrap_or(false),
        included_namespaces: strings(&spec["template"]["includedNamespaces"]),
    }
}

/// What the cluster holds; `Ok(None)` when Velero is not installed.
pub async fn holdings(client: &Client) -> Result<Option<Holdings>, String> {
    let Some(schedules) = list(client, "Schedule", "schedules").await? else {
        return Ok(None);
    };
    let backups = list(client, "Backup", "backups").await?.unwrap_or_default();
    let locations = list(client, "BackupStorageLocation", "backupstoragelocations")
        .await?
        .unwrap_or_default();
    let restores = list(client, "Restore", "restores")
        .await?
        .unwrap_or_default();
    Ok(Some(Holdings {
        backups: backups.iter().map(backup).collect(),
        schedules: schedules.iter().map(schedule).collect(),
        locations: locations
            .iter()
            .map(|o| Location {
                name: text(&o["metadata"]["name"]).unwrap_or_default(),
                phase: text(&o["status"]["phase"]),
            })
            .collect(),
        restores: restores
            .iter()
            .map(|o| Restore {
                name: text(&o["metadata"]["name"]).unwrap_or_default(),
                phase: text(&o["status"]["phase"]).unwrap_or_else(|| "New".into()),
                backup: text(&o["spec"]["backupName"]),
            })
            .collect(),
    }))
}
