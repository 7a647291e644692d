//! Setting named backends' weights for a failover: route backends (HTTPRoute,
//! VirtualService) and external-dns DNSEndpoint records (`aws/weight`,
//! matched by set identifier, else DNS name). One JSON patch, each write
//! pinned by a `test` of the backend it meant.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::action::PatchRequest;
use super::target::ObjectKind;
use super::traffic::{backend_matches, rules_path};

const AWS_WEIGHT: &str = "aws/weight";

/// The request and a summary (`checkout-a 100→0, checkout-b 0→100`).
pub fn request(
    kind: ObjectKind,
    obj: &Value,
    weights: &BTreeMap<String, u32>,
) -> Result<(PatchRequest, String), String> {
    let mut ops = Vec::new();
    let mut seen: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    match kind {
        ObjectKind::DnsEndpoint => dns_ops(obj, weights, &mut ops, &mut seen),
        _ => route_ops(kind, obj, weights, &mut ops, &mut seen),
    }
    let missing: Vec<&str> = weights
        .keys()
        .map(String::as_str)
        .filter(|k| !seen.contains_key(k))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "no backend named {} in this {}",
            missing.join(", "),
            kind.name()
        ));
    }
    let summary = weights
        .iter()
        .map(|(k, w)| {
            let from = seen
                .get(k.as_str())
                .map(|v| v.join("/"))
                .unwrap_or_default();
            format!("{k} {from}→{w}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok((PatchRequest::json(Value::Array(ops)), summary))
}

fn route_ops<'a>(
    kind: ObjectKind,
    obj: &Value,
    weights: &'a BTreeMap<String, u32>,
    ops: &mut Vec<Value>,
    seen: &mut BTreeMap<&'a str, Vec<String>>,
) {
    let (path, list) = rules_path(kind);
    let rules = obj.pointer(path).and_then(Value::as_array);
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let Some(backends) = rule.get(list).and_then(Value::as_array) else {
            continue;
        };
        for (j, b) in backends.iter().enumerate() {
            let Some((name, w)) = weights.iter().find(|(k, _)| backend_matches(kind, b, k)) else {
                continue;
            };
            let at = format!("{path}/{i}/{list}/{j}");
            let (pin, value) = match kind {
                ObjectKind::HttpRoute => ("name", b.get("name").cloned()),
                _ => ("destination", b.get("destination").cloned()),
            };
            ops.push(json!({"op": "test", "path": format!("{at}/{pin}"), "value": value}));
            let old = b.get("weight");
            let verb = if old.is_some() { "replace" } else { "add" };
            ops.push(json!({"op": verb, "path": format!("{at}/weight"), "value": w}));
            seen.entry(name.as_str())
                .or_default()
                .push(old.map_or("-".into(), Value::to_string));
        }
    }
}

fn dns_ops<'a>(
    obj: &Value,
    weights: &'a BTreeMap<String, u32>,
    ops: &mut Vec<Value>,
    seen: &mut BTreeMap<&'a str, Vec<String>>,
) {
    let endpoints = obj.pointer("/spec/endpoints").and_then(Value::as_array);
    for (i, ep) in endpoints.into_iter().flatten().enumerate() {
        let id = ep.get("setIdentifier").and_then(Value::as_str);
        let dns = ep.get("dnsName").and_then(Value::as_str);
        let Some((name, w)) = weights
            .iter()
            .find(|(k, _)| id == Some(k.as_str()) || (id.is_none() && dns == Some(k.as_str())))
        else {
            continue;
        };
        let at = format!("/spec/endpoints/{i}");
        let (pin, value) = match id {
            Some(id) => ("setIdentifier", id),
            None => ("dnsName", dns.unwrap_or_default()),
        };
        ops.push(json!({"op": "test", "path": format!("{at}/{pin}"), "value": value}));
        // external-dns reads provider-specific values as strings.
        let value = w.to_string();
        let specific = ep.get("providerSpecific").and_then(Value::as_array);
        let pos = specific.and_then(|l| {
            l.iter()
                .position(|p| p.get("name").and_then(Value::as_str) == Some(AWS_WEIGHT))
        });
        let old = match (specific, pos) {
            (Some(l), Some(k)) => {
                let old = l[k].get("value").and_then(Value::as_str).unwrap_or("-");
                ops.push(json!({"op": "test", "path": format!("{at}/providerSpecific/{k}/name"), "value": AWS_WEIGHT}));
                ops.push(json!({"op": "replace", "path": format!("{at}/providerSpecific/{k}/value"), "value": value}));
                old.to_string()
            }
            (Some(l), None) => {
                // An index, not `-`: the verify step reads the value back there.
                ops.push(json!({"op": "add", "path": format!("{at}/providerSpecific/{}", l.len()), "value": {"name": AWS_WEIGHT, "value": value}}));
                "-".into()
            }
            (None, _) => {
                ops.push(json!({"op": "add", "path": format!("{at}/providerSpecific"), "value": [{"name": AWS_WEIGHT, "value": value}]}));
                "-".into()
            }
        };
        seen.entry(name.as_str()).or_default().push(old);
    }
}

