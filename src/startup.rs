//! What every command does first: read the config and the kubeconfig, and pick
//! the contexts to show. Problems with one file are collected, not fatal.
//! (SLO files and failover plans are read on top by `cli::load`, which knows
//! the domain modules; this stays in the data layer.)

use std::path::PathBuf;

use kube::config::Kubeconfig;

use crate::config::Config;
use crate::discovery::join::Entry;
use crate::fleet::kubeconfig::{load, Sources};
use crate::fleet::summary::ClusterMeta;
use crate::paths::Paths;

pub struct Startup {
    pub paths: Paths,
    pub config: Config,
    pub kubeconfig: Kubeconfig,
    pub kubeconfig_files: Vec<PathBuf>,
    pub metas: Vec<ClusterMeta>,
    /// One line each: a kubeconfig file that could not be read, and the like.
    pub warnings: Vec<String>,
}

pub struct Options<'a> {
    pub config_file: Option<&'a std::path::Path>,
    pub kubeconfig: &'a [PathBuf],
    pub contexts: &'a [String],
    pub read_only: bool,
}

/// Fails only when the config file itself is bad (an error naming path:line:col)
/// or when no context is left to show.
pub fn start(opts: &Options) -> anyhow::Result<Startup> {
    let paths = Paths::resolve(opts.config_file)?;
    let mut config = Config::load(&paths.config_file)?;
    config.read_only |= opts.read_only;
    let sources = Sources::from_env(opts.kubeconfig);
    let loaded = load(&sources);
    let mut warnings: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
    let kubeconfig_files = loaded.files.clone();
    let mut kubeconfig = loaded.config;
    crate::fleet::tls::policy::install();
    crate::fleet::tls::policy::set(crate::fleet::tls::policy::Policy::from_config(&config));
    let found = discovered(&mut kubeconfig, &config, &mut warnings);
    let mut all: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    all.extend(
        found
            .iter()
            .filter(|e| e.context.is_none())
            .map(|e| e.name.clone()),
    );
    let mut joined: Vec<&str> = Vec::new();
    let selected: Vec<String> = config
        .select(&all, opts.contexts)
        .into_iter()
        .cloned()
        .collect();
    // The metrics engine's clusters are added later (`ksm::inventory`).
    let more_later = config
        .discovery
        .iter()
        .any(|d| d.kind == crate::config::discovery::SourceKind::Metrics);
    if selected.is_empty() && !more_later {
        let files: Vec<String> = sources
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        let mut msg = if all.is_empty() {
            format!("no contexts in kubeconfig ({})", files.join(", "))
        } else {
            format!(
                "no context matches {:?} (have: {})",
                opts.contexts,
                all.join(", ")
            )
        };
        if let Some(w) = warnings.first() {
            msg.push_str(&format!("; {w}"));
        }
        anyhow::bail!(msg);
    }
    // One cluster, one row: contexts reaching the same API server merge.
    let (reachable, listed): (Vec<String>, Vec<String>) = selected
        .into_iter()
        .partition(|c| kubeconfig.contexts.iter().any(|k| &k.name == c));
    config.merged = crate::fleet::identity::group(&kubeconfig, &reachable);
    // A merged row with no configured name takes the kubeconfig's name for
    // the cluster rather than one identity's.
    config.merged_names = config
        .merged
        .iter()
        .filter(|g| g.len() > 1)
        .filter_map(|g| {
            Some((
                g[0].clone(),
                crate::fleet::identity::cluster_name(&kubeconfig, &g[0])?,
            ))
        })
        .collect();
    let mut metas: Vec<ClusterMeta> = config
        .merged
        .iter()
        .map(|contexts| {
            let mut meta = config.meta_for_cluster(contexts);
            let reaches = |c: &Option<String>| c.as_ref().is_some_and(|c| meta.reaches(c));
            if let Some(e) = found.iter().find(|e| reaches(&e.context)) {
                attach(&mut meta, e);
            } else if let Some(e) = found.iter().find(|e| reaches(&e.own)) {
                // Connected through the user's own context for its URL.
                attach(&mut meta, e);
                if let Some(d) = meta.discovered.as_mut() {
                    d.listed = None;
                }
                joined.push(&e.name);
            }
            meta
        })
        .collect();
    for e in found
        .iter()
        .filter(|e| listed.contains(&e.name) && !joined.contains(&e.name.as_str()))
    {
        let mut meta = config.own_meta(&e.name);
        attach(&mut meta, e);
        metas.push(meta);
    }
    // A fleet too large to watch whole (or a group configured so) is shown
    // from the metrics engine; listed clusters stay listed.
    let size = metas.len();
    for m in metas
        .iter_mut()
        .filter(|m| m.discovered.as_ref().is_none_or(|d| d.listed.is_none()))
    {
        m.summary = config.summarised(size, m.group.as_deref());
    }
    Ok(Startup {
        paths,
        kubeconfig_files,
        kubeconfig,
        metas,
        config,
        warnings,
    })
}

/// Reads the `[[discovery]]` sources and adds the clusters they can reach
/// to `kubeconfig` (in memory only); what could not be read is a warning.
fn discovered(
    kubeconfig: &mut Kubeconfig,
    config: &Config,
    warnings: &mut Vec<String>,
) -> Vec<Entry> {
    if config.discovery.is_empty() {
        return Vec::new();
    }
    let report = crate::discovery::discover_blocking(kubeconfig, config);
    warnings.extend(report.notes);
    let (entries, more) = crate::discovery::join::join(kubeconfig, report.found);
    warnings.extend(more);
    entries
}

/// The source's word on a cluster; its group and region where the config
/// gives none.
fn attach(meta: &mut ClusterMeta, e: &Entry) {
    meta.discovered = Some(e.info.clone());
    if meta.group.is_none() {
        meta.group = e.group.clone();
    }
    if meta.region.is_none() {
        meta.region = e.region.clone();
    }
}
