//! Who changed a workload, read back from its managedFields summary
//! (`fleet::managers`): a spec written by someone who is not a controller is
//! a hand edit; a write through the scale subresource is a scale, whoever
//! made it (an HPA scales too). managedFields keep no old values, so these
//! lines say who, what and when; before → after comes from live observation.

use chrono::{DateTime, Duration, Utc};

use super::change::{Change, ChangeKind, ObjectRef};
use crate::fleet::managers::FieldManager;
use crate::fleet::objects::WorkloadInfo;

/// Writes by these are reconciliation, not someone changing the workload.
pub fn is_controller(manager: &str) -> bool {
    const EXACT: &[&str] = &[
        "kube-controller-manager",
        "kube-scheduler",
        "kubelet",
        "kube-apiserver",
        "rollouts-controller",
        "argo-rollouts",
        "argocd-controller",
        "argocd-application-controller",
    ];
    EXACT.contains(&manager)
        || manager.starts_with("system:")
        || manager.ends_with("-controller")
        || manager.ends_with("-operator")
        || manager.ends_with("controller-manager")
}

/// Who last set the replicas: the scale subresource's writer (a time-less
/// entry, so preferred by kind, not by time), else the owner of spec.replicas.
pub fn replicas_writer(w: &WorkloadInfo) -> Option<String> {
    let owns = |m: &&FieldManager| m.fields.iter().any(|f| f == "spec.replicas");
    let scale = w
        .managers
        .iter()
        .filter(owns)
        .find(|m| m.subresource.as_deref() == Some("scale"));
    scale
        .or_else(|| {
            w.managers
                .iter()
                .filter(owns)
                .filter(|m| m.subresource.is_none())
                .max_by_key(|m| m.time)
        })
        .map(|m| m.manager.clone())
}

/// fleetdeck's own writes are in the journal and its Events already.
fn is_fleetdeck(manager: &str) -> bool {
    manager == crate::ops::apply::FIELD_MANAGER
}

/// The workload's edits and scales at or after `since`.
pub fn from_managers(context: &str, w: &WorkloadInfo, since: DateTime<Utc>) -> Vec<Change> {
    let object = ObjectRef::new(w.kind.name(), &w.namespace, &w.name);
    let creator = creator(w);
    w.managers
        .iter()
        .enumerate()
        .filter_map(|(i, m)| line(context, &object, w, m, creator == Some(i), since))
        .collect()
}

