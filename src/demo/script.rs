//! What happens when. Every scenario runs on a schedule of ticks (one tick is
//! one second of demo time), so a run is reproducible; the seed only decides
//! which pod restarts or crashes, never whether the scenarios happen.
//!
//! | scenario | where | when (tick) |
//! |---|---|---|
//! | canary 20% → pause until promoted → 50% → pause 30 s → 100%, then a new release | prod-eu-west `checkout` | from 5; 90 s after each promotion completes |
//! | blue/green preview, BlueGreenPause, cutover, old RS scaled down | prod-us-east `payments` | from 25, about every 3 min |
//! | cluster unreachable for 20 s | prod-us-standby | 100–119 of every 300 |
//! | node NotReady; two of three (cluster excluded) every other time | dev | 40–129 (70–109) of every 240 |
//! | one pod in CrashLoopBackOff for 80 s | any app pod, by seed | 20–99 of every 180 |
//! | one more search-api than there is room for: FailedScheduling | staging-eu | 60–119 of every 240 |
//! | readiness probe fails for 8 s: Unhealthy | prod-us-east `catalog-api` | 45–52 of every 150 |
//! | a container restarts | any pod | about one in 3,000 per pod and tick |

use crate::fleet::objects::WorkloadKind;

use super::rng::{fnv, roll};
use super::rollouts;
use super::world::{Cluster, Crash, Exit, Strategy, World};

pub const CANARY_CLUSTER: &str = "prod-eu-west";
pub const BLUE_GREEN_CLUSTER: &str = "prod-us-east";
pub const OUTAGE_CLUSTER: &str = "prod-us-standby";
pub const NODE_CLUSTER: &str = "dev";
const SQUEEZE_CLUSTER: &str = "staging-eu";
const PROBE_CLUSTER: &str = "prod-us-east";

/// The demo opens with the canary about to start, so there is movement at once.
pub const CANARY_FIRST: i64 = 5;
const CANARY_GAP: i64 = 90;
const BLUE_GREEN_FIRST: i64 = 25;
const BLUE_GREEN_GAP: i64 = 120;

pub const OUTAGE: Window = Window {
    cycle: 300,
    start: 100,
    len: 20,
};
pub const NODE_DOWN: Window = Window {
    cycle: 240,
    start: 40,
    len: 90,
};
/// Every other `NODE_DOWN`, a second node goes too: 1/3 Ready is below the
/// default 50% policy, so the cluster is excluded from totals for a while.
pub const SECOND_NODE_DOWN: Window = Window {
    cycle: 240,
    start: 70,
    len: 40,
};
const CRASH: Window = Window {
    cycle: 180,
    start: 20,
    len: 80,
};
const SQUEEZE: Window = Window {
    cycle: 240,
    start: 60,
    len: 60,
};
const PROBE: Window = Window {
    cycle: 150,
    start: 45,
    len: 8,
};
const RESTART_ONE_IN: u64 = 3000;

/// Part of a repeating cycle of ticks.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub cycle: i64,
    pub start: i64,
    pub len: i64,
}

impl Window {
    pub fn contains(&self, tick: i64) -> bool {
        (self.start..self.start + self.len).contains(&tick.rem_euclid(self.cycle))
    }
    fn starts(&self, tick: i64) -> bool {
        tick.rem_euclid(self.cycle) == self.start
    }
    fn offset(&self, tick: i64) -> i64 {
        tick.rem_euclid(self.cycle) - self.start
    }
}

/// Whether the cluster's API server answers at this tick.
pub fn reachable(cluster: &str, tick: i64) -> bool {
    cluster != OUTAGE_CLUSTER || !OUTAGE.contains(tick)
}

/// Arms the scripted rollouts and the capacity squeeze, and leaves a few
/// warnings from before the demo started.
pub fn setup(world: &mut World) {
    let seed = world.seed;
    for c in &mut world.clusters {
        let name = c.meta.name.clone();
        let arm = |c: &mut Cluster, ns: &str, wl: &str, first: i64, gap: i64| {
            let ro = c
                .workload(ns, wl)
                .and_then(|i| c.workloads[i].rollout.as_mut());
            if let Some(ro) = ro {
                ro.next_release = Some(first);
                ro.cycle = Some(gap);
            }
        };
        if name == CANARY_CLUSTER {
            arm(c, "checkout", "checkout", CANARY_FIRST, CANARY_GAP);
        }
        if name == BLUE_GREEN_CLUSTER {
            arm(c, "payments", "payments", BLUE_GREEN_FIRST, BLUE_GREEN_GAP);
        }
        if name == SQUEEZE_CLUSTER {
            if let Some(i) = c.workload("search", "search-api") {
                let w = &mut c.workloads[i];
                w.max_scheduled = Some(w.replicas);
            }
        }
        // Liveness failures behind restarts within the last hour.
        let recent: Vec<(String, String, Option<String>, i64, u32)> = c
            .pods
            .iter()
            .filter_map(|p| {
                let e = p.last_exit?;
                (e.reason == "Error" && e.at > -3000).then(|| {
                    (
                        p.namespace.clone(),
                        p.name.clone(),
                        p.node.clone(),
                        e.at,
                        p.restarts,
                    )
                })
            })
            .collect();
        for (ns, pod, node, at, restarts) in recent {
            c.warn(
                seed,
                ("Pod", &ns, &pod),
                "Unhealthy",
                liveness_message(seed, &pod),
                "kubelet",
                node,
                at - 20,
            );
            if let Some(e) = c.events.last_mut() {
                e.count = restarts as i32 * 3;
            }
        }
    }
}

