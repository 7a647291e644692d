//! Running counts a store keeps as objects come and go, so a burst of watch
//! events does not make every fleet row re-walk every pod of its cluster.

use std::fmt::Debug;

use super::objects::{PodInfo, PodPhase};

/// Kept in step with a store's items: `add` on insert, `sub` on removal (a
/// replace is a `sub` of the old and an `add` of the new).
pub trait Tally<T>: Default + Clone + Debug + Send + Sync + 'static {
    fn add(&mut self, item: &T);
    fn sub(&mut self, item: &T);
    fn of<'a>(items: impl Iterator<Item = &'a T>) -> Self
    where
        T: 'a,
    {
        let mut t = Self::default();
        items.for_each(|i| t.add(i));
        t
    }
}

/// Kinds whose rows need no running count.
impl<T> Tally<T> for () {
    fn add(&mut self, _: &T) {}
    fn sub(&mut self, _: &T) {}
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PodCounts {
    pub running: usize,
    pub pending: usize,
    pub failing: usize,
}

impl std::ops::AddAssign for PodCounts {
    fn add_assign(&mut self, o: PodCounts) {
        self.running += o.running;
        self.pending += o.pending;
        self.failing += o.failing;
    }
}

impl PodCounts {
    fn slot(&mut self, p: &PodInfo) -> Option<&mut usize> {
        if p.failing {
            return Some(&mut self.failing);
        }
        match p.phase {
            PodPhase::Running => Some(&mut self.running),
            PodPhase::Pending | PodPhase::Unknown => Some(&mut self.pending),
            PodPhase::Succeeded | PodPhase::Failed => None,
        }
    }
}

impl Tally<PodInfo> for PodCounts {
    fn add(&mut self, p: &PodInfo) {
        if let Some(n) = self.slot(p) {
            *n += 1;
        }
    }
    fn sub(&mut self, p: &PodInfo) {
        if let Some(n) = self.slot(p) {
            // Saturating: a count never wraps, even if a caller got out of step.
            *n = n.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{Pod, PodStatus};
    use kube::runtime::watcher::Event;
    use proptest::prelude::*;

    use super::*;
    use crate::fleet::store::Kind;
    use crate::fleet::wire::WirePod;

    fn pod(name: u8, phase: u8) -> WirePod {
        let mut p = Pod::default();
        p.metadata.name = Some(format!("p{name}"));
        p.metadata.namespace = Some("shop".into());
        let phase = ["Running", "Pending", "Succeeded", "Failed", "Unknown"][phase as usize % 5];
        p.status = Some(PodStatus {
            phase: Some(phase.into()),
            ..Default::default()
        });
        WirePod::of(&p)
    }

    fn event(op: u8, name: u8, phase: u8) -> Event<WirePod> {
        match op % 6 {
            0..=2 => Event::Apply(pod(name, phase)),
            3 => Event::Delete(pod(name, phase)),
            4 => Event::Init,
            _ => Event::InitDone,
        }
    }

    proptest! {
        /// Whatever the order of applies, replaces, deletes and relists, the
        /// running count equals a recount of the visible pods.
        #[test]
        fn the_running_count_equals_a_recount(ops in prop::collection::vec((0u8..6, 0u8..8, 0u8..5), 0..80)) {
            let mut k: Kind<PodInfo> = Kind::default();
            for (op, name, phase) in ops {
                let e = match event(op, name, phase) {
                    // During a relist, objects arrive as InitApply.
                    Event::Apply(p) if op == 2 => Event::InitApply(p),
                    e => e,
                };
                k.apply(e);
                prop_assert_eq!(*k.tally(), PodCounts::of(k.items.values()));
            }
        }
    }
}
