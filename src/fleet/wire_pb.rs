//! Pod lists in the API server's protobuf encoding, decoded into the same
//! [`WirePod`] the JSON path gives. Listing 10,000 pods in protobuf moves a
//! third of the bytes and costs the server a fraction of the JSON encoding
//! (docs/performance.md). Field numbers are those of Kubernetes'
//! `generated.proto` files (core/v1, meta/v1, runtime, resource).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};

use super::proto::{fields, map_entry, ProtoError, Value};
use super::wire::{
    Condition, Container, ContainerStatus, Reason, Resources, Spec, State, Status, WirePod,
};

/// What a protobuf body starts with, before its `runtime.Unknown` envelope.
pub const MAGIC: &[u8; 4] = b"k8s\0";
/// Protobuf first; JSON if something between us and the server cannot.
pub const ACCEPT: &str = "application/vnd.kubernetes.protobuf, application/json;q=0.9";

/// One page of a pod LIST.
#[derive(Debug, Default)]
pub struct PodPage {
    pub items: Vec<WirePod>,
    pub resource_version: Option<String>,
    pub continue_token: Option<String>,
}

/// The `metav1.Status` an error response carries (what an error names).
#[derive(Debug, Default, PartialEq)]
pub struct StatusBody {
    pub message: String,
    pub reason: String,
    pub code: u16,
}

/// The message inside the `k8s\0` + `runtime.Unknown` envelope.
pub fn unwrap(body: &[u8]) -> Result<&[u8], ProtoError> {
    let rest = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| ProtoError("no k8s protobuf prefix".into()))?;
    for f in fields(rest) {
        if let (2, v) = f? {
            return v.bytes();
        }
    }
    Ok(&[])
}

pub fn pod_list(body: &[u8]) -> Result<PodPage, ProtoError> {
    let mut page = PodPage::default();
    for f in fields(unwrap(body)?) {
        match f? {
            (1, v) => {
                for f in fields(v.bytes()?) {
                    match f? {
                        (2, v) => page.resource_version = non_empty(v.string()?),
                        (3, v) => page.continue_token = non_empty(v.string()?),
                        _ => {}
                    }
                }
            }
            (2, v) => page.items.push(pod(v.bytes()?)?),
            _ => {}
        }
    }
    Ok(page)
}

