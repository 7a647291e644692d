//! Plain-Kubernetes traffic moves: a canary by weights on a Gateway API
//! HTTPRoute or an Istio VirtualService, and blue/green by flipping a
//! Service's selector. Routes are changed by JSON patches guarded by `test`
//! ops on the backends they name, so a concurrent edit fails instead of
//! being overwritten.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::action::PatchRequest;
use super::target::ObjectKind;
use crate::verdict::{Check, Verdict};

/// On a route: `{"stable":"web","canary":"web-canary","weights":[5,25,50,100]}`.
pub const CANARY_ANNOTATION: &str = "fleetdeck.io/canary";
/// On a Service: `{"label":"version","sides":["blue","green"]}`.
pub const BLUEGREEN_ANNOTATION: &str = "fleetdeck.io/bluegreen";

pub use crate::config::traffic::{BlueGreenSpec, CanarySpec};

fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

/// The declaration on the object itself, else the one from the config.
pub fn declared<T: for<'de> Deserialize<'de>>(
    obj: &Value,
    key: &str,
    from_config: Option<T>,
) -> Result<T, String> {
    match annotation(obj, key) {
        Some(text) => serde_json::from_str(text).map_err(|e| format!("annotation {key}: {e}")),
        None => from_config.ok_or_else(|| {
            format!("not declared: add the {key} annotation or a config entry (docs/config.md)")
        }),
    }
}

/// Who else drives this route: an owner reference to a Rollout or Flagger
/// Canary, or a Rollout in the namespace whose traffic routing names it.
pub fn route_owner(kind: ObjectKind, route: &Value, rollouts: &[Value]) -> Option<String> {
    let owners = route
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array);
    for r in owners.into_iter().flatten() {
        let k = r.get("kind").and_then(Value::as_str).unwrap_or("");
        if k == "Rollout" || k == "Canary" {
            let name = r.get("name").and_then(Value::as_str).unwrap_or("?");
            return Some(format!("{k} {name}"));
        }
    }
    let name = route.pointer("/metadata/name").and_then(Value::as_str)?;
    for ro in rollouts {
        let tr = ro.pointer("/spec/strategy/canary/trafficRouting");
        let Some(tr) = tr else { continue };
        let names = match kind {
            ObjectKind::HttpRoute => gateway_routes(tr),
            _ => istio_services(tr),
        };
        if names.iter().any(|n| n == name) {
            let ro_name = ro
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("?");
            return Some(format!("Rollout {ro_name}"));
        }
    }
    None
}

fn gateway_routes(tr: &Value) -> Vec<String> {
    let Some(p) = tr.pointer("/plugins/argoproj-labs~1gatewayAPI") else {
        return Vec::new();
    };
    let mut out: Vec<String> = p
        .get("httpRoute")
        .and_then(Value::as_str)
        .map(String::from)
        .into_iter()
        .collect();
    if let Some(list) = p.get("httpRoutes").and_then(Value::as_array) {
        out.extend(
            list.iter()
                .filter_map(|r| r.get("name")?.as_str().map(String::from)),
        );
    }
    out
}

fn istio_services(tr: &Value) -> Vec<String> {
    let Some(i) = tr.get("istio") else {
        return Vec::new();
    };
    let mut out: Vec<String> = i
        .pointer("/virtualService/name")
        .and_then(Value::as_str)
        .map(String::from)
        .into_iter()
        .collect();
    if let Some(list) = i.get("virtualServices").and_then(Value::as_array) {
        out.extend(
            list.iter()
                .filter_map(|r| r.get("name")?.as_str().map(String::from)),
        );
    }
    out
}

/// Where the two backends sit in the route.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub rule: usize,
    pub stable: usize,
    pub canary: usize,
    pub stable_weight: u64,
    pub canary_weight: u64,
}

