//! Argo Rollouts (`argoproj.io/v1alpha1` `Rollout`) summarised into a compact,
//! owned row, the way `kubectl argo rollouts get rollout` shows it.
//!
//! Rollouts are watched as dynamic objects, so the input is a raw
//! `serde_json::Value` that nothing has validated. Every field is read
//! defensively: a field of the wrong type is treated as absent, and no input
//! can panic.
//!
//! The phase follows the plugin's `GetRolloutPhase`
//! (`utils/rollout/rolloututil.go`): the controller's `status.phase` wins once
//! it has observed the current spec, and the client-side derivation is only a
//! fallback for controllers that do not write it (v0.10 and older).

use std::fmt;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::Value;

/// Deployment strategy named in `spec.strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Strategy {
    Canary,
    BlueGreen,
    Unknown,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::Canary => "Canary",
            Strategy::BlueGreen => "BlueGreen",
            Strategy::Unknown => "Unknown",
        })
    }
}

/// Rollout phase as Argo Rollouts reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Phase {
    Healthy,
    Progressing,
    Paused,
    Degraded,
}

impl Phase {
    /// The controller's spelling; anything else is not a phase we know.
    fn parse(s: &str) -> Option<Phase> {
        match s {
            "Healthy" => Some(Phase::Healthy),
            "Progressing" => Some(Phase::Progressing),
            "Paused" => Some(Phase::Paused),
            "Degraded" => Some(Phase::Degraded),
            _ => None,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Healthy => "Healthy",
            Phase::Progressing => "Progressing",
            Phase::Paused => "Paused",
            Phase::Degraded => "Degraded",
        })
    }
}

/// One Rollout, reduced to what a fleet console row and detail pane need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutInfo {
    pub namespace: String,
    pub name: String,
    pub strategy: Strategy,
    pub phase: Phase,
    /// `status.message`, or the reason the phase was derived.
    pub message: String,
    /// `(currentStepIndex, len(steps))`, for canaries that have steps.
    pub step: Option<(u32, u32)>,
    /// Canary only: the weight the current step asks for.
    pub set_weight: Option<u32>,
    /// Canary only: the weight actually observed (see [`rollout_info`]).
    pub actual_weight: Option<u32>,
    pub replicas: i32,
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
    /// `spec.replicas`, defaulting to 1 like the controller.
    pub desired: i32,
    /// `spec.paused` or any `status.pauseConditions`.
    pub paused: bool,
    pub pause_reasons: Vec<String>,
    pub images: Vec<String>,
    pub stable_rs: Option<String>,
    pub current_pod_hash: Option<String>,
    pub aborted: bool,
    pub active_service: Option<String>,
    pub preview_service: Option<String>,
    /// Canary steps in words (`setWeight 20`, `pause`, `pause 30s`, …).
    pub steps: Vec<String>,
    /// Blue/green: the pod hashes the active and preview Services select.
    pub active_selector: Option<String>,
    pub preview_selector: Option<String>,
}

