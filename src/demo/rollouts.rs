//! The Argo Rollouts controller, as far as the demo needs it: a new pod
//! template becomes a new ReplicaSet, which a canary scales up step by step
//! and a blue/green brings up in full behind the preview Service before the
//! active Service switches. A scripted rollout's next release comes `cycle`
//! ticks after the last one completes. What operators change (`spec.paused`,
//! `status.abort`, a cleared pause…) arrives through `requests.rs`.

use super::world::{template_hash, Cluster, PodSet, RolloutState, Step, Strategy, Workload};

/// Makes `image` the newest pod template. A ReplicaSet that already ran it
/// is reused under the next revision number, as Argo does.
pub fn new_template(w: &mut Workload, image: &str, target: i32) {
    let hash = template_hash(&w.name, image);
    let revision = w.sets.iter().map(|s| s.revision).max().unwrap_or(0) + 1;
    let set = match w.sets.iter().position(|s| s.hash == hash) {
        Some(i) => PodSet {
            revision,
            ..w.sets.remove(i)
        },
        None => PodSet {
            hash,
            image: image.to_string(),
            target,
            revision,
        },
    };
    w.sets.push(set);
    w.image = image.to_string();
    w.generation += 1;
}

/// A new pod template: the next version of the image.
fn release(c: &mut Cluster, wi: usize, target: i32) {
    let w = &mut c.workloads[wi];
    let canary = matches!(
        w.rollout.as_ref().map(|r| &r.strategy),
        Some(Strategy::Canary { .. })
    );
    let image = bump(&w.image, canary);
    new_template(w, &image, target);
}

/// `repo:1.42.0` → `repo:1.43.0` (minor) or `repo:1.42.1` (patch).
fn bump(image: &str, minor: bool) -> String {
    let (repo, tag) = image.rsplit_once(':').unwrap_or((image, "0.0.0"));
    let core = tag.split('-').next().unwrap_or(tag);
    let mut parts: Vec<u64> = core.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    parts.resize(3, 0);
    if minor {
        parts[1] += 1;
        parts[2] = 0;
    } else {
        parts[2] += 1;
    }
    format!("{repo}:{}.{}.{}", parts[0], parts[1], parts[2])
}

/// (pods, ready pods) of one pod set.
fn set_counts(c: &Cluster, wi: usize, hash: &str, tick: i64) -> (i32, i32) {
    let w = &c.workloads[wi];
    c.pods
        .iter()
        .filter(|p| p.workload == w.name && p.namespace == w.namespace && p.hash == hash)
        .fold((0, 0), |(n, r), p| {
            let ready = p.ready(tick, c.node_ready(p.node.as_deref()));
            (n + 1, r + i32::from(ready))
        })
}

/// Every pod set but `keep` scaled to zero; `keep` to `replicas`.
fn only(w: &mut Workload, keep: &str) {
    let replicas = w.replicas;
    for s in &mut w.sets {
        s.target = if s.hash == keep { replicas } else { 0 };
    }
}

/// The canary controller, without traffic routing: the canary's share of
/// pods follows each `setWeight`; timed pauses resume on their own, a
/// `pause: {}` holds until promoted. An abort sends everything back to stable.
pub fn canary(c: &mut Cluster, wi: usize, tick: i64, at: i64) {
    let current = c.workloads[wi].current().hash.clone();
    let Some(ro) = c.workloads[wi].rollout.as_ref() else {
        return;
    };
    let Strategy::Canary { steps } = &ro.strategy else {
        return;
    };
    let steps = steps.clone();
    let stable = ro.stable.clone();
    if ro.spec_paused {
        return;
    }
    if ro.aborted.is_some() {
        only(&mut c.workloads[wi], &stable);
        return;
    }
    if ro.step >= steps.len() && stable == current {
        if ro.next_release.is_some_and(|t| tick >= t) {
            release(c, wi, 0);
            let ro = c.workloads[wi].rollout.as_mut().expect("checked above");
            ro.step = 0;
            ro.next_release = None;
        }
        return;
    }
    let (canary_n, canary_ready) = set_counts(c, wi, &current, tick);
    let (stable_n, _) = set_counts(c, wi, &stable, tick);
    let w = &mut c.workloads[wi];
    let replicas = w.replicas;
    let ro = w.rollout.as_mut().expect("checked above");
    // promoteFull skips what is left: straight to all pods on the canary.
    let step = match steps.get(ro.step) {
        _ if ro.promote_full => Some(Step::Weight(100)),
        s => s.copied(),
    };
    match step {
        Some(Step::Weight(pct)) => {
            let want = ((pct as i32 * replicas + 99) / 100).min(replicas);
            // maxUnavailable 0: stable pods go only as canary pods become ready.
            let stable_want = replicas - want.min(canary_ready);
            for s in &mut w.sets {
                s.target = if s.hash == current {
                    want
                } else if s.hash == stable {
                    stable_want
                } else {
                    0
                };
            }
            if canary_n == want && canary_ready == want && stable_n == replicas - want {
                ro.step = if ro.promote_full {
                    steps.len()
                } else {
                    ro.step + 1
                };
                // The controller pauses in the same reconcile.
                if let Some(Step::Pause(_)) = steps.get(ro.step) {
                    ro.paused = Some((tick, at));
                }
            }
        }
        Some(Step::Pause(secs)) => {
            let (since, _) = *ro.paused.get_or_insert((tick, at));
            if secs.is_some_and(|s| tick - since >= s) {
                ro.paused = None;
                ro.step += 1;
            }
        }
        None => {}
    }
    if ro.step >= steps.len() {
        complete(ro, &current, tick);
        only(w, &current);
    }
}