impl Split {
    /// The canary's share in percent (of the pair).
    pub fn percent(&self) -> u32 {
        let total = self.stable_weight + self.canary_weight;
        if total == 0 {
            return 0;
        }
        ((self.canary_weight * 100 + total / 2) / total) as u32
    }
}

pub(super) fn rules_path(kind: ObjectKind) -> (&'static str, &'static str) {
    match kind {
        ObjectKind::HttpRoute => ("/spec/rules", "backendRefs"),
        _ => ("/spec/http", "route"),
    }
}

pub(super) fn backend_matches(kind: ObjectKind, b: &Value, id: &str) -> bool {
    match kind {
        ObjectKind::HttpRoute => b.get("name").and_then(Value::as_str) == Some(id),
        _ => {
            let host = b.pointer("/destination/host").and_then(Value::as_str);
            let subset = b.pointer("/destination/subset").and_then(Value::as_str);
            subset == Some(id)
                || (host == Some(id) && subset.is_none())
                || matches!((host, subset), (Some(h), Some(s)) if format!("{h}/{s}") == id)
        }
    }
}

/// An absent weight: HTTPRoute defaults to 1; Istio to 100 for a lone
/// destination and 0 beside others.
pub(super) fn weight(kind: ObjectKind, b: &Value, alone: bool) -> u64 {
    match b.get("weight").and_then(Value::as_u64) {
        Some(w) => w,
        None if kind == ObjectKind::HttpRoute => 1,
        None if alone => 100,
        None => 0,
    }
}

pub fn find_split(kind: ObjectKind, route: &Value, spec: &CanarySpec) -> Result<Split, String> {
    let (path, list) = rules_path(kind);
    let rules = route.pointer(path).and_then(Value::as_array);
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let backends = rule.get(list).and_then(Value::as_array);
        let Some(backends) = backends else { continue };
        let s = backends
            .iter()
            .position(|b| backend_matches(kind, b, &spec.stable));
        let c = backends
            .iter()
            .position(|b| backend_matches(kind, b, &spec.canary));
        if let (Some(s), Some(c)) = (s, c) {
            let alone = backends.len() == 1;
            return Ok(Split {
                rule: i,
                stable: s,
                canary: c,
                stable_weight: weight(kind, &backends[s], alone),
                canary_weight: weight(kind, &backends[c], alone),
            });
        }
    }
    Err(format!(
        "no rule of the {} sends to both {:?} and {:?}",
        kind.name(),
        spec.stable,
        spec.canary
    ))
}

/// The next weight of the schedule (or the previous one, or 0).
pub fn next_weight(spec: &CanarySpec, current: u32, back: bool) -> Result<u32, String> {
    if back {
        if current == 0 {
            return Err("the canary already gets no traffic".into());
        }
        Ok(spec
            .weights
            .iter()
            .rev()
            .copied()
            .find(|w| *w < current)
            .unwrap_or(0))
    } else {
        spec.weights
            .iter()
            .copied()
            .find(|w| *w > current)
            .ok_or_else(|| format!("already at the last weight of the schedule ({current}%)"))
    }
}

/// The JSON patch moving the split to `percent` for the canary: `test` ops
/// pin each backend to the position it was read at, then set both weights.
pub fn step_request(kind: ObjectKind, route: &Value, split: &Split, percent: u32) -> PatchRequest {
    let (path, list) = rules_path(kind);
    let mut ops = Vec::new();
    for (idx, w) in [(split.stable, 100 - percent), (split.canary, percent)] {
        let at = format!("{path}/{}/{list}/{idx}", split.rule);
        let backend = route.pointer(&at).cloned().unwrap_or(Value::Null);
        let (pin, value) = match kind {
            ObjectKind::HttpRoute => ("name", backend.get("name").cloned()),
            _ => ("destination", backend.get("destination").cloned()),
        };
        ops.push(json!({"op": "test", "path": format!("{at}/{pin}"), "value": value}));
        let verb = if backend.get("weight").is_some() {
            "replace"
        } else {
            "add"
        };
        ops.push(json!({"op": verb, "path": format!("{at}/weight"), "value": w}));
    }
    PatchRequest::json(Value::Array(ops))
}

