//! A failover run as the journal tells it. Every record of a run carries
//! `detail.group` (the run id) and `detail.failover` (plan, run, standby,
//! step, action; for a write, the write that undoes it). Resume and
//! rollback read the run back from here, so a crash loses nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::journal::{NewRecord, Record, RecordKind, Target as JTarget};
use crate::ops::target::Target;
use crate::ops::Operation;

pub const START: &str = "failover-start";
pub const END: &str = "failover-end";
pub const ROLLBACK: &str = "failover-rollback";

/// What ties a record to its run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub plan: String,
    pub run: String,
    pub standby: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<usize>,
    /// The write that puts things back as they were before this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<Undo>,
    /// Set on a rollback's writes: the journal id of the write undone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<String>,
    /// The plan's digest when the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Undo {
    pub target: Target,
    pub op: Operation,
}

impl Tag {
    pub fn at(&self, step: usize, action: usize) -> Tag {
        Tag {
            step: Some(step),
            action: Some(action),
            undo: None,
            undoes: None,
            digest: None,
            ..self.clone()
        }
    }

    pub fn value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

fn tag_of(r: &Record) -> Option<Tag> {
    serde_json::from_value(r.detail.as_ref()?.get("failover")?.clone()).ok()
}

/// A record of the run that is not a write (start, end, wait, skip): an
/// outcome with no intent, so nothing reads it as an interrupted request.
pub fn note(
    tag: &Tag,
    context: &str,
    target: JTarget,
    action: &str,
    reason: &str,
    result: &str,
    error: Option<String>,
) -> NewRecord {
    let mut r = NewRecord::new(
        RecordKind::Outcome,
        crate::ops::journaled::new_id(),
        context,
        target,
        action,
    );
    r.reason = reason.to_string();
    r.result = Some(result.to_string());
    r.error = error;
    r.detail = Some(json!({"group": tag.run, "failover": tag.value()}));
    r
}

pub fn plan_target(plan: &str) -> JTarget {
    JTarget {
        namespace: String::new(),
        kind: "FailoverPlan".into(),
        name: plan.to_string(),
    }
}

/// One run, read back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunState {
    pub run: String,
    pub plan: String,
    pub standby: String,
    pub reason: String,
    /// `(step, action)` pairs finished: applied, waited, or skipped.
    pub done: BTreeSet<(usize, usize)>,
    /// Skipped actions and why.
    pub skipped: BTreeMap<(usize, usize), String>,
    /// The last failure, if the run stopped on one.
    pub failed: Option<((usize, usize), String)>,
    /// Applied writes in order: journal id, position, undo.
    pub applied: Vec<(String, (usize, usize), Option<Undo>)>,
    /// Journal ids of writes a rollback has undone.
    pub undone: BTreeSet<String>,
    /// `completed`, `aborted`, `stopped`, `paused`, `rolled-back`,
    /// `rollback-stopped`, `rollback-partial` from the last end record.
    pub ended: Option<String>,
    /// A rollback has started: the run no longer goes forward.
    pub rolling_back: bool,
    /// The plan's digest when the run started.
    pub digest: Option<String>,
}

impl RunState {
    /// Whether `resume` has anything to do: not finished, not being undone.
    pub fn open(&self) -> bool {
        !self.rolling_back && !matches!(self.ended.as_deref(), Some("completed" | "rolled-back"))
    }
}

