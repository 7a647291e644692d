//! The demo's failover: a plan moving `checkout-worker` off the burning
//! prod-us-east to prod-us-standby (scale up, wait, shift the DNSEndpoint's
//! weighted records, scale down), under a `us-data` residency policy, run by
//! the same runner as live against the simulation.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tokio::sync::oneshot;

use super::control::{Command, DemoControl, Mark};
use super::world::Cluster;
use super::Demo;
use crate::cost::catalog::Catalog;
use crate::failover::backend::Backend;
use crate::failover::plan::{Plan as FoPlan, Step};
use crate::failover::policy::Residency;
use crate::failover::preflight::{check, Check, State};
use crate::journal::Journal;
use crate::ops::journaled;
use crate::ops::pipeline::{Outcome, Plan, Preflight};
use crate::ops::target::Target;
use crate::ops::Operation;

const PRIMARY: &str = "prod-us-east";
const STANDBY: &str = "prod-us-standby";

/// The demo's plan and the policy it names.
pub fn failover_config(config: &mut crate::config::Config) {
    config.policies.insert(
        "us-data".into(),
        Residency {
            regions: vec!["us-east-1".into(), "us-east-2".into(), "us-west-2".into()],
            description: Some("US customer data stays in US regions".into()),
        },
    );
    let target = "checkout/deploy/checkout-worker".to_string();
    config.failover = vec![FoPlan {
        name: "checkout-us".into(),
        service: "checkout".into(),
        primary: PRIMARY.into(),
        standbys: vec![STANDBY.into()],
        policy: Some("us-data".into()),
        max_data_loss: None,
        steps: vec![
            Step::Scale {
                cluster: "standby".into(),
                target: target.clone(),
                replicas: 2,
            },
            Step::Wait {
                cluster: "standby".into(),
                target: target.clone(),
                ready: Some(2),
                timeout: "2m".into(),
            },
            Step::Weights {
                cluster: "standby".into(),
                route: "checkout/dnsendpoint/checkout".into(),
                weights: BTreeMap::from([(PRIMARY.into(), 0), (STANDBY.into(), 100)]),
            },
            Step::Scale {
                cluster: "primary".into(),
                target,
                replicas: 0,
            },
        ],
    }];
}

/// external-dns's weighted records for checkout, kept on the standby.
pub(super) fn setup(c: &mut Cluster) {
    if c.meta.name != STANDBY {
        return;
    }
    let record = |id: &str, target: &str, weight: &str| {
        json!({"dnsName": "checkout.acme.example", "recordType": "CNAME", "recordTTL": 60,
               "setIdentifier": id, "targets": [target],
               "providerSpecific": [{"name": "aws/weight", "value": weight}]})
    };
    c.traffic.push(json!({
        "apiVersion": "externaldns.k8s.io/v1alpha1",
        "kind": "DNSEndpoint",
        "metadata": {"name": "checkout", "namespace": "checkout", "uid": "3f1c7a52-demo-dns",
                     "resourceVersion": "424242", "generation": 1},
        "spec": {"endpoints": [
            record(PRIMARY, "lb-use1.acme.example", "100"),
            record(STANDBY, "lb-use1-standby.acme.example", "0"),
        ]},
    }));
}

/// What the backend asks the simulation about one cluster.
#[derive(Debug, Clone)]
pub(super) struct Facts {
    pub ready: usize,
    pub nodes: Vec<String>,
    pub region: Option<String>,
}

impl Demo {
    pub(super) fn facts(&self, context: &str) -> Result<Facts, String> {
        let ci = self.readable(context)?;
        let c = &self.world.clusters[ci];
        Ok(Facts {
            ready: c.nodes.iter().filter(|n| n.ready).count(),
            nodes: c.nodes.iter().map(|n| n.name.clone()).collect(),
            region: c.meta.region.clone(),
        })
    }

