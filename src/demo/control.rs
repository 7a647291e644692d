//! Actions against the simulated fleet. The TUI runs the same plan, confirm
//! and journal steps as for a live cluster (into the demo journal); only the
//! request goes to the simulation instead of an API server.

use tokio::sync::{mpsc, oneshot};

use super::world::World;
use super::Demo;
use crate::ops::action::Operation;
use crate::ops::target::{ObjectKind, Target};

pub(super) struct Command {
    pub target: Target,
    pub op: Operation,
    pub reply: oneshot::Sender<Result<(), String>>,
}

/// A handle to send actions to a running demo.
#[derive(Clone, Debug)]
pub struct DemoControl {
    pub(super) tx: mpsc::UnboundedSender<Command>,
}

impl DemoControl {
    pub async fn act(&self, target: &Target, op: &Operation) -> Result<(), String> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command {
                target: target.clone(),
                op: op.clone(),
                reply,
            })
            .map_err(|_| "the demo is not running".to_string())?;
        rx.await.map_err(|_| "the demo stopped".to_string())?
    }
}

impl Demo {
    /// Applies an action to the simulation; the next tick shows its effect
    /// through the ordinary ingest path.
    pub fn act(&mut self, target: &Target, op: &Operation) -> Result<(), String> {
        let tick = self.tick;
        act(&mut self.world, target, op, tick)
    }
}

fn act(world: &mut World, target: &Target, op: &Operation, tick: i64) -> Result<(), String> {
    let cluster = world
        .clusters
        .iter_mut()
        .find(|c| c.meta.context == target.context)
        .ok_or_else(|| format!("no demo cluster {}", target.context))?;
    if !super::script::reachable(&cluster.meta.name, tick) {
        return Err(format!(
            "{}: unreachable (simulated outage)",
            target.context
        ));
    }
    let wi = cluster
        .workload(&target.namespace, &target.name)
        .filter(|i| Some(cluster.workloads[*i].kind) == target.kind.workload())
        .ok_or_else(|| format!("{}: no such workload", target.short()))?;
    match op {
        Operation::Scale { replicas } => {
            if target.kind == ObjectKind::DaemonSet {
                return Err("a DaemonSet cannot be scaled".into());
            }
            let w = &mut cluster.workloads[wi];
            w.replicas = *replicas;
            w.generation += 1;
            if let Some(set) = w.sets.last_mut() {
                set.target = *replicas;
            }
        }
        Operation::Restart => {
            // The controller recreates the pods on the next tick, as a
            // rolling restart ends up doing.
            let w = &cluster.workloads[wi];
            let (ns, name) = (w.namespace.clone(), w.name.clone());
            cluster.workloads[wi].generation += 1;
            cluster
                .pods
                .retain(|p| !(p.namespace == ns && p.workload == name));
        }
        other => return Err(format!("{} is not simulated for this object", other.name())),
    }
    Ok(())
}
