//! A strategic merge patch as the API server applies it to the kinds the
//! demo stores, for the lists fleetdeck's strategic bodies reach: lists with
//! a `patchMergeKey` in the Kubernetes API (containers and init containers
//! by `name`, their `env` by `name`, `volumeMounts` by `mountPath`, …) merge
//! item by item; any other list is replaced; `null` deletes a key;
//! `$patch: delete` in a list item removes that item. A JSON merge patch
//! would replace the whole `containers` list with the one container a
//! `kubectl set resources` body names.

use serde_json::{Map, Value};

/// The merge key of a list field, as the Kubernetes API declares it.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    Some(match field {
        "containers" | "initContainers" | "ephemeralContainers" => "name",
        "env" | "volumes" | "imagePullSecrets" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "conditions" => "type",
        "ownerReferences" => "uid",
        // A container's ports by containerPort; a Service's by port.
        "ports" if items.iter().all(|i| i.get("containerPort").is_some()) => "containerPort",
        "ports" => "port",
        _ => return None,
    })
}

/// Applies `patch` to `target` as a strategic merge.
pub fn merge(target: &mut Value, patch: &Value) {
    let Some(p) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("made an object above");
    for (k, v) in p {
        // Directives ($setElementOrder/…, $retainKeys) only order or trim
        // what kubectl computed; the merge below already keeps the rest.
        if k.starts_with('$') {
            continue;
        }
        match v {
            Value::Null => {
                t.remove(k);
            }
            Value::Array(items) => match (merge_key(k, items), t.get_mut(k)) {
                (Some(key), Some(Value::Array(have))) => merge_list(have, items, key),
                _ => {
                    let kept: Vec<Value> =
                        items.iter().filter(|i| !is_delete(i)).cloned().collect();
                    t.insert(k.clone(), Value::Array(kept));
                }
            },
            Value::Object(_) => merge(t.entry(k.clone()).or_insert(Value::Null), v),
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
}

fn is_delete(item: &Value) -> bool {
    item.get("$patch").and_then(Value::as_str) == Some("delete")
}

fn merge_list(have: &mut Vec<Value>, items: &[Value], key: &str) {
    for item in items {
        let id = item.get(key);
        let at = id.and_then(|id| have.iter().position(|h| h.get(key) == Some(id)));
        match (at, is_delete(item)) {
            (Some(i), true) => {
                have.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => merge(&mut have[i], item),
            (None, false) => have.push(item.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_merge_by_name_and_other_lists_replace() {
        let mut obj = json!({"spec": {"template": {"spec": {
            "containers": [
                {"name": "app", "image": "app:1", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}},
                 "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "args": ["--a", "--b"]},
                {"name": "sidecar", "image": "proxy:1"}
            ],
            "tolerations": [{"key": "x"}]
        }}}});
        merge(
            &mut obj,
            &json!({"spec": {"template": {"spec": {
                "containers": [{"name": "app", "resources": {"requests": {"cpu": "300m"}},
                    "env": [{"name": "B", "value": "3"}, {"name": "A", "$patch": "delete"}],
                    "args": ["--c"]}],
                "tolerations": [{"key": "y"}]
            }}}}),
        );
        let spec = &obj["spec"]["template"]["spec"];
        assert_eq!(
            spec["containers"].as_array().unwrap().len(),
            2,
            "the sidecar stays"
        );
        let app = &spec["containers"][0];
        assert_eq!(app["image"], "app:1");
        assert_eq!(
            app["resources"]["requests"],
            json!({"cpu": "300m", "memory": "1Gi"})
        );
        assert_eq!(app["env"], json!([{"name": "B", "value": "3"}]));
        assert_eq!(app["args"], json!(["--c"]), "no merge key: replaced");
        assert_eq!(spec["tolerations"], json!([{"key": "y"}]));
    }

    #[test]
    fn null_removes_and_new_items_append() {
        let mut obj = json!({"spec": {"unschedulable": true, "containers": [{"name": "a"}]}});
        merge(
            &mut obj,
            &json!({"spec": {"unschedulable": null, "containers": [{"name": "b"}]}}),
        );
        assert_eq!(
            obj,
            json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}})
        );
    }
}
