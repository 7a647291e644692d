//! What an action is aimed at: `CONTEXT/NAMESPACE/KIND/NAME`, parsed from the
//! right so context names with `/` (EKS ARNs) work; KIND as kubectl spells it.

use kube::api::{ApiResource, GroupVersionKind};
use serde::{Deserialize, Serialize};

use crate::chaos::ChaosKind;
use crate::fleet::objects::WorkloadKind;

/// Every kind of object an action can write: the workloads, and the traffic
/// objects a canary or blue/green acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ObjectKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    Rollout,
    Service,
    HttpRoute,
    VirtualService,
    /// k8gb `Gslb`, group `k8gb.io`.
    Gslb,
    /// k8gb `Gslb` in the legacy group `k8gb.absa.oss` (still served).
    GslbLegacy,
    /// external-dns `DNSEndpoint`.
    DnsEndpoint,
    /// Cluster-scoped: the target's namespace is empty.
    Node,
    ConfigMap,
    /// Argo CD `Application`.
    Application,
    /// Velero `Schedule` (`velero.io/v1`).
    VeleroSchedule,
    /// Velero `Backup` (`velero.io/v1`): created, never patched.
    VeleroBackup,
    /// A Chaos Mesh experiment, Schedule or Workflow, or a Litmus ChaosEngine.
    Chaos(ChaosKind),
}

impl ObjectKind {
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Deployment => "Deployment",
            ObjectKind::StatefulSet => "StatefulSet",
            ObjectKind::DaemonSet => "DaemonSet",
            ObjectKind::Rollout => "Rollout",
            ObjectKind::Service => "Service",
            ObjectKind::HttpRoute => "HTTPRoute",
            ObjectKind::VirtualService => "VirtualService",
            ObjectKind::Gslb => "Gslb",
            ObjectKind::GslbLegacy => "Gslb.k8gb.absa.oss",
            ObjectKind::DnsEndpoint => "DNSEndpoint",
            ObjectKind::Node => "Node",
            ObjectKind::ConfigMap => "ConfigMap",
            ObjectKind::Application => "Application",
            ObjectKind::VeleroSchedule => "Schedule",
            ObjectKind::VeleroBackup => "Backup",
            ObjectKind::Chaos(k) => k.name(),
        }
    }

    pub const ALL: [ObjectKind; 15] = [
        ObjectKind::Deployment,
        ObjectKind::StatefulSet,
        ObjectKind::DaemonSet,
        ObjectKind::Rollout,
        ObjectKind::Service,
        ObjectKind::HttpRoute,
        ObjectKind::VirtualService,
        ObjectKind::Gslb,
        ObjectKind::GslbLegacy,
        ObjectKind::DnsEndpoint,
        ObjectKind::Node,
        ObjectKind::ConfigMap,
        ObjectKind::Application,
        ObjectKind::VeleroSchedule,
        ObjectKind::VeleroBackup,
    ];

    /// The chaos experiments' kinds (not in `ALL`: nothing applies them).
    pub const CHAOS: [ObjectKind; 11] = [
        ObjectKind::Chaos(ChaosKind::PodChaos),
        ObjectKind::Chaos(ChaosKind::NetworkChaos),
        ObjectKind::Chaos(ChaosKind::IOChaos),
        ObjectKind::Chaos(ChaosKind::StressChaos),
        ObjectKind::Chaos(ChaosKind::TimeChaos),
        ObjectKind::Chaos(ChaosKind::HTTPChaos),
        ObjectKind::Chaos(ChaosKind::DNSChaos),
        ObjectKind::Chaos(ChaosKind::KernelChaos),
        ObjectKind::Chaos(ChaosKind::Schedule),
        ObjectKind::Chaos(ChaosKind::Workflow),
        ObjectKind::Chaos(ChaosKind::ChaosEngine),
    ];

    /// The kind a manifest's `apiVersion` and `kind` name, if fleetdeck knows it.
    pub fn from_manifest(api_version: &str, kind: &str) -> Option<ObjectKind> {
        ObjectKind::ALL
            .into_iter()
            .chain(ObjectKind::CHAOS)
            .find(|k| {
                let ar = k.api_resource();
                ar.api_version == api_version && ar.kind == kind
            })
    }

    /// Objects without a namespace.
    pub fn cluster_scoped(self) -> bool {
        self == ObjectKind::Node
    }

    pub fn short(self) -> &'static str {
        match self {
            ObjectKind::Service => "svc",
            ObjectKind::HttpRoute => "httproute",
            ObjectKind::VirtualService => "vs",
            ObjectKind::Gslb => "gslb",
            ObjectKind::GslbLegacy => "gslb.k8gb.absa.oss",
            ObjectKind::DnsEndpoint => "dnsendpoint",
            ObjectKind::Node => "node",
            ObjectKind::ConfigMap => "cm",
            ObjectKind::Application => "app",
            ObjectKind::VeleroSchedule => "schedule.velero.io",
            ObjectKind::VeleroBackup => "backup.velero.io",
            ObjectKind::Chaos(k) => k.short(),
            other => other.workload().map(WorkloadKind::short).unwrap_or(""),
        }
    }

    pub fn workload(self) -> Option<WorkloadKind> {
        match self {
            ObjectKind::Deployment => Some(WorkloadKind::Deployment),
            ObjectKind::StatefulSet => Some(WorkloadKind::StatefulSet),
            ObjectKind::DaemonSet => Some(WorkloadKind::DaemonSet),
            ObjectKind::Rollout => Some(WorkloadKind::Rollout),
            _ => None,
        }
    }

    pub fn api_resource(self) -> ApiResource {
        let (group, version, plural) = match self {
            ObjectKind::Deployment => ("apps", "v1", "deployments"),
            ObjectKind::StatefulSet => ("apps", "v1", "statefulsets"),
            ObjectKind::DaemonSet => ("apps", "v1", "daemonsets"),
            ObjectKind::Rollout => ("argoproj.io", "v1alpha1", "rollouts"),
            ObjectKind::Service => ("", "v1", "services"),
            ObjectKind::HttpRoute => ("gateway.networking.k8s.io", "v1", "httproutes"),
            ObjectKind::VirtualService => ("networking.istio.io", "v1", "virtualservices"),
            ObjectKind::Gslb => ("k8gb.io", "v1beta1", "gslbs"),
            ObjectKind::GslbLegacy => ("k8gb.absa.oss", "v1beta1", "gslbs"),
            ObjectKind::DnsEndpoint => ("externaldns.k8s.io", "v1alpha1", "dnsendpoints"),
            ObjectKind::Node => ("", "v1", "nodes"),
            ObjectKind::ConfigMap => ("", "v1", "configmaps"),
            ObjectKind::Application => ("argoproj.io", "v1alpha1", "applications"),
            ObjectKind::VeleroSchedule => ("velero.io", "v1", "schedules"),
            ObjectKind::VeleroBackup => ("velero.io", "v1", "backups"),
            ObjectKind::Chaos(k) => (k.group(), "v1alpha1", k.plural()),
        };
        let kind = match self {
            ObjectKind::GslbLegacy => "Gslb",
            other => other.name(),
        };
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
    }
}

