//! Executing a failover: step by step, each write through the one mutation
//! pipeline (plan, RBAC + dry-run, resourceVersion guard, verify, journal),
//! all records in one journal group. An unreachable primary's actions are
//! skipped and recorded; anything else failing stops the run, resumable.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::backend::Backend;
use super::plan::Plan;
use super::resolve::{resolve, Action};
use super::runlog::{self, note, plan_target, RunState, Tag, Undo};
use crate::journal::{Journal, Target as JTarget};
use crate::ops::journaled;
use crate::ops::pipeline::{Outcome, Preflight};
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;

#[derive(Debug, Clone, PartialEq)]
pub enum StepState {
    Pending,
    Running,
    Done,
    Skipped(String),
    Failed(String),
}

impl StepState {
    pub fn label(&self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::Running => "running",
            StepState::Done => "done",
            StepState::Skipped(_) => "skipped",
            StepState::Failed(_) => "failed",
        }
    }
}

/// What the runner tells its caller (the CLI prints, the TUI shows).
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    Step { index: usize, state: StepState },
    Line(String),
}

/// How a run (or a rollback) ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    Completed,
    /// Stopped at a failure; `resume` continues from it.
    Stopped {
        step: usize,
        why: String,
    },
    /// Stopped on request; `resume` continues.
    Aborted,
    /// Ran the steps asked for (`--steps N`); `resume` continues.
    Paused,
}

impl Ended {
    pub fn result(&self) -> &'static str {
        match self {
            Ended::Completed => "completed",
            Ended::Stopped { .. } => "stopped",
            Ended::Aborted => "aborted",
            Ended::Paused => "paused",
        }
    }
}

enum ActionResult {
    Ok,
    Skipped(String),
    Failed(String),
    Aborted,
}

pub struct Run<B: Backend> {
    pub plan: Plan,
    pub standby: String,
    pub id: String,
    pub reason: String,
    pub journal: Journal,
    pub backend: B,
    /// `(step, action)` already done (a resumed run).
    pub done: BTreeSet<(usize, usize)>,
    pub abort: Arc<AtomicBool>,
    /// Stop after this many steps of the plan (step by step).
    pub until: Option<usize>,
}

type Report<'a> = &'a mut (dyn FnMut(Progress) + Send);

/// How long a rollback waits for pods it scaled back up.
const ROLLBACK_WAIT: Duration = Duration::from_secs(300);

impl<B: Backend> Run<B> {
    fn tag(&self) -> Tag {
        Tag {
            plan: self.plan.name.clone(),
            run: self.id.clone(),
            standby: self.standby.clone(),
            step: None,
            action: None,
            undo: None,
            undoes: None,
            digest: None,
        }
    }

    fn mark(&self, action: &str, result: &str, error: Option<String>) -> std::io::Result<()> {
        let r = note(
            &self.tag(),
            &self.plan.primary,
            plan_target(&self.plan.name),
            action,
            &self.reason,
            result,
            error,
        );
        self.journal.append(r).map(|_| ())
    }

    /// A new run: the start record (with the plan's digest), then `execute`.
    pub fn start(&self) -> std::io::Result<()> {
        let mut tag = self.tag();
        tag.digest = Some(self.plan.digest());
        let r = note(
            &tag,
            &self.plan.primary,
            plan_target(&self.plan.name),
            runlog::START,
            &self.reason,
            "started",
            None,
        );
        self.journal.append(r).map(|_| ())
    }

    /// A run read back from the journal, ready to `execute` again.
    pub fn resumed(state: &RunState, plan: Plan, journal: Journal, backend: B) -> Run<B> {
        Run {
            plan,
            standby: state.standby.clone(),
            id: state.run.clone(),
            reason: state.reason.clone(),
            journal,
            backend,
            done: state.done.clone(),
            abort: Arc::new(AtomicBool::new(false)),
            until: None,
        }
    }