/// The new ReplicaSet is stable now; a scripted rollout schedules its next
/// release.
fn complete(ro: &mut RolloutState, current: &str, tick: i64) {
    ro.stable = current.to_string();
    ro.paused = None;
    ro.promote_full = false;
    ro.next_release = ro.cycle.map(|gap| tick + gap);
}

/// The blue/green controller: a full preview ReplicaSet,
/// BlueGreenPause once it is ready, automatic promotion after
/// `autoPromotionSeconds`, old pods kept for `scaleDownDelaySeconds`.
pub fn blue_green(c: &mut Cluster, wi: usize, tick: i64, at: i64) {
    let current = c.workloads[wi].current().hash.clone();
    let (n, ready) = set_counts(c, wi, &current, tick);
    let w = &mut c.workloads[wi];
    let replicas = w.replicas;
    let Some(ro) = w.rollout.as_mut() else {
        return;
    };
    let Strategy::BlueGreen { auto_promote, .. } = ro.strategy else {
        return;
    };
    if ro.spec_paused {
        return;
    }
    if ro.aborted.is_some() {
        // The preview ReplicaSet goes; the active one keeps serving.
        let active = ro.active.clone();
        only(w, &active);
        return;
    }
    if ro.scale_down_at.is_some_and(|t| tick >= t) {
        ro.scale_down_at = None;
        only(w, &current);
    }
    let Some(ro) = w.rollout.as_mut() else {
        return;
    };
    if ro.active == current {
        if ro.next_release.is_some_and(|t| tick >= t) {
            ro.next_release = None;
            release(c, wi, replicas);
        }
        return;
    }
    // After a retry the preview comes back in full.
    if let Some(s) = w.sets.last_mut() {
        s.target = replicas;
    }
    if n == replicas && ready == replicas {
        let (since, _) = *ro.paused.get_or_insert((tick, at));
        if ro.promote_full || tick - since >= auto_promote {
            cut_over(ro, &current, tick);
        }
    }
}

/// Blue/green promotion: the active Service switches to the preview pods.
pub fn cut_over(ro: &mut RolloutState, current: &str, tick: i64) {
    let Strategy::BlueGreen { scale_down, .. } = ro.strategy else {
        return;
    };
    ro.active = current.to_string();
    ro.scale_down_at = Some(tick + scale_down);
    complete(ro, current, tick);
}

/// Undo: an earlier pod template becomes the newest. Back to the stable
/// (active) one skips the steps, as Argo's fast-track rollback does; any
/// other is a new release that goes through them.
pub fn roll_back(c: &mut Cluster, wi: usize, image: &str, tick: i64) {
    let w = &mut c.workloads[wi];
    if w.current().image == image {
        return;
    }
    let preview = match &w.rollout {
        Some(RolloutState {
            strategy: Strategy::BlueGreen { .. },
            ..
        }) => w.replicas,
        _ => 0,
    };
    new_template(w, image, preview);
    let current = w.current().hash.clone();
    let Some(ro) = w.rollout.as_mut() else {
        return;
    };
    ro.aborted = None;
    ro.paused = None;
    ro.promote_full = false;
    let to_stable = match &ro.strategy {
        Strategy::Canary { steps } => {
            ro.step = if current == ro.stable { steps.len() } else { 0 };
            current == ro.stable
        }
        Strategy::BlueGreen { .. } => current == ro.active,
    };
    if to_stable {
        complete(ro, &current, tick);
        only(w, &current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumps() {
        assert_eq!(
            bump("ghcr.io/a/checkout:1.42.0", true),
            "ghcr.io/a/checkout:1.43.0"
        );
        assert_eq!(bump("x:3.9.0-rc.1", false), "x:3.9.1");
    }
}
