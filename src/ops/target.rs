//! What an action is aimed at: `CONTEXT/NAMESPACE/KIND/NAME`, parsed from the
//! right so context names with `/` (EKS ARNs) work; KIND as kubectl spells it.

use kube::api::{ApiResource, GroupVersionKind};
use serde::{Deserialize, Serialize};

use crate::fleet::objects::WorkloadKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub context: String,
    pub namespace: String,
    pub kind: WorkloadKind,
    pub name: String,
}

impl Target {
    pub fn parse(text: &str) -> Result<Target, String> {
        let mut parts = text.rsplitn(4, '/');
        let name = parts.next().filter(|s| !s.is_empty());
        let kind = parts.next().filter(|s| !s.is_empty());
        let namespace = parts.next().filter(|s| !s.is_empty());
        let context = parts.next().filter(|s| !s.is_empty());
        let (Some(context), Some(namespace), Some(kind), Some(name)) =
            (context, namespace, kind, name)
        else {
            return Err(format!("{text:?}: expected CONTEXT/NAMESPACE/KIND/NAME"));
        };
        let kind = kind_from_str(kind).ok_or_else(|| {
            format!("{text:?}: unknown kind {kind:?} (deployment|deploy, statefulset|sts, daemonset|ds, rollout|ro)")
        })?;
        Ok(Target {
            context: context.to_string(),
            namespace: namespace.to_string(),
            kind,
            name: name.to_string(),
        })
    }

    pub fn api_resource(&self) -> ApiResource {
        api_resource(self.kind)
    }

    /// `deploy/shop/web` style, for messages.
    pub fn short(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.kind.short(), self.name)
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.context,
            self.namespace,
            self.kind.name().to_lowercase(),
            self.name
        )
    }
}

pub fn kind_from_str(s: &str) -> Option<WorkloadKind> {
    match s.to_lowercase().as_str() {
        "deployment" | "deployments" | "deploy" | "dp" => Some(WorkloadKind::Deployment),
        "statefulset" | "statefulsets" | "sts" => Some(WorkloadKind::StatefulSet),
        "daemonset" | "daemonsets" | "ds" => Some(WorkloadKind::DaemonSet),
        "rollout" | "rollouts" | "ro" => Some(WorkloadKind::Rollout),
        _ => None,
    }
}

pub fn api_resource(kind: WorkloadKind) -> ApiResource {
    let (group, version, plural) = match kind {
        WorkloadKind::Deployment => ("apps", "v1", "deployments"),
        WorkloadKind::StatefulSet => ("apps", "v1", "statefulsets"),
        WorkloadKind::DaemonSet => ("apps", "v1", "daemonsets"),
        WorkloadKind::Rollout => ("argoproj.io", "v1alpha1", "rollouts"),
    };
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind.name()), plural)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_from_the_right_so_arns_work() {
        let t = Target::parse("arn:aws:eks:eu-west-1:123:cluster/prod/shop/deploy/web").unwrap();
        assert_eq!(t.context, "arn:aws:eks:eu-west-1:123:cluster/prod");
        assert_eq!(t.namespace, "shop");
        assert_eq!(t.kind, WorkloadKind::Deployment);
        assert_eq!(t.name, "web");
        assert_eq!(
            Target::parse("c/ns/ro/x").unwrap().kind,
            WorkloadKind::Rollout
        );
        assert!(Target::parse("ns/deploy/web").is_err());
        assert!(Target::parse("c/ns/pod/web")
            .unwrap_err()
            .contains("unknown kind"));
        assert!(Target::parse("c//deploy/web").is_err());
    }
}
