//! What the sources found, joined to the kubeconfig: a cluster with usable
//! credentials becomes an in-memory context named `<source>/<name>` (never
//! written anywhere); one the user's own kubeconfig reaches by URL (OCM,
//! Karmada Pull) rides on that context; the rest are listed, not connected.

use kube::config::Kubeconfig;

use super::{creds, Found};
use crate::config::Discovered;
use crate::fleet::identity::{normal_url, server_of};

/// How one found cluster joined the fleet.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `<source>/<name>`.
    pub name: String,
    /// The in-memory context added for it, where it has credentials.
    pub context: Option<String>,
    /// The user's own context for the URL the source records, where it has
    /// no credentials of its own: it joins that context's row when selected.
    pub own: Option<String>,
    pub info: Discovered,
    pub group: Option<String>,
    pub region: Option<String>,
}

/// Adds a context for each connectable cluster to `kc`; one line per cluster
/// that could not join as found.
pub fn join(kc: &mut Kubeconfig, found: Vec<Found>) -> (Vec<Entry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    let own: Vec<String> = kc.contexts.iter().map(|c| c.name.clone()).collect();
    for f in found {
        let mut info = Discovered {
            source: f.source.clone(),
            lifecycle: f.lifecycle.clone(),
            known_as: f
                .name
                .split_once('/')
                .map_or(f.name.as_str(), |(_, n)| n)
                .to_string(),
            provider: f.provider.clone(),
            url: f.url.clone(),
            listed: f.note.clone(),
            detail: f.detail.clone(),
        };
        let (mut context, mut own_context) = (None, None);
        if own.contains(&f.name) || entries.iter().any(|e: &Entry| e.name == f.name) {
            warnings.push(format!(
                "{}: a context of that name is already in the kubeconfig; the one {} found is left out",
                f.name, f.source
            ));
            continue;
        }
        match (&f.access, f.connectable()) {
            (Some(access), true) => match add(kc, &f.name, access) {
                Ok(()) => context = Some(f.name.clone()),
                Err(e) => info.listed = Some(format!("its credentials do not load: {e}")),
            },
            _ => {
                // The user's own context for the URL the source records.
                let url = f.url.as_deref().map(normal_url);
                if let Some(ctx) = own
                    .iter()
                    .find(|c| url.is_some() && server_of(kc, c) == url)
                {
                    own_context = Some(ctx.clone());
                }
            }
        }
        entries.push(Entry {
            name: f.name,
            context,
            own: own_context,
            info,
            group: f.group,
            region: f.region,
        });
    }
    (entries, warnings)
}

fn add(kc: &mut Kubeconfig, name: &str, access: &creds::Access) -> Result<(), String> {
    let one = creds::kubeconfig(name, access)?;
    kc.clusters.extend(one.clusters);
    kc.auth_infos.extend(one.auth_infos);
    kc.contexts.extend(one.contexts);
    Ok(())
}