/// Every run of `plan` in journal order.
pub fn runs(records: &[Record], plan: &str) -> Vec<RunState> {
    let mut order: Vec<String> = Vec::new();
    let mut by_run: BTreeMap<String, RunState> = BTreeMap::new();
    // An intent's tag, for its outcome (which carries no detail).
    let mut intents: BTreeMap<&str, Tag> = BTreeMap::new();
    for r in records {
        let tag = match tag_of(r) {
            Some(t) => t,
            None => match intents.get(r.id.as_str()) {
                Some(t) => t.clone(),
                None => continue,
            },
        };
        if tag.plan != plan {
            continue;
        }
        let st = by_run.entry(tag.run.clone()).or_insert_with(|| {
            order.push(tag.run.clone());
            RunState {
                run: tag.run.clone(),
                plan: tag.plan.clone(),
                standby: tag.standby.clone(),
                ..RunState::default()
            }
        });
        let pos = tag.step.zip(tag.action);
        let result = r.result.as_deref().unwrap_or_default();
        match (r.kind, r.action.as_str()) {
            (RecordKind::Intent, _) => {
                intents.insert(&r.id, tag);
            }
            (_, START) => {
                st.reason = r.reason.clone();
                st.ended = None;
                st.digest = tag.digest.clone();
            }
            (_, ROLLBACK) => st.rolling_back = true,
            (_, END) => st.ended = Some(result.to_string()),
            (RecordKind::Outcome | RecordKind::Reconcile | RecordKind::Denied, _) => {
                let ok = matches!(result, "ok" | "unverified" | "applied" | "skipped");
                if let Some(undone) = &tag.undoes {
                    // A skipped undo (primary unreachable) is still to do.
                    if ok && result != "skipped" {
                        st.undone.insert(undone.clone());
                    }
                    continue;
                }
                let Some(pos) = pos else { continue };
                if ok {
                    st.done.insert(pos);
                    st.failed = None;
                    if result == "skipped" {
                        st.skipped.insert(pos, r.error.clone().unwrap_or_default());
                    } else if let Some(t) = intents.get(r.id.as_str()) {
                        // A write (waits have no intent).
                        st.applied.push((r.id.clone(), pos, t.undo.clone()));
                    }
                } else {
                    // A step of several writes (a cordon) is done only when all are.
                    st.done.remove(&pos);
                    st.failed = Some((pos, r.error.clone().unwrap_or_else(|| result.into())));
                }
            }
        }
    }
    order
        .into_iter()
        .filter_map(|id| by_run.remove(&id))
        .collect()
}

/// The run a rollback undoes: the newest one, never an older one behind it.
pub fn rollback_target(records: &[Record], plan: &str) -> Result<RunState, String> {
    let newest = runs(records, plan)
        .pop()
        .ok_or_else(|| format!("no run of {plan} to roll back"))?;
    if newest.ended.as_deref() == Some("rolled-back") {
        return Err(format!(
            "the newest run of {plan} ({}) is already rolled back; nothing older is undone",
            newest.run
        ));
    }
    Ok(newest)
}

/// A run resumes only the plan it started with.
pub fn same_plan(state: &RunState, digest: &str) -> Result<(), String> {
    match &state.digest {
        Some(d) if d != digest => Err(format!(
            "plan {} changed since run {} started; roll that run back or start a new one",
            state.plan, state.run
        )),
        _ => Ok(()),
    }
}