/// Summarises a Rollout object. Returns `None` only when `metadata.name` is
/// missing (or empty, which no API server would store).
///
/// Weights are canary-only:
/// * `set_weight` is the last `setWeight` at or before the current step, 100
///   once every step has run (or when there are no steps, as the controller
///   does), and 0 after an abort.
/// * `actual_weight` under traffic routing is the weight the controller
///   reports in `status.canary.weights.canary.weight`. Without traffic routing
///   the plugin divides the canary ReplicaSet's available pods by all
///   available pods; ReplicaSets are not visible here, so this approximates
///   the canary's available pods as `min(updated, available)`:
///   `min(updated, available) * 100 / max(available, 1)`.
pub fn rollout_info(obj: &Value) -> Option<RolloutInfo> {
    let name = string_at(obj, &["metadata", "name"])?;
    let strategy = strategy_of(obj);
    let aborted = bool_at(obj, &["status", "abort"]);
    let pause_conditions = array_at(obj, &["status", "pauseConditions"]);
    let pause_reasons = pause_conditions
        .iter()
        .filter_map(|c| string_at(c, &["reason"]))
        .collect();
    let blue_green = |key| match strategy {
        Strategy::BlueGreen => string_at(obj, &["spec", "strategy", "blueGreen", key]),
        _ => None,
    };

    let mut info = RolloutInfo {
        namespace: string_at(obj, &["metadata", "namespace"]).unwrap_or_default(),
        name,
        strategy,
        phase: Phase::Progressing,
        message: String::new(),
        step: None,
        set_weight: None,
        actual_weight: None,
        replicas: i32_at(obj, &["status", "replicas"]).unwrap_or(0),
        updated: i32_at(obj, &["status", "updatedReplicas"]).unwrap_or(0),
        ready: i32_at(obj, &["status", "readyReplicas"]).unwrap_or(0),
        available: i32_at(obj, &["status", "availableReplicas"]).unwrap_or(0),
        desired: i32_at(obj, &["spec", "replicas"]).unwrap_or(1),
        paused: bool_at(obj, &["spec", "paused"]) || !pause_conditions.is_empty(),
        pause_reasons,
        images: images_of(obj),
        // `status.canary.stableRS` is where controllers before v0.9 kept it.
        stable_rs: string_at(obj, &["status", "stableRS"])
            .or_else(|| string_at(obj, &["status", "canary", "stableRS"])),
        current_pod_hash: string_at(obj, &["status", "currentPodHash"]),
        aborted,
        active_service: blue_green("activeService"),
        preview_service: blue_green("previewService"),
        steps: canary_steps(obj).iter().map(step_text).collect(),
        active_selector: string_at(obj, &["status", "blueGreen", "activeSelector"]),
        preview_selector: string_at(obj, &["status", "blueGreen", "previewSelector"]),
    };
    if strategy == Strategy::Canary {
        fill_canary(obj, &mut info);
    }
    let (phase, message) = rollout_phase(obj, &info);
    info.phase = phase;
    info.message = message;
    Some(info)
}

/// One canary step as the plugin lists it.
fn step_text(step: &Value) -> String {
    if let Some(w) = step.get("setWeight") {
        return format!("setWeight {w}");
    }
    if let Some(p) = step.get("pause") {
        return match p.get("duration") {
            Some(Value::String(d)) => format!("pause {d}"),
            Some(Value::Number(n)) => format!("pause {n}s"),
            _ => "pause (until promoted)".into(),
        };
    }
    if let Some(a) = step.get("analysis") {
        let names: Vec<&str> = array_at(a, &["templates"])
            .iter()
            .filter_map(|t| t.get("templateName").and_then(Value::as_str))
            .collect();
        return format!("analysis {}", names.join(","));
    }
    if step.get("experiment").is_some() {
        return "experiment".into();
    }
    if let Some(s) = step.get("setCanaryScale") {
        return format!("setCanaryScale {s}");
    }
    match step.as_object().and_then(|o| o.keys().next()) {
        Some(k) => k.clone(),
        None => "?".into(),
    }
}

/// `spec.strategy.canary.steps`, empty when absent or not a list.
fn canary_steps(obj: &Value) -> &[Value] {
    array_at(obj, &["spec", "strategy", "canary", "steps"])
}

/// `status.currentStepIndex` clipped to `0..=len`: the controller treats an
/// index at (or past) the end as "all steps done".
fn current_step_index(obj: &Value, len: usize) -> usize {
    at(obj, &["status", "currentStepIndex"])
        .and_then(Value::as_u64)
        .map_or(0, |i| usize::try_from(i).unwrap_or(usize::MAX).min(len))
}

fn fill_canary(obj: &Value, info: &mut RolloutInfo) {
    let steps = canary_steps(obj);
    let idx = current_step_index(obj, steps.len());
    if !steps.is_empty() {
        info.step = Some((saturating_u32(idx), saturating_u32(steps.len())));
    }
    info.set_weight = Some(set_weight(steps, idx, info.aborted));
    info.actual_weight = if traffic_routed(obj) {
        at(obj, &["status", "canary", "weights", "canary", "weight"]).and_then(weight_of)
    } else {
        Some(replica_weight(info.updated, info.available))
    };
}

/// A service mesh or ingress splits traffic, so weights come from the
/// controller rather than from pod counts.
fn traffic_routed(obj: &Value) -> bool {
    at(obj, &["spec", "strategy", "canary", "trafficRouting"]).is_some_and(Value::is_object)
}

/// Mirrors `GetCurrentSetWeight`: walk back from the current step to the most
/// recent `setWeight`; before any `setWeight` the canary gets no traffic.
fn set_weight(steps: &[Value], idx: usize, aborted: bool) -> u32 {
    if aborted {
        return 0;
    }
    if idx >= steps.len() {
        return 100;
    }
    steps[..=idx]
        .iter()
        .rev()
        .find_map(|s| s.get("setWeight").and_then(weight_of))
        .unwrap_or(0)
}

