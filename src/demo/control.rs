//! Actions against the simulated fleet. The TUI runs the same plan, confirm
//! and journal steps as for a live cluster (into the demo journal); planning
//! reads the simulation (`plan.rs`) and the requests go to it instead of an
//! API server.

use chrono::{SecondsFormat, Utc};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use super::{requests, traffic, Demo};
use crate::ops::action::Operation;
use crate::ops::build::Declared;
use crate::ops::pipeline::{Outcome, Plan, Preflight};
use crate::ops::target::Target;

pub(super) enum Command {
    Plan {
        target: Target,
        op: Operation,
        declared: Box<Declared>,
        reply: oneshot::Sender<Result<(Plan, Preflight), String>>,
    },
    Execute {
        plan: Box<Plan>,
        mark: Mark,
        reply: oneshot::Sender<Outcome>,
    },
    /// A failover's questions: a cluster's nodes and region, an object.
    Facts {
        context: String,
        reply: oneshot::Sender<Result<super::failover::Facts, String>>,
    },
    Get {
        target: Target,
        reply: oneshot::Sender<Result<Option<serde_json::Value>, String>>,
    },
    /// A cluster's dependency graph, as the demo last assembled it.
    Deps {
        context: String,
        reply: oneshot::Sender<Option<crate::deps::ClusterDeps>>,
    },
    /// Every reachable cluster's stored objects (the remediation scan).
    Objects {
        reply: oneshot::Sender<Vec<(crate::fleet::summary::ClusterMeta, Vec<serde_json::Value>)>>,
    },
}

/// Who acted, why, and under which journal id: the `fleetdeck.io/last-action`
/// annotation an executed action leaves, as `ops::marks` writes it.
#[derive(Debug, Clone)]
pub struct Mark {
    pub reason: String,
    pub by: String,
    pub journal_id: String,
}

impl Mark {
    fn value(&self, action: &str) -> String {
        json!({
            "action": action,
            "reason": self.reason,
            "by": self.by,
            "at": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            "journal_id": self.journal_id,
        })
        .to_string()
    }
}

/// A handle to send actions to a running demo.
#[derive(Clone, Debug)]
pub struct DemoControl {
    pub(super) tx: mpsc::UnboundedSender<Command>,
}

const STOPPED: &str = "the demo is not running";

impl DemoControl {
    pub async fn plan(
        &self,
        target: &Target,
        op: Operation,
        declared: &Declared,
    ) -> Result<(Plan, Preflight), String> {
        let (reply, rx) = oneshot::channel();
        let (target, declared) = (target.clone(), Box::new(declared.clone()));
        self.tx
            .send(Command::Plan {
                target,
                op,
                declared,
                reply,
            })
            .map_err(|_| STOPPED.to_string())?;
        rx.await.map_err(|_| STOPPED.to_string())?
    }

    pub async fn execute(&self, plan: &Plan, mark: Mark) -> Outcome {
        let (reply, rx) = oneshot::channel();
        let plan = Box::new(plan.clone());
        if self
            .tx
            .send(Command::Execute { plan, mark, reply })
            .is_err()
        {
            return Outcome::Failed(STOPPED.into());
        }
        rx.await
            .unwrap_or_else(|_| Outcome::Failed("the demo stopped".into()))
    }
}

impl Demo {
    pub(super) fn serve(&mut self, cmd: Command) {
        match cmd {
            Command::Plan {
                target,
                op,
                declared,
                reply,
            } => {
                let _ = reply.send(self.plan(&target, op, &declared));
            }
            Command::Execute { plan, mark, reply } => {
                let _ = reply.send(self.execute(&plan, &mark));
            }
            Command::Facts { context, reply } => {
                let _ = reply.send(self.facts(&context));
            }
            Command::Get { target, reply } => {
                let _ = reply.send(self.get_object(&target));
            }
            Command::Objects { reply } => {
                let _ = reply.send(self.objects());
            }
            Command::Deps { context, reply } => {
                let found = self
                    .deps
                    .latest()
                    .and_then(|d| d.clusters.get(&context).cloned());
                let _ = reply.send(found);
            }
        }
    }

    /// Sends a plan's requests to the simulation; the next tick shows their
    /// effect through the ordinary ingest path.
    pub fn execute(&mut self, plan: &Plan, mark: &Mark) -> Outcome {
        let (tick, at) = (self.tick, self.at);
        let t = &plan.target;
        let c = match self.cluster_mut(&t.context) {
            Ok(c) => c,
            Err(e) => return Outcome::Failed(e),
        };
        let mark = mark.value(plan.op.name());
        if t.kind.workload().is_none() {
            return traffic::execute(c, plan, &mark);
        }
        let Some(wi) = c
            .workload(&t.namespace, &t.name)
            .filter(|i| Some(c.workloads[*i].kind) == t.kind.workload())
        else {
            return Outcome::Failed(format!("{}: no such workload", t.short()));
        };
        for req in &plan.requests {
            if let Err(e) = requests::apply(c, wi, req, tick, at) {
                return Outcome::Failed(e);
            }
        }
        c.workloads[wi].mark = Some(mark);
        // The new resourceVersion is only known once the next tick renders it.
        Outcome::Done {
            rv_after: "demo".into(),
        }
    }

    /// The reachable cluster with this context.
    fn cluster_mut(&mut self, context: &str) -> Result<&mut super::world::Cluster, String> {
        let tick = self.tick;
        let c = self
            .world
            .clusters
            .iter_mut()
            .find(|c| c.meta.context == context)
            .ok_or_else(|| format!("no demo cluster {context}"))?;
        if !super::script::reachable(&c.meta.name, tick) {
            return Err(format!("{context}: unreachable (simulated outage)"));
        }
        Ok(c)
    }
}
