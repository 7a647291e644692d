//! One cluster's graph read once, for the CLI: its workloads listed from the
//! API server, the mesh's traffic from its Prometheus, the experiments
//! running in it and its services' SLOs evaluated now.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::Client;

use super::{build, ClusterDeps, Inputs};
use crate::config::{ClusterMeta, Config};
use crate::fleet::kubeconfig::kube_message;
use crate::fleet::objects::{Compact, WorkloadInfo, WorkloadSource};
use crate::slo::eval::{self, SloState};
use crate::slo::sources::{endpoint_for, PromClient};

/// Every workload of the four kinds, all namespaces. Rollouts are optional
/// (no CRD is none); any other failure is the cluster's.
pub async fn workloads(client: &Client) -> Result<Vec<WorkloadInfo>, String> {
    let lp = ListParams::default();
    let list = |what: &str, e: kube::Error| format!("listing {what}: {}", kube_message(&e));
    let (da, sa, dsa) = (
        Api::<Deployment>::all(client.clone()),
        Api::<StatefulSet>::all(client.clone()),
        Api::<DaemonSet>::all(client.clone()),
    );
    let (d, s, ds) = futures::join!(da.list(&lp), sa.list(&lp), dsa.list(&lp));
    let mut out = Vec::new();
    let src = d
        .map_err(|e| list("deployments", e))?
        .items
        .into_iter()
        .map(WorkloadSource::Deployment)
        .chain(
            s.map_err(|e| list("statefulsets", e))?
                .items
                .into_iter()
                .map(WorkloadSource::StatefulSet),
        )
        .chain(
            ds.map_err(|e| list("daemonsets", e))?
                .items
                .into_iter()
                .map(WorkloadSource::DaemonSet),
        );
    out.extend(src.filter_map(|w| WorkloadInfo::compact(&w)));
    let gvk = GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "rollouts");
    match Api::<DynamicObject>::all_with(client.clone(), &ar)
        .list(&lp)
        .await
    {
        Ok(l) => out.extend(
            l.items
                .into_iter()
                .filter_map(|r| WorkloadInfo::compact(&WorkloadSource::Rollout(r))),
        ),
        Err(kube::Error::Api(e)) if e.code == 404 => {}
        Err(e) => return Err(list("rollouts", e)),
    }
    Ok(out)
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

pub async fn cluster(
    client: &Client,
    config: &Config,
    prom: &PromClient,
    meta: &ClusterMeta,
) -> Result<ClusterDeps, String> {
    let traffic = async {
        let client = prom.0.as_ref().map_err(|e| e.clone())?;
        let ep = endpoint_for(config, &meta.context, client)
            .ok_or_else(|| format!("no Prometheus for {}: traffic not read", meta.context))?;
        super::traffic::read(&ep)
            .await
            .map_err(|e| format!("Prometheus {}: {e}", ep.url))
    };
    let (workloads, traffic, chaos, paging) = futures::join!(
        workloads(client),
        traffic,
        crate::chaos::read::cluster(client, &meta.context),
        paging(config, prom, meta)
    );
    let workloads = workloads.map_err(|e| format!("{}: {e}", meta.context))?;
    let chaos = chaos
        .experiments
        .iter()
        .filter(|e| e.phase.active())
        .flat_map(|e| {
            e.hits.iter().map(move |h| {
                (
                    h.namespace.clone(),
                    h.workload.clone(),
                    format!("{} {}", e.kind.name(), e.name),
                )
            })
        })
        .collect();
    Ok(build(Inputs {
        context: &meta.context,
        group: meta.group.as_deref(),
        workloads: workloads.iter().collect(),
        services: &config.services,
        traffic,
        paging,
        chaos,
        unreachable: None,
    }))
}