/// Advances the world by one tick.
pub fn advance(world: &mut World, tick: i64, at: i64) {
    let seed = world.seed;
    start_crashloop(world, tick);
    for c in &mut world.clusters {
        restarts(c, seed, tick, at);
        crashloops(c, seed, tick, at);
        // The controller runs everywhere: unscripted rollouts stay put
        // until an operator acts on them.
        for wi in 0..c.workloads.len() {
            match c.workloads[wi].rollout.as_ref().map(|r| &r.strategy) {
                Some(Strategy::Canary { .. }) => rollouts::canary(c, wi, tick, at),
                Some(Strategy::BlueGreen { .. }) => rollouts::blue_green(c, wi, tick, at),
                None => {}
            }
        }
        match c.meta.name.as_str() {
            NODE_CLUSTER => node_flap(c, tick, at),
            SQUEEZE_CLUSTER => squeeze(c, seed, tick, at),
            _ => {}
        }
        if c.meta.name == PROBE_CLUSTER {
            probe_failure(c, seed, tick, at);
        }
        c.reconcile(seed, tick, at);
        c.expire_events(at);
    }
}

fn liveness_message(seed: u64, pod: &str) -> String {
    let h = roll(seed, &[fnv(pod)]);
    format!(
        "Liveness probe failed: Get \"http://100.{}.{}.{}:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
        64 + h % 32,
        (h >> 8) % 256,
        (h >> 16) % 254 + 1
    )
}

/// Now and then a container exits and the kubelet starts it again.
fn restarts(c: &mut Cluster, seed: u64, tick: i64, at: i64) {
    let cluster = fnv(&c.meta.name);
    let mut warnings = Vec::new();
    for p in &mut c.pods {
        if p.crash.is_some() || p.node.is_none() || p.creating(tick) {
            continue;
        }
        let h = roll(seed, &[cluster, fnv(&p.name), tick as u64]);
        if !h.is_multiple_of(RESTART_ONE_IN) {
            continue;
        }
        let oom = (h >> 20).is_multiple_of(3);
        p.restarts += 1;
        p.last_exit = Some(Exit {
            reason: if oom { "OOMKilled" } else { "Error" },
            code: if oom { 137 } else { 1 },
            started: p.started,
            at,
        });
        p.started = at;
        p.ready_from = tick + 3;
        if !oom {
            warnings.push((p.namespace.clone(), p.name.clone(), p.node.clone()));
        }
    }
    for (ns, pod, node) in warnings {
        let message = liveness_message(seed, &pod);
        c.warn(
            seed,
            ("Pod", &ns, &pod),
            "Unhealthy",
            message,
            "kubelet",
            node,
            at,
        );
    }
}

/// Picks the next CrashLoopBackOff victim among ready application pods of
/// Deployments and StatefulSets anywhere in the fleet.
fn start_crashloop(world: &mut World, tick: i64) {
    if !CRASH.starts(tick) {
        return;
    }
    let mut candidates = Vec::new();
    for (ci, c) in world.clusters.iter().enumerate() {
        for (pi, p) in c.pods.iter().enumerate() {
            let app = !matches!(p.namespace.as_str(), "kube-system" | "monitoring");
            let kind = matches!(p.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet);
            if app && kind && p.crash.is_none() && p.ready(tick, c.node_ready(p.node.as_deref())) {
                candidates.push((ci, pi));
            }
        }
    }
    if candidates.is_empty() {
        return;
    }
    let cycle = tick.div_euclid(CRASH.cycle) as u64;
    let (ci, pi) =
        candidates[(roll(world.seed, &[0xC8A5, cycle]) % candidates.len() as u64) as usize];
    world.clusters[ci].pods[pi].crash = Some(Crash {
        until: tick + CRASH.len,
        next_restart: tick,
        backoff: 10,
    });
}