/// The selector blue/green: which side is live, and the flip to the other.
pub fn flip_request(
    svc: &Value,
    spec: &BlueGreenSpec,
) -> Result<(String, String, PatchRequest), String> {
    let current = svc
        .pointer("/spec/selector")
        .and_then(|s| s.get(&spec.label))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the Service selector has no {:?} key", spec.label))?;
    let to = match spec.sides.iter().position(|s| s == current) {
        Some(i) => spec.sides[1 - i].clone(),
        None => {
            return Err(format!(
                "the selector says {}={current}, which is neither side ({} / {})",
                spec.label, spec.sides[0], spec.sides[1]
            ))
        }
    };
    let mut sel = Map::new();
    sel.insert(spec.label.clone(), json!(to));
    let req = PatchRequest::merge(json!({"spec": {"selector": sel}}));
    Ok((current.to_string(), to, req))
}

/// The Service selector with `label` set to `side`.
pub fn selector_for(svc: &Value, label: &str, side: &str) -> Map<String, Value> {
    let mut sel = svc
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    sel.insert(label.to_string(), json!(side));
    sel
}

/// Deployments whose pods the selector picks.
pub fn selected<'a>(selector: &Map<String, Value>, deployments: &'a [Value]) -> Vec<&'a Value> {
    deployments
        .iter()
        .filter(|d| {
            let labels = d.pointer("/spec/template/metadata/labels");
            !selector.is_empty()
                && selector
                    .iter()
                    .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
        })
        .collect()
}

/// The gate's check for a side: every Deployment it selects has its desired
/// pods ready, and there is at least one pod to send traffic to.
pub fn side_ready(side: &str, selector: &Map<String, Value>, deployments: &[Value]) -> Verdict {
    let picked = selected(selector, deployments);
    if picked.is_empty() {
        let sel: Vec<String> = selector
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("?")))
            .collect();
        return Verdict::from_checks(vec![Check::stop(
            "target ready",
            format!("no Deployment runs pods for {side} ({})", sel.join(",")),
        )]);
    }
    let checks = picked
        .iter()
        .map(|d| {
            let name = d
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let want = d
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let ready = d
                .pointer("/status/readyReplicas")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let detail = format!("{side}: Deployment {name} {ready}/{want} ready");
            if ready >= want && want > 0 {
                Check::go("target ready", detail)
            } else {
                Check::stop("target ready", detail)
            }
        })
        .collect();
    Verdict::from_checks(checks)
}

