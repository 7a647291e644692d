//! Finding proposals. Drift: every cluster with a `group` whose directory
//! exists in the desired-state tree is compared object by object; each
//! object that differs becomes a proposal to apply the desired object.

use std::path::{Path, PathBuf};

use chrono::Utc;
use serde_json::{json, Value};

use super::desired::{for_cluster, Desired};
use super::queue::{id, Proposal, Risk, Source};
use crate::fleet::kubeconfig::client_for;
use crate::fleet::summary::ClusterMeta;
use crate::ops::apply::{changes, compare, Change};
use crate::ops::target::Target;
use crate::ops::Operation;
use crate::startup::Startup;

/// What a scan found, which clusters it covered, and what it could not read.
#[derive(Debug, Default)]
pub struct Found {
    pub proposals: Vec<Proposal>,
    pub scanned: Vec<String>,
    pub errors: Vec<String>,
    /// Sources this identity may not read on a cluster (403): not errors.
    pub forbidden: Vec<String>,
}

/// The desired-state tree's directory, relative to the config file.
pub fn drift_dir(st: &Startup) -> Option<PathBuf> {
    let dir = st.config.drift.dir.clone()?;
    Some(match st.paths.config_file.parent() {
        Some(base) if dir.is_relative() => base.join(dir),
        _ => dir,
    })
}

pub fn risk(meta: &ClusterMeta, live: Option<&Value>) -> Risk {
    let pods = live
        .and_then(|l| {
            l.pointer("/status/replicas")
                .or_else(|| l.pointer("/spec/replicas"))
                .and_then(Value::as_i64)
        })
        .unwrap_or(0);
    Risk {
        pods,
        production: meta.protected
            || meta.role.as_deref() == Some("primary")
            || meta.group.as_deref() == Some("prod"),
        slo: None,
    }
}

/// `2 fields: spec.replicas 3 → 7 (kubectl-edit 10:42), …`
pub fn summary(changes: &[Change]) -> String {
    let first: Vec<String> = changes
        .iter()
        .take(3)
        .map(|c| {
            let who = c
                .manager
                .as_ref()
                .map(|m| {
                    let at = m.time.as_deref().and_then(|t| t.get(11..16)).unwrap_or("");
                    format!(" ({} {at})", m.name).replace(" )", ")")
                })
                .unwrap_or_default();
            format!("{} {} → {}{who}", c.path, short(&c.live), short(&c.desired))
        })
        .collect();
    let more = changes.len().saturating_sub(3);
    let tail = if more > 0 {
        format!(", {more} more")
    } else {
        String::new()
    };
    format!("{} field(s): {}{tail}", changes.len(), first.join(", "))
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(39).collect::<String>())
    } else {
        s
    }
}

/// The desired objects for one cluster, or `None` when it has no group or
/// its group has no directory in the tree.
pub fn desired_for(dir: &Path, meta: &ClusterMeta) -> Option<Result<Vec<Desired>, String>> {
    let group = meta.group.as_deref()?;
    if !dir.join(group).is_dir() {
        return None;
    }
    Some(for_cluster(dir, group, &[&meta.context, &meta.name]))
}

/// One desired object against its cluster: a proposal if they differ.
pub async fn check_one(
    client: &kube::Client,
    meta: &ClusterMeta,
    d: &Desired,
    read_only: bool,
) -> Result<Option<Proposal>, String> {
    let target = Target::new(
        &meta.context,
        &d.identity.namespace,
        d.kind,
        &d.identity.name,
    );
    let (live, after) = compare(client, &target, &d.object, read_only).await?;
    let found = match &live {
        Some(l) => changes(l, &after),
        None => vec![Change {
            path: "(object)".into(),
            live: Value::Null,
            desired: json!("created"),
            manager: None,
        }],
    };
    if found.is_empty() {
        return Ok(None);
    }
    let object = target.kubectl();
    Ok(Some(Proposal {
        id: id(Source::Drift, &meta.context, &object, &d.object),
        source: Source::Drift,
        context: meta.context.clone(),
        object,
        summary: summary(&found),
        changes: found,
        op: Some(Operation::Apply {
            manifest: d.object.clone(),
        }),
        risk: risk(meta, live.as_ref()),
        target: Some(target),
        found: Utc::now(),
        preflight: None,
    }))
}

