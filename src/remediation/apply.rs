//! Deciding on proposals without a terminal prompt (the console's queue):
//! re-validation against live state, execution through the pipeline and
//! the journal, and recording reject/snooze decisions. The CLI prints its
//! own way around the same steps.

use chrono::{DateTime, Utc};
use kube::Client;
use serde_json::json;

use super::queue::{Decision, Entry, Proposal, Queue};
use crate::journal::{Journal, NewRecord, RecordKind, Target as JTarget};
use crate::ops::build::Declared;
use crate::ops::journaled;
use crate::ops::pipeline::{plan_checked, Outcome, Preflight};

/// What re-validation found.
#[derive(Debug, Clone, PartialEq)]
pub enum Revalidated {
    /// Still there, as proposed (with today's figures).
    Same(Box<Proposal>),
    /// The object has a different proposal now.
    Changed(Box<Proposal>),
    /// No longer found: fixed elsewhere.
    Gone,
}

/// Plan, pre-flight and execute a re-validated proposal's fix, journaled
/// in the proposal's group. `Ok` is a one-line report.
pub async fn execute(
    client: &Client,
    journal: &Journal,
    p: &Proposal,
    reason: &str,
    identity: Option<String>,
    read_only: bool,
) -> Result<String, String> {
    let (Some(op), Some(target)) = (p.op.clone(), p.target.clone()) else {
        return Err(format!(
            "{}: a {} finding has no fix",
            p.id,
            p.source.as_str()
        ));
    };
    let (mut plan, pf) = plan_checked(client, &target, op, &Declared::default(), read_only)
        .await
        .map_err(|e| e.to_string())?;
    plan.group = Some(format!("remediation-{}", p.id));
    if let Preflight::Unavailable(why) = pf {
        journaled::denied(journal, &plan, reason, identity, &why).map_err(|e| e.to_string())?;
        return Err(format!("{}: unavailable: {why}", p.id));
    }
    let done = journaled::run(client, journal, &plan, reason, identity)
        .await
        .map_err(|e| format!("journal: {e}"))?;
    match done.outcome {
        Outcome::Done { .. } | Outcome::Unverified { .. } => Ok(format!(
            "{}: {} {} {}",
            p.id,
            plan.op.name(),
            target.short(),
            done.outcome.result()
        )),
        other => Err(format!(
            "{}: {}: {}",
            p.id,
            other.result(),
            other.error().unwrap_or_default()
        )),
    }
}

/// Records a reject or snooze (journaled, like an action).
pub fn decide(
    queue: &mut Queue,
    journal: &Journal,
    id: &str,
    reason: &str,
    snooze_until: Option<DateTime<Utc>>,
) -> Result<String, String> {
    let e: Entry = queue.find(id)?.clone();
    let by = crate::journal::local_operator();
    let (action, result, detail, decision) = match snooze_until {
        Some(until) => (
            "remediation-snooze",
            "snoozed",
            json!({"until": until}),
            Decision::Snoozed {
                until,
                by,
                reason: reason.into(),
            },
        ),
        None => (
            "remediation-reject",
            "rejected",
            json!("rejected"),
            Decision::Rejected {
                by,
                reason: reason.into(),
                at: Utc::now(),
            },
        ),
    };
    journal
        .append(note(&e, action, result, reason, detail))
        .map_err(|e| format!("journal: {e}"))?;
    if let Some(x) = queue.entries.get_mut(&e.proposal.id) {
        x.decision = decision;
    }
    Ok(format!("{} {result}", e.proposal.id))
}

/// The journal record of a decision that sends nothing.
pub fn note(
    e: &Entry,
    action: &str,
    result: &str,
    reason: &str,
    detail: serde_json::Value,
) -> NewRecord {
    let p = &e.proposal;
    // `ns/kind/name` or `kind/name`.
    let parts: Vec<&str> = p.object.rsplitn(3, '/').collect();
    let jt = match parts.as_slice() {
        [name, kind, ns] => JTarget {
            namespace: ns.to_string(),
            kind: kind.to_string(),
            name: name.to_string(),
        },
        [name, kind] => JTarget {
            namespace: String::new(),
            kind: kind.to_string(),
            name: name.to_string(),
        },
        _ => JTarget {
            name: p.object.clone(),
            ..JTarget::default()
        },
    };
    let mut r = NewRecord::new(
        RecordKind::Outcome,
        journaled::new_id(),
        &p.context,
        jt,
        action,
    );
    r.reason = reason.to_string();
    r.result = Some(result.into());
    r.detail = Some(json!({"proposal": p.id, "source": p.source.as_str(), "decision": detail}));
    r
}
