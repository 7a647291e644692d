//! Executing a plan with the journal around it: the intent is fsynced before
//! the request leaves, the outcome written after; after a crash, unfinished
//! intents are checked against live state and the finding journaled.

use std::time::Duration;

use kube::api::{Api, DynamicObject};
use kube::Client;
use serde_json::{json, Value};

use super::marks;
use super::pipeline::{event, gate_refusal, send_all, verified, Outcome, Plan};
use super::replan;
use super::target::kind_from_str;
use crate::fleet::kubeconfig::kube_message;
use crate::journal::{Journal, NewRecord, Record, RecordKind, Target as JTarget};

pub struct Executed {
    pub id: String,
    pub outcome: Outcome,
    /// Marks (annotation, Event) that could not be written.
    pub warnings: Vec<String>,
    /// Each time the action was planned and sent again after a conflict:
    /// what had moved on the object.
    pub replanned: Vec<String>,
}

/// A fresh action id: time-ordered and unique enough across processes.
pub fn new_id() -> String {
    let now = chrono::Utc::now();
    format!(
        "{}-{:x}-{:04x}",
        now.format("%Y%m%dT%H%M%S%.3fZ"),
        std::process::id(),
        now.timestamp_subsec_nanos() & 0xffff
    )
}

fn jtarget(plan: &Plan) -> JTarget {
    JTarget {
        namespace: plan.target.namespace.clone(),
        kind: plan.target.kind.name().to_string(),
        name: plan.target.name.clone(),
    }
}

/// Test hook: pause between the fsynced intent and the request, so a crash
/// test can kill the process there. Debug builds only (what `cargo test`
/// builds): a release binary has no such knob.
#[cfg(debug_assertions)]
fn pause_after_intent() -> Option<Duration> {
    std::env::var("FLEETDECK_TEST_PAUSE_AFTER_INTENT_MS")
        .ok()?
        .parse()
        .ok()
        .map(Duration::from_millis)
}

#[cfg(not(debug_assertions))]
fn pause_after_intent() -> Option<Duration> {
    None
}

/// Against a live cluster: send, mark, verify, Event. A conflict before
/// anything was written is planned again when the object moved only where
/// the action does not look (`replan.rs`); each attempt is its own journal
/// entry, the later ones saying which attempt they are and why.
pub async fn run(
    client: &Client,
    journal: &Journal,
    plan: &Plan,
    reason: &str,
    identity: Option<String>,
) -> std::io::Result<Executed> {
    let mut plan = std::borrow::Cow::Borrowed(plan);
    let mut replanned = Vec::new();
    loop {
        let mut done = run_once(client, journal, &plan, reason, identity.clone()).await?;
        done.replanned = replanned.clone();
        if !replan::untouched_conflict(&done.outcome) || replanned.len() >= replan::REPLANS {
            return Ok(done);
        }
        match replan::again(client, &plan).await {
            Ok((mut fresh, moved)) => {
                tracing::info!(
                    "{} {}: conflict; {moved}, planning again (attempt {})",
                    plan.op.name(),
                    plan.target.short(),
                    replanned.len() + 2
                );
                fresh.replan = Some(replan::record(replanned.len() + 2, &done.id, &moved));
                replanned.push(moved);
                plan = std::borrow::Cow::Owned(fresh);
            }
            Err(why) => {
                if let Outcome::Conflict(m) = &mut done.outcome {
                    m.push_str(&format!(" ({why})"));
                }
                return Ok(done);
            }
        }
    }
}

async fn run_once(
    client: &Client,
    journal: &Journal,
    plan: &Plan,
    reason: &str,
    identity: Option<String>,
) -> std::io::Result<Executed> {
    record(
        journal,
        plan,
        reason,
        identity,
        async |id: String, by: String| {
            let mut warnings = Vec::new();
            let outcome = match send_all(client, plan).await {
                Ok(rv) => {
                    // The mark goes on as soon as the change is in: teammates
                    // see it at once, and a controller that missed the status
                    // change (Argo Rollouts can, when a promote lands as it
                    // pauses) gets an event on the object to act on.
                    warnings.extend(marks::annotate(client, plan, reason, &by, &id).await);
                    verified(client, plan, rv).await
                }
                Err(outcome) => outcome,
            };
            warnings.extend(event(client, plan, &outcome, reason, &by).await);
            (outcome, warnings)
        },
    )
    .await
}

