//! What an experiment aims at, in the terms the API server filters by: the
//! namespaces, a label selector and a field selector (Chaos Mesh's
//! `spec.selector`, wherever a Schedule or Workflow embeds one; Litmus's
//! `spec.appinfo`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Selector {
    /// Empty in Chaos Mesh means the experiment's own namespace (its webhook
    /// defaults it); filled in here the same way.
    pub namespaces: Vec<String>,
    /// `app=web,tier in (a,b)`; empty selects every pod of the namespaces.
    pub labels: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fields: String,
    /// Pods named outright, by namespace.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub pods: BTreeMap<String, Vec<String>>,
    /// Litmus `appkind` (`deployment`), when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(v: &Value, sep: &str) -> Vec<String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some(format!("{k}{sep}{}", v.as_str()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// A `LabelSelectorRequirement` in the API's text form.
fn requirement(r: &Value) -> Option<String> {
    let key = r["key"].as_str()?;
    let values = strings(&r["values"]).join(",");
    Some(match r["operator"].as_str()? {
        "In" => format!("{key} in ({values})"),
        "NotIn" => format!("{key} notin ({values})"),
        "Exists" => key.to_string(),
        "DoesNotExist" => format!("!{key}"),
        _ => return None,
    })
}

/// A Chaos Mesh `PodSelectorSpec`.
fn pod_selector(s: &Value, own_namespace: &str) -> Selector {
    let mut labels = pairs(&s["labelSelectors"], "=");
    if let Some(exprs) = s["expressionSelectors"].as_array() {
        labels.extend(exprs.iter().filter_map(requirement));
    }
    let pods: BTreeMap<String, Vec<String>> = s["pods"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(ns, names)| (ns.clone(), strings(names)))
                .collect()
        })
        .unwrap_or_default();
    let mut namespaces = strings(&s["namespaces"]);
    if namespaces.is_empty() && pods.is_empty() {
        namespaces.push(own_namespace.to_string());
    }
    Selector {
        namespaces,
        labels: labels.join(","),
        fields: pairs(&s["fieldSelectors"], "=").join(","),
        pods,
        kind: None,
    }
}

/// Every pod selector in a Chaos Mesh spec (an experiment's `selector`, a
/// NetworkChaos `target.selector`, the one a Schedule or Workflow template
/// embeds), and for a Schedule or Workflow the kinds it spawns.
pub fn of_mesh(
    kind: super::ChaosKind,
    spec: &Value,
    own_namespace: &str,
) -> (Vec<Selector>, Vec<String>) {
    let mut found = Vec::new();
    walk(spec, own_namespace, 0, &mut found);
    let spawns = match kind {
        super::ChaosKind::Schedule => spec["type"]
            .as_str()
            .map(String::from)
            .into_iter()
            .collect(),
        super::ChaosKind::Workflow => spec["templates"]
            .as_array()
            .map(|t| {
                let mut k: Vec<String> = t
                    .iter()
                    .filter_map(|t| t["templateType"].as_str())
                    .filter(|k| super::ChaosKind::parse(k).is_some())
                    .map(String::from)
                    .collect();
                k.dedup();
                k
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    (found, spawns)
}

/// Depth-capped: a Schedule of a Workflow nests its selectors four deep.
fn walk(v: &Value, own_namespace: &str, depth: usize, out: &mut Vec<Selector>) {
    if depth > 6 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if k == "selector" && child.is_object() {
                    out.push(pod_selector(child, own_namespace));
                } else {
                    walk(child, own_namespace, depth + 1, out);
                }
            }
        }
        Value::Array(a) => a
            .iter()
            .for_each(|c| walk(c, own_namespace, depth + 1, out)),
        _ => {}
    }
}

/// Litmus `spec.appinfo` (`appns`, `applabel`, `appkind`); `None` when it
/// names no label (an infrastructure experiment).
pub fn of_appinfo(app: &Value, own_namespace: &str) -> Option<Selector> {
    let labels = app["applabel"].as_str().filter(|l| !l.is_empty())?;
    Some(Selector {
        namespaces: vec![app["appns"]
            .as_str()
            .filter(|n| !n.is_empty())
            .unwrap_or(own_namespace)
            .to_string()],
        labels: labels.to_string(),
        kind: app["appkind"].as_str().map(String::from),
        ..Default::default()
    })
}