/// Share of available pods that run the new template, in percent.
fn replica_weight(updated: i32, available: i32) -> u32 {
    let available = i64::from(available.max(0));
    let canary = i64::from(updated.max(0)).min(available);
    u32::try_from(canary * 100 / available.max(1)).unwrap_or(0)
}

/// A traffic weight is a percentage; anything non-integral or negative is
/// malformed and ignored, anything above 100 is capped.
fn weight_of(v: &Value) -> Option<u32> {
    v.as_u64().map(|w| w.min(100) as u32)
}

fn strategy_of(obj: &Value) -> Strategy {
    let has = |key| at(obj, &["spec", "strategy", key]).is_some_and(Value::is_object);
    // Blue-green first, matching the controller's own check order.
    if has("blueGreen") {
        Strategy::BlueGreen
    } else if has("canary") {
        Strategy::Canary
    } else {
        Strategy::Unknown
    }
}

fn images_of(obj: &Value) -> Vec<String> {
    array_at(obj, &["spec", "template", "spec", "containers"])
        .iter()
        .filter_map(|c| string_at(c, &["image"]))
        .collect()
}

/// `GetRolloutPhase`: staleness checks first, then the controller's verdict,
/// then the client-side derivation.
fn rollout_phase(obj: &Value, info: &RolloutInfo) -> (Phase, String) {
    if !generation_observed(obj) {
        return (
            Phase::Progressing,
            "waiting for rollout spec update to be observed".into(),
        );
    }
    // The user cleared the pause conditions but the controller has not reacted.
    if bool_at(obj, &["status", "controllerPause"])
        && array_at(obj, &["status", "pauseConditions"]).is_empty()
    {
        return (Phase::Progressing, "waiting for rollout to unpause".into());
    }
    if let Some(phase) = string_at(obj, &["status", "phase"]).and_then(|p| Phase::parse(&p)) {
        let message = string_at(obj, &["status", "message"]).unwrap_or_default();
        return (phase, message);
    }
    derive_phase(obj, info)
}

/// `status.observedGeneration` is a string in Rollouts (older controllers
/// stored a spec hash there, newer ones the generation number); numbers are
/// accepted too. A hash cannot be compared, so it counts as observed, as in
/// the plugin. An absent value means the controller has not looked yet.
fn generation_observed(obj: &Value) -> bool {
    let generation = at(obj, &["metadata", "generation"])
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let observed = match at(obj, &["status", "observedGeneration"]) {
        Some(Value::String(s)) if !s.trim().is_empty() => match s.trim().parse::<i64>() {
            Ok(n) => n,
            Err(_) => return true,
        },
        // A fractional number is not a generation: treat it as absent.
        Some(Value::Number(n)) => match n.as_i64() {
            Some(n) => n,
            None => return false,
        },
        _ => return false,
    };
    // A numeric-looking hash can exceed the generation; the plugin accepts it.
    observed >= generation
}

/// `CalculateRolloutPhase`, for controllers that leave `status.phase` empty.
fn derive_phase(obj: &Value, info: &RolloutInfo) -> (Phase, String) {
    if let Some(reason) = degraded_reason(obj, info.aborted) {
        return (Phase::Degraded, reason);
    }
    if bool_at(obj, &["spec", "paused"]) {
        return (Phase::Paused, "manually paused".into());
    }
    if info.paused {
        let reason = info.pause_reasons.first().cloned();
        return (Phase::Paused, reason.unwrap_or_else(|| "paused".into()));
    }
    match progressing_reason(obj, info) {
        Some(reason) => (Phase::Progressing, reason.into()),
        None => (Phase::Healthy, String::new()),
    }
}

fn degraded_reason(obj: &Value, aborted: bool) -> Option<String> {
    for cond in array_at(obj, &["status", "conditions"]) {
        let field = |key| string_at(cond, &[key]).unwrap_or_default();
        let message = field("message");
        if field("type") == "InvalidSpec" && field("status") == "True" {
            return Some(prefixed("InvalidSpec", &message));
        }
        // ProgressDeadlineExceeded only ever appears on the Progressing
        // condition, so the reason alone identifies it (as in the plugin).
        let reason = field("reason");
        if reason == "RolloutAborted" || reason == "ProgressDeadlineExceeded" {
            return Some(prefixed(&reason, &message));
        }
    }
    // The abort flag can land before the condition does.
    aborted.then(|| {
        let message = string_at(obj, &["status", "message"]).unwrap_or_default();
        prefixed("RolloutAborted", &message)
    })
}

