//! fleetdeck's own marks in a cluster (api-contracts.md): the
//! `fleetdeck.io/last-action` annotation on the target and an
//! `events.k8s.io/v1` Event, so teammates' consoles see what was done.

use chrono::{SecondsFormat, Utc};
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::Client;
use serde_json::json;

use super::pipeline::{Outcome, Plan};
use crate::fleet::kubeconfig::kube_message;

pub const ANNOTATION: &str = "fleetdeck.io/last-action";
pub const CONTROLLER: &str = "fleetdeck.io/console";

/// This machine's name, read once (the TUI asks for it while drawing).
pub fn host() -> String {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "unknown-host".into())
    })
    .clone()
}

/// A separate merge patch, after the action itself. Returns a warning if the
/// mark could not be written (the action stands either way).
pub async fn annotate(
    client: &Client,
    plan: &Plan,
    reason: &str,
    by: &str,
    journal_id: &str,
) -> Option<String> {
    let t = &plan.target;
    let value = json!({
        "action": plan.op.name(),
        "reason": reason,
        "by": by,
        "at": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "journal_id": journal_id,
    })
    .to_string();
    let body = json!({"metadata": {"annotations": {ANNOTATION: value}}});
    let api: Api<kube::api::DynamicObject> = t.api(client);
    api.patch(&t.name, &PatchParams::default(), &Patch::Merge(&body))
        .await
        .err()
        .map(|e| format!("{}: could not annotate: {}", t.short(), kube_message(&e)))
}

pub async fn event(
    client: &Client,
    plan: &Plan,
    outcome: &Outcome,
    reason: &str,
    by: &str,
) -> Option<String> {
    let t = &plan.target;
    let ar = t.api_resource();
    let failed = !matches!(outcome, Outcome::Done { .. } | Outcome::Unverified { .. });
    let note = match outcome.error() {
        Some(e) => format!("{reason} — {by} (failed: {e})"),
        None => format!("{reason} — {by}"),
    };
    // Events about cluster-scoped objects live in `default`, as kubectl's do.
    let ns = if t.namespace.is_empty() {
        "default"
    } else {
        t.namespace.as_str()
    };
    let ev: Event = match serde_json::from_value(json!({
        // As kubectl names events: the object's name and a hex timestamp.
        "metadata": {"name": format!("{}.{:x}", t.name, Utc::now().timestamp_nanos_opt().unwrap_or(0)), "namespace": ns},
        "eventTime": Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
        "reportingController": CONTROLLER,
        "reportingInstance": host(),
        "action": plan.op.event_reason(),
        "reason": plan.op.event_reason(),
        "note": truncate(&note, 1000),
        "type": if failed { "Warning" } else { "Normal" },
        "regarding": {
            "apiVersion": ar.api_version, "kind": ar.kind, "namespace": t.namespace,
            "name": t.name, "uid": plan.before.metadata.uid,
        },
    })) {
        Ok(e) => e,
        Err(e) => return Some(e.to_string()),
    };
    Api::<Event>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &ev)
        .await
        .err()
        .map(|e| {
            format!(
                "{}: could not record the Event: {}",
                t.short(),
                kube_message(&e)
            )
        })
}

/// Event notes are limited to 1 kB by the API server.
fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}
