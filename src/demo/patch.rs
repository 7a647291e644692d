//! One request applied as the API server applies it, guard included: a merge
//! patch carrying a stale resourceVersion is a 409, a JSON patch whose `test`
//! op fails is a 422. The demo's dry-run and its writes to stored objects
//! both go through here.

use serde_json::Value;

use crate::ops::action::{PatchRequest, PatchType};

#[derive(Debug, PartialEq)]
pub enum Refused {
    /// The object is not as planned.
    Conflict(String),
    Invalid(String),
}

pub fn resource_version(obj: &Value) -> &str {
    obj.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Applies `req` guarded by `rv` (the resourceVersion it was planned at).
pub fn apply(obj: &mut Value, req: &PatchRequest, rv: &str) -> Result<(), Refused> {
    let body = req.guarded(rv);
    match req.patch_type {
        PatchType::Json => {
            let ops: json_patch::Patch =
                serde_json::from_value(body).map_err(|e| Refused::Invalid(e.to_string()))?;
            json_patch::patch(obj, &ops.0).map_err(|e| match e.kind {
                json_patch::PatchErrorKind::TestFailed => {
                    Refused::Conflict(format!("the JSON patch's test at {} failed", e.path))
                }
                _ => Refused::Invalid(e.to_string()),
            })
        }
        PatchType::Merge | PatchType::Strategic => {
            let have = resource_version(obj);
            if have != rv {
                return Err(Refused::Conflict(format!(
                    "resourceVersion {rv} is stale (now {have})"
                )));
            }
            match req.patch_type {
                PatchType::Strategic => super::strategic::merge(obj, &body),
                _ => json_patch::merge(obj, &body),
            }
            Ok(())
        }
        // Server-side apply, as the drift comparison models it client-side.
        PatchType::Apply => {
            let have = resource_version(obj);
            if !rv.is_empty() && have != rv {
                return Err(Refused::Conflict(format!(
                    "resourceVersion {rv} is stale (now {have})"
                )));
            }
            *obj = crate::ops::apply::overlay(obj, &body);
            Ok(())
        }
        PatchType::Create => Err(Refused::Invalid(
            "the demo runs no Velero server: back up now works on a live cluster".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn guards_hold_like_the_api_server() {
        let obj = json!({"metadata": {"resourceVersion": "7"}, "spec": {"a": 1, "b": 2}});
        let merge = PatchRequest::merge(json!({"spec": {"a": 3, "b": null}}));
        let mut o = obj.clone();
        apply(&mut o, &merge, "7").unwrap();
        assert_eq!(o["spec"], json!({"a": 3}));
        assert!(matches!(
            apply(&mut obj.clone(), &merge, "6"),
            Err(Refused::Conflict(_))
        ));
        let ops = PatchRequest::json(json!([
            {"op": "test", "path": "/spec/a", "value": 9},
            {"op": "replace", "path": "/spec/b", "value": 5}
        ]));
        let mut o = obj.clone();
        assert!(matches!(
            apply(&mut o, &ops, "7"),
            Err(Refused::Conflict(_))
        ));
        assert_eq!(o, obj, "nothing applied");
    }
}
