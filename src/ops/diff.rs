//! What an action would change, as `kubectl diff` shows it: the live object
//! and the server dry-run's result, as YAML, in a unified diff.

use serde_json::Value;

/// The object as it is and as the server's dry-run says it would be.
pub fn diff(before: &Value, after: &Value) -> String {
    let yaml = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("managedFields");
            m.remove("resourceVersion");
            m.remove("generation");
        }
        serde_saphyr::to_string(&v).unwrap_or_default()
    };
    let (a, b) = (yaml(before), yaml(after));
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(2)
        .header("live", "after")
        .to_string()
}