/// The weights a route or DNSEndpoint gives the named backends now (the
/// first occurrence of each): what a rollback sets back.
pub fn current(kind: ObjectKind, obj: &Value, names: &[String]) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    if kind == ObjectKind::DnsEndpoint {
        for ep in obj
            .pointer("/spec/endpoints")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = ep
                .get("setIdentifier")
                .or_else(|| ep.get("dnsName"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let w = ep
                .get("providerSpecific")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|p| p.get("name").and_then(Value::as_str) == Some(AWS_WEIGHT))
                .and_then(|p| p.get("value").and_then(Value::as_str))
                .and_then(|v| v.parse().ok());
            if let (true, Some(w)) = (names.iter().any(|n| n == id), w) {
                out.entry(id.to_string()).or_insert(w);
            }
        }
        return out;
    }
    let (path, list) = rules_path(kind);
    for rule in obj
        .pointer(path)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let backends = rule.get(list).and_then(Value::as_array);
        let alone = backends.is_some_and(|b| b.len() == 1);
        for b in backends.into_iter().flatten() {
            for n in names.iter().filter(|n| backend_matches(kind, b, n)) {
                let w = super::traffic::weight(kind, b, alone) as u32;
                out.entry(n.clone()).or_insert(w);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::traffic::json_patch_holds;

    fn w(pairs: &[(&str, u32)]) -> BTreeMap<String, u32> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn route_backends_are_pinned_and_set() {
        let route = json!({"spec": {"rules": [{"backendRefs": [
            {"name": "checkout-a", "port": 80, "weight": 100},
            {"name": "checkout-b", "port": 80}
        ]}]}});
        let (req, summary) = request(
            ObjectKind::HttpRoute,
            &route,
            &w(&[("checkout-a", 0), ("checkout-b", 100)]),
        )
        .unwrap();
        assert_eq!(
            req.body,
            json!([
                {"op": "test", "path": "/spec/rules/0/backendRefs/0/name", "value": "checkout-a"},
                {"op": "replace", "path": "/spec/rules/0/backendRefs/0/weight", "value": 0},
                {"op": "test", "path": "/spec/rules/0/backendRefs/1/name", "value": "checkout-b"},
                {"op": "add", "path": "/spec/rules/0/backendRefs/1/weight", "value": 100}
            ])
        );
        assert_eq!(summary, "checkout-a 100→0, checkout-b -→100");
        assert_eq!(
            current(
                ObjectKind::HttpRoute,
                &route,
                &["checkout-a".into(), "checkout-b".into()]
            ),
            w(&[("checkout-a", 100), ("checkout-b", 1)])
        );
        let mut after = route.clone();
        json_patch::patch(
            &mut after,
            &serde_json::from_value::<json_patch::Patch>(req.body.clone()).unwrap(),
        )
        .unwrap();
        assert!(json_patch_holds(&after, &req.body));
        let e = request(ObjectKind::HttpRoute, &route, &w(&[("nope", 1)])).unwrap_err();
        assert_eq!(e, "no backend named nope in this HTTPRoute");
    }

    #[test]
    fn dns_endpoints_by_set_identifier() {
        let ep = json!({"spec": {"endpoints": [
            {"dnsName": "shop.example.com", "setIdentifier": "eu", "targets": ["1.2.3.4"],
             "providerSpecific": [{"name": "aws/weight", "value": "100"}]},
            {"dnsName": "shop.example.com", "setIdentifier": "us", "targets": ["5.6.7.8"]}
        ]}});
        let (req, summary) =
            request(ObjectKind::DnsEndpoint, &ep, &w(&[("eu", 0), ("us", 100)])).unwrap();
        assert_eq!(
            req.body,
            json!([
                {"op": "test", "path": "/spec/endpoints/0/setIdentifier", "value": "eu"},
                {"op": "test", "path": "/spec/endpoints/0/providerSpecific/0/name", "value": "aws/weight"},
                {"op": "replace", "path": "/spec/endpoints/0/providerSpecific/0/value", "value": "0"},
                {"op": "test", "path": "/spec/endpoints/1/setIdentifier", "value": "us"},
                {"op": "add", "path": "/spec/endpoints/1/providerSpecific", "value": [{"name": "aws/weight", "value": "100"}]}
            ])
        );
        assert_eq!(summary, "eu 100→0, us -→100");
        assert_eq!(
            current(ObjectKind::DnsEndpoint, &ep, &["eu".into(), "us".into()]),
            w(&[("eu", 100)])
        );
    }
}
