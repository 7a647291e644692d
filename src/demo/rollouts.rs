//! The Argo Rollouts controller, as far as the demo needs it: a new pod
//! template becomes a new ReplicaSet, which a canary scales up step by step
//! and a blue/green brings up in full behind the preview Service before the
//! active Service switches. The next release is scheduled `gap` ticks after
//! the last one completes.

use super::world::{template_hash, Cluster, PodSet, Step, Strategy};

/// A new pod template: the next version of the image.
fn release(c: &mut Cluster, wi: usize, target: i32) {
    let w = &mut c.workloads[wi];
    let image = bump(
        &w.image,
        matches!(
            w.rollout.as_ref().map(|r| &r.strategy),
            Some(Strategy::Canary { .. })
        ),
    );
    w.generation += 1;
    w.sets.push(PodSet {
        hash: template_hash(&w.name, &image),
        image: image.clone(),
        target,
    });
    w.image = image;
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

/// The Argo Rollouts canary controller, without traffic
/// routing: the canary's share of pods follows each `setWeight`, and timed
/// pauses resume on their own.
pub fn canary(c: &mut Cluster, wi: usize, tick: i64, at: i64, gap: i64) {
    let Some(ro) = c.workloads[wi].rollout.as_ref() else {
        return;
    };
    let Strategy::Canary { steps } = &ro.strategy else {
        return;
    };
    let steps = steps.clone();
    if ro.step >= steps.len() {
        if ro.next_release.is_some_and(|t| tick >= t) {
            release(c, wi, 0);
            let ro = c.workloads[wi].rollout.as_mut().expect("checked above");
            ro.step = 0;
            ro.next_release = None;
        }
        return;
    }
    let current = c.workloads[wi].current().hash.clone();
    let stable = ro.stable.clone();
    let (canary_n, canary_ready) = set_counts(c, wi, &current, tick);
    let (stable_n, _) = set_counts(c, wi, &stable, tick);
    let w = &mut c.workloads[wi];
    let replicas = w.replicas;
    let ro = w.rollout.as_mut().expect("checked above");
    match steps[ro.step] {
        Step::Weight(pct) => {
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
                ro.step += 1;
            }
        }
        Step::Pause(secs) => {
            let (since, _) = *ro.paused.get_or_insert((tick, at));
            if tick - since >= secs {
                ro.paused = None;
                ro.step += 1;
            }
        }
    }
    if ro.step >= steps.len() {
        ro.stable = current.clone();
        ro.next_release = Some(tick + gap);
        for s in &mut w.sets {
            if s.hash != current {
                s.target = 0;
            }
        }
    }
}

/// The blue/green controller: a full preview ReplicaSet,
/// BlueGreenPause once it is ready, automatic promotion after
/// `autoPromotionSeconds`, old pods kept for `scaleDownDelaySeconds`.
pub fn blue_green(c: &mut Cluster, wi: usize, tick: i64, at: i64, gap: i64) {
    let current = c.workloads[wi].current().hash.clone();
    let (n, ready) = set_counts(c, wi, &current, tick);
    let w = &mut c.workloads[wi];
    let replicas = w.replicas;
    let Some(ro) = w.rollout.as_mut() else {
        return;
    };
    let Strategy::BlueGreen {
        auto_promote,
        scale_down,
    } = ro.strategy
    else {
        return;
    };
    if ro.scale_down_at.is_some_and(|t| tick >= t) {
        ro.scale_down_at = None;
        for s in &mut w.sets {
            if s.hash != current {
                s.target = 0;
            }
        }
    }
    if ro.active == current {
        if ro.next_release.is_some_and(|t| tick >= t) {
            ro.next_release = None;
            release(c, wi, replicas);
        }
        return;
    }
    if n == replicas && ready == replicas {
        let (since, _) = *ro.paused.get_or_insert((tick, at));
        if tick - since >= auto_promote {
            ro.paused = None;
            ro.active = current.clone();
            ro.stable = current;
            ro.scale_down_at = Some(tick + scale_down);
            ro.next_release = Some(tick + gap);
        }
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