/// The entry that created the object: written when it was created (times
/// are to the second, so an edit a moment later is too) and owning the most
/// fields — an edit owns only what it changed.
pub fn creator(w: &WorkloadInfo) -> Option<usize> {
    let created = w.created?;
    w.managers
        .iter()
        .enumerate()
        .filter(|(_, m)| m.subresource.is_none())
        .filter(|(_, m)| {
            m.time
                .is_some_and(|t| (t - created).abs() <= Duration::seconds(2))
        })
        .max_by_key(|(i, m)| (m.fields.len(), std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
}

fn line(
    context: &str,
    object: &ObjectRef,
    w: &WorkloadInfo,
    m: &FieldManager,
    created: bool,
    since: DateTime<Utc>,
) -> Option<Change> {
    let time = m.time.filter(|t| *t >= since)?;
    if is_fleetdeck(&m.manager) {
        return None;
    }
    let spec: Vec<&str> = m
        .fields
        .iter()
        .map(String::as_str)
        .filter(|f| *f == "spec" || f.starts_with("spec."))
        .collect();
    let scale = m.subresource.as_deref() == Some("scale") || spec == ["spec.replicas"];
    if scale {
        let summary = format!("replicas set to {} (now)", w.desired);
        return Some(
            Change::new(time, context, ChangeKind::Scale, object.clone(), summary)
                .by(m.manager.clone())
                .detail(describe(m)),
        );
    }
    if spec.is_empty() || m.subresource.is_some() || is_controller(&m.manager) {
        return None;
    }
    let summary = if created {
        // Only the creator and the time: the images are today's, not then's.
        "created".to_string()
    } else {
        format!("{} changed by hand", spec.join(", "))
    };
    let kind = if created {
        ChangeKind::Revision
    } else {
        ChangeKind::Edit
    };
    Some(
        Change::new(time, context, kind, object.clone(), summary)
            .by(m.manager.clone())
            .detail(describe(m)),
    )
}

fn describe(m: &FieldManager) -> String {
    let via = m
        .subresource
        .as_deref()
        .map(|s| format!(" through /{s}"))
        .unwrap_or_default();
    format!(
        "{} ({}{via}) last wrote: {}",
        m.manager,
        m.operation,
        m.fields.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::objects::WorkloadKind;

    fn manager(name: &str, sub: Option<&str>, at: DateTime<Utc>, fields: &[&str]) -> FieldManager {
        FieldManager {
            manager: name.into(),
            operation: "Update".into(),
            subresource: sub.map(String::from),
            time: Some(at),
            fields: fields.iter().map(|f| f.to_string()).collect(),
        }
    }

    fn workload(managers: Vec<FieldManager>, created: DateTime<Utc>) -> WorkloadInfo {
        WorkloadInfo {
            kind: WorkloadKind::Deployment,
            namespace: "shop".into(),
            name: "checkout".into(),
            desired: 5,
            ready: 5,
            updated: 5,
            available: 5,
            images: vec!["shop/checkout:1.5.0".into()],
            healthy: true,
            status: "Healthy".into(),
            conditions: Vec::new(),
            created: Some(created),
            rollout: None,
            managers,
            depends_on: Vec::new(),
        }
    }

    #[test]
    fn controllers_are_not_hand_edits_people_are() {
        let t0 = Utc::now() - Duration::minutes(50);
        let w = workload(
            vec![
                manager(
                    "kubectl-client-side-apply",
                    None,
                    t0,
                    &["spec.template", "spec.selector"],
                ),
                // The same second as the creation: still an edit (it owns less).
                manager("kubectl-patch", None, t0, &["spec.template"]),
                manager(
                    "kube-controller-manager",
                    Some("status"),
                    t0 + Duration::minutes(1),
                    &["status.replicas"],
                ),
                manager(
                    "kube-controller-manager",
                    None,
                    t0 + Duration::minutes(2),
                    &["spec.template"],
                ),
                manager(
                    "kubectl-edit",
                    None,
                    t0 + Duration::minutes(10),
                    &["spec.template"],
                ),
                manager(
                    "kubectl",
                    Some("scale"),
                    t0 + Duration::minutes(20),
                    &["spec.replicas"],
                ),
                manager(
                    "fleetdeck",
                    None,
                    t0 + Duration::minutes(30),
                    &["spec.replicas"],
                ),
                manager(
                    "alice-ssa",
                    None,
                    t0 + Duration::minutes(40),
                    &["metadata.labels"],
                ),
            ],
            t0,
        );
        let lines = from_managers("prod", &w, t0 - Duration::minutes(5));
        let got: Vec<(ChangeKind, &str, &str)> = lines
            .iter()
            .map(|c| (c.kind, c.by.as_deref().unwrap(), c.summary.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (ChangeKind::Revision, "kubectl-client-side-apply", "created"),
                (
                    ChangeKind::Edit,
                    "kubectl-patch",
                    "spec.template changed by hand"
                ),
                (
                    ChangeKind::Edit,
                    "kubectl-edit",
                    "spec.template changed by hand"
                ),
                (ChangeKind::Scale, "kubectl", "replicas set to 5 (now)"),
            ]
        );
        assert_eq!(lines[1].object.to_string(), "shop/Deployment/checkout");
        // Older than the window: left out.
        assert!(from_managers("prod", &w, Utc::now()).is_empty());
    }

    #[test]
    fn controller_names() {
        for c in [
            "kube-controller-manager",
            "rollouts-controller",
            "cert-manager-controller",
            "prometheus-operator",
            "system:serviceaccount:x",
        ] {
            assert!(is_controller(c), "{c}");
        }
        for p in [
            "kubectl-edit",
            "kubectl-patch",
            "kubectl-client-side-apply",
            "kubectl",
            "helm",
            "alice",
        ] {
            assert!(!is_controller(p), "{p}");
        }
    }
}