fn prefixed(reason: &str, message: &str) -> String {
    if message.is_empty() {
        reason.to_string()
    } else {
        format!("{reason}: {message}")
    }
}

fn progressing_reason(obj: &Value, info: &RolloutInfo) -> Option<&'static str> {
    if restart_pending(obj) {
        return Some("rollout is restarting");
    }
    if info.updated < info.desired {
        return Some("more replicas need to be updated");
    }
    if info.available < info.updated || info.ready.min(info.available) < info.desired {
        return Some("updated replicas are still becoming available");
    }
    let promoted = info.stable_rs.is_some() && info.stable_rs == info.current_pod_hash;
    match info.strategy {
        Strategy::BlueGreen => {
            let active = string_at(obj, &["status", "blueGreen", "activeSelector"]);
            if active.is_none() || active != info.current_pod_hash {
                Some("active service cutover pending")
            } else if !promoted {
                Some("waiting for post-promotion verification to complete")
            } else {
                None
            }
        }
        Strategy::Canary => {
            // Traffic-routed canaries keep old pods around on purpose
            // (scaleDownDelay), so only basic canaries wait for them.
            if !traffic_routed(obj) && info.replicas > info.updated {
                Some("old replicas are pending termination")
            } else if !promoted || info.step.is_some_and(|(i, n)| i < n) {
                Some("waiting for all steps to complete")
            } else {
                None
            }
        }
        Strategy::Unknown => {
            (info.stable_rs != info.current_pod_hash).then_some("waiting for cutover")
        }
    }
}

/// `spec.restartAt` asks for a rolling restart; it is done once
/// `status.restartedAt` names the same instant (formats may differ).
fn restart_pending(obj: &Value) -> bool {
    let time = |path: &[&str]| -> Option<DateTime<FixedOffset>> {
        DateTime::parse_from_rfc3339(&string_at(obj, path)?).ok()
    };
    match time(&["spec", "restartAt"]) {
        Some(wanted) => time(&["status", "restartedAt"]) != Some(wanted),
        None => false,
    }
}

// --- defensive accessors: wrong types read as absent ---

/// Walks object keys; `Value::get` yields `None` on non-objects.
fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, key| v.get(key))
}

