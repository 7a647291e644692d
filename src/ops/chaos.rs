//! Chaos experiments' requests: pause and resume as Chaos Mesh's dashboard
//! sends them (a merge patch of its pause annotation, `"true"` / `"false"`),
//! a Litmus engine stopped as its docs say (`spec.engineState: stop`), and a
//! declared experiment created whole.

use serde_json::{json, Value};

use super::action::{Operation, PatchRequest};
use super::target::{ObjectKind, Target};
use crate::chaos::kind::PAUSE_ANNOTATION;
use crate::config::experiment::ExperimentConfig;
use crate::config::service::ServiceConfig;

fn kind_name(obj: &Value) -> String {
    format!(
        "{} {}",
        obj["kind"].as_str().unwrap_or("experiment"),
        obj.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?")
    )
}

pub fn pause(on: bool, obj: &Value) -> Result<(PatchRequest, String), String> {
    let paused = obj
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(PAUSE_ANNOTATION))
        .and_then(Value::as_str)
        == Some("true");
    let what = kind_name(obj);
    if paused == on {
        return Err(format!(
            "{what} is already {}",
            if on { "paused" } else { "running" }
        ));
    }
    let value = if on { "true" } else { "false" };
    let req = PatchRequest::merge(json!({"metadata": {"annotations": {PAUSE_ANNOTATION: value}}}));
    let summary = if on {
        format!("pause {what}: Chaos Mesh recovers its targets until it is resumed")
    } else {
        format!("resume {what}: Chaos Mesh injects its fault again")
    };
    Ok((req, summary))
}

pub fn stop(obj: &Value) -> Result<(PatchRequest, String), String> {
    let what = kind_name(obj);
    let state = obj.pointer("/spec/engineState").and_then(Value::as_str);
    if state == Some("stop") {
        return Err(format!("{what} is already stopped"));
    }
    let req = PatchRequest::merge(json!({"spec": {"engineState": "stop"}}));
    Ok((req, format!("stop {what}: Litmus aborts its experiments")))
}

/// `[[experiment]] NAME` on `context` (of `group`): the new object as the
/// target and the start, if it may run there.
pub fn declared(
    experiments: &[ExperimentConfig],
    services: &[ServiceConfig],
    context: &str,
    group: Option<&str>,
    name: &str,
) -> Result<(Target, Operation), String> {
    let Some(e) = experiments.iter().find(|e| e.name == name) else {
        let names: Vec<&str> = experiments.iter().map(|e| e.name.as_str()).collect();
        return Err(format!(
            "no [[experiment]] named {name:?} (the config declares: {})",
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        ));
    };
    let service = e
        .service
        .as_ref()
        .and_then(|s| services.iter().find(|x| &x.name == s));
    if !e.allowed_on(context, service, group) {
        return Err(format!(
            "[[experiment]] {name} may not run on {context} (its clusters, or its service's, do not include it)"
        ));
    }
    let (kind, manifest) = e
        .object(service.map(|s| s.namespace.as_str()))
        .map_err(|m| format!("[[experiment]] {name}: {m}"))?;
    let t = Target::new(
        context,
        manifest["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default(),
        ObjectKind::Chaos(kind),
        manifest["metadata"]["name"].as_str().unwrap_or_default(),
    );
    let op = Operation::Start {
        manifest,
        service: e.service.clone(),
    };
    Ok((t, op))
}

/// The declared object, checked to be the target it is planned as.
pub fn start(t: &Target, manifest: &Value) -> Result<(PatchRequest, String), String> {
    let meta = &manifest["metadata"];
    let kind = ObjectKind::from_manifest(
        manifest["apiVersion"].as_str().unwrap_or_default(),
        manifest["kind"].as_str().unwrap_or_default(),
    );
    if kind != Some(t.kind) || !matches!(t.kind, ObjectKind::Chaos(_)) {
        return Err(format!(
            "the declared object is a {} {}, not a chaos experiment of kind {}",
            manifest["apiVersion"].as_str().unwrap_or("?"),
            manifest["kind"].as_str().unwrap_or("?"),
            t.kind.name()
        ));
    }
    if meta["name"] != t.name.as_str() || meta["namespace"] != t.namespace.as_str() {
        return Err(format!(
            "the declared object is {}/{}, not {}/{}",
            meta["namespace"].as_str().unwrap_or("?"),
            meta["name"].as_str().unwrap_or("?"),
            t.namespace,
            t.name
        ));
    }
    let summary = format!("start {}", kind_name(manifest));
    Ok((PatchRequest::create(manifest.clone()), summary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::ChaosKind;

    #[test]
    fn pause_and_resume_send_what_the_chaos_mesh_dashboard_sends() {
        let running = json!({"kind": "NetworkChaos", "metadata": {"name": "eu"}});
        let (req, _) = pause(true, &running).unwrap();
        assert_eq!(
            req.body,
            json!({"metadata": {"annotations": {"experiment.chaos-mesh.org/pause": "true"}}})
        );
        assert!(pause(false, &running)
            .unwrap_err()
            .contains("already running"));
        let paused = json!({"kind": "NetworkChaos", "metadata": {"name": "eu",
            "annotations": {"experiment.chaos-mesh.org/pause": "true"}}});
        let (req, _) = pause(false, &paused).unwrap();
        assert_eq!(
            req.body["metadata"]["annotations"][PAUSE_ANNOTATION],
            "false"
        );
        let engine = json!({"kind": "ChaosEngine", "metadata": {"name": "e"}, "spec": {"engineState": "active"}});
        assert_eq!(
            stop(&engine).unwrap().0.body,
            json!({"spec": {"engineState": "stop"}})
        );
        let stopped = json!({"spec": {"engineState": "stop"}});
        assert!(stop(&stopped).is_err());
    }

    #[test]
    fn a_start_creates_exactly_the_declared_target() {
        let t = Target::new(
            "c",
            "shop",
            ObjectKind::Chaos(ChaosKind::PodChaos),
            "kill-one",
        );
        let m = json!({"apiVersion": "chaos-mesh.org/v1alpha1", "kind": "PodChaos",
            "metadata": {"name": "kill-one", "namespace": "shop"}, "spec": {"action": "pod-kill"}});
        let (req, _) = start(&t, &m).unwrap();
        assert_eq!(req.body, m);
        let mut other = m.clone();
        other["metadata"]["namespace"] = json!("pay");
        assert!(start(&t, &other).is_err());
        let mut wrong = m.clone();
        wrong["kind"] = json!("Deployment");
        assert!(start(&t, &wrong).is_err());
    }
}
