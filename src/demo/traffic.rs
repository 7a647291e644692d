//! Plain-Kubernetes traffic objects, kept as the API server would store
//! them: a Gateway API HTTPRoute splitting `shop/storefront` by weight
//! between two Services, and the Service `payments/ledger` whose selector
//! picks the blue or the green Deployment. No view lists them; the palette's
//! `:step`/`:back` (route) and `:flip`/`:flipback` (Service) plan against
//! them and executing patches the stored JSON.

use serde_json::{json, Value};

use super::patch::{self, resource_version, Refused};
use super::rng::{fnv, roll, uid};
use super::world::Cluster;
use crate::ops::marks::ANNOTATION;
use crate::ops::pipeline::{Outcome, Plan};
use crate::ops::target::ObjectKind;
use crate::ops::traffic::{BLUEGREEN_ANNOTATION, CANARY_ANNOTATION};

/// The clusters with the storefront route and the ledger Service (and the
/// Deployments behind them, `layout.rs`).
pub const CLUSTERS: [&str; 2] = ["prod-eu-west", "staging-eu"];

pub fn setup(seed: u64, c: &mut Cluster) {
    let h = |what: &str| roll(seed, &[fnv(&c.meta.name), fnv(what)]);
    let meta = |ns: &str, name: &str, kind: &str| {
        let k = h(&format!("{kind}/{ns}/{name}"));
        json!({
            "name": name,
            "namespace": ns,
            "uid": uid(k),
            "resourceVersion": (100_000 + k % 900_000).to_string(),
            "labels": {"app.kubernetes.io/part-of": "acme-shop"},
        })
    };
    let service = |ns: &str, name: &str, selector: Value| {
        let k = h(&format!("ip/{ns}/{name}"));
        let ip = format!("172.20.{}.{}", (k >> 8) % 256, k % 254 + 1);
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta(ns, name, "Service"),
            "spec": {
                "type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
                "selector": selector, "sessionAffinity": "None",
            },
            "status": {"loadBalancer": {}},
        })
    };
    let mut ledger = service(
        "payments",
        "ledger",
        json!({"app": "ledger", "version": "blue"}),
    );
    ledger["metadata"]["annotations"] = json!({
        BLUEGREEN_ANNOTATION: r#"{"label":"version","sides":["blue","green"]}"#,
    });
    let parent = json!({"group": "gateway.networking.k8s.io", "kind": "Gateway",
                        "name": "public", "namespace": "gateway-system"});
    let mut route = json!({
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": meta("shop", "storefront", "HTTPRoute"),
        "spec": {
            "parentRefs": [parent],
            "hostnames": ["shop.acme.example"],
            "rules": [{
                "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                "backendRefs": [
                    {"group": "", "kind": "Service", "name": "storefront", "port": 80, "weight": 95},
                    {"group": "", "kind": "Service", "name": "storefront-canary", "port": 80, "weight": 5},
                ],
            }],
        },
        "status": {"parents": [{
            "parentRef": parent,
            "controllerName": "gateway.envoyproxy.io/gatewayclass-controller",
            "conditions": [
                {"type": "Accepted", "status": "True", "reason": "Accepted"},
                {"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs"},
            ],
        }]},
    });
    route["metadata"]["generation"] = json!(1);
    route["metadata"]["annotations"] = json!({
        CANARY_ANNOTATION:
            r#"{"stable":"storefront","canary":"storefront-canary","weights":[5,25,50,100]}"#,
    });
    c.traffic = vec![
        route,
        service(
            "shop",
            "storefront",
            json!({"app": "storefront", "track": "stable"}),
        ),
        service(
            "shop",
            "storefront-canary",
            json!({"app": "storefront", "track": "canary"}),
        ),
        ledger,
    ];
}

fn is(obj: &Value, kind: ObjectKind, namespace: &str) -> bool {
    obj.get("kind").and_then(Value::as_str) == Some(kind.name())
        && obj.pointer("/metadata/namespace").and_then(Value::as_str) == Some(namespace)
}

pub fn find(c: &Cluster, kind: ObjectKind, namespace: &str, name: &str) -> Option<usize> {
    c.traffic.iter().position(|o| {
        is(o, kind, namespace) && o.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
    })
}

/// Every object of a kind in a namespace (a LIST).
pub fn list(c: &Cluster, kind: ObjectKind, namespace: &str) -> Vec<Value> {
    c.traffic
        .iter()
        .filter(|o| is(o, kind, namespace))
        .cloned()
        .collect()
}

/// Every write bumps the resourceVersion; returns the new one.
fn bump(obj: &mut Value) -> String {
    let rv = resource_version(obj).parse::<u64>().unwrap_or(0) + 1;
    obj["metadata"]["resourceVersion"] = json!(rv.to_string());
    rv.to_string()
}

/// Sends the plan's requests to the stored object, each guarded by the
/// resourceVersion the previous one left, then sets the last-action mark
/// (a write of its own, as `marks::annotate` makes it). All or nothing.
pub fn execute(c: &mut Cluster, plan: &Plan, mark: &str) -> Outcome {
    let t = &plan.target;
    let Some(i) = find(c, t.kind, &t.namespace, &t.name) else {
        return Outcome::Failed(format!("{}: not found", t.short()));
    };
    let mut obj = c.traffic[i].clone();
    let mut rv = plan.rv_before.clone();
    for req in &plan.requests {
        match patch::apply(&mut obj, req, &rv) {
            Ok(()) => rv = bump(&mut obj),
            Err(Refused::Conflict(why)) => {
                return Outcome::Conflict(format!(
                    "{} changed since it was planned ({why}): nothing was written; plan again",
                    t.short()
                ))
            }
            Err(Refused::Invalid(why)) => return Outcome::Failed(why),
        }
    }
    if obj.get("spec") != c.traffic[i].get("spec") {
        if let Some(g) = obj.pointer("/metadata/generation").and_then(Value::as_i64) {
            obj["metadata"]["generation"] = json!(g + 1);
        }
    }
    obj["metadata"]["annotations"][ANNOTATION] = json!(mark);
    let rv_after = bump(&mut obj);
    c.traffic[i] = obj;
    Outcome::Done { rv_after }
}
