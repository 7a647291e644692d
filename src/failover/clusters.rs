//! The live backend: one client per context of the plan (built once, or the
//! console's own). A cluster that cannot be reached is a state here, not an
//! error: its steps are skipped (the primary) or stop the run (anyone else).

use std::collections::BTreeMap;
use std::sync::Mutex;

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams};
use kube::config::Kubeconfig;
use kube::Client;
use serde_json::Value;

use super::backend::Backend;
use super::capacity::{self, Resources};
use super::preflight::{check, Check, State};
use crate::config::Config;
use crate::cost::catalog::Catalog;
use crate::cost::model::GIB;
use crate::fleet::kubeconfig::{client_for, kube_message};
use crate::fleet::store::Connection;
use crate::journal::Journal;
use crate::ops::build::Declared;
use crate::ops::journaled;
use crate::ops::pipeline::{plan_checked, whoami, Outcome, Plan, Preflight};
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;

pub struct Clusters {
    clients: BTreeMap<String, Result<Client, String>>,
    identities: Mutex<BTreeMap<String, Option<String>>>,
    read_only: BTreeMap<String, bool>,
}

impl Clusters {
    pub async fn open(kubeconfig: &Kubeconfig, config: &Config, contexts: &[String]) -> Clusters {
        let mut entries = Vec::new();
        for ctx in contexts {
            let ro = config.meta_for(ctx).read_only;
            let client = client_for(kubeconfig, ctx, ro).await;
            entries.push((ctx.clone(), client.map_err(|e| e.to_string()), ro));
        }
        Clusters::from_results(entries)
    }

    /// From clients already connected (the console's fleet handles):
    /// `(context, client if connected, read-only)`.
    pub fn from_clients(
        entries: impl IntoIterator<Item = (String, Option<Client>, bool)>,
    ) -> Clusters {
        Clusters::from_results(entries.into_iter().map(|(ctx, client, ro)| {
            let client = client.ok_or_else(|| format!("context {ctx}: not connected"));
            (ctx, client, ro)
        }))
    }