/// The journal around any executor (live or the demo's simulated cluster):
/// the intent is on disk before `exec` runs, the outcome after. `exec` gets
/// the action id and who acts, and returns the outcome and mark warnings.
pub async fn record(
    journal: &Journal,
    plan: &Plan,
    reason: &str,
    identity: Option<String>,
    exec: impl AsyncFnOnce(String, String) -> (Outcome, Vec<String>),
) -> std::io::Result<Executed> {
    // The gate is enforced here, not only in the dialogs that show it.
    if plan.gate_blocks() {
        let why = gate_refusal(plan);
        let rec = denied(journal, plan, reason, identity, &why)?;
        let t = &plan.target;
        tracing::info!("{} {}/{}: {why}", plan.op.name(), t.context, t.short());
        return Ok(Executed {
            id: rec.id,
            outcome: Outcome::Denied(why),
            warnings: Vec::new(),
            replanned: Vec::new(),
        });
    }
    let id = new_id();
    let mut intent = NewRecord::new(
        RecordKind::Intent,
        &id,
        &plan.target.context,
        jtarget(plan),
        plan.op.name(),
    );
    intent.identity = identity.clone();
    intent.reason = reason.to_string();
    intent.request = plan.request_record();
    intent.rv_before = Some(plan.rv_before.clone());
    intent.detail = Some(detail(plan));
    let intent = journal.append(intent)?;
    if let Some(d) = pause_after_intent() {
        tokio::time::sleep(d).await;
    }
    let by = identity.clone().unwrap_or_else(|| intent.operator.clone());
    let (outcome, warnings) = exec(id.clone(), by).await;
    let kind = match outcome {
        Outcome::Denied(_) => RecordKind::Denied,
        _ => RecordKind::Outcome,
    };
    let mut rec = NewRecord::follow_up(&intent, kind);
    rec.result = Some(outcome.result().to_string());
    rec.error = outcome.error();
    rec.rv_after = outcome.rv_after();
    // The group goes on the outcome too, so a run or wave reads back whole.
    let mut d = serde_json::Map::new();
    if !warnings.is_empty() {
        d.insert("warnings".into(), json!(warnings));
    }
    if let Some(g) = &plan.group {
        d.insert("group".into(), json!(g));
    }
    if !d.is_empty() {
        rec.detail = Some(Value::Object(d));
    }
    journal.append(rec)?;
    tracing::info!(
        "{} {}/{} ({id}): {}{}",
        plan.op.name(),
        plan.target.context,
        plan.target.short(),
        outcome.result(),
        outcome
            .error()
            .map(|e| format!(": {e}"))
            .unwrap_or_default()
    );
    Ok(Executed {
        id,
        outcome,
        warnings,
        replanned: Vec::new(),
    })
}

/// What the journal keeps beside the request: the operation, its reach, the
/// gate's verdict (and whether it was overridden), the group of a wave.
fn detail(plan: &Plan) -> Value {
    let mut d = json!({"operation": plan.op, "pods": plan.pods});
    if let Some(s) = &plan.summary {
        d["summary"] = json!(s);
    }
    if let Some(g) = &plan.gate {
        d["gate"] = json!({"state": g.state, "checks": g.checks, "overridden": plan.overridden});
    }
    if let Some(g) = &plan.group {
        d["group"] = json!(g);
    }
    if let Some(f) = &plan.failover {
        d["failover"] = f.clone();
    }
    if let Some(r) = &plan.replan {
        d["replan"] = r.clone();
    }
    d
}

/// Journals an action that was refused before anything was sent (read-only,
/// RBAC pre-flight, dry-run).
pub fn denied(
    journal: &Journal,
    plan: &Plan,
    reason: &str,
    identity: Option<String>,
    why: &str,
) -> std::io::Result<Record> {
    let mut rec = NewRecord::new(
        RecordKind::Denied,
        new_id(),
        &plan.target.context,
        jtarget(plan),
        plan.op.name(),
    );
    rec.identity = identity;
    rec.reason = reason.to_string();
    rec.request = plan.request_record();
    rec.rv_before = Some(plan.rv_before.clone());
    rec.detail = Some(detail(plan));
    rec.result = Some("denied".into());
    rec.error = Some(why.to_string());
    journal.append(rec)
}

/// Whether every leaf of a merge-patch `body` has that value in `obj`: the
/// request took effect (or someone made the same change).
pub fn contains(obj: &Value, body: &Value) -> bool {
    match (obj, body) {
        (Value::Object(o), Value::Object(b)) => b
            .iter()
            .all(|(k, v)| o.get(k).is_some_and(|ov| contains(ov, v))),
        (o, b) => o == b,
    }
}

/// Whether a journaled request shows in the live object: every leaf of a
/// merge body, every value a JSON patch sets. A controller that has already
/// moved on (a cleared pause set again) reads as not applied; the journal
/// says so and nothing is re-sent.
fn took_effect(live: &Value, request: &Value) -> bool {
    let body = request.get("body").unwrap_or(&Value::Null);
    match request.get("patch_type").and_then(Value::as_str) {
        Some("json") => super::traffic::json_patch_holds(live, body),
        Some("apply") => crate::ops::apply::holds(live, body),
        Some("create") => live.pointer("/metadata/name") == body.pointer("/metadata/name"),
        Some("strategic") => merged_in(live, body),
        _ => contains(live, body),
    }
}