/// A cluster's drift: each desired object that differs from live.
async fn drift(
    client: &kube::Client,
    meta: &ClusterMeta,
    dir: Option<&Path>,
) -> (Vec<Proposal>, Vec<String>) {
    let Some(desired) = dir.and_then(|d| desired_for(d, meta)) else {
        return (Vec::new(), Vec::new());
    };
    let desired = match desired {
        Ok(d) => d,
        Err(e) => return (Vec::new(), vec![e]),
    };
    // One object that cannot be compared (a kind not served, a namespace
    // missing) is reported; the others are still compared.
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for d in &desired {
        match check_one(client, meta, d, meta.read_only).await {
            Ok(Some(p)) => out.push(p),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    (out, errors)
}

/// One cluster, every source (or only `source`).
pub async fn cluster(
    client: &kube::Client,
    meta: &ClusterMeta,
    config: &crate::config::Config,
    dir: Option<&Path>,
    source: Option<Source>,
) -> (Vec<Proposal>, Vec<String>) {
    let want = |s: Source| source.is_none_or(|x| x == s);
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let mut take = |r: Result<Vec<Proposal>, String>, what: &str| match r {
        Ok(p) => found.extend(p),
        Err(e) => errors.push(format!("{} ({what}): {e}", meta.context)),
    };
    if want(Source::Drift) {
        let (found_drift, errs) = drift(client, meta, dir).await;
        take(Ok(found_drift), "drift");
        for e in errs {
            take(Err(e), "drift");
        }
    }
    if want(Source::ArgoCd) {
        take(super::argocd::find(client, meta).await, "Argo CD");
    }
    if want(Source::Gatekeeper) {
        take(super::gatekeeper::find(client, meta).await, "Gatekeeper");
    }
    if want(Source::SloGate) {
        take(
            super::slo_gate::find(client, meta, config).await,
            "SLO gate",
        );
    }
    if want(Source::RightSizing) {
        take(
            super::rightsizing::find(client, meta, config).await,
            "right-sizing",
        );
    }
    if want(Source::CrashLoop) {
        take(super::crashloop::find(client, meta).await, "crash loops");
    }
    (found, errors)
}

/// The fix's RBAC review and server-side dry-run, as the pipeline will
/// run them (nothing is sent in read-only mode).
async fn preflight(client: &kube::Client, meta: &ClusterMeta, p: &Proposal) -> Option<String> {
    let (Some(op), Some(target)) = (p.op.clone(), p.target.as_ref()) else {
        return None;
    };
    let declared = crate::ops::build::Declared::default();
    let planned = crate::ops::pipeline::plan_checked(client, target, op, &declared, meta.read_only)
        .await
        .map_err(|e| e.to_string());
    Some(preflight_text(planned))
}

/// `ok`, or why the fix could not be sent now.
pub fn preflight_text(
    planned: Result<(crate::ops::pipeline::Plan, crate::ops::pipeline::Preflight), String>,
) -> String {
    use crate::ops::pipeline::Preflight;
    match planned {
        Ok((_, Preflight::Ready { .. })) => "ok".into(),
        Ok((_, Preflight::Unavailable(why))) => why,
        Ok((_, Preflight::Stale)) => "the object keeps changing".into(),
        Err(e) => e,
    }
}

/// Every selected cluster (or only `context`, only `source`).
pub async fn scan(st: &Startup, context: Option<&str>, source: Option<Source>) -> Found {
    let mut clusters = Vec::new();
    for meta in st
        .metas
        .iter()
        .filter(|m| context.is_none_or(|c| c == m.context))
    {
        let client = client_for(&st.kubeconfig, &meta.context, meta.read_only)
            .await
            .map_err(|e| e.to_string());
        clusters.push((meta.clone(), client));
    }
    scan_with(clusters, &st.config, drift_dir(st).as_deref(), source).await
}

/// The same with clients in hand (the console's own). Clusters are read
/// concurrently; each cluster's sources one after another.
pub async fn scan_with(
    clusters: Vec<(ClusterMeta, Result<kube::Client, String>)>,
    config: &crate::config::Config,
    dir: Option<&Path>,
    source: Option<Source>,
) -> Found {
    let each = clusters.into_iter().map(|(meta, client)| async move {
        let client = match client {
            Ok(c) => c,
            Err(e) => return (meta, Vec::new(), vec![e], false),
        };
        let (mut found, errors) = cluster(&client, &meta, config, dir, source).await;
        for p in &mut found {
            p.preflight = preflight(&client, &meta, p).await;
        }
        (meta, found, errors, true)
    });
    let mut out = Found::default();
    for (meta, found, errors, connected) in futures::future::join_all(each).await {
        let (forbidden, errors): (Vec<String>, Vec<String>) = errors
            .into_iter()
            .partition(|e| e.contains("(Forbidden, 403)"));
        // A cluster not read fully keeps its pending proposals.
        if connected && errors.is_empty() && forbidden.is_empty() {
            out.scanned.push(meta.context.clone());
        }
        out.proposals.extend(found);
        out.errors.extend(errors);
        out.forbidden.extend(forbidden);
    }
    out
}