    pub async fn execute(&mut self, report: Report<'_>) -> std::io::Result<Ended> {
        let steps = match resolve(&self.plan, &self.standby) {
            Ok(s) => s,
            Err(e) => {
                self.mark(runlog::END, "stopped", Some(e.clone()))?;
                return Ok(Ended::Stopped { step: 0, why: e });
            }
        };
        let mut ran = 0;
        for step in &steps {
            let i = step.index;
            let todo: Vec<usize> = (0..step.actions.len())
                .filter(|j| !self.done.contains(&(i, *j)))
                .collect();
            if todo.is_empty() {
                report(Progress::Step {
                    index: i,
                    state: StepState::Done,
                });
                continue;
            }
            if self.until.is_some_and(|n| ran >= n) {
                self.mark(runlog::END, "paused", None)?;
                return Ok(Ended::Paused);
            }
            if self.abort.load(Ordering::SeqCst) {
                self.mark(runlog::END, "aborted", None)?;
                return Ok(Ended::Aborted);
            }
            ran += 1;
            report(Progress::Step {
                index: i,
                state: StepState::Running,
            });
            let mut skipped = Vec::new();
            for j in todo {
                if self.abort.load(Ordering::SeqCst) {
                    self.mark(runlog::END, "aborted", None)?;
                    return Ok(Ended::Aborted);
                }
                let action = &step.actions[j];
                report(Progress::Line(format!(
                    "step {}: {}",
                    i + 1,
                    action.describe()
                )));
                match self.action(i, j, action, report).await? {
                    ActionResult::Ok => {
                        self.done.insert((i, j));
                    }
                    ActionResult::Skipped(why) => {
                        report(Progress::Line(format!("  skipped: {why}")));
                        self.done.insert((i, j));
                        skipped.push(why);
                    }
                    ActionResult::Aborted => {
                        self.mark(runlog::END, "aborted", None)?;
                        return Ok(Ended::Aborted);
                    }
                    ActionResult::Failed(why) => {
                        report(Progress::Step {
                            index: i,
                            state: StepState::Failed(why.clone()),
                        });
                        self.mark(runlog::END, "stopped", Some(why.clone()))?;
                        return Ok(Ended::Stopped { step: i, why });
                    }
                }
            }
            let state = if skipped.len() == step.actions.len() {
                StepState::Skipped(skipped.join("; "))
            } else {
                StepState::Done
            };
            report(Progress::Step { index: i, state });
        }
        self.mark(runlog::END, "completed", None)?;
        Ok(Ended::Completed)
    }

    /// Skips the primary's actions when it cannot be reached; `Ok(Ok(()))` = go on.
    async fn reach(
        &self,
        ctx: &str,
        at: &Tag,
        what: &str,
    ) -> std::io::Result<Result<(), ActionResult>> {
        match self.backend.reachable(ctx).await {
            Ok(()) => Ok(Ok(())),
            Err(e) => {
                let (result, r) = if ctx == self.plan.primary {
                    ("skipped", ActionResult::Skipped(e.clone()))
                } else {
                    ("error", ActionResult::Failed(e.clone()))
                };
                let rec = note(
                    at,
                    ctx,
                    JTarget::default(),
                    what,
                    &self.reason,
                    result,
                    Some(e),
                );
                self.journal.append(rec)?;
                Ok(Err(r))
            }
        }
    }

