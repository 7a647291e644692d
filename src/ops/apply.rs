//! Server-side apply as the pipeline sends and verifies it, and drift (the
//! desired object against the live one) computed the same way. With writes allowed,
//! the server computes "what would change" as `kubectl diff` does — a
//! server-side apply of the desired object, `dryRun=All`, field manager
//! `fleetdeck` — and the live object is compared with the returned one. In
//! read-only mode (no dry-runs) the desired leaves are compared with live
//! ones client-side. Each changed field is attributed to the manager that
//! last set it (`metadata.managedFields`: `kubectl-edit` at 10:42).

use kube::api::{Patch, PatchParams};
use kube::Client;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::target::Target;
use crate::fleet::kubeconfig::kube_message;

pub const FIELD_MANAGER: &str = "fleetdeck";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `spec.template.spec.containers[name=web].image`
    pub path: String,
    pub live: Value,
    pub desired: Value,
    /// Who last set the field: manager, operation, time.
    pub manager: Option<Manager>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manager {
    pub name: String,
    pub operation: String,
    pub time: Option<String>,
}

/// Fields that change on every write or are the server's own.
fn ignored(path: &[Seg]) -> bool {
    let top = |k: &str| matches!(path.first(), Some(Seg::Key(x)) if x == k);
    let meta = |k: &str| top("metadata") && matches!(path.get(1), Some(Seg::Key(x)) if x == k);
    top("status")
        || meta("managedFields")
        || meta("resourceVersion")
        || meta("generation")
        || meta("uid")
        || meta("creationTimestamp")
        || (meta("annotations")
            && matches!(path.get(2), Some(Seg::Key(x)) if x == "deployment.kubernetes.io/revision" || x == crate::ops::marks::ANNOTATION))
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    /// A list item with a `name` (containers, ports, env): matched by name.
    Named(String),
    Index(usize),
}

fn show(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Named(n) => s.push_str(&format!("[name={n}]")),
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn named(list: &[Value]) -> Option<Vec<&str>> {
    list.iter()
        .map(|v| v.get("name").and_then(Value::as_str))
        .collect()
}

/// Every leaf where `after` (what applying the desired object would leave)
/// differs from `live`.
fn walk(live: &Value, after: &Value, path: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, Value, Value)>) {
    if ignored(path) {
        return;
    }
    let empty = Value::Object(Default::default());
    // A map on one side only is compared key by key, so a map holding only
    // ignored keys (the controller's revision annotation, written between
    // the read and the dry-run) is no change.
    let (live, after) = match (live, after) {
        (Value::Null, Value::Object(_)) => (&empty, after),
        (Value::Object(_), Value::Null) => (live, &empty),
        pair => pair,
    };
    match (live, after) {
        (Value::Object(l), Value::Object(a)) => {
            let keys: std::collections::BTreeSet<&String> = l.keys().chain(a.keys()).collect();
            for k in keys {
                path.push(Seg::Key(k.clone()));
                walk(
                    l.get(k).unwrap_or(&Value::Null),
                    a.get(k).unwrap_or(&Value::Null),
                    path,
                    out,
                );
                path.pop();
            }
        }
        (Value::Array(l), Value::Array(a)) => match (named(l), named(a)) {
            (Some(ln), Some(an)) => {
                let mut names: Vec<&str> = ln.clone();
                names.extend(an.iter().filter(|n| !ln.contains(n)));
                for n in names {
                    let find = |list: &[Value], ns: &[&str]| {
                        ns.iter().position(|x| *x == n).map(|i| list[i].clone())
                    };
                    path.push(Seg::Named(n.to_string()));
                    walk(
                        &find(l, &ln).unwrap_or(Value::Null),
                        &find(a, &an).unwrap_or(Value::Null),
                        path,
                        out,
                    );
                    path.pop();
                }
            }
            _ if l.len() == a.len() => {
                for (i, (x, y)) in l.iter().zip(a).enumerate() {
                    path.push(Seg::Index(i));
                    walk(x, y, path, out);
                    path.pop();
                }
            }
            _ => out.push((path.clone(), live.clone(), after.clone())),
        },
        (Value::String(l), Value::String(a))
            if in_resources(path) && crate::basics::quantity::eq(l, a) => {}
        (l, a) if l != a => out.push((path.clone(), l.clone(), a.clone())),
        _ => {}
    }
}