/// `contains`, with lists of named items (containers, env) matched by name,
/// as a strategic merge applies them; quantities compared by value.
fn merged_in(obj: &Value, body: &Value) -> bool {
    match (obj, body) {
        (Value::Object(o), Value::Object(b)) => b
            .iter()
            .all(|(k, v)| o.get(k).is_some_and(|ov| merged_in(ov, v))),
        (Value::Array(o), Value::Array(b)) if b.iter().all(|x| x.get("name").is_some()) => {
            b.iter().all(|item| {
                o.iter()
                    .find(|x| x.get("name") == item.get("name"))
                    .is_some_and(|x| merged_in(x, item))
            })
        }
        (Value::String(o), Value::String(b)) => o == b || crate::basics::quantity::eq(o, b),
        (o, b) => o == b,
    }
}

/// Checks each unfinished intent (a crash between intent and outcome) against
/// the live object and journals what it finds. Returns one line per intent.
pub async fn reconcile<F, Fut>(journal: &Journal, client_for: F) -> std::io::Result<Vec<String>>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Option<Client>>,
{
    let mut report = Vec::new();
    for intent in journal.unfinished()? {
        let t = &intent.target;
        let requests: Vec<Value> = match intent.request.clone() {
            Some(Value::Array(list)) => list,
            Some(one) => vec![one],
            None => Vec::new(),
        };
        // A create is looked for where it would be: the new object.
        let made = requests
            .first()
            .filter(|r| r.get("patch_type").and_then(Value::as_str) == Some("create"))
            .and_then(|r| {
                let b = r.get("body")?;
                let kind = super::target::ObjectKind::from_manifest(
                    b["apiVersion"].as_str()?,
                    b["kind"].as_str()?,
                )?;
                let ns = b.pointer("/metadata/namespace")?.as_str()?;
                let name = b.pointer("/metadata/name")?.as_str()?;
                Some(super::target::Target::new(&intent.context, ns, kind, name))
            });
        let found = match (
            client_for(intent.context.clone()).await,
            kind_from_str(&t.kind),
            &made,
        ) {
            (Some(client), _, Some(m)) => m
                .api(&client)
                .get_opt(&m.name)
                .await
                .map_err(|e| kube_message(&e)),
            (Some(client), Some(kind), None) => {
                let api: Api<DynamicObject> =
                    super::target::Target::new(&intent.context, &t.namespace, kind, &t.name)
                        .api(&client);
                api.get(&t.name)
                    .await
                    .map(Some)
                    .map_err(|e| kube_message(&e))
            }
            (None, _, _) => Err(format!("no client for context {}", intent.context)),
            (_, None, None) => Err(format!("unknown kind {}", t.kind)),
        };
        let mut rec = NewRecord::follow_up(&intent, RecordKind::Reconcile);
        match found {
            // A create that never happened.
            Ok(None) => rec.result = Some("not_applied".into()),
            Ok(Some(obj)) => {
                let live = serde_json::to_value(&obj).unwrap_or(Value::Null);
                let applied =
                    !requests.is_empty() && requests.iter().all(|r| took_effect(&live, r));
                rec.result = Some(if applied { "applied" } else { "not_applied" }.into());
                rec.rv_after = obj.metadata.resource_version.clone();
            }
            Err(e) => {
                rec.result = Some("unknown".into());
                rec.error = Some(e);
            }
        }
        let line = format!(
            "unfinished action {} ({} {} on {}/{} at {}): {}",
            intent.id,
            intent.action,
            t,
            intent.context,
            t.name,
            intent.ts.to_rfc3339(),
            rec.result.clone().unwrap_or_default()
        );
        journal.append(rec)?;
        report.push(line);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::contains;
    use serde_json::json;

    #[test]
    fn a_strategic_patch_is_found_in_place_by_container_name() {
        let live = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "side", "image": "x"},
            {"name": "web", "image": "w", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]}}}});
        let body = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "resources": {"requests": {"cpu": "1000m", "memory": "1024Mi"}}}]}}}});
        assert!(super::merged_in(&live, &body));
        assert!(
            !contains(&live, &body),
            "a plain containment compares lists whole"
        );
        let other = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "resources": {"requests": {"cpu": "2"}}}]}}}});
        assert!(!super::merged_in(&live, &other));
    }

    #[test]
    fn body_contained_in_object() {
        let obj = json!({"spec": {"replicas": 3, "template": {"x": 1}}, "status": {}});
        assert!(contains(&obj, &json!({"spec": {"replicas": 3}})));
        assert!(!contains(&obj, &json!({"spec": {"replicas": 4}})));
        assert!(!contains(&obj, &json!({"spec": {"paused": true}})));
    }
}
