//! The experiment kinds fleetdeck reads and acts on: Chaos Mesh's
//! (`chaos-mesh.org/v1alpha1`) and LitmusChaos's engine
//! (`litmuschaos.io/v1alpha1`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChaosKind {
    PodChaos,
    NetworkChaos,
    IOChaos,
    StressChaos,
    TimeChaos,
    HTTPChaos,
    DNSChaos,
    KernelChaos,
    /// Chaos Mesh `Schedule`: spawns an experiment on a cron.
    Schedule,
    Workflow,
    /// LitmusChaos `ChaosEngine`.
    ChaosEngine,
}

pub const MESH_GROUP: &str = "chaos-mesh.org";
pub const LITMUS_GROUP: &str = "litmuschaos.io";
/// Chaos Mesh's pause annotation (its dashboard writes `"true"` / `"false"`).
pub const PAUSE_ANNOTATION: &str = "experiment.chaos-mesh.org/pause";

impl ChaosKind {
    pub const ALL: [ChaosKind; 11] = [
        ChaosKind::PodChaos,
        ChaosKind::NetworkChaos,
        ChaosKind::IOChaos,
        ChaosKind::StressChaos,
        ChaosKind::TimeChaos,
        ChaosKind::HTTPChaos,
        ChaosKind::DNSChaos,
        ChaosKind::KernelChaos,
        ChaosKind::Schedule,
        ChaosKind::Workflow,
        ChaosKind::ChaosEngine,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ChaosKind::PodChaos => "PodChaos",
            ChaosKind::NetworkChaos => "NetworkChaos",
            ChaosKind::IOChaos => "IOChaos",
            ChaosKind::StressChaos => "StressChaos",
            ChaosKind::TimeChaos => "TimeChaos",
            ChaosKind::HTTPChaos => "HTTPChaos",
            ChaosKind::DNSChaos => "DNSChaos",
            ChaosKind::KernelChaos => "KernelChaos",
            ChaosKind::Schedule => "Schedule",
            ChaosKind::Workflow => "Workflow",
            ChaosKind::ChaosEngine => "ChaosEngine",
        }
    }

    /// The resource name (the CRDs' `spec.names.plural`).
    pub fn plural(self) -> &'static str {
        match self {
            ChaosKind::Schedule => "schedules",
            ChaosKind::Workflow => "workflows",
            ChaosKind::ChaosEngine => "chaosengines",
            other => match other {
                ChaosKind::PodChaos => "podchaos",
                ChaosKind::NetworkChaos => "networkchaos",
                ChaosKind::IOChaos => "iochaos",
                ChaosKind::StressChaos => "stresschaos",
                ChaosKind::TimeChaos => "timechaos",
                ChaosKind::HTTPChaos => "httpchaos",
                ChaosKind::DNSChaos => "dnschaos",
                _ => "kernelchaos",
            },
        }
    }

    /// How kubectl-style messages name it, unambiguous beside Velero's.
    pub fn short(self) -> &'static str {
        match self {
            ChaosKind::Schedule => "schedule.chaos-mesh.org",
            ChaosKind::Workflow => "workflow.chaos-mesh.org",
            ChaosKind::ChaosEngine => "chaosengine",
            other => other.plural(),
        }
    }

    pub fn group(self) -> &'static str {
        if self.litmus() {
            LITMUS_GROUP
        } else {
            MESH_GROUP
        }
    }

    pub fn litmus(self) -> bool {
        self == ChaosKind::ChaosEngine
    }

    /// `networkchaos.chaos-mesh.org`, as kubectl names it.
    pub fn qualified(self) -> String {
        format!("{}.{}", self.plural(), self.group())
    }

    /// The kind a manifest's `apiVersion` and `kind` name.
    pub fn from_manifest(api_version: &str, kind: &str) -> Option<ChaosKind> {
        ChaosKind::ALL
            .into_iter()
            .find(|k| api_version == format!("{}/v1alpha1", k.group()) && kind == k.name())
    }

    /// From what a user types: `networkchaos`, `NetworkChaos`,
    /// `networkchaos.chaos-mesh.org`, `chaosengine`.
    pub fn parse(text: &str) -> Option<ChaosKind> {
        let t = text.to_lowercase();
        ChaosKind::ALL.into_iter().find(|k| {
            let name = k.name().to_lowercase();
            t == name
                || t == k.plural()
                || t == k.qualified()
                || t == format!("{name}.{}", k.group())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in ChaosKind::ALL {
            assert_eq!(ChaosKind::parse(k.name()), Some(k));
            assert_eq!(ChaosKind::parse(&k.qualified()), Some(k));
            assert_eq!(
                ChaosKind::from_manifest(&format!("{}/v1alpha1", k.group()), k.name()),
                Some(k)
            );
        }
        assert_eq!(ChaosKind::parse("schedule"), Some(ChaosKind::Schedule));
        assert_eq!(ChaosKind::parse("chaosresult"), None);
        assert!(ChaosKind::from_manifest("velero.io/v1", "Schedule").is_none());
    }
}