/// The newest run of `plan` that did not complete or roll back.
pub fn latest_open(records: &[Record], plan: &str) -> Option<RunState> {
    runs(records, plan).into_iter().rev().find(RunState::open)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Journal;

    #[test]
    fn a_run_reads_back_from_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path()).unwrap();
        let tag = Tag {
            plan: "p".into(),
            run: "run-1".into(),
            standby: "b".into(),
            step: None,
            action: None,
            undo: None,
            undoes: None,
            digest: None,
        };
        j.append(note(
            &tag,
            "a",
            plan_target("p"),
            START,
            "region down",
            "started",
            None,
        ))
        .unwrap();
        // Step 1: a write (intent + outcome) with its undo.
        let mut t1 = tag.at(0, 0);
        t1.undo = Some(Undo {
            target: Target::new(
                "b",
                "shop",
                crate::ops::target::ObjectKind::Deployment,
                "web",
            ),
            op: Operation::Scale { replicas: 0 },
        });
        let mut intent = NewRecord::new(RecordKind::Intent, "w1", "b", JTarget::default(), "scale");
        intent.detail = Some(json!({"group": "run-1", "failover": t1.value()}));
        let intent = j.append(intent).unwrap();
        let mut out = NewRecord::follow_up(&intent, RecordKind::Outcome);
        out.result = Some("ok".into());
        j.append(out).unwrap();
        // Step 2: a wait; step 3 skipped; step 4 failed.
        j.append(note(
            &tag.at(1, 0),
            "b",
            JTarget::default(),
            "wait",
            "",
            "ok",
            None,
        ))
        .unwrap();
        j.append(note(
            &tag.at(2, 0),
            "a",
            JTarget::default(),
            "scale",
            "",
            "skipped",
            Some("a unreachable".into()),
        ))
        .unwrap();
        j.append(note(
            &tag.at(3, 0),
            "b",
            JTarget::default(),
            "weights",
            "",
            "error",
            Some("forbidden".into()),
        ))
        .unwrap();
        j.append(note(&tag, "a", plan_target("p"), END, "", "stopped", None))
            .unwrap();
        let st = latest_open(&j.read().unwrap(), "p").unwrap();
        assert_eq!(st.reason, "region down");
        assert_eq!(st.standby, "b");
        assert_eq!(
            st.done,
            [(0, 0), (1, 0), (2, 0)]
                .into_iter()
                .collect::<BTreeSet<_>>()
        );
        assert_eq!(st.skipped[&(2, 0)], "a unreachable");
        assert_eq!(st.failed, Some(((3, 0), "forbidden".into())));
        assert_eq!(st.applied.len(), 1);
        assert_eq!(st.applied[0].0, "w1");
        assert!(st.applied[0].2.is_some());
        assert_eq!(st.ended.as_deref(), Some("stopped"));
        // Completed runs are not resumed; other plans' runs are not read.
        j.append(note(
            &tag,
            "a",
            plan_target("p"),
            END,
            "",
            "completed",
            None,
        ))
        .unwrap();
        assert!(latest_open(&j.read().unwrap(), "p").is_none());
        assert!(runs(&j.read().unwrap(), "q").is_empty());
    }
}

#[cfg(test)]
mod rollback_tests {
    use super::*;
    use crate::journal::Journal;

    #[test]
    fn a_rollback_targets_the_newest_run_and_stops_it_going_forward() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path()).unwrap();
        let tag = |run: &str| Tag {
            plan: "p".into(),
            run: run.into(),
            standby: "b".into(),
            step: None,
            action: None,
            undo: None,
            undoes: None,
            digest: Some("d1".into()),
        };
        let add = |t: &Tag, action: &str, result: &str| {
            j.append(note(t, "a", plan_target("p"), action, "", result, None))
                .unwrap();
        };
        add(&tag("r1"), START, "started");
        add(&tag("r1"), END, "rolled-back");
        add(&tag("r2"), START, "started");
        add(&tag("r2"), END, "stopped");
        let recs = j.read().unwrap();
        assert_eq!(rollback_target(&recs, "p").unwrap().run, "r2");
        assert_eq!(latest_open(&recs, "p").unwrap().run, "r2");
        assert!(same_plan(&latest_open(&recs, "p").unwrap(), "d1").is_ok());
        assert!(same_plan(&latest_open(&recs, "p").unwrap(), "d2")
            .unwrap_err()
            .contains("changed since run r2 started"));
        // A rollback of r2 starts and stops: r2 no longer resumes forward,
        // and a second rollback still targets r2 (never r1).
        add(&tag("r2"), ROLLBACK, "started");
        add(&tag("r2"), END, "rollback-stopped");
        let recs = j.read().unwrap();
        assert!(latest_open(&recs, "p").is_none());
        assert_eq!(rollback_target(&recs, "p").unwrap().run, "r2");
        add(&tag("r2"), END, "rolled-back");
        let e = rollback_target(&j.read().unwrap(), "p").unwrap_err();
        assert!(e.contains("already rolled back"), "{e}");
    }
}