/// Whether every `replace`/`add` of a JSON patch holds in `obj`.
pub fn json_patch_holds(obj: &Value, ops: &Value) -> bool {
    ops.as_array().is_some_and(|ops| {
        ops.iter()
            .filter(|o| matches!(o.get("op").and_then(Value::as_str), Some("replace" | "add")))
            .all(|o| {
                let path = o.get("path").and_then(Value::as_str).unwrap_or("");
                obj.pointer(path) == o.get("value")
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> CanarySpec {
        CanarySpec {
            stable: "web".into(),
            canary: "web-canary".into(),
            weights: vec![5, 25, 50, 100],
        }
    }

    #[test]
    fn httproute_step_is_a_guarded_json_patch() {
        let route = json!({"metadata": {"name": "web"}, "spec": {"rules": [
            {"backendRefs": [{"name": "other", "port": 80}]},
            {"backendRefs": [{"name": "web", "port": 80, "weight": 95}, {"name": "web-canary", "port": 80, "weight": 5}]}
        ]}});
        let split = find_split(ObjectKind::HttpRoute, &route, &spec()).unwrap();
        assert_eq!((split.rule, split.percent()), (1, 5));
        assert_eq!(next_weight(&spec(), 5, false), Ok(25));
        assert_eq!(next_weight(&spec(), 5, true), Ok(0));
        assert_eq!(next_weight(&spec(), 30, true), Ok(25));
        assert!(next_weight(&spec(), 100, false).is_err());
        let r = step_request(ObjectKind::HttpRoute, &route, &split, 25);
        assert_eq!(
            r.body,
            json!([
                {"op": "test", "path": "/spec/rules/1/backendRefs/0/name", "value": "web"},
                {"op": "replace", "path": "/spec/rules/1/backendRefs/0/weight", "value": 75},
                {"op": "test", "path": "/spec/rules/1/backendRefs/1/name", "value": "web-canary"},
                {"op": "replace", "path": "/spec/rules/1/backendRefs/1/weight", "value": 25}
            ])
        );
        let mut after = route.clone();
        after["spec"]["rules"][1]["backendRefs"][0]["weight"] = json!(75);
        after["spec"]["rules"][1]["backendRefs"][1]["weight"] = json!(25);
        assert!(json_patch_holds(&after, &r.body));
        assert!(!json_patch_holds(&route, &r.body));
    }

    #[test]
    fn virtualservice_subsets_and_default_weights() {
        let vs = json!({"spec": {"http": [{"route": [
            {"destination": {"host": "reviews", "subset": "v1"}},
        ]}]}});
        let s = CanarySpec {
            stable: "v1".into(),
            canary: "v2".into(),
            weights: vec![10, 100],
        };
        assert!(find_split(ObjectKind::VirtualService, &vs, &s).is_err());
        let vs = json!({"spec": {"http": [{"route": [
            {"destination": {"host": "reviews", "subset": "v1"}, "weight": 100},
            {"destination": {"host": "reviews", "subset": "v2"}}
        ]}]}});
        let split = find_split(ObjectKind::VirtualService, &vs, &s).unwrap();
        assert_eq!(split.percent(), 0);
        let r = step_request(ObjectKind::VirtualService, &vs, &split, 10);
        assert_eq!(
            r.body[3],
            json!({"op": "add", "path": "/spec/http/0/route/1/weight", "value": 10})
        );
        assert_eq!(
            r.body[2]["value"],
            json!({"host": "reviews", "subset": "v2"})
        );
    }

    #[test]
    fn owners_and_flips() {
        let route = json!({"metadata": {"name": "web"}});
        let ro = json!({"metadata": {"name": "shop"}, "spec": {"strategy": {"canary": {"trafficRouting": {
            "plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "web", "namespace": "x"}}}}}}});
        assert_eq!(
            route_owner(ObjectKind::HttpRoute, &route, &[ro]).as_deref(),
            Some("Rollout shop")
        );
        let owned = json!({"metadata": {"name": "vs", "ownerReferences": [{"kind": "Canary", "name": "podinfo"}]}});
        assert_eq!(
            route_owner(ObjectKind::VirtualService, &owned, &[]).as_deref(),
            Some("Canary podinfo")
        );

        let svc = json!({"spec": {"selector": {"app": "web", "version": "blue"}}});
        let bg = BlueGreenSpec {
            label: "version".into(),
            sides: ["blue".into(), "green".into()],
        };
        let (from, to, req) = flip_request(&svc, &bg).unwrap();
        assert_eq!((from.as_str(), to.as_str()), ("blue", "green"));
        assert_eq!(
            req.body,
            json!({"spec": {"selector": {"version": "green"}}})
        );
        let deps = vec![
            json!({"metadata": {"name": "web-green"}, "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "web", "version": "green"}}}}, "status": {"readyReplicas": 1}}),
        ];
        let sel = selector_for(&svc, "version", "green");
        assert!(side_ready("green", &sel, &deps).blocks());
        let sel = selector_for(&svc, "version", "purple");
        assert!(side_ready("purple", &sel, &deps)
            .summary()
            .contains("no Deployment"));
    }
}