    async fn action(
        &mut self,
        i: usize,
        j: usize,
        action: &Action,
        report: Report<'_>,
    ) -> std::io::Result<ActionResult> {
        let at = self.tag().at(i, j);
        let ctx = action.context().to_string();
        let what = match action {
            Action::Mutate { op, .. } => op.name(),
            Action::Wait { .. } => "wait",
            Action::CordonNodes { .. } => "cordon",
        };
        if let Err(r) = self.reach(&ctx, &at, what).await? {
            return Ok(r);
        }
        match action {
            Action::Mutate { target, op } => {
                let t = self.backend.locate(target).await;
                self.write(&t, op.clone(), at, None, report).await
            }
            Action::CordonNodes { context } => {
                let nodes = match self.backend.node_targets(context).await {
                    Ok(n) => n,
                    Err(e) => return Ok(ActionResult::Failed(e)),
                };
                // Each node its own position; the step is done only when the
                // last node is (a resume cordons the rest again).
                for (k, t) in nodes.iter().enumerate() {
                    let op = Operation::Cordon { on: true };
                    let mut node_tag = at.clone();
                    node_tag.action = Some(1000 + k);
                    match self.write(t, op, node_tag, None, report).await? {
                        ActionResult::Ok => {}
                        other => return Ok(other),
                    }
                }
                let rec = note(
                    &at,
                    context,
                    JTarget::default(),
                    "cordon",
                    &self.reason,
                    "ok",
                    None,
                );
                self.journal.append(rec)?;
                Ok(ActionResult::Ok)
            }
            Action::Wait {
                target,
                ready,
                timeout,
            } => {
                let (result, error) = self.wait(target, *ready, *timeout, report).await;
                let jt = JTarget {
                    namespace: target.namespace.clone(),
                    kind: target.kind.name().into(),
                    name: target.name.clone(),
                };
                let rec = note(&at, &ctx, jt, "wait", &self.reason, result, error.clone());
                self.journal.append(rec)?;
                Ok(match (result, error) {
                    ("ok", _) => ActionResult::Ok,
                    ("aborted", _) => ActionResult::Aborted,
                    (_, e) => ActionResult::Failed(e.unwrap_or_default()),
                })
            }
        }
    }

    /// One write through the pipeline, journaled in the run's group with the
    /// write that would undo it (or, in a rollback, the id it undoes).
    async fn write(
        &mut self,
        t: &Target,
        op: Operation,
        mut tag: Tag,
        undoes: Option<String>,
        report: Report<'_>,
    ) -> std::io::Result<ActionResult> {
        let identity = self.backend.identity(&t.context).await;
        let (mut p, pf) = match self.backend.plan(t, op.clone()).await {
            Ok(x) => x,
            Err(msg) => {
                let jt = JTarget {
                    namespace: t.namespace.clone(),
                    kind: t.kind.name().into(),
                    name: t.name.clone(),
                };
                let rec = note(
                    &tag,
                    &t.context,
                    jt,
                    op.name(),
                    &self.reason,
                    "error",
                    Some(msg.clone()),
                );
                self.journal.append(rec)?;
                return Ok(ActionResult::Failed(msg));
            }
        };
        tag.undo = if undoes.is_some() {
            None
        } else {
            undo(t, &op, &p.before)
        };
        tag.undoes = undoes;
        p.group = Some(self.id.clone());
        p.failover = Some(tag.value());
        if let Preflight::Unavailable(why) = pf {
            journaled::denied(&self.journal, &p, &self.reason, identity, &why)?;
            return Ok(ActionResult::Failed(format!("{}: {why}", t.short())));
        }
        if let Some(s) = &p.summary {
            report(Progress::Line(format!("  {}: {s}", t.short())));
        }
        let outcome = self
            .backend
            .execute(&self.journal, &p, &self.reason, identity)
            .await?;
        Ok(match outcome {
            Outcome::Done { .. } => ActionResult::Ok,
            Outcome::Unverified { .. } => {
                report(Progress::Line(format!(
                    "  {}: applied; the expected state had not shown when verification gave up",
                    t.short()
                )));
                ActionResult::Ok
            }
            other => ActionResult::Failed(format!(
                "{}: {} ({})",
                t.short(),
                other.result(),
                other.error().unwrap_or_default()
            )),
        })
    }

