//! Kubeconfig exactly as kubectl reads it: `--kubeconfig` files (repeatable) or the
//! entries of `$KUBECONFIG`, merged in order with the first definition of a name
//! winning, else `~/.kube/config`.
//!
//! Unlike kubectl, one unreadable file does not stop the fleet: it is reported
//! with its path and the other files still load.

use std::path::{Path, PathBuf};

use kube::client::ClientBuilder;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::guard::ReadOnlyLayer;

/// Where the kubeconfig files come from, in the order they are merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    pub files: Vec<PathBuf>,
    /// `$KUBECONFIG` entries may name files that do not exist (kubectl skips
    /// them); explicit `--kubeconfig` files must exist.
    pub missing_ok: bool,
}

impl Sources {
    /// `--kubeconfig` paths replace `$KUBECONFIG` when given.
    pub fn resolve(
        explicit: &[PathBuf],
        env: Option<&std::ffi::OsStr>,
        home: Option<&Path>,
    ) -> Self {
        if !explicit.is_empty() {
            return Sources {
                files: explicit.to_vec(),
                missing_ok: false,
            };
        }
        if let Some(value) = env {
            let files: Vec<PathBuf> = std::env::split_paths(value)
                .filter(|p| !p.as_os_str().is_empty())
                .collect();
            if !files.is_empty() {
                return Sources {
                    files,
                    missing_ok: true,
                };
            }
        }
        Sources {
            files: home
                .map(|h| vec![h.join(".kube").join("config")])
                .unwrap_or_default(),
            missing_ok: true,
        }
    }

    /// From the process environment.
    pub fn from_env(explicit: &[PathBuf]) -> Self {
        let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
        Self::resolve(
            explicit,
            std::env::var_os("KUBECONFIG").as_deref(),
            home.as_deref(),
        )
    }
}

/// A problem with one kubeconfig file; the others still load.
#[derive(Debug, thiserror::Error)]
#[error("kubeconfig {path}: {message}")]
pub struct FileError {
    pub path: PathBuf,
    pub message: String,
}

/// The merged kubeconfig plus the files that could not be read.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Kubeconfig,
    pub files: Vec<PathBuf>,
    pub errors: Vec<FileError>,
}

impl Loaded {
    /// Context names in kubeconfig order.
    pub fn contexts(&self) -> Vec<String> {
        self.config
            .contexts
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }
}

pub fn load(sources: &Sources) -> Loaded {
    let mut loaded = Loaded::default();
    for path in &sources.files {
        if sources.missing_ok && !path.exists() {
            continue;
        }
        let merged = Kubeconfig::read_from(path).and_then(|next| {
            let base = std::mem::take(&mut loaded.config);
            base.merge(next)
        });
        match merged {
            Ok(config) => {
                loaded.config = config;
                loaded.files.push(path.clone());
            }
            Err(e) => loaded.errors.push(FileError {
                path: path.clone(),
                message: one_line(&e),
            }),
        }
    }
    loaded
}

/// A client for one context, built as kubectl would (exec plugins, tokens,
/// client certs, proxy settings), with the read-only guard in its stack.
/// Errors name the context.
pub async fn client_for(
    config: &Kubeconfig,
    context: &str,
    read_only: bool,
) -> Result<Client, ContextError> {
    client_from(config_for(config, context).await?, context, read_only)
}

/// The context's client configuration (runs its exec plugin, if any).
pub async fn config_for(config: &Kubeconfig, context: &str) -> Result<Config, ContextError> {
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    Config::from_custom_kubeconfig(config.clone(), &options)
        .await
        .map_err(|e| ContextError::new(context, one_line(&e)))
}

