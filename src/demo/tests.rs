use std::collections::BTreeSet;

use chrono::{Duration, TimeZone};

use super::*;
use crate::fleet::handles::with_data;
use crate::fleet::objects::{Compact, PodInfo};
use crate::fleet::rollout::{Phase, RolloutInfo, Strategy};
use crate::fleet::summary::{ClusterRow, ClusterState, Known, Ratio};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap()
}

/// Steps `n` ticks with a clock that advances one second per tick; returns
/// the time of the last tick.
fn run(demo: &mut Demo, n: i64) -> DateTime<Utc> {
    for _ in 0..n {
        demo.step(t0() + Duration::seconds(demo.tick()));
    }
    t0() + Duration::seconds(demo.tick() - 1)
}

fn index(fleet: &Fleet, name: &str) -> usize {
    fleet
        .clusters
        .iter()
        .position(|c| c.meta.name == name)
        .unwrap_or_else(|| panic!("no cluster {name}"))
}

fn row(fleet: &Fleet, name: &str, now: DateTime<Utc>) -> ClusterRow {
    fleet.rows(now).swap_remove(index(fleet, name))
}

fn rollout(fleet: &Fleet, cluster: &str, key: &str) -> RolloutInfo {
    with_data(&fleet.clusters[index(fleet, cluster)].data, |d| {
        d.rollouts.items[key].rollout.clone().expect("rollout info")
    })
}

fn pods(fleet: &Fleet) -> Vec<(usize, PodInfo)> {
    let mut out = Vec::new();
    for (i, c) in fleet.clusters.iter().enumerate() {
        with_data(&c.data, |d| {
            out.extend(d.pods.items.values().map(|p| (i, p.clone())));
        });
    }
    out.sort_by(|a, b| (a.0, &a.1.namespace, &a.1.name).cmp(&(b.0, &b.1.namespace, &b.1.name)));
    out
}

#[test]
fn six_clusters_three_regions_two_clouds_all_filled() {
    let (fleet, mut demo) = start(7);
    assert!(fleet
        .rows(t0())
        .iter()
        .all(|r| r.state == ClusterState::Connecting));
    let now = run(&mut demo, 3);
    let rows = fleet.rows(now);
    assert_eq!(rows.len(), 6);
    let set = |f: fn(&ClusterRow) -> Option<String>| -> BTreeSet<String> {
        rows.iter().filter_map(f).collect()
    };
    assert_eq!(set(|r| r.meta.region.clone()).len(), 3);
    assert_eq!(set(|r| r.meta.cloud.clone()).len(), 2);
    for r in &rows {
        assert_eq!(r.state, ClusterState::Ok, "{}", r.meta.name);
        assert_eq!(r.excluded, None);
        assert!(r.version.is_some());
        let n = r.nodes.value().expect("nodes");
        assert!((3..=8).contains(&n.total) && n.ready == n.total, "{n:?}");
        let p = r.pods.value().expect("pods");
        assert!(p.running + p.pending >= 15, "{}: {p:?}", r.meta.name);
        let w = r.workloads.value().expect("workloads");
        // The storefront and ledger Deployments behind the traffic objects.
        let traffic = traffic::CLUSTERS.contains(&r.meta.name.as_str());
        assert_eq!(w.total, if traffic { 16 } else { 12 }, "{}", r.meta.name);
        assert_eq!(r.rollouts.value().expect("rollouts").total, 2);
        assert_eq!(r.last_seen, Some(now));
    }
    let t = Fleet::totals(&rows);
    assert_eq!((t.clusters, t.excluded, t.healthy_clusters), (6, 0, 6));
    assert_eq!(t.nodes.total, 25);
    assert!(t.pods.running > 100, "{t:?}");
    assert_eq!(t.workloads.total, 72 + 8);
}