impl From<WorkloadKind> for ObjectKind {
    fn from(k: WorkloadKind) -> Self {
        match k {
            WorkloadKind::Deployment => ObjectKind::Deployment,
            WorkloadKind::StatefulSet => ObjectKind::StatefulSet,
            WorkloadKind::DaemonSet => ObjectKind::DaemonSet,
            WorkloadKind::Rollout => ObjectKind::Rollout,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub context: String,
    pub namespace: String,
    pub kind: ObjectKind,
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
            format!("{text:?}: unknown kind {kind:?} (deployment|deploy, statefulset|sts, daemonset|ds, rollout|ro, service|svc, httproute, virtualservice|vs)")
        })?;
        Ok(Target::new(context, namespace, kind, name))
    }

    /// `CONTEXT/NAMESPACE/NAME` with the kind given by the command
    /// (`rollout promote`, `bluegreen flip`).
    pub fn parse_named(text: &str, kind: ObjectKind) -> Result<Target, String> {
        let mut parts = text.rsplitn(3, '/');
        let name = parts.next().filter(|s| !s.is_empty());
        let namespace = parts.next().filter(|s| !s.is_empty());
        let context = parts.next().filter(|s| !s.is_empty());
        match (context, namespace, name) {
            (Some(c), Some(ns), Some(n)) => Ok(Target::new(c, ns, kind, n)),
            _ => Err(format!("{text:?}: expected CONTEXT/NAMESPACE/NAME")),
        }
    }

    pub fn new(context: &str, namespace: &str, kind: impl Into<ObjectKind>, name: &str) -> Target {
        Target {
            context: context.to_string(),
            namespace: namespace.to_string(),
            kind: kind.into(),
            name: name.to_string(),
        }
    }

    pub fn api_resource(&self) -> ApiResource {
        self.kind.api_resource()
    }

    /// The API for the target's kind, namespaced unless the kind is not.
    pub fn api(&self, client: &kube::Client) -> kube::Api<kube::api::DynamicObject> {
        if self.kind.cluster_scoped() {
            kube::Api::all_with(client.clone(), &self.api_resource())
        } else {
            kube::Api::namespaced_with(client.clone(), &self.namespace, &self.api_resource())
        }
    }

    /// `deploy/shop/web` style, for messages.
    pub fn short(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.kind.short(), self.name)
    }

    /// `shop/deployment/web` (`node/n1` for cluster-scoped objects).
    pub fn kubectl(&self) -> String {
        let kind = self.kind.name().to_lowercase();
        if self.namespace.is_empty() {
            format!("{kind}/{}", self.name)
        } else {
            format!("{}/{kind}/{}", self.namespace, self.name)
        }
    }

    /// The same object kind and name elsewhere (a sibling the action touches).
    pub fn sibling(&self, kind: ObjectKind, name: &str) -> Target {
        Target::new(&self.context, &self.namespace, kind, name)
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

pub fn kind_from_str(s: &str) -> Option<ObjectKind> {
    match s.to_lowercase().as_str() {
        "deployment" | "deployments" | "deploy" | "dp" => Some(ObjectKind::Deployment),
        "statefulset" | "statefulsets" | "sts" => Some(ObjectKind::StatefulSet),
        "daemonset" | "daemonsets" | "ds" => Some(ObjectKind::DaemonSet),
        "rollout" | "rollouts" | "ro" => Some(ObjectKind::Rollout),
        "service" | "services" | "svc" => Some(ObjectKind::Service),
        "httproute" | "httproutes" => Some(ObjectKind::HttpRoute),
        "virtualservice" | "virtualservices" | "vs" => Some(ObjectKind::VirtualService),
        "gslb" | "gslbs" | "gslb.k8gb.io" => Some(ObjectKind::Gslb),
        "gslb.k8gb.absa.oss" | "gslbs.k8gb.absa.oss" => Some(ObjectKind::GslbLegacy),
        "dnsendpoint" | "dnsendpoints" => Some(ObjectKind::DnsEndpoint),
        "node" | "nodes" | "no" => Some(ObjectKind::Node),
        "configmap" | "configmaps" | "cm" => Some(ObjectKind::ConfigMap),
        "application" | "applications" | "app" => Some(ObjectKind::Application),
        "schedule.velero.io" | "schedules.velero.io" => Some(ObjectKind::VeleroSchedule),
        "backup.velero.io" | "backups.velero.io" => Some(ObjectKind::VeleroBackup),
        // A bare `schedule` or `workflow` is ambiguous; the chaos ones are
        // named with their group (`schedule.chaos-mesh.org`).
        "schedule" | "schedules" | "workflow" | "workflows" => None,
        other => ChaosKind::parse(other).map(ObjectKind::Chaos),
    }
}

pub fn api_resource(kind: ObjectKind) -> ApiResource {
    kind.api_resource()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_from_the_right_so_arns_work() {
        let t = Target::parse("arn:aws:eks:eu-west-1:123:cluster/prod/shop/deploy/web").unwrap();
        assert_eq!(t.context, "arn:aws:eks:eu-west-1:123:cluster/prod");
        assert_eq!(t.namespace, "shop");
        assert_eq!(t.kind, ObjectKind::Deployment);
        assert_eq!(t.name, "web");
        assert_eq!(
            Target::parse("c/ns/ro/x").unwrap().kind,
            ObjectKind::Rollout
        );
        assert_eq!(
            Target::parse("c/ns/vs/x").unwrap().kind,
            ObjectKind::VirtualService
        );
        assert!(Target::parse("ns/deploy/web").is_err());
        assert!(Target::parse("c/ns/pod/web")
            .unwrap_err()
            .contains("unknown kind"));
        assert!(Target::parse("c//deploy/web").is_err());
        let r = Target::parse_named("a/b/c/shop/web", ObjectKind::Rollout).unwrap();
        assert_eq!((r.context.as_str(), r.name.as_str()), ("a/b/c", "web"));
        assert!(Target::parse_named("shop/web", ObjectKind::Rollout).is_err());
    }
}
