//! The `metrics` discovery source: for fleets whose only inventory is the
//! metrics engine, every value of the cluster label that no kubeconfig
//! context or other source accounts for becomes a summary row
//! `metrics/<value>` (drilled into only where a context reaches it).

use crate::config::discovery::SourceKind;
use crate::config::{Config, Discovered};
use crate::fleet::summary::ClusterMeta;
use crate::slo::prom::Endpoint;

/// The summary endpoint of `config`, or why there is none.
pub fn endpoint(config: &Config) -> Result<Endpoint, String> {
    let url = config
        .summary
        .endpoint
        .clone()
        .or_else(|| config.prometheus.url.clone())
        .ok_or("no endpoint (set [summary] endpoint or [prometheus] url)")?;
    Ok(Endpoint {
        url,
        client: crate::slo::sources::http_client(&config.prometheus)?,
        timeout: std::time::Duration::from_secs(config.prometheus.timeout_seconds.max(1)),
    })
}

/// Every cluster label value on the endpoint.
async fn values(ep: &Endpoint, label: &str) -> Result<Vec<String>, String> {
    let q = format!(r#"count by ({label}) (kube_node_status_condition{{condition="Ready"}})"#);
    let mut v: Vec<String> = ep
        .query(&q)
        .await
        .map_err(|e| format!("{}: {e}", ep.url))?
        .into_iter()
        .filter_map(|s| s.labels.get(label).cloned())
        .collect();
    v.sort();
    Ok(v)
}

/// Adds a row for each label value nothing else accounts for, selected by
/// `globs` (the `--context` globs, else the config's `contexts`); then
/// decides summary mode again for the fleet's new size.
pub fn add(metas: &mut Vec<ClusterMeta>, config: &Config, globs: &[String]) -> Result<(), String> {
    if !config
        .discovery
        .iter()
        .any(|d| d.kind == SourceKind::Metrics)
    {
        return Ok(());
    }
    let ep = endpoint(config)?;
    let label = config.summary.cluster_label.clone();
    let found = crate::basics::blocking::on_own_thread(values(&ep, &label))??;
    let known = |v: &str, m: &ClusterMeta| {
        m.name == v || m.reaches(v) || m.discovered.as_ref().is_some_and(|d| d.known_as == v)
    };
    let source = format!("{} {}", crate::config::cluster::METRICS_SOURCE, ep.url);
    for v in found {
        let name = format!("metrics/{v}");
        if metas.iter().any(|m| known(&v, m))
            || config.select(std::slice::from_ref(&name), globs).is_empty()
        {
            continue;
        }
        let mut meta = config.own_meta(&name);
        meta.discovered = Some(Discovered {
            source: source.clone(),
            lifecycle: "reporting".into(),
            known_as: v,
            ..Default::default()
        });
        metas.push(meta);
    }
    let size = metas.len();
    for m in metas.iter_mut() {
        let listed = m.discovered.as_ref().is_some_and(|d| d.listed.is_some());
        let metrics_only = m.discovered.as_ref().is_some_and(|d| d.source == source);
        m.summary = !listed && (metrics_only || config.summarised(size, m.group.as_deref()));
    }
    Ok(())
}
