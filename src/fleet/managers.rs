//! Who last wrote which parts of a workload, from `metadata.managedFields`,
//! without keeping the field sets themselves: manager, operation, time and
//! the fields two levels down (`spec.replicas`, `spec.template`). Enough to
//! say "kubectl-edit changed spec.template at 10:42"; the full sets are most
//! of an object's bytes and are dropped as the object arrives.

use chrono::{DateTime, Utc};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ObjectMeta};
use serde::Serialize;
use serde_json::{Map, Value};

use super::objects::time;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldManager {
    pub manager: String,
    /// `Apply` (server-side apply) or `Update`.
    pub operation: String,
    /// `status`, `scale`… when the write went through a subresource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
    pub time: Option<DateTime<Utc>>,
    /// Dotted paths, at most two levels: `metadata.labels`, `spec.replicas`.
    pub fields: Vec<String>,
}

/// Cuts every entry's field set down to two levels, in place, so an object
/// held until it is compacted carries a few hundred bytes of it, not tens of KB.
pub fn slim(meta: &mut ObjectMeta) {
    for e in meta.managed_fields.iter_mut().flatten() {
        if let Some(FieldsV1(v)) = e.fields_v1.as_mut() {
            *v = prune(v, 2);
        }
    }
}

fn prune(v: &Value, depth: usize) -> Value {
    match v {
        Value::Object(m) if depth > 0 => Value::Object(
            m.iter()
                .filter(|(k, _)| k.starts_with("f:"))
                .map(|(k, v)| (k.clone(), prune(v, depth - 1)))
                .collect(),
        ),
        _ => Value::Object(Map::new()),
    }
}

/// One line per manager entry, oldest write first.
pub fn summarise(meta: &ObjectMeta) -> Vec<FieldManager> {
    let mut out: Vec<FieldManager> = meta
        .managed_fields
        .iter()
        .flatten()
        .map(|e| FieldManager {
            manager: e.manager.clone().unwrap_or_else(|| "?".into()),
            operation: e.operation.clone().unwrap_or_else(|| "?".into()),
            subresource: e.subresource.clone().filter(|s| !s.is_empty()),
            time: e.time.as_ref().and_then(time),
            fields: e
                .fields_v1
                .as_ref()
                .map(|FieldsV1(v)| paths(v))
                .unwrap_or_default(),
        })
        .collect();
    out.sort_by_key(|m| m.time);
    out
}

fn paths(v: &Value) -> Vec<String> {
    let Some(top) = v.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, child) in top {
        let Some(name) = k.strip_prefix("f:") else {
            continue;
        };
        let inner: Vec<&str> = child
            .as_object()
            .map(|m| m.keys().filter_map(|k| k.strip_prefix("f:")).collect())
            .unwrap_or_default();
        if inner.is_empty() {
            out.push(name.to_string());
        }
        out.extend(inner.into_iter().map(|i| format!("{name}.{i}")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry;
    use serde_json::json;

    fn meta() -> ObjectMeta {
        serde_json::from_value(json!({
            "name": "web",
            "managedFields": [
                {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "apps/v1",
                 "time": "2026-12-03T10:42:00Z", "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {
                     "k:{\"name\":\"app\"}": {"f:image": {}}}}}}}},
                {"manager": "kube-controller-manager", "operation": "Update",
                 "subresource": "status", "time": "2026-12-03T09:00:00Z",
                 "fieldsType": "FieldsV1",
                 "fieldsV1": {"f:metadata": {"f:annotations": {".": {},
                     "f:deployment.kubernetes.io/revision": {}}},
                     "f:status": {"f:replicas": {}, "f:conditions": {}}}},
                {"manager": "odd", "fieldsV1": "not an object"}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn managers_oldest_first_with_two_level_fields() {
        let m = summarise(&meta());
        let names: Vec<&str> = m.iter().map(|m| m.manager.as_str()).collect();
        // No time sorts first; then by time.
        assert_eq!(names, ["odd", "kube-controller-manager", "kubectl-edit"]);
        assert_eq!(m[2].fields, ["spec.template"]);
        assert_eq!(m[2].operation, "Update");
        assert_eq!(m[1].subresource.as_deref(), Some("status"));
        let mut f = m[1].fields.clone();
        f.sort();
        assert_eq!(
            f,
            [
                "metadata.annotations",
                "status.conditions",
                "status.replicas"
            ]
        );
        assert!(m[0].fields.is_empty());
        assert_eq!(m[0].operation, "?");
    }

    #[test]
    fn slimming_keeps_the_summary_and_drops_the_depth() {
        let mut m = meta();
        let before = summarise(&m);
        slim(&mut m);
        assert_eq!(summarise(&m), before);
        let e: &ManagedFieldsEntry = &m.managed_fields.as_ref().unwrap()[0];
        let v = &e.fields_v1.as_ref().unwrap().0;
        assert_eq!(v, &json!({"f:spec": {"f:template": {}}}));
    }
}