#[test]
fn every_pod_resolves_to_a_workload_in_its_cluster() {
    let (fleet, mut demo) = start(11);
    run(&mut demo, 60);
    let all = pods(&fleet);
    assert!(!all.is_empty());
    for (i, p) in all {
        let (kind, name) = p.owner.clone().expect("owner");
        let found = with_data(&fleet.clusters[i].data, |d| {
            d.workloads()
                .any(|w| *w.namespace == *p.namespace && *w.name == *name && w.kind.owns(&kind))
        });
        assert!(
            found,
            "{} {}/{} owned by {kind} {name}",
            i, p.namespace, p.name
        );
    }
}

#[test]
fn workloads_line_up_across_clusters_with_skew() {
    let (fleet, mut demo) = start(3);
    run(&mut demo, 2);
    let lines = fleet.workload_lines();
    assert_eq!(lines.len(), 16);
    let traffic: Vec<bool> = fleet
        .clusters
        .iter()
        .map(|c| traffic::CLUSTERS.contains(&c.meta.name.as_str()))
        .collect();
    for l in lines.iter() {
        let only_traffic = ["shop", "payments"].contains(&l.namespace.as_str())
            && (l.name.starts_with("storefront") || l.name.starts_with("ledger-"));
        let cells: Vec<bool> = l.cells.iter().map(Option::is_some).collect();
        if only_traffic {
            assert_eq!(cells, traffic, "{}", l.name);
        } else {
            assert!(cells.iter().all(|c| *c), "{}", l.name);
        }
    }
    let line = |name: &str| lines.iter().find(|l| l.name == name).expect(name);
    let catalog = line("catalog-api");
    assert!(catalog.replica_skew && catalog.image_skew);
    let coredns = line("coredns");
    assert!(!coredns.replica_skew && !coredns.image_skew);
    assert!(line("checkout").image_skew);
}

#[test]
fn canary_holds_at_its_pause_until_promoted() {
    let (fleet, mut demo) = start(1);
    run(&mut demo, 1);
    let first = rollout(&fleet, "prod-eu-west", "checkout/checkout");
    assert_eq!(first.strategy, Strategy::Canary);
    assert_eq!((first.phase, first.step), (Phase::Healthy, Some((5, 5))));
    assert_eq!(
        first.steps,
        [
            "setWeight 20",
            "pause (until promoted)",
            "setWeight 50",
            "pause 30s",
            "setWeight 100"
        ]
    );
    // (step, phase, set weight, image) each time one of them changes.
    type State = (Option<(u32, u32)>, Phase, Option<u32>, String);
    let mut seen: Vec<State> = Vec::new();
    for _ in 0..300 {
        let now = run(&mut demo, 1);
        let r = rollout(&fleet, "prod-eu-west", "checkout/checkout");
        let entering = r.phase == Phase::Paused && seen.last().map(|s| s.1) != Some(Phase::Paused);
        let state = (r.step, r.phase, r.set_weight, r.images[0].clone());
        if seen.last() != Some(&state) {
            seen.push(state);
        }
        if entering {
            assert_eq!(r.actual_weight, r.set_weight, "pods follow the weight");
        }
        if r.phase == Phase::Paused {
            assert_eq!(r.pause_reasons, ["CanaryPauseStep"]);
            let ro = row(&fleet, "prod-eu-west", now).rollouts;
            assert_eq!(ro.value().map(|c| c.paused), Some(1));
        }
    }
    let want = |step: u32, phase: Phase, weight: u32| {
        (
            Some((step, 5)),
            phase,
            Some(weight),
            "ghcr.io/acme-shop/checkout:1.43.0".to_string(),
        )
    };
    assert_eq!(
        seen[1..],
        [want(0, Phase::Progressing, 20), want(1, Phase::Paused, 20)],
        "{seen:#?}"
    );
}