/// Under `resources` (requests, limits): values the server writes back in
/// canonical form ("0.5" → "500m", "1024Mi" → "1Gi").
fn in_resources(path: &[Seg]) -> bool {
    path.iter()
        .any(|s| matches!(s, Seg::Key(k) if k == "resources"))
}

/// The `fieldsV1` key of a path segment.
fn field_key(seg: &Seg) -> String {
    match seg {
        Seg::Key(k) => format!("f:{k}"),
        Seg::Named(n) => format!("k:{{\"name\":\"{n}\"}}"),
        Seg::Index(i) => format!("i:{i}"),
    }
}

/// How much of `path` a manager's `fieldsV1` owns (0 = none of it).
fn owned_depth(fields: &Value, path: &[Seg]) -> usize {
    let mut node = fields;
    for (i, seg) in path.iter().enumerate() {
        match node.get(field_key(seg)) {
            Some(next) => node = next,
            None => return i,
        }
    }
    path.len()
}

/// The manager that owns the deepest part of `path` (the latest on a tie),
/// read from the live object (the dry-run's answer would name fleetdeck).
fn attribute(live: &Value, path: &[Seg]) -> Option<Manager> {
    let entries = live.pointer("/metadata/managedFields")?.as_array()?;
    entries
        .iter()
        .filter_map(|e| {
            let depth = owned_depth(e.get("fieldsV1")?, path);
            (depth > 0).then_some((depth, e))
        })
        .max_by(|(d1, e1), (d2, e2)| {
            d1.cmp(d2).then_with(|| {
                let t = |e: &Value| {
                    e.get("time")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                t(e1).cmp(&t(e2))
            })
        })
        .map(|(_, e)| Manager {
            name: e
                .get("manager")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string(),
            operation: e
                .get("operation")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string(),
            time: e.get("time").and_then(Value::as_str).map(String::from),
        })
}

/// What applying would change, each change attributed.
pub fn changes(live: &Value, after: &Value) -> Vec<Change> {
    let mut raw = Vec::new();
    walk(live, after, &mut Vec::new(), &mut raw);
    raw.into_iter()
        .map(|(path, l, a)| Change {
            manager: attribute(live, &path),
            path: show(&path),
            live: l,
            desired: a,
        })
        .collect()
}

/// The client-side stand-in for the dry-run (read-only): the desired
/// object's leaves laid over the live object. Lists of named items merge by
/// name, other lists replace — close to what apply does for the common kinds.
pub fn overlay(live: &Value, desired: &Value) -> Value {
    match (live, desired) {
        (Value::Object(l), Value::Object(d)) => {
            let mut out = l.clone();
            for (k, v) in d {
                let merged = match l.get(k) {
                    Some(lv) => overlay(lv, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(l), Value::Array(d)) => match (named(l), named(d)) {
            // Keyed by name, as apply merges them: the desired items laid
            // over theirs, and items only live keeps (another manager's).
            (Some(ln), Some(dn)) => {
                let mut out: Vec<Value> = d
                    .iter()
                    .map(|dv| {
                        let n = dv.get("name").and_then(Value::as_str);
                        match ln.iter().position(|x| Some(*x) == n) {
                            Some(i) => overlay(&l[i], dv),
                            None => dv.clone(),
                        }
                    })
                    .collect();
                out.extend(
                    l.iter()
                        .zip(&ln)
                        .filter(|(_, n)| !dn.contains(n))
                        .map(|(v, _)| v.clone()),
                );
                Value::Array(out)
            }
            _ => desired.clone(),
        },
        (_, d) => d.clone(),
    }
}

/// Whether the live object already is what the desired one asks for.
/// `apiVersion` and `kind` say which object, not its state (and a LIST's
/// items come without them).
pub fn holds(live: &Value, desired: &Value) -> bool {
    let mut d = desired.clone();
    if let Some(m) = d.as_object_mut() {
        m.remove("apiVersion");
        m.remove("kind");
    }
    changes(live, &overlay(live, &d)).is_empty()
}

/// Live object (none if missing) and what applying the desired object would
/// leave, by a server-side dry-run, or client-side when `read_only`.
pub async fn compare(
    client: &Client,
    target: &Target,
    desired: &Value,
    read_only: bool,
) -> Result<(Option<Value>, Value), String> {
    let api = target.api(client);
    let live = api
        .get_opt(&target.name)
        .await
        .map_err(|e| format!("{}: {}", target.short(), kube_message(&e)))?
        .map(|o| serde_json::to_value(o).unwrap_or(Value::Null));
    if read_only {
        let after = match &live {
            Some(l) => overlay(l, desired),
            None => desired.clone(),
        };
        return Ok((live, after));
    }
    let pp = PatchParams {
        dry_run: true,
        force: true,
        field_manager: Some(FIELD_MANAGER.into()),
        ..Default::default()
    };
    let after = api
        .patch(&target.name, &pp, &Patch::Apply(desired))
        .await
        .map_err(|e| {
            format!(
                "{}: server-side dry-run: {}",
                target.short(),
                kube_message(&e)
            )
        })?;
    Ok((live, serde_json::to_value(after).unwrap_or(Value::Null)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live() -> Value {
        json!({
            "metadata": {"name": "web", "resourceVersion": "9", "generation": 4, "managedFields": [
                {"manager": "kubectl-client-side-apply", "operation": "Update", "time": "2026-11-23T09:00:00Z",
                 "fieldsV1": {"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {"f:image": {}}}}}}}},
                {"manager": "kubectl-edit", "operation": "Update", "time": "2026-11-23T10:42:00Z",
                 "fieldsV1": {"f:spec": {"f:replicas": {}}}}
            ]},
            "spec": {"replicas": 7, "template": {"spec": {"containers": [
                {"name": "web", "image": "web:1", "terminationMessagePath": "/dev/termination-log"}
            ]}}},
            "status": {"readyReplicas": 7}
        })
    }

    #[test]
    fn changed_fields_with_who_changed_them() {
        let mut after = live();
        after["spec"]["replicas"] = json!(3);
        after["spec"]["template"]["spec"]["containers"][0]["image"] = json!("web:2");
        after["metadata"]["resourceVersion"] = json!("10");
        after["status"] = json!({});
        let c = changes(&live(), &after);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].path, "spec.replicas");
        assert_eq!(
            (c[0].live.clone(), c[0].desired.clone()),
            (json!(7), json!(3))
        );
        let m = c[0].manager.as_ref().unwrap();
        assert_eq!(
            (m.name.as_str(), m.time.as_deref()),
            ("kubectl-edit", Some("2026-11-23T10:42:00Z"))
        );
        assert_eq!(c[1].path, "spec.template.spec.containers[name=web].image");
        assert_eq!(
            c[1].manager.as_ref().unwrap().name,
            "kubectl-client-side-apply"
        );
        assert!(changes(&live(), &live()).is_empty());
    }

    /// The controller annotates a new Deployment between the read and the
    /// dry-run: a map that appears holding only ignored keys is no drift,
    /// a real new key in it still is.
    #[test]
    fn a_map_of_ignored_keys_appearing_is_no_change() {
        let mut bare = live();
        bare["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("annotations");
        let mut after = bare.clone();
        after["metadata"]["annotations"] = json!({"deployment.kubernetes.io/revision": "1"});
        assert!(
            changes(&bare, &after).is_empty(),
            "{:?}",
            changes(&bare, &after)
        );
        after["metadata"]["annotations"]["team"] = json!("shop");
        let c = changes(&bare, &after);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].path, "metadata.annotations.team");
    }

    #[test]
    fn client_side_overlay_keeps_server_defaults() {
        let desired = json!({"spec": {"replicas": 7, "template": {"spec": {"containers": [{"name": "web", "image": "web:1"}]}}}});
        let after = overlay(&live(), &desired);
        assert!(
            changes(&live(), &after).is_empty(),
            "no false drift from defaults"
        );
        let desired = json!({"spec": {"replicas": 3}});
        let c = changes(&live(), &overlay(&live(), &desired));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].path, "spec.replicas");
        // Quantities the server rewrote, and another manager's list items,
        // are no drift.
        let mut canon = live();
        canon["spec"]["template"]["spec"]["containers"][0]["resources"] =
            json!({"requests": {"cpu": "500m", "memory": "1Gi"}});
        canon["spec"]["template"]["spec"]["containers"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "sidecar", "image": "mesh:1"}));
        let desired = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "resources": {"requests": {"cpu": "0.5", "memory": "1024Mi"}}}]}}}});
        assert!(holds(&canon, &desired));
        assert!(
            crate::basics::quantity::eq("1", "1000m") && !crate::basics::quantity::eq("1", "1001m")
        );
        assert!(!holds(
            &canon,
            &json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "resources": {"requests": {"cpu": "600m"}}}]}}}})
        ));
        // A watch's first LIST gives items without apiVersion and kind.
        let typed = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 7}});
        assert!(holds(&live(), &typed));
        assert!(!holds(&live(), &desired));
    }
}
