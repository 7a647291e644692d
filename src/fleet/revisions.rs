//! Workload revisions as the cluster keeps them: a ReplicaSet per revision of
//! a Deployment or an Argo Rollout, a ControllerRevision per revision of a
//! StatefulSet or DaemonSet. Decoded from the wire with only what the
//! timeline reads — owner, revision number, creation time, images — so a
//! revision's pod template (and its managedFields) is never held.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::intern::Pool;
use super::objects::{time, Compact};

/// The annotations that number a ReplicaSet's revision.
const REVISION_KEYS: [&str; 2] = [
    "deployment.kubernetes.io/revision",
    "rollout.argoproj.io/revision",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevisionInfo {
    pub namespace: String,
    /// The ReplicaSet's or ControllerRevision's own name.
    pub name: String,
    /// The workload's kind (`Deployment`, `Rollout`, `StatefulSet`,
    /// `DaemonSet`) and name, from the controller owner reference.
    pub owner: (String, String),
    pub revision: i64,
    pub images: Vec<String>,
    pub created: Option<DateTime<Utc>>,
}

/// The metadata a revision line needs, decoded into `ObjectMeta` (kube's
/// watcher reads the resourceVersion from it).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SlimMeta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    resource_version: Option<String>,
    #[serde(default)]
    creation_timestamp: Option<Time>,
    #[serde(default)]
    owner_references: Option<Vec<OwnerReference>>,
    /// Only the revision annotations; the rest (a copy of the workload's,
    /// last-applied-configuration included) is skipped unread.
    #[serde(default, deserialize_with = "revision_annotations")]
    annotations: BTreeMap<String, String>,
}

pub(crate) fn slim_meta<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    let m = Option::<SlimMeta>::deserialize(d)?;
    Ok(m.map(|m| ObjectMeta {
        name: m.name,
        namespace: m.namespace,
        resource_version: m.resource_version,
        creation_timestamp: m.creation_timestamp,
        owner_references: m.owner_references,
        annotations: Some(m.annotations),
        ..ObjectMeta::default()
    })
    .unwrap_or_default())
}

fn revision_annotations<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    struct Keep;
    impl<'de> Visitor<'de> for Keep {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of annotations")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(k) = m.next_key::<String>()? {
                if REVISION_KEYS.contains(&k.as_str()) {
                    out.insert(k, m.next_value::<String>()?);
                } else {
                    m.next_value::<IgnoredAny>()?;
                }
            }
            Ok(out)
        }
    }
    d.deserialize_any(Keep)
}

/// `spec.template.spec.containers[].image`, nothing else of the template.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Template {
    #[serde(default)]
    template: Option<PodTemplate>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PodTemplate {
    #[serde(default)]
    spec: Option<PodSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PodSpec {
    #[serde(default)]
    containers: Option<Vec<Image>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Image {
    #[serde(default)]
    image: Option<String>,
}

impl Template {
    fn images(&self) -> Vec<String> {
        let spec = self.template.as_ref().and_then(|t| t.spec.as_ref());
        spec.and_then(|s| s.containers.as_ref())
            .map(|cs| cs.iter().filter_map(|c| c.image.clone()).collect())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireReplicaSet {
    #[serde(default, deserialize_with = "slim_meta")]
    metadata: ObjectMeta,
    #[serde(default)]
    spec: Option<Template>,
}

/// A ControllerRevision's `data` is the template patch the controller
/// keeps: `{"spec": {"template": {...}}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireControllerRevision {
    #[serde(default, deserialize_with = "slim_meta")]
    metadata: ObjectMeta,
    #[serde(default)]
    revision: i64,
    #[serde(default)]
    data: Option<RevisionData>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RevisionData {
    #[serde(default)]
    spec: Option<Template>,
}

/// Either source of a revision, as the store receives it.
#[derive(Debug, Clone)]
pub enum RevisionSource {
    ReplicaSet(WireReplicaSet),
    Controller(WireControllerRevision),
}

/// `kube` resource traits for a slim wire type with an `ObjectMeta` field.
macro_rules! wire_resource {
    ($t:ty, $group:literal, $version:literal, $api:literal, $kind:literal, $plural:literal) => {
        impl k8s_openapi::Resource for $t {
            const API_VERSION: &'static str = $api;
            const GROUP: &'static str = $group;
            const KIND: &'static str = $kind;
            const VERSION: &'static str = $version;
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = k8s_openapi::NamespaceResourceScope;
        }
        impl k8s_openapi::Metadata for $t {
            type Ty = ObjectMeta;
            fn metadata(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}
pub(crate) use wire_resource;

wire_resource!(
    WireReplicaSet,
    "apps",
    "v1",
    "apps/v1",
    "ReplicaSet",
    "replicasets"
);
wire_resource!(
    WireControllerRevision,
    "apps",
    "v1",
    "apps/v1",
    "ControllerRevision",
    "controllerrevisions"
);

fn controller(meta: &ObjectMeta) -> Option<(String, String)> {
    let o = meta
        .owner_references
        .as_ref()?
        .iter()
        .find(|o| o.controller == Some(true))?;
    Some((o.kind.clone(), o.name.clone()))
}

impl Compact for RevisionInfo {
    type Source = RevisionSource;
    type Tally = ();
    fn compact(src: &RevisionSource) -> Option<Self> {
        Self::compact_with(src, &mut Pool::default())
    }
    fn compact_with(src: &RevisionSource, _: &mut Pool) -> Option<Self> {
        let (meta, revision, images) = match src {
            RevisionSource::ReplicaSet(rs) => {
                let m = &rs.metadata;
                let revision = REVISION_KEYS
                    .iter()
                    .find_map(|k| m.annotations.as_ref()?.get(*k)?.parse().ok())?;
                let images = rs.spec.as_ref().map(Template::images).unwrap_or_default();
                (m, revision, images)
            }
            RevisionSource::Controller(cr) => {
                let images = cr
                    .data
                    .as_ref()
                    .and_then(|d| d.spec.as_ref())
                    .map(Template::images)
                    .unwrap_or_default();
                (&cr.metadata, cr.revision, images)
            }
        };
        Some(RevisionInfo {
            namespace: meta.namespace.clone().unwrap_or_default(),
            name: meta.name.clone()?,
            owner: controller(meta)?,
            revision,
            images,
            created: meta.creation_timestamp.as_ref().and_then(time),
        })
    }
    fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}
