//! The experiments in one cluster, read once (all namespaces, lists only),
//! and what each one's selectors reach now: the pods the API server returns
//! for the same namespaces and label/field selectors, folded to the
//! workloads that own them.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ApiResource, GroupVersionKind, ListParams};
use kube::Client;
use serde_json::Value;

use super::{ChaosKind, Experiment, Hit, Phase, Selector};
use crate::fleet::kubeconfig::kube_message;
use crate::fleet::rollout_tree::list_served;

/// Every object of a kind as JSON; `None` when its CRD is not there.
async fn list(
    client: &Client,
    group: &str,
    kind: &str,
    plural: &str,
) -> Result<Option<Vec<Value>>, String> {
    let gvk = GroupVersionKind::gvk(group, "v1alpha1", kind);
    list_served(client, &ApiResource::from_gvk_with_plural(&gvk, plural)).await
}

/// One cluster's experiments, or why some could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Read {
    pub experiments: Vec<Experiment>,
    /// Chaos Mesh's or LitmusChaos's CRDs are here.
    pub installed: bool,
    /// Kinds that could not be listed (forbidden, failed): the answer is
    /// partial, and says so.
    pub problems: Vec<String>,
}

/// The resources a group serves at v1alpha1; `None` when it serves none.
/// Discovery first: RBAC answers 403 before the API server can say 404, so
/// listing a kind that is not installed would read as "forbidden".
async fn served(client: &Client, group: &str) -> Result<Option<Vec<String>>, String> {
    match client
        .list_api_group_resources(&format!("{group}/v1alpha1"))
        .await
    {
        Ok(l) => Ok(Some(l.resources.into_iter().map(|r| r.name).collect())),
        Err(kube::Error::Api(e)) if e.code == 404 => Ok(None),
        Err(e) => Err(format!("discovery of {group}: {}", kube_message(&e))),
    }
}

/// Lists that failed, in one line: the first error, and how many more.
fn problem(errors: Vec<String>) -> Option<String> {
    let n = errors.len();
    let first = errors.into_iter().next()?;
    Some(match n {
        1 => first,
        _ => format!("{first} (and {} more kinds)", n - 1),
    })
}

pub async fn cluster(client: &Client, context: &str) -> Read {
    let mut r = Read::default();
    let mut errors = Vec::new();
    match served(client, super::kind::MESH_GROUP).await {
        Err(e) => r.problems.push(e),
        Ok(None) => {}
        Ok(Some(names)) => {
            r.installed = true;
            let kinds = ChaosKind::ALL
                .into_iter()
                .filter(|k| !k.litmus() && names.iter().any(|n| n == k.plural()));
            let lists = kinds
                .map(|k| async move { (k, list(client, k.group(), k.name(), k.plural()).await) });
            for (k, got) in futures::future::join_all(lists).await {
                match got {
                    Ok(items) => r.experiments.extend(
                        items
                            .unwrap_or_default()
                            .iter()
                            .map(|o| super::mesh(context, k, o)),
                    ),
                    Err(e) => errors.push(e),
                }
            }
        }
    }
    let g = super::kind::LITMUS_GROUP;
    match served(client, g).await {
        Err(e) => r.problems.push(e),
        Ok(None) => {}
        Ok(Some(names)) => {
            r.installed = true;
            let engines = match list(client, g, "ChaosEngine", "chaosengines").await {
                Ok(v) => v.unwrap_or_default(),
                Err(e) => {
                    errors.push(e);
                    Vec::new()
                }
            };
            let results = match names.iter().any(|n| n == "chaosresults") {
                true => match list(client, g, "ChaosResult", "chaosresults").await {
                    Ok(v) => v.unwrap_or_default(),
                    Err(e) => {
                        errors.push(e);
                        Vec::new()
                    }
                },
                false => Vec::new(),
            };
            r.experiments
                .extend(engines.iter().map(|o| super::engine(context, o, &results)));
        }
    }
    r.problems.extend(problem(errors));
    for e in r
        .experiments
        .iter_mut()
        .filter(|e| e.phase != Phase::Finished && e.phase != Phase::Stopped)
    {
        match hits(client, &e.selectors).await {
            Ok(h) => e.hits = h,
            Err(why) => e.hits_unknown = Some(why),
        }
    }
    r.experiments
        .sort_by(|a, b| (&a.namespace, &a.name, a.kind).cmp(&(&b.namespace, &b.name, b.kind)));
    r
}

/// The workloads whose pods the selectors pick, with how many pods each.
pub async fn hits(client: &Client, selectors: &[Selector]) -> Result<Vec<Hit>, String> {
    let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
    for s in selectors {
        let mut asks: Vec<(String, Option<Vec<String>>)> =
            s.namespaces.iter().map(|n| (n.clone(), None)).collect();
        asks.extend(
            s.pods
                .iter()
                .map(|(n, names)| (n.clone(), Some(names.clone()))),
        );
        for (ns, names) in asks {
            let mut lp = ListParams::default();
            if names.is_none() && !s.labels.is_empty() {
                lp = lp.labels(&s.labels);
            }
            if names.is_none() && !s.fields.is_empty() {
                lp = lp.fields(&s.fields);
            }
            let pods = Api::<Pod>::namespaced(client.clone(), &ns)
                .list_metadata(&lp)
                .await
                .map_err(|e| format!("pods in {ns}: {}", kube_message(&e)))?;
            for p in &pods.items {
                let name = p.metadata.name.as_deref().unwrap_or_default();
                if names.as_ref().is_some_and(|n| !n.iter().any(|x| x == name)) {
                    continue;
                }
                let owner = crate::fleet::objects::pod_owner(&p.metadata)
                    .map(|(_, o)| o.to_string())
                    .unwrap_or_else(|| format!("pod/{name}"));
                *count.entry((ns.clone(), owner)).or_default() += 1;
            }
        }
    }
    Ok(count
        .into_iter()
        .map(|((namespace, workload), pods)| Hit {
            namespace,
            workload,
            pods,
        })
        .collect())
}