    /// Polls every second until ready, the timeout, or an abort.
    async fn wait(
        &self,
        t: &Target,
        ready: Option<i32>,
        timeout: Duration,
        report: Report<'_>,
    ) -> (&'static str, Option<String>) {
        let start = Instant::now();
        loop {
            if self.abort.load(Ordering::SeqCst) {
                return ("aborted", Some("aborted while waiting".into()));
            }
            let last = match self.backend.get(t).await {
                Ok(None) => format!("{} does not exist", t.short()),
                Ok(Some(v)) => {
                    let (ok, state) = readiness(&v, t.kind, ready);
                    if ok {
                        report(Progress::Line(format!("  {}: {state}", t.short())));
                        return ("ok", None);
                    }
                    state
                }
                Err(e) => e,
            };
            if start.elapsed() >= timeout {
                return (
                    "timeout",
                    Some(format!(
                        "{}: not ready after {}s: {last}",
                        t.short(),
                        timeout.as_secs()
                    )),
                );
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Undoes the run's applied writes, newest first, through the pipeline.
    pub async fn rollback(
        &mut self,
        state: &RunState,
        report: Report<'_>,
    ) -> std::io::Result<Ended> {
        self.mark(runlog::ROLLBACK, "started", None)?;
        let mut skipped_any = false;
        for (id, (i, j), undo) in state.applied.iter().rev() {
            if state.undone.contains(id) {
                continue;
            }
            let Some(u) = undo else {
                report(Progress::Line(format!("step {}: nothing to undo", i + 1)));
                continue;
            };
            report(Progress::Line(format!(
                "undo step {}: {} {}",
                i + 1,
                u.op.name(),
                u.target
            )));
            let mut at = self.tag().at(*i, *j);
            at.undoes = Some(id.clone());
            match self.reach(&u.target.context, &at, u.op.name()).await? {
                Ok(()) => {}
                Err(ActionResult::Skipped(why)) => {
                    report(Progress::Line(format!("  skipped: {why}")));
                    skipped_any = true;
                    continue;
                }
                Err(_) => {
                    let why = format!("{} unreachable", u.target.context);
                    self.mark(runlog::END, "rollback-stopped", Some(why.clone()))?;
                    return Ok(Ended::Stopped { step: *i, why });
                }
            };
            match self
                .write(&u.target, u.op.clone(), at, Some(id.clone()), report)
                .await?
            {
                ActionResult::Ok | ActionResult::Skipped(_) => {}
                ActionResult::Failed(why) => {
                    self.mark(runlog::END, "rollback-stopped", Some(why.clone()))?;
                    return Ok(Ended::Stopped { step: *i, why });
                }
                ActionResult::Aborted => return Ok(Ended::Aborted),
            }
            // Pods brought back up must be ready before the next undo
            // moves traffic back to them (as a plan's wait step would).
            if let Operation::Scale { replicas } = u.op {
                if replicas > 0 {
                    let (result, error) = self
                        .wait(&u.target, Some(replicas), ROLLBACK_WAIT, report)
                        .await;
                    if result != "ok" {
                        let why = error.unwrap_or_else(|| result.to_string());
                        self.mark(runlog::END, "rollback-stopped", Some(why.clone()))?;
                        return Ok(Ended::Stopped { step: *i, why });
                    }
                }
            }
        }
        if skipped_any {
            // What could not be undone is still to do: rollback again later.
            let why =
                "an undo was skipped (cluster unreachable); run rollback again when it is back";
            self.mark(runlog::END, "rollback-partial", Some(why.into()))?;
            return Ok(Ended::Stopped {
                step: 0,
                why: why.into(),
            });
        }
        self.mark(runlog::END, "rolled-back", None)?;
        Ok(Ended::Completed)
    }
}

/// The write that puts back what `op` changes on `before`.
fn undo(t: &Target, op: &Operation, before: &kube::api::DynamicObject) -> Option<Undo> {
    let obj = serde_json::to_value(before).unwrap_or(Value::Null);
    let op = match op {
        Operation::Scale { .. } => Operation::Scale {
            replicas: crate::ops::action::replicas(before) as i32,
        },
        Operation::Weights { weights } => {
            let names: Vec<String> = weights.keys().cloned().collect();
            let prev = crate::ops::weights::current(t.kind, &obj, &names);
            if prev.is_empty() {
                return None;
            }
            Operation::Weights { weights: prev }
        }
        Operation::GeoTag { .. } => Operation::GeoTag {
            tag: obj
                .pointer("/spec/strategy/primaryGeoTag")
                .and_then(Value::as_str)?
                .to_string(),
        },
        Operation::Cordon { on: true }
            if obj.pointer("/spec/unschedulable") != Some(&Value::Bool(true)) =>
        {
            Operation::Cordon { on: false }
        }
        Operation::Annotate { key, .. } => Operation::Annotate {
            key: key.clone(),
            value: before
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(key))
                .cloned(),
        },
        _ => return None,
    };
    Some(Undo {
        target: t.clone(),
        op,
    })
}

/// Whether a workload is ready enough for a wait step, and its state in words.
pub fn readiness(obj: &Value, kind: ObjectKind, ready: Option<i32>) -> (bool, String) {
    let num = |p: &str| obj.pointer(p).and_then(Value::as_i64).unwrap_or(0);
    let generation = num("/metadata/generation");
    let observed = match obj.pointer("/status/observedGeneration") {
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        Some(v) => v.as_i64().unwrap_or(0),
        None => 0,
    };
    let have = num("/status/readyReplicas");
    let want = obj
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    if kind == ObjectKind::Rollout && ready.is_none() {
        let phase = obj
            .pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or("Unknown");
        return (
            phase == "Healthy" && observed >= generation,
            format!("phase {phase}, {have}/{want} ready"),
        );
    }
    let n = ready.map_or(want, i64::from);
    (
        have >= n && observed >= generation,
        format!("{have}/{n} ready"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readiness_needs_the_count_and_the_observed_spec() {
        let d = json!({"metadata": {"generation": 2}, "spec": {"replicas": 3},
                       "status": {"observedGeneration": 2, "readyReplicas": 3}});
        assert_eq!(
            readiness(&d, ObjectKind::Deployment, None),
            (true, "3/3 ready".into())
        );
        assert!(!readiness(&d, ObjectKind::Deployment, Some(4)).0);
        let stale = json!({"metadata": {"generation": 3}, "spec": {"replicas": 3},
                           "status": {"observedGeneration": 2, "readyReplicas": 3}});
        assert!(!readiness(&stale, ObjectKind::Deployment, None).0);
        let ro = json!({"metadata": {"generation": 1}, "spec": {"replicas": 2},
                        "status": {"observedGeneration": "1", "readyReplicas": 2, "phase": "Progressing"}});
        assert!(!readiness(&ro, ObjectKind::Rollout, None).0);
        assert!(readiness(&ro, ObjectKind::Rollout, Some(2)).0);
    }

    #[test]
    fn each_write_knows_its_undo() {
        let t = Target::new("a", "shop", ObjectKind::Deployment, "web");
        let before: kube::api::DynamicObject = serde_json::from_value(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "annotations": {"k": "old"}}, "spec": {"replicas": 3}
        }))
        .unwrap();
        let u = undo(&t, &Operation::Scale { replicas: 0 }, &before).unwrap();
        assert_eq!(u.op, Operation::Scale { replicas: 3 });
        let u = undo(
            &t,
            &Operation::Annotate {
                key: "k".into(),
                value: Some("new".into()),
            },
            &before,
        )
        .unwrap();
        assert_eq!(
            u.op,
            Operation::Annotate {
                key: "k".into(),
                value: Some("old".into())
            }
        );
        let u = undo(
            &t,
            &Operation::Annotate {
                key: "x".into(),
                value: Some("1".into()),
            },
            &before,
        )
        .unwrap();
        assert_eq!(
            u.op,
            Operation::Annotate {
                key: "x".into(),
                value: None
            }
        );
        let node: kube::api::DynamicObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}, "spec": {"unschedulable": true}
        }))
        .unwrap();
        let n = Target::new("a", "", ObjectKind::Node, "n");
        assert!(undo(&n, &Operation::Cordon { on: true }, &node).is_none());
    }
}