#[test]
fn blue_green_previews_pauses_and_cuts_over() {
    let (fleet, mut demo) = start(2);
    let key = "payments/payments";
    let mut phases: Vec<(Phase, String, String)> = Vec::new();
    let mut most_pods = 0;
    // The next release is due at tick 196.
    for _ in 0..190 {
        run(&mut demo, 1);
        let r = rollout(&fleet, "prod-us-east", key);
        assert_eq!(r.strategy, Strategy::BlueGreen);
        assert_eq!(r.active_service.as_deref(), Some("payments-active"));
        assert_eq!(r.preview_service.as_deref(), Some("payments-preview"));
        let state = (r.phase, r.message.clone(), r.images[0].clone());
        if phases.last() != Some(&state) {
            phases.push(state);
        }
        most_pods = most_pods.max(r.replicas);
    }
    let at = |phase: Phase, message: &str, image: &str| {
        phases
            .iter()
            .position(|p| p.0 == phase && p.1 == message && p.2.ends_with(image))
            .unwrap_or_else(|| panic!("no {phase} {message} {image} in {phases:#?}"))
    };
    let order = [
        at(Phase::Healthy, "", ":3.8.1"),
        at(
            Phase::Progressing,
            "active service cutover pending",
            ":3.8.2",
        ),
        at(Phase::Paused, "BlueGreenPause", ":3.8.2"),
        at(Phase::Healthy, "", ":3.8.2"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert_eq!(most_pods, 6, "blue and green side by side");
    let r = rollout(&fleet, "prod-us-east", key);
    assert_eq!(r.replicas, 3, "old ReplicaSet scaled down after the delay");
}

#[test]
fn outage_is_unreachable_then_recovers_with_last_known_data() {
    let (fleet, mut demo) = start(5);
    let name = script::OUTAGE_CLUSTER;
    let before = run(&mut demo, script::OUTAGE.start);
    let up = row(&fleet, name, before);
    assert_eq!(up.state, ClusterState::Ok);
    let mut saw_down = 0;
    for _ in 0..script::OUTAGE.len {
        let now = run(&mut demo, 1);
        let r = row(&fleet, name, now);
        assert!(
            matches!(&r.state, ClusterState::Unreachable { since, .. } if *since == before + Duration::seconds(1)),
            "{:?}",
            r.state
        );
        assert_eq!(r.excluded.as_deref(), Some("unreachable"));
        assert_eq!(
            (r.nodes, r.pods, r.workloads),
            (up.nodes, up.pods, up.workloads)
        );
        assert_eq!(r.last_seen, Some(before), "nothing heard while down");
        saw_down += 1;
    }
    assert_eq!(saw_down, 20);
    let now = run(&mut demo, 1);
    let back = row(&fleet, name, now);
    assert_eq!(back.state, ClusterState::Ok);
    assert_eq!(back.excluded, None);
    assert_eq!(back.last_seen, Some(now));
    assert_eq!(back.nodes, up.nodes);
    // The other clusters never noticed.
    assert!(fleet.rows(now).iter().all(|r| r.state == ClusterState::Ok));
}

#[test]
fn dev_node_not_ready_and_exclusion_below_half() {
    let (fleet, mut demo) = start(9);
    let mut states: Vec<(Known<Ratio>, bool)> = Vec::new();
    for _ in 0..2 * script::NODE_DOWN.cycle {
        let now = run(&mut demo, 1);
        let r = row(&fleet, script::NODE_CLUSTER, now);
        let state = (r.nodes, r.excluded.is_some());
        if states.last() != Some(&state) {
            states.push(state);
        }
        if let Some(why) = &r.excluded {
            assert_eq!(why, "1/3 nodes ready (< 50%)");
        }
    }
    let ratio = |ready, excluded| (Known::Value(Ratio { ready, total: 3 }), excluded);
    // The first time a second node goes too, and 1/3 Ready is below the
    // policy's 50%; the second time only one does.
    let want = [
        ratio(3, false),
        ratio(2, false),
        ratio(1, true),
        ratio(2, false),
        ratio(3, false),
        ratio(2, false),
        ratio(3, false),
    ];
    assert_eq!(states, want);
}

#[test]
fn warnings_crash_loops_and_restarts_move() {
    let (fleet, mut demo) = start(4);
    run(&mut demo, 1);
    let initial_restarts: u32 = pods(&fleet).iter().map(|(_, p)| p.restarts).sum();
    let mut reasons = BTreeSet::new();
    let mut crashed: Option<(usize, String, u32)> = None;
    let mut climbed = false;
    let mut recovered = false;
    for _ in 0..600 {
        let now = run(&mut demo, 1);
        for c in &fleet.clusters {
            with_data(&c.data, |d| {
                for e in d.events.items.values() {
                    if e.last_seen == Some(now) {
                        reasons.insert(e.reason.clone());
                    }
                }
            });
        }
        let all = pods(&fleet);
        match &crashed {
            None => {
                crashed = all
                    .iter()
                    .find(|(_, p)| p.reason.as_deref() == Some("CrashLoopBackOff"))
                    .map(|(i, p)| (*i, p.key(), p.restarts));
                if let Some((i, _, _)) = crashed {
                    let r = fleet.rows(now).swap_remove(i);
                    assert!(r.pods.value().unwrap().failing >= 1);
                }
            }
            Some((i, key, restarts)) => {
                if let Some((_, p)) = all.iter().find(|(j, p)| j == i && &p.key() == key) {
                    climbed |= p.failing && p.restarts >= restarts + 2;
                    recovered |= climbed && !p.failing && p.ready;
                }
            }
        }
    }
    for r in ["BackOff", "FailedScheduling", "Unhealthy"] {
        assert!(reasons.contains(r), "{r} never fresh: {reasons:?}");
    }
    assert!(
        climbed && recovered,
        "crash loop climbed {climbed}, recovered {recovered}"
    );
    let restarts: u32 = pods(&fleet).iter().map(|(_, p)| p.restarts).sum();
    assert!(
        restarts > initial_restarts + 10,
        "{initial_restarts} → {restarts}"
    );
}

#[test]
fn same_seed_same_run_with_a_frozen_clock() {
    let (a_fleet, mut a) = start(42);
    let (b_fleet, mut b) = start(42);
    let now = t0();
    for _ in 0..150 {
        a.step(now);
        b.step(now);
        assert_eq!(a_fleet.rows(now), b_fleet.rows(now), "tick {}", a.tick());
    }
    assert_eq!(a_fleet.workload_lines(), b_fleet.workload_lines());
    assert_eq!(pods(&a_fleet), pods(&b_fleet));
    let (c_fleet, mut c) = start(43);
    c.step(now);
    let names =
        |f: &Fleet| -> BTreeSet<String> { pods(f).into_iter().map(|(_, p)| p.name).collect() };
    assert_ne!(names(&a_fleet), names(&c_fleet), "the seed names the pods");
}

/// The stores hold exactly the simulated objects: every creation, change
/// and deletion went through, across the outage's relist too.
#[test]
fn stores_mirror_the_simulation() {
    let (fleet, mut demo) = start(6);
    for checkpoint in [40, 95, 130] {
        let n = checkpoint - demo.tick();
        run(&mut demo, n);
        for (c, h) in demo.world.clusters.iter().zip(&fleet.clusters) {
            if !script::reachable(&c.meta.name, demo.tick() - 1) {
                continue;
            }
            let want: BTreeSet<(String, u32)> = c
                .pods
                .iter()
                .map(|p| (format!("{}/{}", p.namespace, p.name), p.restarts))
                .collect();
            let events: BTreeSet<String> = c
                .events
                .iter()
                .map(|e| format!("{}/{}", e.namespace, e.name))
                .collect();
            with_data(&h.data, |d| {
                let have: BTreeSet<(String, u32)> = d
                    .pods
                    .items
                    .values()
                    .map(|p| (p.key(), p.restarts))
                    .collect();
                assert_eq!(have, want, "{} at {checkpoint}", c.meta.name);
                let have: BTreeSet<String> = d.events.items.keys().cloned().collect();
                assert_eq!(have, events, "{} at {checkpoint}", c.meta.name);
                assert_eq!(d.workloads().count(), c.workloads.len());
                assert_eq!(d.nodes.len(), c.nodes.len());
            });
        }
    }
}
