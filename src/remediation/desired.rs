//! Desired state: plain YAML manifests per cluster group, with per-cluster
//! overlays merged over them.
//!
//! ```text
//! <drift dir>/<group>/*.yaml                      the group's objects
//! <drift dir>/<group>/overlays/<cluster>/*.yaml   one cluster's changes (context or display name)
//! ```
//!
//! The rule: an overlay object with the identity (API group, kind, namespace,
//! name) of a template object is applied to it as a JSON merge patch (RFC
//! 7386: maps merge key by key, lists and scalars replace, `null` deletes);
//! one that matches nothing is added for that cluster only. A namespaced
//! object without `metadata.namespace` is in `default`, as `kubectl apply`
//! with no namespace puts it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::basics::yaml;
use crate::ops::target::ObjectKind;

/// Which object a manifest is, across template and overlay.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Identity {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub identity: Identity,
    pub kind: ObjectKind,
    pub object: Value,
    /// `file:document` it came from (and the overlay merged over it).
    pub source: String,
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    files
}

fn identity(doc: &Value, at: &str) -> Result<(Identity, ObjectKind), String> {
    let s = |p: &str| doc.pointer(p).and_then(Value::as_str);
    let (Some(api_version), Some(kind), Some(name)) =
        (s("/apiVersion"), s("/kind"), s("/metadata/name"))
    else {
        return Err(format!("{at}: needs apiVersion, kind and metadata.name"));
    };
    let k = ObjectKind::from_manifest(api_version, kind).ok_or_else(|| {
            format!("{at}: {api_version} {kind} is not a kind fleetdeck compares (Deployment, StatefulSet, DaemonSet, Rollout, Service, ConfigMap, HTTPRoute, VirtualService, DNSEndpoint, Gslb)")
        })?;
    let namespace = if k.cluster_scoped() {
        String::new()
    } else {
        s("/metadata/namespace").unwrap_or("default").to_string()
    };
    let group = api_version
        .rsplit_once('/')
        .map_or("", |(g, _)| g)
        .to_string();
    Ok((
        Identity {
            group,
            kind: kind.to_string(),
            namespace,
            name: name.to_string(),
        },
        k,
    ))
}

/// Every object of the YAML files in `dir`, keyed by identity. Two objects
/// with one identity in one layer are an error (which one would win?).
fn layer(dir: &Path) -> Result<BTreeMap<Identity, Desired>, String> {
    match check_layer(dir) {
        (objects, errors) if errors.is_empty() => Ok(objects),
        (_, mut errors) => Err(errors.swap_remove(0)),
    }
}

/// `layer`, going on past problems: the objects that read, and one
/// `file:line: …` per problem.
fn check_layer(dir: &Path) -> (BTreeMap<Identity, Desired>, Vec<String>) {
    let (mut out, mut errors) = (BTreeMap::new(), Vec::new());
    for f in yaml_files(dir) {
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{}: {e}", f.display()));
                continue;
            }
        };
        let docs: Vec<Value> = match serde_saphyr::from_multiple(&text) {
            Ok(d) => d,
            Err(e) => {
                errors.push(yaml::error(&f, &e));
                continue;
            }
        };
        let lines = yaml::document_lines(&text);
        for (i, mut doc) in docs.into_iter().enumerate() {
            if doc.is_null() {
                continue;
            }
            let line = lines.get(i).copied().unwrap_or(1);
            let at = format!("{}:{line}: document {}", f.display(), i + 1);
            let (id, kind) = match identity(&doc, &at) {
                Ok(x) => x,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            if !kind.cluster_scoped() && doc.pointer("/metadata/namespace").is_none() {
                doc["metadata"]["namespace"] = Value::String(id.namespace.clone());
            }
            if let Some(prev) = out.get(&id) {
                let prev: &Desired = prev;
                errors.push(format!(
                    "{at}: {} {}/{} is also defined at {}",
                    id.kind, id.namespace, id.name, prev.source
                ));
                continue;
            }
            let d = Desired {
                identity: id.clone(),
                kind,
                object: doc,
                source: at,
            };
            out.insert(id, d);
        }
    }
    (out, errors)
}

