//! What a query can ask about: each KIND's fields (name, type, meaning —
//! `:help fields KIND`), the columns its result table shows, and a scan
//! over what fleetdeck holds that hands each object to the evaluator.

mod fleet;
mod objects;
mod remediations;

use chrono::{DateTime, Utc};

use super::value::V;
use crate::backups::fleet::FleetBackups;
use crate::chaos::fleet::FleetChaos;
use crate::cost::report::Costs;
use crate::fleet::live::SharedData;
use crate::fleet::objects::WorkloadKind;
use crate::fleet::summary::{ClusterMeta, ClusterRow};
use crate::slo::eval::SloRow;
use crate::timeline::Change;

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: &'static str,
    pub doc: &'static str,
}

pub(crate) const fn f(name: &'static str, ty: &'static str, doc: &'static str) -> Field {
    Field { name, ty, doc }
}

/// Where Enter on a result row goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Drill {
    Workload {
        context: String,
        kind: WorkloadKind,
        namespace: String,
        name: String,
    },
    Cluster {
        context: String,
    },
    Slo,
    Cost {
        context: String,
    },
    /// The Changes view (the timeline).
    Changes,
    Backups,
    Chaos,
    Remediations,
    Nothing,
}

/// Everything a query reads, as the console (or a headless run) holds it.
pub struct Sources<'a> {
    pub now: DateTime<Utc>,
    pub stores: &'a [(ClusterMeta, SharedData)],
    pub rows: &'a [ClusterRow],
    pub slos: &'a [SloRow],
    pub costs: Option<&'a Costs>,
    pub changes: &'a [Change],
    pub backups: Option<&'a FleetBackups>,
    pub chaos: Option<&'a FleetChaos>,
    pub forecast: Option<&'a crate::forecast::monitor::FleetForecast>,
    /// The remediation queue as last scanned; `None` before any scan (not
    /// known: never answered as an empty queue).
    pub remediations: Option<&'a [crate::remediation::queue::Entry]>,
}

/// One object during a scan.
pub trait Item {
    fn get(&self, field: &str) -> V;
    fn drill(&self) -> Drill;
}

/// Handed each object; returns false to stop the scan.
pub type Visit<'v> = dyn FnMut(&dyn Item) -> bool + 'v;

pub struct Kind {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub fields: &'static [Field],
    /// The result table's columns (fields), left to right.
    pub columns: &'static [&'static str],
    pub scan: fn(&Sources, &mut Visit),
    /// Clusters whose objects of this kind are not known (forbidden,
    /// failing, unreachable), each said: an answer never hides them.
    pub unknown: fn(&Sources) -> Vec<String>,
}

pub(crate) fn known_everywhere(_: &Sources) -> Vec<String> {
    Vec::new()
}

/// Hands each of `items` to `visit`, wrapped, until it says stop.
pub(crate) fn each<'a, T: 'a, I: Item>(
    items: impl IntoIterator<Item = &'a T>,
    visit: &mut Visit,
    wrap: impl Fn(&'a T) -> I,
) {
    for x in items {
        if !visit(&wrap(x)) {
            return;
        }
    }
}

impl Kind {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

pub const KINDS: &[Kind] = &[
    objects::PODS,
    objects::WORKLOADS,
    objects::NODES,
    objects::ROLLOUTS,
    fleet::CLUSTERS,
    fleet::SLOS,
    fleet::COSTS,
    fleet::CHANGES,
    fleet::BACKUPS,
    fleet::EXPERIMENTS,
    remediations::REMEDIATIONS,
];

pub fn kind(name: &str) -> Option<&'static Kind> {
    let name = name.to_ascii_lowercase();
    KINDS
        .iter()
        .find(|k| k.name == name || k.aliases.contains(&name.as_str()))
}

/// Seconds from `t` to `now` (an age), or null.
pub(crate) fn age(now: DateTime<Utc>, t: Option<DateTime<Utc>>) -> V {
    t.map_or(V::Null, |t| V::Dur((now - t).num_seconds().max(0)))
}