    fn from_results(
        entries: impl IntoIterator<Item = (String, Result<Client, String>, bool)>,
    ) -> Clusters {
        let mut c = Clusters {
            clients: BTreeMap::new(),
            identities: Mutex::new(BTreeMap::new()),
            read_only: BTreeMap::new(),
        };
        for (ctx, client, ro) in entries {
            c.read_only.insert(ctx.clone(), ro);
            c.clients.entry(ctx).or_insert(client);
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

    async fn ready_client(&self, ctx: &str) -> Result<&Client, String> {
        let client = self.client(ctx)?;
        match crate::fleet::live::readyz(client).await {
            Connection::Connected => Ok(client),
            Connection::Failed { error, .. } => Err(format!("{ctx} unreachable: {error}")),
            Connection::Connecting | Connection::Listed { .. } | Connection::Summary => {
                Err(format!("{ctx}: not connected"))
            }
        }
    }

    async fn nodes(&self, ctx: &str) -> Result<Vec<Node>, String> {
        let client = self.client(ctx)?;
        Api::<Node>::all(client.clone())
            .list(&ListParams::default())
            .await
            .map(|l| l.items)
            .map_err(|e| format!("{ctx}: nodes: {}", kube_message(&e)))
    }
}

impl Backend for Clusters {
    async fn backups(&self, ctx: &str) -> Result<Option<crate::backups::Holdings>, String> {
        crate::backups::read::holdings(self.client(ctx)?).await
    }

    async fn chaos(&self, ctx: &str) -> Result<crate::chaos::read::Read, String> {
        Ok(crate::chaos::read::cluster(self.client(ctx)?, ctx).await)
    }

    async fn deps(
        &self,
        ctx: &str,
        config: &crate::config::Config,
    ) -> Result<crate::deps::ClusterDeps, String> {
        let prom = crate::slo::sources::PromClient::new(&config.prometheus);
        let meta = config.meta_for(ctx);
        crate::deps::read::cluster(self.client(ctx)?, config, &prom, &meta).await
    }

    async fn reachable(&self, ctx: &str) -> Result<(), String> {
        self.ready_client(ctx).await.map(|_| ())
    }

    async fn healthy(&self, ctx: &str, min_ready: f64) -> Result<String, String> {
        self.ready_client(ctx).await?;
        let (ready, all) = capacity::ready_share(&self.nodes(ctx).await?);
        if all == 0 || (ready as f64) < min_ready * all as f64 {
            return Err(format!(
                "{ctx} is excluded: {ready}/{all} nodes Ready (health.min_ready_nodes {min_ready})"
            ));
        }
        Ok(format!("reachable, {ready}/{all} nodes Ready"))
    }

    async fn node_region(&self, ctx: &str) -> Option<String> {
        let nodes = self.nodes(ctx).await.ok()?;
        let labels = nodes.iter().filter_map(|n| {
            n.metadata
                .labels
                .as_ref()?
                .get("topology.kubernetes.io/region")
                .map(String::as_str)
        });
        super::policy::majority(labels)
    }

    fn read_only(&self, ctx: &str) -> bool {
        self.read_only.get(ctx).copied().unwrap_or(true)
    }

    async fn identity(&self, ctx: &str) -> Option<String> {
        if let Some(i) = self.identities.lock().ok()?.get(ctx) {
            return i.clone();
        }
        let id = match self.client(ctx) {
            Ok(c) => whoami(c).await,
            Err(_) => None,
        };
        if let Ok(mut m) = self.identities.lock() {
            m.insert(ctx.to_string(), id.clone());
        }
        id
    }

    async fn get(&self, t: &Target) -> Result<Option<Value>, String> {
        let client = self.client(&t.context)?;
        t.api(client)
            .get_opt(&t.name)
            .await
            .map(|o| o.map(|o| serde_json::to_value(o).unwrap_or(Value::Null)))
            .map_err(|e| format!("{}: {}", t.short(), kube_message(&e)))
    }

    async fn locate(&self, t: &Target) -> Target {
        if t.kind != ObjectKind::Gslb || matches!(self.get(t).await, Ok(Some(_))) {
            return t.clone();
        }
        let legacy = Target {
            kind: ObjectKind::GslbLegacy,
            ..t.clone()
        };
        match self.get(&legacy).await {
            Ok(Some(_)) => legacy,
            _ => t.clone(),
        }
    }

    async fn node_targets(&self, ctx: &str) -> Result<Vec<Target>, String> {
        Ok(self
            .nodes(ctx)
            .await?
            .into_iter()
            .filter_map(|n| n.metadata.name)
            .map(|n| Target::new(ctx, "", ObjectKind::Node, &n))
            .collect())
    }

    async fn plan(&self, t: &Target, op: Operation) -> Result<(Plan, Preflight), String> {
        let client = self.client(&t.context)?;
        let ro = Backend::read_only(self, &t.context);
        plan_checked(client, t, op, &Declared::default(), ro)
            .await
            .map_err(|e| e.to_string())
    }

    async fn execute(
        &self,
        journal: &Journal,
        plan: &Plan,
        reason: &str,
        identity: Option<String>,
    ) -> std::io::Result<Outcome> {
        let client = match self.client(&plan.target.context) {
            Ok(c) => c,
            Err(e) => return Ok(Outcome::Failed(e)),
        };
        Ok(journaled::run(client, journal, plan, reason, identity)
            .await?
            .outcome)
    }

    async fn room(
        &self,
        t: &Target,
        replicas: i32,
        catalog: &Catalog,
    ) -> (Option<Check>, Option<f64>) {
        let (Ok(client), Ok(Some(obj)), Ok(nodes)) = (
            self.client(&t.context),
            self.get(t).await,
            self.nodes(&t.context).await,
        ) else {
            return (None, None);
        };
        let current = obj
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let delta = replicas as i64 - current;
        let pod = capacity::per_pod(&obj);
        let cost = capacity::pod_cost_per_hour(&nodes, catalog, pod).map(|c| c * delta as f64);
        if delta <= 0 {
            return (None, cost);
        }
        let pods = Api::<Pod>::all(client.clone())
            .list(&ListParams::default())
            .await
            .map(|l| l.items);
        let room = match pods {
            Err(e) => check(
                State::Stop,
                &t.context,
                "capacity",
                format!("pods: {}", kube_message(&e)),
            ),
            Ok(pods) => {
                let need = Resources {
                    cpu_millis: pod.cpu_millis * delta as u64,
                    memory: pod.memory * delta as u64,
                };
                let free = capacity::free(&nodes, &pods);
                match capacity::fits(need, free) {
                    Ok(()) => check(
                        State::Ok,
                        &t.context,
                        "capacity",
                        format!(
                            "{} +{delta} pods: {}m CPU / {:.2} GiB needed, {}m / {:.2} GiB free",
                            t.short(),
                            need.cpu_millis,
                            need.memory as f64 / GIB,
                            free.cpu_millis,
                            free.memory as f64 / GIB
                        ),
                    ),
                    Err(e) => check(
                        State::Stop,
                        &t.context,
                        "capacity",
                        format!("{} +{delta} pods: {e}", t.short()),
                    ),
                }
            }
        };
        (Some(room), cost)
    }
}
