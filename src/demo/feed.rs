//! Pushes one simulated cluster into its store the way a live watch does:
//! an initial list (`Init`, `InitApply`…, `InitDone`) on connect and again
//! after an outage, then `Apply`/`Delete` for what changed, each through
//! `Kind::apply`, with `seen`/`touch` as in `live.rs`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kube::api::DynamicObject;
use kube::runtime::watcher::Event;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::fleet::live::SharedData;
use crate::fleet::objects::{Compact, WorkloadSource};
use crate::fleet::store::{Connection, Kind, Resource, ResourceState};

use super::objects::{Obj, PerKind, Snapshot};

/// What the transport says while the demo's API server is "down".
const OUTAGE_ERROR: &str =
    "client error (Connect): tcp connect error: Connection timed out (os error 110)";

pub struct Feed {
    pub data: SharedData,
    /// What the store was last told (signature and object), to send only
    /// changes and to name deleted objects.
    last: PerKind<(u64, Value)>,
    connected: bool,
    resource_version: u64,
}

impl Feed {
    pub fn new(data: SharedData) -> Feed {
        Feed {
            data,
            last: PerKind::default(),
            connected: false,
            resource_version: 1000,
        }
    }

    /// Each object as the store was last sent it (with its resourceVersion):
    /// what a GET would return.
    pub fn rendered(&self) -> &PerKind<(u64, Value)> {
        &self.last
    }

    /// The API server stopped answering: the probe and every watch fail with
    /// a transport error and the store keeps its last data. Returns whether
    /// anything visible changed.
    pub fn lose(&mut self, now: DateTime<Utc>) -> bool {
        if !self.connected {
            return false;
        }
        self.connected = false;
        let mut d = self.data.lock().unwrap_or_else(|p| p.into_inner());
        let mut changed = d.set_connection(Connection::Failed {
            error: OUTAGE_ERROR.into(),
            since: now,
            transport: true,
        });
        for r in Resource::ALL {
            changed |= d.set_resource_state(
                r,
                ResourceState::Failing {
                    error: OUTAGE_ERROR.into(),
                    since: now,
                    transport: true,
                },
            );
        }
        changed
    }

    /// Sends the cluster's current objects: a full list after (re)connecting,
    /// otherwise only what differs from the last push.
    pub fn push(&mut self, version: &str, snap: &Snapshot, now: DateTime<Utc>) -> bool {
        let relist = !self.connected;
        self.connected = true;
        let mut d = self.data.lock().unwrap_or_else(|p| p.into_inner());
        d.seen(now);
        let mut changed = d.version.as_deref() != Some(version);
        d.version = Some(version.to_string());
        changed |= d.set_connection(Connection::Connected);
        let next = &snap.objects;
        let mut s = Sync {
            snap,
            relist,
            rv: &mut self.resource_version,
        };
        let last = &mut self.last;
        changed |= s.run(&mut d.nodes, &mut last.nodes, &next.nodes, decode);
        changed |= s.run(
            &mut d.namespaces,
            &mut last.namespaces,
            &next.namespaces,
            decode,
        );
        changed |= s.run(
            &mut d.deployments,
            &mut last.deployments,
            &next.deployments,
            |v| decode(v).map(WorkloadSource::Deployment),
        );
        changed |= s.run(
            &mut d.statefulsets,
            &mut last.statefulsets,
            &next.statefulsets,
            |v| decode(v).map(WorkloadSource::StatefulSet),
        );
        changed |= s.run(
            &mut d.daemonsets,
            &mut last.daemonsets,
            &next.daemonsets,
            |v| decode(v).map(WorkloadSource::DaemonSet),
        );
        changed |= s.run(&mut d.rollouts, &mut last.rollouts, &next.rollouts, |v| {
            decode::<DynamicObject>(v).map(WorkloadSource::Rollout)
        });
        changed |= s.run(&mut d.pods, &mut last.pods, &next.pods, decode);
        changed |= s.run(&mut d.events, &mut last.events, &next.events, decode);
        // Other consoles' actions: none in the simulation, but the watch
        // lists (empty) like every other, so the cluster is fully synced.
        if relist {
            let d = &mut *d;
            for k in [&mut d.actions, &mut d.scaling] {
                k.apply(Event::Init);
                changed |= k.apply(Event::InitDone);
            }
            for k in [&mut d.replicasets, &mut d.controller_revisions] {
                k.apply(Event::Init);
                changed |= k.apply(Event::InitDone);
            }
            // No Argo CD in the simulation: its CRD is not served.
            changed |= d.applications.set_state(ResourceState::Missing);
        }
        d.touch(changed)
    }
}

/// Decodes rendered JSON into the API type. The demo's objects are fixed
/// shapes covered by tests, so a failure is a demo bug: loud in debug builds,
/// the object skipped in release builds.
fn decode<K: DeserializeOwned>(v: Value) -> Option<K> {
    match serde_json::from_value(v) {
        Ok(k) => Some(k),
        Err(e) => {
            debug_assert!(false, "demo object does not decode: {e}");
            None
        }
    }
}

struct Sync<'s, 'a> {
    snap: &'s Snapshot<'a>,
    relist: bool,
    rv: &'s mut u64,
}

impl Sync<'_, '_> {
    /// Every write bumps the object's resourceVersion, as the API server does.
    fn render(&mut self, obj: Obj) -> Value {
        let mut v = self.snap.render(obj);
        *self.rv += 1;
        if let Some(meta) = v.get_mut("metadata") {
            meta["resourceVersion"] = json!(self.rv.to_string());
        }
        v
    }

    fn run<T: Compact>(
        &mut self,
        kind: &mut Kind<T>,
        last: &mut BTreeMap<String, (u64, Value)>,
        next: &BTreeMap<String, (u64, Obj)>,
        wrap: fn(Value) -> Option<T::Source>,
    ) -> bool {
        let mut changed = false;
        if self.relist {
            last.clear();
            kind.apply(Event::Init);
        }
        for (key, &(sig, obj)) in next {
            if last.get(key).is_some_and(|l| l.0 == sig) {
                continue;
            }
            let v = self.render(obj);
            if let Some(obj) = wrap(v.clone()) {
                changed |= kind.apply(if self.relist {
                    Event::InitApply(obj)
                } else {
                    Event::Apply(obj)
                });
            }
            last.insert(key.clone(), (sig, v));
        }
        if self.relist {
            changed |= kind.apply(Event::InitDone);
        }
        let gone: Vec<String> = last
            .keys()
            .filter(|k| !next.contains_key(*k))
            .cloned()
            .collect();
        for key in gone {
            if let Some((_, v)) = last.remove(&key) {
                if let Some(obj) = wrap(v) {
                    changed |= kind.apply(Event::Delete(obj));
                }
            }
        }
        changed
    }
}
