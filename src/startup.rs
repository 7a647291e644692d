//! What every command does first: read the config and the kubeconfig, and pick
//! the contexts to show. Problems with one file are collected, not fatal.
//! (SLO files and failover plans are read on top by `cli::load`, which knows
//! the domain modules; this stays in the data layer.)

use std::path::PathBuf;

use kube::config::Kubeconfig;

use crate::config::Config;
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
    let warnings: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
    let all = loaded.contexts();
    let selected = config.select(&all, opts.contexts);
    if selected.is_empty() {
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
    let selected: Vec<String> = selected.into_iter().cloned().collect();
    config.merged = crate::fleet::identity::group(&loaded.config, &selected);
    let metas = config
        .merged
        .iter()
        .map(|contexts| {
            let mut meta = config.meta_for_cluster(contexts);
            // A merged row with no configured name takes the kubeconfig's
            // name for the cluster rather than one identity's.
            if contexts.len() > 1 && meta.name == meta.context {
                if let Some(n) = crate::fleet::identity::cluster_name(&loaded.config, &meta.context)
                {
                    meta.name = n;
                }
            }
            meta
        })
        .collect();
    Ok(Startup {
        paths,
        kubeconfig_files: loaded.files.clone(),
        kubeconfig: loaded.config,
        metas,
        config,
        warnings,
    })
}