/// A non-empty string; Kubernetes omits empty strings, so "" means unset.
fn string_at(v: &Value, path: &[&str]) -> Option<String> {
    at(v, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn bool_at(v: &Value, path: &[&str]) -> bool {
    at(v, path).and_then(Value::as_bool).unwrap_or(false)
}

fn i32_at(v: &Value, path: &[&str]) -> Option<i32> {
    at(v, path)
        .and_then(Value::as_i64)
        .and_then(|n| i32::try_from(n).ok())
}

fn array_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A canary rollout with four steps whose controller has observed
    /// generation 2; tests patch the parts they care about.
    fn canary(status: Value) -> Value {
        json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {"name": "checkout", "namespace": "shop", "generation": 2},
            "spec": {
                "replicas": 5,
                "strategy": {"canary": {"steps": [
                    {"setWeight": 20},
                    {"pause": {}},
                    {"setWeight": 60},
                    {"pause": {"duration": "1m"}}
                ]}},
                "template": {"spec": {"containers": [
                    {"name": "app", "image": "registry.example/checkout:1.4.2"},
                    {"name": "proxy", "image": "envoyproxy/envoy:v1.30"}
                ]}}
            },
            "status": status
        })
    }

    fn info(obj: &Value) -> RolloutInfo {
        rollout_info(obj).expect("named rollout")
    }

    fn promoted_status() -> Value {
        json!({
            "observedGeneration": "2",
            "replicas": 5, "updatedReplicas": 5, "readyReplicas": 5,
            "availableReplicas": 5,
            "currentStepIndex": 4,
            "stableRS": "6d9f7c", "currentPodHash": "6d9f7c"
        })
    }

    #[test]
    fn healthy_canary_fully_promoted() {
        let r = info(&canary(promoted_status()));
        assert_eq!(r.namespace, "shop");
        assert_eq!(r.name, "checkout");
        assert_eq!(r.strategy, Strategy::Canary);
        assert_eq!(r.phase, Phase::Healthy);
        assert_eq!(r.message, "");
        assert_eq!(r.step, Some((4, 4)));
        assert_eq!(r.set_weight, Some(100));
        assert_eq!(r.actual_weight, Some(100));
        assert_eq!((r.replicas, r.updated, r.ready, r.available), (5, 5, 5, 5));
        assert_eq!(r.desired, 5);
        assert!(!r.paused && !r.aborted);
        assert_eq!(
            r.images,
            ["registry.example/checkout:1.4.2", "envoyproxy/envoy:v1.30"]
        );
        assert_eq!(r.stable_rs.as_deref(), Some("6d9f7c"));
        assert_eq!(r.active_service, None);
    }

    #[test]
    fn canary_paused_at_step_one() {
        let r = info(&canary(json!({
            "observedGeneration": "2",
            "controllerPause": true,
            "pauseConditions": [
                {"reason": "CanaryPauseStep", "startTime": "2024-05-01T10:00:00Z"}
            ],
            "replicas": 6, "updatedReplicas": 1, "readyReplicas": 6,
            "availableReplicas": 6,
            "currentStepIndex": 1,
            "stableRS": "6d9f7c", "currentPodHash": "84b5d9"
        })));
        assert_eq!(r.phase, Phase::Paused);
        assert_eq!(r.message, "CanaryPauseStep");
        assert_eq!(r.step, Some((1, 4)));
        assert_eq!(r.set_weight, Some(20));
        // One of six available pods is the canary.
        assert_eq!(r.actual_weight, Some(16));
        assert!(r.paused);
        assert_eq!(r.pause_reasons, ["CanaryPauseStep"]);
        assert_eq!(r.current_pod_hash.as_deref(), Some("84b5d9"));
    }

    #[test]
    fn unobserved_generation_is_progressing() {
        let mut status = promoted_status();
        status["observedGeneration"] = json!("1");
        status["phase"] = json!("Healthy");
        let r = info(&canary(status));
        assert_eq!(r.phase, Phase::Progressing);
        assert_eq!(r.message, "waiting for rollout spec update to be observed");

        let mut status = promoted_status();
        status.as_object_mut().unwrap().remove("observedGeneration");
        assert_eq!(info(&canary(status)).phase, Phase::Progressing);
    }

    #[test]
    fn numeric_or_hash_observed_generation() {
        let mut status = promoted_status();
        status["observedGeneration"] = json!(2);
        assert_eq!(info(&canary(status.clone())).phase, Phase::Healthy);
        status["observedGeneration"] = json!(1);
        assert_eq!(info(&canary(status.clone())).phase, Phase::Progressing);
        // Pre-v0.10 controllers stored a template hash here.
        status["observedGeneration"] = json!("7f8b9c6d5");
        assert_eq!(info(&canary(status)).phase, Phase::Healthy);
    }

    #[test]
    fn unpausing_is_progressing() {
        let mut status = promoted_status();
        status["controllerPause"] = json!(true);
        status["phase"] = json!("Paused");
        let r = info(&canary(status));
        assert_eq!(r.phase, Phase::Progressing);
        assert_eq!(r.message, "waiting for rollout to unpause");
    }

    #[test]
    fn status_phase_used_verbatim() {
        let mut status = promoted_status();
        status["phase"] = json!("Degraded");
        status["message"] = json!("ProgressDeadlineExceeded: checkout has timed out");
        let r = info(&canary(status));
        assert_eq!(r.phase, Phase::Degraded);
        assert_eq!(
            r.message,
            "ProgressDeadlineExceeded: checkout has timed out"
        );
        assert_eq!(r.phase.to_string(), "Degraded");
    }

    #[test]
    fn unknown_status_phase_falls_back_to_derivation() {
        let mut status = promoted_status();
        status["phase"] = json!("ScaledDown");
        assert_eq!(info(&canary(status)).phase, Phase::Healthy);
    }

    #[test]
    fn aborted_canary_is_degraded() {
        let r = info(&canary(json!({
            "observedGeneration": "2",
            "abort": true,
            "message": "metric \"error-rate\" assessed Failed",
            "replicas": 5, "updatedReplicas": 0, "readyReplicas": 5,
            "availableReplicas": 5,
            "currentStepIndex": 2,
            "stableRS": "6d9f7c", "currentPodHash": "84b5d9"
        })));
        assert_eq!(r.phase, Phase::Degraded);
        assert_eq!(
            r.message,
            "RolloutAborted: metric \"error-rate\" assessed Failed"
        );
        assert!(r.aborted);
        assert_eq!(r.set_weight, Some(0));
        assert_eq!(r.actual_weight, Some(0));
    }

    #[test]
    fn aborted_condition_message_is_used() {
        let r = info(&canary(json!({
            "observedGeneration": "2",
            "abort": true,
            "conditions": [{
                "type": "Progressing", "status": "False", "reason": "RolloutAborted",
                "message": "Rollout aborted update to revision 3"
            }]
        })));
        assert_eq!(r.phase, Phase::Degraded);
        assert_eq!(
            r.message,
            "RolloutAborted: Rollout aborted update to revision 3"
        );
    }

    #[test]
    fn progress_deadline_exceeded_is_degraded() {
        let mut status = promoted_status();
        status["currentPodHash"] = json!("84b5d9");
        status["currentStepIndex"] = json!(0);
        status["conditions"] = json!([
            {"type": "Available", "status": "True", "reason": "AvailableReason"},
            {"type": "Progressing", "status": "False",
             "reason": "ProgressDeadlineExceeded",
             "message": "ReplicaSet \"checkout-84b5d9\" has timed out progressing."}
        ]);
        let r = info(&canary(status));
        assert_eq!(r.phase, Phase::Degraded);
        assert_eq!(
            r.message,
            "ProgressDeadlineExceeded: ReplicaSet \"checkout-84b5d9\" has timed out progressing."
        );
    }

    #[test]
    fn invalid_spec_is_degraded_only_when_true() {
        let mut status = promoted_status();
        status["conditions"] = json!([
            {"type": "InvalidSpec", "status": "True", "message": "steps[3] is invalid"}
        ]);
        let r = info(&canary(status.clone()));
        assert_eq!(r.phase, Phase::Degraded);
        assert_eq!(r.message, "InvalidSpec: steps[3] is invalid");

        status["conditions"][0]["status"] = json!("False");
        assert_eq!(info(&canary(status)).phase, Phase::Healthy);
    }

    #[test]
    fn manual_pause_and_unfinished_steps() {
        let mut obj = canary(promoted_status());
        obj["spec"]["paused"] = json!(true);
        let r = info(&obj);
        assert_eq!(
            (r.phase, r.message.as_str()),
            (Phase::Paused, "manually paused")
        );
        assert!(r.paused);

        let mut status = promoted_status();
        status["currentStepIndex"] = json!(3);
        let r = info(&canary(status));
        assert_eq!(r.phase, Phase::Progressing);
        assert_eq!(r.message, "waiting for all steps to complete");
        assert_eq!(r.set_weight, Some(60));
    }

    #[test]
    fn short_replicas_are_progressing() {
        let mut status = promoted_status();
        status["updatedReplicas"] = json!(3);
        let r = info(&canary(status));
        assert_eq!(r.phase, Phase::Progressing);
        assert_eq!(r.message, "more replicas need to be updated");

        let mut status = promoted_status();
        status["availableReplicas"] = json!(4);
        let r = info(&canary(status));
        assert_eq!(r.message, "updated replicas are still becoming available");
    }

    #[test]
    fn pending_restart_is_progressing() {
        let mut obj = canary(promoted_status());
        obj["spec"]["restartAt"] = json!("2024-05-01T10:00:00Z");
        obj["status"]["restartedAt"] = json!("2024-04-01T10:00:00Z");
        assert_eq!(info(&obj).message, "rollout is restarting");
        // Same instant, different spelling.
        obj["status"]["restartedAt"] = json!("2024-05-01T12:00:00+02:00");
        assert_eq!(info(&obj).phase, Phase::Healthy);
    }

    fn blue_green(active_selector: &str) -> Value {
        json!({
            "metadata": {"name": "api", "namespace": "core", "generation": 7},
            "spec": {
                "replicas": 3,
                "strategy": {"blueGreen": {
                    "activeService": "api-active",
                    "previewService": "api-preview",
                    "autoPromotionEnabled": false
                }},
                "template": {"spec": {"containers": [{"name": "api", "image": "api:2.0"}]}}
            },
            "status": {
                "observedGeneration": "7",
                "replicas": 6, "updatedReplicas": 3, "readyReplicas": 6,
                "availableReplicas": 6,
                "stableRS": "aaa111", "currentPodHash": "bbb222",
                "blueGreen": {"activeSelector": active_selector, "previewSelector": "bbb222"}
            }
        })
    }

    #[test]
    fn blue_green_services_and_cutover() {
        let r = info(&blue_green("aaa111"));
        assert_eq!(r.strategy, Strategy::BlueGreen);
        assert_eq!(r.active_service.as_deref(), Some("api-active"));
        assert_eq!(r.preview_service.as_deref(), Some("api-preview"));
        assert_eq!(r.phase, Phase::Progressing);
        assert_eq!(r.message, "active service cutover pending");
        assert_eq!((r.step, r.set_weight, r.actual_weight), (None, None, None));
        assert_eq!(r.images, ["api:2.0"]);

        let mut obj = blue_green("bbb222");
        obj["status"]["stableRS"] = json!("bbb222");
        let r = info(&obj);
        assert_eq!(r.phase, Phase::Healthy);
        assert_eq!(r.strategy.to_string(), "BlueGreen");
    }

    #[test]
    fn traffic_routed_actual_weight() {
        let mut obj = canary(json!({
            "observedGeneration": "2",
            "replicas": 10, "updatedReplicas": 5, "readyReplicas": 10,
            "availableReplicas": 10,
            "currentStepIndex": 2,
            "stableRS": "6d9f7c", "currentPodHash": "84b5d9",
            "canary": {"weights": {
                "canary": {"podTemplateHash": "84b5d9", "serviceName": "checkout-canary",
                           "weight": 45},
                "stable": {"podTemplateHash": "6d9f7c", "serviceName": "checkout-stable",
                           "weight": 55}
            }}
        }));
        obj["spec"]["strategy"]["canary"]["trafficRouting"] =
            json!({"nginx": {"stableIngress": "checkout"}});
        let r = info(&obj);
        assert_eq!(r.set_weight, Some(60));
        assert_eq!(r.actual_weight, Some(45));
        // Old pods linger under traffic routing; that alone is not progress.
        assert_eq!(r.message, "waiting for all steps to complete");

        obj["status"]["canary"] = json!({});
        assert_eq!(info(&obj).actual_weight, None);
    }

    #[test]
    fn canary_without_steps_and_before_first_weight() {
        let mut obj = canary(promoted_status());
        obj["spec"]["strategy"]["canary"] = json!({});
        let r = info(&obj);
        assert_eq!((r.step, r.set_weight), (None, Some(100)));

        let mut obj = canary(promoted_status());
        obj["spec"]["strategy"]["canary"]["steps"] = json!([{"pause": {}}, {"setWeight": 50}]);
        obj["status"]["currentStepIndex"] = json!(0);
        assert_eq!(info(&obj).set_weight, Some(0));
    }

    #[test]
    fn malformed_fields_read_as_absent() {
        // steps is a string: a canary without steps.
        let mut obj = canary(promoted_status());
        obj["spec"]["strategy"]["canary"]["steps"] = json!("setWeight: 20");
        let r = info(&obj);
        assert_eq!((r.step, r.set_weight), (None, Some(100)));
        assert_eq!(r.phase, Phase::Healthy);

        // replicas is "abc": defaults to 1.
        let mut obj = canary(promoted_status());
        obj["spec"]["replicas"] = json!("abc");
        obj["status"]["replicas"] = json!("abc");
        let r = info(&obj);
        assert_eq!((r.desired, r.replicas), (1, 0));

        // status is an array: nothing observed yet.
        let r = info(&canary(json!(["Healthy"])));
        assert_eq!(r.phase, Phase::Progressing);
        assert_eq!((r.replicas, r.stable_rs.clone()), (0, None));
        assert_eq!(r.step, Some((0, 4)));

        // observedGeneration as a number is accepted.
        let mut status = promoted_status();
        status["observedGeneration"] = json!(2);
        assert_eq!(info(&canary(status)).phase, Phase::Healthy);
    }

    #[test]
    fn missing_name_is_none() {
        assert_eq!(rollout_info(&json!({"metadata": {"namespace": "x"}})), None);
        assert_eq!(rollout_info(&json!({"metadata": {"name": 42}})), None);
        assert_eq!(rollout_info(&json!({"metadata": {"name": ""}})), None);
        assert_eq!(rollout_info(&json!(null)), None);
    }

    #[test]
    fn serializes_to_json() {
        let r = info(&canary(promoted_status()));
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["phase"], "Healthy");
        assert_eq!(v["strategy"], "Canary");
        assert_eq!(v["step"], json!([4, 4]));
    }

    /// Odd shapes from hand-edited or half-written objects: none may panic,
    /// and the counters must stay sane.
    #[test]
    fn odd_shapes_never_panic() {
        let named = |spec: Value, status: Value| {
            json!({"metadata": {"name": "odd", "generation": 1},
                   "spec": spec, "status": status})
        };
        let shapes = [
            json!({"metadata": {"name": "bare"}}),
            json!({"metadata": {"name": "x", "generation": "1"}, "spec": null}),
            named(json!(42), json!("status")),
            named(json!([]), json!({"observedGeneration": true})),
            named(
                json!({"strategy": "canary"}),
                json!({"observedGeneration": "1"}),
            ),
            named(
                json!({"strategy": {"canary": {"steps": [null, 7, "x", {"setWeight": "20"}]}}}),
                json!({"observedGeneration": "1", "currentStepIndex": 2}),
            ),
            named(
                json!({"strategy": {"canary": {"steps": [{"setWeight": -5}, {"setWeight": 250}]}}}),
                json!({"observedGeneration": "1", "currentStepIndex": 1}),
            ),
            named(
                json!({"strategy": {"canary": {"steps": [{"setWeight": 20}]}}}),
                json!({"observedGeneration": "1", "currentStepIndex": u64::MAX}),
            ),
            named(
                json!({"strategy": {"canary": {"steps": [{"setWeight": 20}]}}}),
                json!({"observedGeneration": "1", "currentStepIndex": -3}),
            ),
            named(
                json!({"replicas": i64::MAX, "strategy": {"canary": {}}}),
                json!({"observedGeneration": 1.5, "availableReplicas": -4,
                       "updatedReplicas": i64::MIN}),
            ),
            named(
                json!({"strategy": {"canary": {"trafficRouting": {}}}}),
                json!({"observedGeneration": "1",
                       "canary": {"weights": {"canary": {"weight": "45"}}}}),
            ),
            named(
                json!({"strategy": {"canary": {"trafficRouting": "istio"}}}),
                json!({"observedGeneration": "1", "canary": {"weights": []}}),
            ),
            named(
                json!({"strategy": {"blueGreen": "yes"}}),
                json!({"observedGeneration": "1", "blueGreen": 3}),
            ),
            named(
                json!({"strategy": {"blueGreen": {"activeService": 1, "previewService": []}}}),
                json!({"observedGeneration": "1", "blueGreen": {"activeSelector": null}}),
            ),
            named(
                json!({"paused": "true", "template": {"spec": {"containers": {"image": "a"}}}}),
                json!({"observedGeneration": "1", "pauseConditions": {"reason": "x"}}),
            ),
            named(
                json!({"template": {"spec": {"containers": [null, {"image": 5}, {"image": "ok"}]}}}),
                json!({"observedGeneration": "1", "pauseConditions": [1, {"reason": 2}, {}]}),
            ),
            named(
                json!({"restartAt": "yesterday"}),
                json!({"observedGeneration": "1", "conditions": "InvalidSpec"}),
            ),
            named(
                json!({}),
                json!({"observedGeneration": "1", "conditions": [null, 3, {"type": 1},
                       {"reason": ["RolloutAborted"]}], "phase": 3, "message": {}}),
            ),
            named(
                json!({}),
                json!({"observedGeneration": "  ", "controllerPause": "true", "abort": "yes"}),
            ),
            named(
                json!({"strategy": {"canary": {"steps": []}}}),
                json!({"observedGeneration": "99999999999999999999999", "phase": "healthy"}),
            ),
        ];
        for shape in &shapes {
            let r = rollout_info(shape).expect("every shape has a name");
            if let Some((idx, len)) = r.step {
                assert!(idx <= len, "{shape}");
            }
            for w in [r.set_weight, r.actual_weight].into_iter().flatten() {
                assert!(w <= 100, "{shape}");
            }
            assert!(r.images.iter().all(|i| !i.is_empty()));
            let _ = serde_json::to_string(&r).expect("serializable");
        }
        // Spot checks on what the odd shapes mean.
        let r = info(&shapes[6]);
        assert_eq!(r.set_weight, Some(100));
        let r = info(&shapes[9]);
        assert_eq!((r.desired, r.available, r.updated), (1, -4, 0));
        assert_eq!((r.phase, r.actual_weight), (Phase::Progressing, Some(0)));
        let r = info(&shapes[15]);
        assert_eq!(r.images, ["ok"]);
        assert!(r.paused && r.pause_reasons.is_empty());
        assert_eq!(r.phase, Phase::Paused);
        assert_eq!(info(&shapes[18]).phase, Phase::Progressing);
    }
}