/// Every group and overlay of a desired-state tree, read as the scan reads
/// them: how many objects, and every problem (`file:line: …`).
pub fn check_tree(dir: &Path) -> (usize, Vec<String>) {
    let (mut objects, mut errors) = (0, Vec::new());
    let subdirs = |d: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        v.sort();
        v
    };
    for group in subdirs(dir) {
        let overlays = subdirs(&group.join("overlays"));
        for d in std::iter::once(group).chain(overlays) {
            let (o, e) = check_layer(&d);
            objects += o.len();
            errors.extend(e);
        }
    }
    (objects, errors)
}

/// A cluster's desired objects: its group's template with the cluster's
/// overlay (the first of `names` that has a directory) merged over it.
pub fn for_cluster(dir: &Path, group: &str, names: &[&str]) -> Result<Vec<Desired>, String> {
    let base = dir.join(group);
    let mut objects = layer(&base)?;
    let overlay = names
        .iter()
        .map(|n| base.join("overlays").join(n))
        .find(|p| p.is_dir());
    if let Some(o) = overlay {
        for (id, over) in layer(&o)? {
            match objects.get_mut(&id) {
                Some(d) => {
                    json_patch::merge(&mut d.object, &over.object);
                    d.source = format!("{} + {}", d.source, over.source);
                }
                None => {
                    objects.insert(id, over);
                }
            }
        }
    }
    Ok(objects.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  beta: \"off\"\n";

    #[test]
    fn overlays_merge_by_identity() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "prod/web.yaml", WEB);
        write(
            d.path(),
            "prod/overlays/prod-eu/web.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 5\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: eu-only\n  namespace: shop\ndata: {}\n",
        );
        let eu = for_cluster(d.path(), "prod", &["ctx-eu", "prod-eu"]).unwrap();
        let web = eu.iter().find(|o| o.identity.name == "web").unwrap();
        assert_eq!(web.object["spec"]["replicas"], 5);
        // The merge keeps what the overlay does not name.
        assert_eq!(
            web.object["spec"]["template"]["spec"]["containers"][0]["image"],
            "web:1"
        );
        assert!(web.source.contains(" + "), "{}", web.source);
        // A ConfigMap without a namespace is in default; the overlay adds one.
        let names: Vec<(&str, &str)> = eu
            .iter()
            .map(|o| (o.identity.namespace.as_str(), o.identity.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [("default", "flags"), ("shop", "eu-only"), ("shop", "web")]
        );
        let us = for_cluster(d.path(), "prod", &["prod-us"]).unwrap();
        assert_eq!(us.len(), 2);
        assert_eq!(
            us.iter().find(|o| o.identity.name == "web").unwrap().object["spec"]["replicas"],
            3
        );
    }

    #[test]
    fn the_example_tree_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/desired");
        let us = for_cluster(
            &dir,
            "prod",
            &["arn:aws:eks:us-east-1:1:cluster/x", "prod-us-east"],
        )
        .unwrap();
        let eu = for_cluster(&dir, "prod", &["prod-eu-west"]).unwrap();
        let replicas = |v: &[Desired]| {
            v.iter()
                .find(|d| d.identity.name == "checkout")
                .unwrap()
                .object["spec"]["replicas"]
                .clone()
        };
        assert_eq!(
            (replicas(&us), replicas(&eu)),
            (serde_json::json!(6), serde_json::json!(3))
        );
        assert_eq!(eu.len(), 2);
    }

    #[test]
    fn mistakes_name_the_file_and_document() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "prod/a.yaml",
            &format!("{WEB}---\nkind: Deployment\nmetadata: {{name: x}}\n"),
        );
        let e = for_cluster(d.path(), "prod", &[]).unwrap_err();
        assert!(
            e.ends_with("a.yaml:20: document 3: needs apiVersion, kind and metadata.name"),
            "{e}"
        );
        write(d.path(), "prod/a.yaml", &format!("{WEB}---\n{WEB}"));
        let e = for_cluster(d.path(), "prod", &[]).unwrap_err();
        assert!(
            e.contains("a.yaml:20: document 3: Deployment shop/web is also defined at "),
            "{e}"
        );
        write(
            d.path(),
            "prod/a.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
        );
        let e = for_cluster(d.path(), "prod", &[]).unwrap_err();
        assert!(
            e.contains("v1 Secret is not a kind fleetdeck compares"),
            "{e}"
        );
        write(d.path(), "prod/a.yaml", "apiVersion: v1\nkind: [\n");
        assert!(for_cluster(d.path(), "prod", &[])
            .unwrap_err()
            .contains("a.yaml"));
    }
}
