//! Clusters that management and hub clusters know about (`[[discovery]]`):
//! Cluster API, Argo CD, Open Cluster Management and Karmada. Each source is
//! read through its own context with a read-only client; what it finds joins
//! the fleet as `<source>/<name>`, connected where the source holds usable
//! credentials (kept in memory only) and the cluster is ready, listed with
//! its lifecycle and a note otherwise. A source that cannot be read is a
//! note, not an error for the fleet.

pub mod argocd;
pub mod capi;
pub mod creds;
pub mod join;
pub mod karmada;
pub mod ocm;

use std::time::Duration;

use kube::config::Kubeconfig;
use kube::Client;

use crate::config::discovery::{DiscoveryConfig, SourceKind};
use crate::config::Config;
use crate::fleet::kubeconfig::{client_for, kube_message};

/// One cluster a source knows about.
#[derive(Debug, Clone)]
pub struct Found {
    /// `<source>/<name>`: its row's name and the context it is reached through.
    pub name: String,
    /// `capi on lab-a`: which source, read through which context.
    pub source: String,
    /// Provisioned, Provisioning, Deleting, Failed, Ready, …
    pub lifecycle: String,
    /// The infrastructure provider (`AWSCluster` …), where the source says.
    pub provider: Option<String>,
    pub region: Option<String>,
    /// A group for the fleet view (an OCM ClusterSet), where the source has one.
    pub group: Option<String>,
    /// The API endpoint the source records: a context in the user's
    /// kubeconfig for it makes the cluster connected (OCM, Karmada Pull).
    pub url: Option<String>,
    /// Credentials to connect with; `None` with `note` saying why not.
    pub access: Option<creds::Access>,
    /// Why it is listed but not connected.
    pub note: Option<String>,
    /// Facts worth a glance: taints, node counts, Kubernetes version.
    pub detail: Vec<String>,
}

impl Found {
    pub fn connectable(&self) -> bool {
        self.access.is_some() && self.note.is_none()
    }
}

/// What every source found, and one line per source that could not be read.
#[derive(Debug, Default)]
pub struct Report {
    pub found: Vec<Found>,
    pub notes: Vec<String>,
}

const SOURCE_TIMEOUT: Duration = Duration::from_secs(15);

/// Reads every `[[discovery]]` source, in parallel.
pub async fn discover(kubeconfig: &Kubeconfig, config: &Config) -> Report {
    let runs = config
        .discovery
        .iter()
        .map(|src| async move { (src, read(kubeconfig, src).await) });
    let mut report = Report::default();
    for (src, r) in futures::future::join_all(runs).await {
        match r {
            Ok(found) => report.found.extend(found),
            Err(e) => report
                .notes
                .push(format!("{} on {}: {e}", src.kind.name(), src.context)),
        }
    }
    report
}

/// `discover` from synchronous code, on a thread of its own so that it
/// works inside or outside a runtime (startup runs in both).
pub fn discover_blocking(kubeconfig: &Kubeconfig, config: &Config) -> Report {
    crate::basics::blocking::on_own_thread(discover(kubeconfig, config)).unwrap_or_else(|e| {
        Report {
            found: Vec::new(),
            notes: vec![format!("discovery: {e}")],
        }
    })
}

async fn read(kubeconfig: &Kubeconfig, src: &DiscoveryConfig) -> Result<Vec<Found>, String> {
    if src.kind == SourceKind::Metrics {
        // Read with the metrics engine, after startup (`ksm::inventory`).
        return Ok(Vec::new());
    }
    if src.context.is_empty() {
        return Err("no context named to read it through".into());
    }
    // Discovery only reads: the client carries the read-only guard.
    let client: Client = client_for(kubeconfig, &src.context, true)
        .await
        .map_err(|e| e.message)?;
    let source = format!("{} on {}", src.kind.name(), src.context);
    let ns = src.namespace.as_deref();
    let work = async {
        match src.kind {
            SourceKind::Capi => capi::list(&client, ns, &source).await,
            SourceKind::Argocd => argocd::list(&client, ns.unwrap_or("argocd"), &source).await,
            SourceKind::Ocm => ocm::list(&client, &source).await,
            SourceKind::Karmada => karmada::list(&client, &source).await,
            SourceKind::Metrics => Ok(Vec::new()),
        }
    };
    tokio::time::timeout(SOURCE_TIMEOUT, work)
        .await
        .map_err(|_| format!("no answer in {}s", SOURCE_TIMEOUT.as_secs()))?
}

/// A 403 or 404 on a source's kind said plainly.
pub(crate) fn why(e: &kube::Error, what: &str) -> String {
    match e {
        kube::Error::Api(s) if s.code == 403 => format!("forbidden: may not list {what}"),
        kube::Error::Api(s) if s.code == 404 => format!("{what}: not served (CRD absent)"),
        e => format!("{what}: {}", kube_message(e)),
    }
}

/// The status (`True`, `False`, `Unknown`) of condition `kind`.
pub(crate) fn condition<'a>(status: &'a serde_json::Value, kind: &str) -> Option<&'a str> {
    status["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)?["status"]
        .as_str()
}

/// `key:effect` of each taint in `spec.taints`.
pub(crate) fn taints(spec: &serde_json::Value) -> Vec<String> {
    spec["taints"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some(format!(
                "taint {}:{}",
                t["key"].as_str()?,
                t["effect"].as_str()?
            ))
        })
        .collect()
}

/// A Secret holding a cluster's credentials, or why there is none (absent
/// or forbidden: the cluster stays in the inventory).
pub(crate) async fn read_secret(
    client: &Client,
    ns: &str,
    name: &str,
) -> Result<k8s_openapi::api::core::v1::Secret, String> {
    let api = kube::Api::<k8s_openapi::api::core::v1::Secret>::namespaced(client.clone(), ns);
    match api.get_opt(name).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(format!("no Secret {ns}/{name}: inventory only")),
        Err(kube::Error::Api(e)) if e.code == 403 => {
            Err(format!("may not read Secret {ns}/{name}: inventory only"))
        }
        Err(e) => Err(why(&e, &format!("Secret {ns}/{name}"))),
    }
}
