//! "Back up now": the Backup `velero backup create --from-schedule S` makes —
//! named `S-<UTC YYYYMMDDHHMMSS>`, its spec the schedule's template, its
//! labels the template's (else the schedule's) plus `velero.io/schedule-name`,
//! the schedule's annotations, and an owner reference when the schedule asks
//! for one (`useOwnerReferencesInBackup`). Velero v1.18 `BackupBuilder.FromSchedule`.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

pub const SCHEDULE_LABEL: &str = "velero.io/schedule-name";

/// The Backup for `schedule` (as the API server returns it) at `now`.
pub fn backup_from_schedule(schedule: &Value, now: DateTime<Utc>) -> Result<Value, String> {
    let meta = &schedule["metadata"];
    let (Some(name), Some(namespace)) = (meta["name"].as_str(), meta["namespace"].as_str()) else {
        return Err("the schedule has no name or namespace".into());
    };
    let template = schedule
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(json!({}));
    if !template.is_object() {
        return Err("the schedule's spec.template is not an object".into());
    }
    let template_labels = template
        .pointer("/metadata/labels")
        .filter(|l| !l.is_null());
    let mut labels: Map<String, Value> = template_labels
        .or(meta.get("labels"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    labels.insert(SCHEDULE_LABEL.into(), json!(name));
    let mut metadata = json!({
        "name": format!("{name}-{}", now.format("%Y%m%d%H%M%S")),
        "namespace": namespace,
        "labels": labels,
    });
    if let Some(a) = meta.get("annotations").filter(|a| a.is_object()) {
        metadata["annotations"] = a.clone();
    }
    if schedule.pointer("/spec/useOwnerReferencesInBackup") == Some(&json!(true)) {
        metadata["ownerReferences"] = json!([{
            "apiVersion": "velero.io/v1",
            "kind": "Schedule",
            "name": name,
            "uid": meta["uid"],
            "controller": true,
        }]);
    }
    Ok(json!({
        "apiVersion": "velero.io/v1",
        "kind": "Backup",
        "metadata": metadata,
        "spec": template,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_backup_is_the_one_velero_would_create() {
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 7, 8, 9).unwrap();
        let schedule = json!({
            "metadata": {"name": "daily", "namespace": "velero", "uid": "u-1",
                "labels": {"team": "shop"}, "annotations": {"note": "x"}},
            "spec": {"schedule": "0 2 * * *", "useOwnerReferencesInBackup": true,
                "template": {"includedNamespaces": ["shop"], "ttl": "720h0m0s"}}
        });
        let b = backup_from_schedule(&schedule, now).unwrap();
        assert_eq!(b["metadata"]["name"], "daily-20261205070809");
        assert_eq!(
            b["metadata"]["labels"],
            json!({"team": "shop", "velero.io/schedule-name": "daily"})
        );
        assert_eq!(b["metadata"]["annotations"], json!({"note": "x"}));
        assert_eq!(b["metadata"]["ownerReferences"][0]["uid"], "u-1");
        assert_eq!(b["spec"], schedule["spec"]["template"]);
        // The template's labels, when set, replace the schedule's.
        let mut with = schedule.clone();
        with["spec"]["template"]["metadata"] = json!({"labels": {"tier": "db"}});
        with["spec"]["useOwnerReferencesInBackup"] = json!(false);
        let b = backup_from_schedule(&with, now).unwrap();
        assert_eq!(
            b["metadata"]["labels"],
            json!({"tier": "db", "velero.io/schedule-name": "daily"})
        );
        assert!(b["metadata"].get("ownerReferences").is_none());
    }
}
