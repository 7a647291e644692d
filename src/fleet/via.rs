//! Which of a cluster's contexts to watch through: the first, in kubeconfig
//! order, that may list every kind fleetdeck watches (asked with
//! SelfSubjectAccessReviews), else the one that may list the most. A
//! cluster with one context asks nothing.

use futures::future::join_all;
use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
use kube::api::{Api, PostParams};
use kube::config::Kubeconfig;
use kube::Client;
use serde_json::json;

use super::kubeconfig::client_for;

/// (API group, resource) of every kind the watches list, cluster-wide.
pub const WATCHED: &[(&str, &str)] = &[
    ("", "nodes"),
    ("", "namespaces"),
    ("", "pods"),
    ("", "events"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("apps", "replicasets"),
    ("apps", "controllerrevisions"),
    ("argoproj.io", "rollouts"),
    ("argoproj.io", "applications"),
];

/// Whether the client's identity may list `resource` in every namespace.
pub async fn may(client: &Client, verb: &str, group: &str, resource: &str) -> bool {
    let review: SelfSubjectAccessReview = match serde_json::from_value(json!({
        "spec": {"resourceAttributes": {"verb": verb, "group": group, "resource": resource}}
    })) {
        Ok(r) => r,
        Err(_) => return false,
    };
    Api::<SelfSubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .is_ok_and(|r| r.status.is_some_and(|s| s.allowed))
}

/// How many of the watched kinds the client may list.
async fn listable(client: &Client) -> usize {
    join_all(WATCHED.iter().map(|(g, r)| may(client, "list", g, r)))
        .await
        .into_iter()
        .filter(|ok| *ok)
        .count()
}

/// The context to watch through, and why when it is not simply the first.
pub async fn choose(
    kubeconfig: &Kubeconfig,
    contexts: &[String],
    read_only: bool,
) -> (String, Option<String>) {
    let first = contexts.first().cloned().unwrap_or_default();
    if contexts.len() < 2 {
        return (first, None);
    }
    let mut best: Option<(usize, &String)> = None;
    for ctx in contexts {
        let Ok(client) = client_for(kubeconfig, ctx, read_only).await else {
            continue;
        };
        let n = listable(&client).await;
        if n == WATCHED.len() {
            let why = (ctx != &first).then(|| {
                format!("watched through {ctx}: the first of its contexts that may list every kind")
            });
            return (ctx.clone(), why);
        }
        if best.is_none_or(|(b, _)| n > b) {
            best = Some((n, ctx));
        }
    }
    match best {
        Some((n, ctx)) if n > 0 => (
            ctx.clone(),
            Some(format!(
                "watched through {ctx}: no context may list every kind; it may list {n} of {}",
                WATCHED.len()
            )),
        ),
        _ => (first, None),
    }
}