/// The client for a configuration: post-quantum key exchange only where
/// the config requires it (`fleet::tls`), else the process's provider.
pub fn client_from(cfg: Config, context: &str, read_only: bool) -> Result<Client, ContextError> {
    super::tls::policy::install();
    let builder = match super::tls::policy::required(context) {
        true => super::tls::pq_client::builder(&cfg).map_err(|e| ContextError::new(context, e))?,
        false => {
            ClientBuilder::try_from(cfg).map_err(|e| ContextError::new(context, one_line(&e)))?
        }
    };
    let log = super::request_log::RequestLogLayer {
        context: context.into(),
    };
    Ok(builder
        .with_layer(&ReadOnlyLayer { read_only })
        .with_layer(&log)
        .build())
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("context {context}: {message}")]
pub struct ContextError {
    pub context: String,
    pub message: String,
}

impl ContextError {
    pub fn new(context: &str, message: String) -> Self {
        ContextError {
            context: context.to_string(),
            message,
        }
    }
}

/// A kube error as a person wants it: the API server's message, reason and
/// code for API errors, the causes on one line otherwise.
pub fn kube_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) if !s.message.is_empty() => {
            let reason = s.reason.as_str();
            // A generic 422 says what went wrong only in its causes.
            let causes: Vec<&str> = s
                .details
                .iter()
                .flat_map(|d| d.causes.iter())
                .map(|c| c.message.as_str())
                .filter(|m| !m.is_empty() && !s.message.contains(m))
                .collect();
            let message = if causes.is_empty() {
                s.message.clone()
            } else {
                format!("{}: {}", s.message, causes.join("; "))
            };
            if reason.is_empty() {
                format!("{message} ({})", s.code)
            } else {
                format!("{message} ({reason}, {})", s.code)
            }
        }
        _ => one_line(e),
    }
}

/// The error and its causes on one line, without repeating a cause that the
/// outer message already contains.
pub fn one_line(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn explicit_files_replace_env() {
        let s = Sources::resolve(
            &[PathBuf::from("/a"), PathBuf::from("/b")],
            Some(OsStr::new("/c:/d")),
            Some(Path::new("/home/u")),
        );
        assert_eq!(s.files, vec![PathBuf::from("/a"), PathBuf::from("/b")]);
        assert!(!s.missing_ok);
    }

    #[test]
    fn env_entries_in_order_and_empty_entries_skipped() {
        let s = Sources::resolve(&[], Some(OsStr::new("/c::/d")), Some(Path::new("/h")));
        assert_eq!(s.files, vec![PathBuf::from("/c"), PathBuf::from("/d")]);
        let s = Sources::resolve(&[], Some(OsStr::new("")), Some(Path::new("/h")));
        assert_eq!(s.files, vec![PathBuf::from("/h/.kube/config")]);
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const ONE: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: https://one}\nusers:\n- name: u\n  user: {token: t1}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n- name: y\n  context: {cluster: c, user: u}\n";
    const TWO: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: https://two}\ncontexts:\n- name: y\n  context: {cluster: c, user: u}\n- name: z\n  context: {cluster: c, user: u}\n";

    #[test]
    fn first_definition_wins_and_bad_files_are_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let one = write(dir.path(), "one", ONE);
        let bad = write(dir.path(), "bad", "clusters: [unclosed\n");
        let two = write(dir.path(), "two", TWO);
        let missing = dir.path().join("missing");
        let loaded = load(&Sources {
            files: vec![one, bad.clone(), missing, two],
            missing_ok: true,
        });
        assert_eq!(loaded.contexts(), vec!["x", "y", "z"]);
        let server = &loaded.config.clusters[0].cluster.as_ref().unwrap().server;
        assert_eq!(server.as_deref(), Some("https://one"));
        assert_eq!(loaded.errors.len(), 1);
        assert_eq!(loaded.errors[0].path, bad);
        let msg = loaded.errors[0].to_string();
        assert!(
            msg.starts_with(&format!("kubeconfig {}: ", bad.display())),
            "{msg}"
        );
        assert!(!msg.contains('\n'));
    }

    #[test]
    fn explicit_missing_file_is_an_error() {
        let loaded = load(&Sources {
            files: vec![PathBuf::from("/nonexistent/kubeconfig")],
            missing_ok: false,
        });
        assert_eq!(loaded.errors.len(), 1);
        assert!(loaded.errors[0]
            .to_string()
            .contains("/nonexistent/kubeconfig"));
    }
}