pub fn status(body: &[u8]) -> Result<StatusBody, ProtoError> {
    let mut s = StatusBody::default();
    for f in fields(unwrap(body)?) {
        match f? {
            (3, v) => s.message = v.string()?,
            (4, v) => s.reason = v.string()?,
            (6, v) => s.code = u16::try_from(v.varint()?).unwrap_or_default(),
            _ => {}
        }
    }
    Ok(s)
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Decodes one element of a repeated message field and appends it.
fn each<T>(
    v: Value<'_>,
    out: &mut Vec<T>,
    f: impl Fn(&[u8]) -> Result<T, ProtoError>,
) -> Result<(), ProtoError> {
    out.push(f(v.bytes()?)?);
    Ok(())
}

pub fn pod(buf: &[u8]) -> Result<WirePod, ProtoError> {
    let mut p = WirePod::default();
    for f in fields(buf) {
        match f? {
            (1, v) => p.metadata = meta(v.bytes()?)?,
            (2, v) => p.spec = Some(spec(v.bytes()?)?),
            (3, v) => p.status = Some(status_of(v.bytes()?)?),
            _ => {}
        }
    }
    Ok(p)
}

fn meta(buf: &[u8]) -> Result<ObjectMeta, ProtoError> {
    let mut m = ObjectMeta::default();
    for f in fields(buf) {
        match f? {
            (1, v) => m.name = Some(v.string()?),
            (3, v) => m.namespace = non_empty(v.string()?),
            (5, v) => m.uid = non_empty(v.string()?),
            (6, v) => m.resource_version = non_empty(v.string()?),
            (8, v) => m.creation_timestamp = time(v.bytes()?)?,
            (9, v) => m.deletion_timestamp = time(v.bytes()?)?,
            (11, v) => {
                let (k, val) = map_entry(v.bytes()?)?;
                let val = val.map(Value::string).transpose()?.unwrap_or_default();
                m.labels.get_or_insert_with(BTreeMap::new).insert(k, val);
            }
            (13, v) => each(v, m.owner_references.get_or_insert_with(Vec::new), owner)?,
            _ => {}
        }
    }
    Ok(m)
}

/// `metav1.Time`: seconds and nanos since the epoch. Absent means unset.
fn time(buf: &[u8]) -> Result<Option<Time>, ProtoError> {
    let (mut secs, mut nanos) = (0i64, 0i32);
    for f in fields(buf) {
        match f? {
            (1, v) => secs = v.varint()? as i64,
            (2, v) => nanos = v.varint()? as i32,
            _ => {}
        }
    }
    Ok(k8s_openapi::jiff::Timestamp::new(secs, nanos)
        .ok()
        .map(Time))
}

fn owner(buf: &[u8]) -> Result<OwnerReference, ProtoError> {
    let mut o = OwnerReference::default();
    for f in fields(buf) {
        match f? {
            (1, v) => o.kind = v.string()?,
            (3, v) => o.name = v.string()?,
            (4, v) => o.uid = v.string()?,
            (5, v) => o.api_version = v.string()?,
            (6, v) => o.controller = Some(v.varint()? != 0),
            (7, v) => o.block_owner_deletion = Some(v.varint()? != 0),
            _ => {}
        }
    }
    Ok(o)
}

fn spec(buf: &[u8]) -> Result<Spec, ProtoError> {
    let mut s = Spec::default();
    for f in fields(buf) {
        match f? {
            (2, v) => each(v, &mut s.containers, container)?,
            (10, v) => s.node_name = non_empty(v.string()?),
            _ => {}
        }
    }
    Ok(s)
}

fn container(buf: &[u8]) -> Result<Container, ProtoError> {
    let mut c = Container::default();
    for f in fields(buf) {
        if let (8, v) = f? {
            let mut requests = None;
            for f in fields(v.bytes()?) {
                if let (2, v) = f? {
                    let (k, q) = map_entry(v.bytes()?)?;
                    let q = match q {
                        Some(q) => quantity(q.bytes()?)?,
                        None => Quantity::default(),
                    };
                    requests.get_or_insert_with(BTreeMap::new).insert(k, q);
                }
            }
            c.resources = Some(Resources { requests });
        }
    }
    Ok(c)
}

fn quantity(buf: &[u8]) -> Result<Quantity, ProtoError> {
    let mut q = Quantity::default();
    for f in fields(buf) {
        if let (1, v) = f? {
            q.0 = v.string()?;
        }
    }
    Ok(q)
}

fn status_of(buf: &[u8]) -> Result<Status, ProtoError> {
    let mut s = Status::default();
    for f in fields(buf) {
        match f? {
            (1, v) => s.phase = non_empty(v.string()?),
            (2, v) => each(v, s.conditions.get_or_insert_with(Vec::new), condition)?,
            (4, v) => s.reason = non_empty(v.string()?),
            (8, v) => each(
                v,
                s.container_statuses.get_or_insert_with(Vec::new),
                container_status,
            )?,
            _ => {}
        }
    }
    Ok(s)
}

fn condition(buf: &[u8]) -> Result<Condition, ProtoError> {
    let mut c = Condition::default();
    for f in fields(buf) {
        match f? {
            (1, v) => c.type_ = v.string()?,
            (2, v) => c.status = v.string()?,
            _ => {}
        }
    }
    Ok(c)
}

fn container_status(buf: &[u8]) -> Result<ContainerStatus, ProtoError> {
    let mut c = ContainerStatus::default();
    for f in fields(buf) {
        match f? {
            (2, v) => {
                let mut st = State::default();
                for f in fields(v.bytes()?) {
                    match f? {
                        (1, v) => st.waiting = Some(reason(v.bytes()?, 1)?),
                        (3, v) => st.terminated = Some(reason(v.bytes()?, 3)?),
                        _ => {}
                    }
                }
                c.state = Some(st);
            }
            (5, v) => c.restart_count = v.varint()? as i32,
            _ => {}
        }
    }
    Ok(c)
}

/// The `reason` of a waiting (field 1) or terminated (field 3) state.
fn reason(buf: &[u8], field: u32) -> Result<Reason, ProtoError> {
    let mut r = Reason::default();
    for f in fields(buf) {
        let (n, v) = f?;
        if n == field {
            r.reason = non_empty(v.string()?);
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::objects::{Compact, PodInfo};
    use proptest::prelude::*;

    /// One lab namespace's pods listed in both encodings (recorded by
    /// `RECORD_PB_FIXTURES=src/fleet/testdata cargo test --test pods_protobuf_lab`).
    const PB: &[u8] = include_bytes!("testdata/pods.pb");
    const JSON: &[u8] = include_bytes!("testdata/pods.json");

    fn by_name(items: &[WirePod]) -> BTreeMap<String, (PodInfo, ObjectMeta)> {
        items
            .iter()
            .map(|p| {
                let info = PodInfo::compact(p).unwrap();
                (info.name.clone(), (info, p.metadata.clone()))
            })
            .collect()
    }

    #[test]
    fn a_recorded_protobuf_list_decodes_as_its_json_twin() {
        let pb = pod_list(PB).unwrap();
        let json: kube::core::ObjectList<WirePod> = serde_json::from_slice(JSON).unwrap();
        assert_eq!(pb.items.len(), 8);
        assert_eq!(by_name(&pb.items), by_name(&json.items));
        assert!(pb.resource_version.is_some());
        let crashing = &by_name(&pb.items)["crashing"].0;
        assert_eq!((crashing.restarts, crashing.failing), (9, true));
        assert_eq!(crashing.reason.as_deref(), Some("CrashLoopBackOff"));
    }

    #[test]
    fn a_json_body_or_a_bare_message_is_an_error_not_a_panic() {
        assert!(pod_list(JSON).is_err());
        assert!(pod_list(&PB[4..]).is_err());
        assert!(pod_list(&PB[..PB.len() / 2]).is_err());
    }

    proptest! {
        #[test]
        fn corrupted_bodies_never_panic(at in 0usize..PB.len(), byte in any::<u8>(), cut in 0usize..PB.len()) {
            let mut body = PB.to_vec();
            body[at] = byte;
            let _ = pod_list(&body);
            let _ = pod_list(&body[..cut]);
            let _ = status(&body[..cut]);
        }

        #[test]
        fn random_bodies_never_panic(tail in prop::collection::vec(any::<u8>(), 0..512)) {
            let mut body = MAGIC.to_vec();
            body.extend(tail);
            let _ = pod_list(&body);
            let _ = status(&body);
        }
    }
}
