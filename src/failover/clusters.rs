//! The clients a failover uses: one per context of the plan, built once.
//! A cluster that cannot be reached is a state here, not an error: its
//! steps are skipped (the primary) or stop the run (anyone else).

use std::collections::BTreeMap;

use kube::config::Kubeconfig;
use kube::Client;

use crate::config::Config;
use crate::fleet::kubeconfig::client_for;
use crate::fleet::store::Connection;
use crate::ops::pipeline::whoami;

pub struct Clusters {
    clients: BTreeMap<String, Result<Client, String>>,
    identities: BTreeMap<String, Option<String>>,
    read_only: BTreeMap<String, bool>,
}

impl Clusters {
    pub async fn open(kubeconfig: &Kubeconfig, config: &Config, contexts: &[String]) -> Clusters {
        let mut c = Clusters {
            clients: BTreeMap::new(),
            identities: BTreeMap::new(),
            read_only: BTreeMap::new(),
        };
        for ctx in contexts {
            if c.clients.contains_key(ctx) {
                continue;
            }
            let ro = config.meta_for(ctx).read_only;
            let client = client_for(kubeconfig, ctx, ro)
                .await
                .map_err(|e| e.to_string());
            c.read_only.insert(ctx.clone(), ro);
            c.clients.insert(ctx.clone(), client);
        }
        c
    }

    pub fn client(&self, ctx: &str) -> Result<&Client, String> {
        match self.clients.get(ctx) {
            Some(Ok(c)) => Ok(c),
            Some(Err(e)) => Err(e.clone()),
            None => Err(format!("context {ctx} is not in this plan")),
        }
    }

    pub fn read_only(&self, ctx: &str) -> bool {
        self.read_only.get(ctx).copied().unwrap_or(true)
    }

    /// `/readyz` answered (within the live view's probe timeout).
    pub async fn reachable(&self, ctx: &str) -> Result<&Client, String> {
        let client = self.client(ctx)?;
        match crate::fleet::live::readyz(client).await {
            Connection::Connected => Ok(client),
            Connection::Failed { error, .. } => Err(format!("{ctx} unreachable: {error}")),
            Connection::Connecting => Err(format!("{ctx}: not connected")),
        }
    }

    /// The user each API server sees, asked once per context.
    pub async fn identity(&mut self, ctx: &str) -> Option<String> {
        if let Some(i) = self.identities.get(ctx) {
            return i.clone();
        }
        let id = match self.client(ctx) {
            Ok(c) => whoami(c).await,
            Err(_) => None,
        };
        self.identities.insert(ctx.to_string(), id.clone());
        id
    }
}