/// The kubelet's back-off: restart, fail, wait 10 s, 20 s, 40 s…; then the
/// fix lands and the container stays up.
fn crashloops(c: &mut Cluster, seed: u64, tick: i64, at: i64) {
    let mut warnings = Vec::new();
    for p in &mut c.pods {
        let Some(cr) = p.crash.as_mut() else { continue };
        if tick >= cr.until {
            p.crash = None;
            p.started = at;
            p.ready_from = tick + 3;
            continue;
        }
        if tick >= cr.next_restart {
            p.restarts += 1;
            p.last_exit = Some(Exit {
                reason: "Error",
                code: 1,
                started: at,
                at,
            });
            cr.next_restart = tick + cr.backoff;
            let message = format!(
                "Back-off restarting failed container {} in pod {}_{}({})",
                p.workload, p.name, p.namespace, p.uid
            );
            cr.backoff = (cr.backoff * 2).min(300);
            warnings.push((p.namespace.clone(), p.name.clone(), p.node.clone(), message));
        }
    }
    for (ns, pod, node, message) in warnings {
        c.warn(
            seed,
            ("Pod", &ns, &pod),
            "BackOff",
            message,
            "kubelet",
            node,
            at,
        );
    }
}

/// The last node (and every other time the one before it) stops posting
/// status; the node controller marks its pods not ready.
fn node_flap(c: &mut Cluster, tick: i64, at: i64) {
    let n = c.nodes.len();
    let second =
        tick.div_euclid(SECOND_NODE_DOWN.cycle) % 2 == 0 && SECOND_NODE_DOWN.contains(tick);
    for (i, node) in c.nodes.iter_mut().enumerate() {
        let down = (i + 1 == n && NODE_DOWN.contains(tick)) || (i + 2 == n && second);
        if node.ready == down {
            node.ready = !down;
            node.transition = at;
        }
    }
}

/// An autoscaler asks for one more `search-api` than staging has room for;
/// the pod stays Pending and the scheduler keeps saying why.
fn squeeze(c: &mut Cluster, seed: u64, tick: i64, at: i64) {
    let Some(wi) = c.workload("search", "search-api") else {
        return;
    };
    let w = &mut c.workloads[wi];
    let Some(room) = w.max_scheduled else {
        return;
    };
    let want = room + i32::from(SQUEEZE.contains(tick));
    if w.replicas != want {
        w.replicas = want;
        w.generation += 1;
        if let Some(s) = w.sets.last_mut() {
            s.target = want;
        }
    }
    if !SQUEEZE.contains(tick) || SQUEEZE.offset(tick) % 15 != 1 {
        return;
    }
    let nodes = c.nodes.len();
    let pending: Vec<(String, String)> = c
        .pods
        .iter()
        .filter(|p| p.workload == "search-api" && p.node.is_none())
        .map(|p| (p.namespace.clone(), p.name.clone()))
        .collect();
    for (ns, pod) in pending {
        c.warn(
            seed,
            ("Pod", &ns, &pod),
            "FailedScheduling",
            format!(
                "0/{nodes} nodes are available: {nodes} Insufficient cpu. preemption: 0/{nodes} nodes are available: {nodes} No preemption victims found for incoming pod."
            ),
            "default-scheduler",
            None,
            at,
        );
    }
}

/// One `catalog-api` pod answers 503 to its readiness probe for a few seconds.
fn probe_failure(c: &mut Cluster, seed: u64, tick: i64, at: i64) {
    let pods: Vec<usize> = c
        .pods
        .iter()
        .enumerate()
        .filter(|(_, p)| p.workload == "catalog-api" && p.node.is_some())
        .map(|(i, _)| i)
        .collect();
    if pods.is_empty() {
        return;
    }
    if PROBE.starts(tick) {
        let pick = pods[(tick.div_euclid(PROBE.cycle) as usize) % pods.len()];
        c.pods[pick].probe_fail_until = tick + PROBE.len;
    }
    let failing: Vec<(String, String, Option<String>)> = pods
        .iter()
        .map(|&i| &c.pods[i])
        .filter(|p| tick < p.probe_fail_until && (p.probe_fail_until - tick) % 3 == 2)
        .map(|p| (p.namespace.clone(), p.name.clone(), p.node.clone()))
        .collect();
    for (ns, pod, node) in failing {
        c.warn(
            seed,
            ("Pod", &ns, &pod),
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503".into(),
            "kubelet",
            node,
            at,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert!(OUTAGE.contains(100) && OUTAGE.contains(419) && !OUTAGE.contains(120));
        assert!(reachable(OUTAGE_CLUSTER, 99) && !reachable(OUTAGE_CLUSTER, 105));
        assert!(reachable("dev", 105));
    }
}