    pub(super) fn get_object(&self, t: &Target) -> Result<Option<Value>, String> {
        let ci = self.readable(&t.context)?;
        match self.get(ci, t) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.contains("not found") => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl DemoControl {
    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, String> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(make(reply))
            .map_err(|_| "the demo is not running".to_string())?;
        rx.await.map_err(|_| "the demo stopped".to_string())
    }

    async fn facts(&self, ctx: &str) -> Result<Facts, String> {
        let context = ctx.to_string();
        self.ask(|reply| Command::Facts { context, reply }).await?
    }
}

/// The simulation as a failover backend: the same runner, pre-flight and
/// journal as live.
pub struct DemoBackend(pub DemoControl);

impl Backend for DemoBackend {
    async fn backups(&self, ctx: &str) -> Result<Option<crate::backups::Holdings>, String> {
        Ok(super::backups::holdings(ctx, chrono::Utc::now()))
    }

    async fn chaos(&self, ctx: &str) -> Result<crate::chaos::read::Read, String> {
        Ok(super::chaos::read(ctx, chrono::Utc::now()))
    }

    async fn deps(
        &self,
        ctx: &str,
        _config: &crate::config::Config,
    ) -> Result<crate::deps::ClusterDeps, String> {
        let context = ctx.to_string();
        let found = self.0.ask(|reply| Command::Deps { context, reply }).await?;
        found.ok_or_else(|| format!("{ctx}: dependencies not read yet"))
    }

    async fn reachable(&self, ctx: &str) -> Result<(), String> {
        self.0.facts(ctx).await.map(|_| ())
    }

    async fn healthy(&self, ctx: &str, min_ready: f64) -> Result<String, String> {
        let f = self.0.facts(ctx).await?;
        let all = f.nodes.len();
        if all == 0 || (f.ready as f64) < min_ready * all as f64 {
            return Err(format!("{ctx} is excluded: {}/{all} nodes Ready", f.ready));
        }
        Ok(format!("reachable, {}/{all} nodes Ready", f.ready))
    }

    async fn node_region(&self, ctx: &str) -> Option<String> {
        self.0.facts(ctx).await.ok()?.region
    }

    fn read_only(&self, _ctx: &str) -> bool {
        false
    }

    async fn identity(&self, _ctx: &str) -> Option<String> {
        Some("demo".into())
    }

    async fn get(&self, t: &Target) -> Result<Option<Value>, String> {
        let target = t.clone();
        self.0.ask(|reply| Command::Get { target, reply }).await?
    }

    async fn locate(&self, t: &Target) -> Target {
        t.clone()
    }

    async fn node_targets(&self, ctx: &str) -> Result<Vec<Target>, String> {
        let f = self.0.facts(ctx).await?;
        Ok(f.nodes
            .iter()
            .map(|n| Target::new(ctx, "", crate::ops::target::ObjectKind::Node, n))
            .collect())
    }

    async fn plan(&self, t: &Target, op: Operation) -> Result<(Plan, Preflight), String> {
        self.0.plan(t, op, &Default::default()).await
    }

    async fn execute(
        &self,
        journal: &Journal,
        plan: &Plan,
        reason: &str,
        identity: Option<String>,
    ) -> std::io::Result<Outcome> {
        let done = journaled::record(journal, plan, reason, identity, async |id, by| {
            let mark = Mark {
                reason: reason.to_string(),
                by,
                journal_id: id,
            };
            (self.0.execute(plan, mark).await, Vec::new())
        })
        .await?;
        Ok(done.outcome)
    }

    async fn room(
        &self,
        t: &Target,
        replicas: i32,
        _catalog: &Catalog,
    ) -> (Option<Check>, Option<f64>) {
        let current = match self.get(t).await {
            Ok(Some(o)) => o
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1),
            _ => return (None, None),
        };
        if i64::from(replicas) <= current {
            return (None, None);
        }
        let note = "the demo simulates no requests or allocatable: not checked";
        (Some(check(State::Ok, &t.context, "capacity", note)), None)
    }
}
