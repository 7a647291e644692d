//! One cluster's graph read once, for the CLI: its workloads listed from the
//! API server, the mesh's traffic from its Prometheus, the experiments
//! running in it and its services' SLOs evaluated now.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::Client;

use super::{build, chaos_hits, ClusterDeps, Inputs};
use crate::config::{ClusterMeta, Config};
use crate::fleet::kubeconfig::kube_message;
use crate::fleet::objects::{Compact, WorkloadInfo, WorkloadSource};
use crate::slo::eval::{self, SloState};
use crate::slo::sources::{endpoint_for, PromClient};

/// Every workload of the four kinds, all namespaces, and the kinds that
/// could not be listed (forbidden, failed): the graph is then partial and
/// says so. Rollouts are optional (no CRD is none). Nothing listed at all
/// is the cluster's error.
pub async fn workloads(client: &Client) -> Result<(Vec<WorkloadInfo>, Vec<String>), String> {
    let lp = ListParams::default();
    let (da, sa, dsa) = (
        Api::<Deployment>::all(client.clone()),
        Api::<StatefulSet>::all(client.clone()),
        Api::<DaemonSet>::all(client.clone()),
    );
    let gvk = GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout");
    let ra = Api::<DynamicObject>::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(&gvk, "rollouts"),
    );
    let (d, s, ds, r) = futures::join!(da.list(&lp), sa.list(&lp), dsa.list(&lp), ra.list(&lp));
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut take = |what: &str, got: Result<Vec<WorkloadSource>, kube::Error>| match got {
        Ok(items) => out.extend(items.iter().filter_map(WorkloadInfo::compact)),
        Err(kube::Error::Api(e)) if e.code == 404 && what == "rollouts" => {}
        Err(e) => problems.push(format!("listing {what}: {}", kube_message(&e))),
    };
    take(
        "deployments",
        d.map(|l| wrap(l, WorkloadSource::Deployment)),
    );
    take(
        "statefulsets",
        s.map(|l| wrap(l, WorkloadSource::StatefulSet)),
    );
    take("daemonsets", ds.map(|l| wrap(l, WorkloadSource::DaemonSet)));
    take("rollouts", r.map(|l| wrap(l, WorkloadSource::Rollout)));
    if problems.len() == 4 {
        return Err(problems.join("; "));
    }
    Ok((out, problems))
}

fn wrap<K: Clone>(l: kube::core::ObjectList<K>, f: fn(K) -> WorkloadSource) -> Vec<WorkloadSource> {
    l.items.into_iter().map(f).collect()
}

/// `(service, slo)` pairs paging on this cluster now. An SLO that cannot be
/// evaluated is not counted as paging (the graph says so elsewhere).
async fn paging(config: &Config, prom: &PromClient, meta: &ClusterMeta) -> Vec<(String, String)> {
    let Ok(client) = &prom.0 else {
        return Vec::new();
    };
    let Some(ep) = endpoint_for(config, &meta.context, client) else {
        return Vec::new();
    };
    let group = meta.group.as_deref();
    let mut pairs = Vec::new();
    for svc in config
        .services
        .iter()
        .filter(|s| s.runs_in(&meta.context, group))
    {
        for slo in config
            .slos
            .iter()
            .filter(|s| svc.slos.contains(&s.name) && s.applies_to(&meta.context, group))
        {
            if let Ok(ev) = eval::evaluate(slo, &meta.name, &ep).await {
                let row = eval::row(slo, &meta.name, Some(&ev), None, chrono::Utc::now());
                if row.state == SloState::Page {
                    pairs.push((svc.name.clone(), slo.name.clone()));
                }
            }
        }
    }
    pairs
}

async fn traffic(
    config: &Config,
    prom: &PromClient,
    meta: &ClusterMeta,
) -> Result<Vec<super::graph::Edge>, String> {
    let client = prom.0.as_ref().map_err(|e| e.clone())?;
    let ep = endpoint_for(config, &meta.context, client)
        .ok_or_else(|| format!("no Prometheus for {}: traffic not read", meta.context))?;
    let window = config.dependencies.window_promql().unwrap_or("300s".into());
    super::traffic::read(&ep, &window)
        .await
        .map_err(|e| format!("Prometheus {}: {e}", ep.url))
}

/// The graph alone (no health): what a release orders itself by.
pub async fn graph(
    client: &Client,
    config: &Config,
    prom: &PromClient,
    meta: &ClusterMeta,
) -> Result<ClusterDeps, String> {
    read(client, config, prom, meta, false).await
}

/// The graph and the health of every workload in it.
pub async fn cluster(
    client: &Client,
    config: &Config,
    prom: &PromClient,
    meta: &ClusterMeta,
) -> Result<ClusterDeps, String> {
    read(client, config, prom, meta, true).await
}

async fn read(
    client: &Client,
    config: &Config,
    prom: &PromClient,
    meta: &ClusterMeta,
    health: bool,
) -> Result<ClusterDeps, String> {
    let experiments = async {
        match health {
            true => {
                crate::chaos::read::cluster(client, &meta.context)
                    .await
                    .experiments
            }
            false => Vec::new(),
        }
    };
    let paging = async {
        match health {
            true => paging(config, prom, meta).await,
            false => Vec::new(),
        }
    };
    let (workloads, traffic, experiments, paging) = futures::join!(
        workloads(client),
        traffic(config, prom, meta),
        experiments,
        paging
    );
    let (workloads, problems) = workloads.map_err(|e| format!("{}: {e}", meta.context))?;
    let mut d = build(Inputs {
        context: &meta.context,
        group: meta.group.as_deref(),
        workloads: workloads.iter().collect(),
        services: &config.services,
        traffic,
        paging,
        chaos: chaos_hits(experiments.iter().filter(|e| e.phase.active())),
        unreachable: None,
        error_ratio: config.dependencies.error_ratio(),
    });
    d.problems.extend(problems);
    Ok(d)
}
