//! Actions in the demo: planned through `ops::build::compute` against the
//! simulation, executed into it, and seen in the next tick's objects.

use chrono::{Duration, TimeZone};
use serde_json::{json, Value};

use super::*;
use crate::fleet::handles::with_data;
use crate::fleet::rollout::{rollout_info, Phase, RolloutInfo};
use crate::ops::action::{Operation, PatchType};
use crate::ops::build::Declared;
use crate::ops::pipeline::{Outcome, Plan, Preflight};
use crate::ops::target::{ObjectKind, Target};
use crate::verdict::GateState;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap()
}

fn run(demo: &mut Demo, n: i64) {
    for _ in 0..n {
        demo.step(t0() + Duration::seconds(demo.tick()));
    }
}

fn target(cluster: &str, ns: &str, kind: ObjectKind, name: &str) -> Target {
    Target::new(cluster, ns, kind, name)
}

fn checkout() -> Target {
    target("prod-eu-west", "checkout", ObjectKind::Rollout, "checkout")
}

fn plan(demo: &Demo, t: &Target, op: Operation) -> (Plan, Preflight) {
    demo.plan(t, op, &Declared::default())
        .expect("the target is there")
}

fn unavailable(demo: &Demo, t: &Target, op: Operation) -> String {
    match plan(demo, t, op) {
        (_, Preflight::Unavailable(why)) => why,
        (p, pf) => panic!("planned {:?}: {pf:?}", p.requests),
    }
}

fn execute(demo: &mut Demo, p: &Plan) -> Outcome {
    let mark = Mark {
        reason: "demo test".into(),
        by: "tester".into(),
        journal_id: "j-1".into(),
    };
    demo.execute(p, &mark)
}

/// Plans (the dry-run must pass), executes, and ticks once so the stores
/// show it.
fn act(demo: &mut Demo, t: &Target, op: Operation) -> Plan {
    let (p, pf) = plan(demo, t, op);
    assert!(matches!(pf, Preflight::Ready { .. }), "{pf:?}");
    let outcome = execute(demo, &p);
    assert!(matches!(outcome, Outcome::Done { .. }), "{outcome:?}");
    run(demo, 1);
    p
}

/// The Rollout as the store has it.
fn info(fleet: &Fleet, t: &Target) -> RolloutInfo {
    let c = fleet
        .clusters
        .iter()
        .find(|c| c.meta.context == t.context)
        .expect("cluster");
    with_data(&c.data, |d| {
        d.rollouts.items[&format!("{}/{}", t.namespace, t.name)]
            .rollout
            .clone()
            .expect("rollout info")
    })
}

/// The object as the demo serves it to planning (a GET).
fn get(demo: &Demo, t: &Target) -> Value {
    plan(demo, t, Operation::Pause).0.before_view
}

fn stored(demo: &Demo, t: &Target) -> Value {
    let c = demo
        .world
        .clusters
        .iter()
        .find(|c| c.meta.context == t.context)
        .expect("cluster");
    c.traffic[traffic::find(c, t.kind, &t.namespace, &t.name).expect("object")].clone()
}

fn last_action(obj: &Value) -> Value {
    let text = obj
        .pointer("/metadata/annotations/fleetdeck.io~1last-action")
        .and_then(Value::as_str)
        .expect("a last-action mark");
    serde_json::from_str(text).expect("JSON")
}

/// Runs until the checkout canary holds at its `pause: {}`.
fn paused_canary() -> (crate::console::Console, Demo) {
    let (fleet, mut demo) = start(1);
    run(&mut demo, 40);
    let r = info(&fleet, &checkout());
    assert_eq!((r.phase, r.step), (Phase::Paused, Some((1, 5))), "{r:?}");
    (fleet, demo)
}

#[test]
fn the_paused_canary_renders_as_argo_shows_it() {
    let (fleet, mut demo) = paused_canary();
    run(&mut demo, 200);
    let r = info(&fleet, &checkout());
    assert_eq!(
        (r.phase, r.step),
        (Phase::Paused, Some((1, 5))),
        "still held"
    );
    assert_eq!(r.pause_reasons, ["CanaryPauseStep"]);
    let ro = get(&demo, &checkout());
    assert_eq!(
        ro.pointer("/spec/strategy/canary/steps/1"),
        Some(&json!({"pause": {}}))
    );
    assert_eq!(
        ro.pointer("/status/pauseConditions/0/reason"),
        Some(&json!("CanaryPauseStep"))
    );
    assert_eq!(ro.pointer("/status/controllerPause"), Some(&json!(true)));
    assert_eq!(ro.pointer("/status/currentStepIndex"), Some(&json!(1)));
    let info = rollout_info(&ro).unwrap();
    assert_eq!(info.steps[1], "pause (until promoted)");
}

#[test]
fn promote_moves_the_canary_on_to_completion() {
    let (fleet, mut demo) = paused_canary();
    let (p, _) = plan(&demo, &checkout(), Operation::Promote { full: false });
    assert_eq!(p.requests.len(), 1);
    assert_eq!(p.requests[0].subresource.as_deref(), Some("status"));
    assert_eq!(
        p.requests[0].body,
        json!({"status": {"pauseConditions": null}})
    );
    let gate = p.gate.as_ref().expect("promote is gated");
    assert_eq!(gate.state, GateState::Go, "{gate:?}");
    assert!(gate.checks[0].detail.contains("2/2 ready"), "{gate:?}");
    assert_eq!(
        p.summary.as_deref(),
        Some("Canary Paused (CanaryPauseStep) · step 1/5 · weight 20%")
    );
    act(&mut demo, &checkout(), Operation::Promote { full: false });
    let r = info(&fleet, &checkout());
    assert_eq!(
        (r.phase, r.step, r.set_weight),
        (Phase::Progressing, Some((2, 5)), Some(50))
    );
    let mut healthy = false;
    for _ in 0..80 {
        run(&mut demo, 1);
        let r = info(&fleet, &checkout());
        healthy |= r.phase == Phase::Healthy && r.step == Some((5, 5));
    }
    assert!(healthy, "{:?}", info(&fleet, &checkout()));
    let r = info(&fleet, &checkout());
    assert_eq!(r.stable_rs, r.current_pod_hash);
    assert!(r.images[0].ends_with(":1.43.0"));
    // The next release starts and holds at the pause again.
    run(&mut demo, 120);
    let r = info(&fleet, &checkout());
    assert_eq!((r.phase, r.step), (Phase::Paused, Some((1, 5))), "{r:?}");
    assert!(r.images[0].ends_with(":1.44.0"));
    let mark = last_action(&get(&demo, &checkout()));
    assert_eq!(mark["action"], "promote");
    assert_eq!(mark["journal_id"], "j-1");
}

#[test]
fn abort_degrades_and_retry_starts_over() {
    let (fleet, mut demo) = paused_canary();
    act(&mut demo, &checkout(), Operation::Abort);
    let r = info(&fleet, &checkout());
    assert_eq!(r.phase, Phase::Degraded);
    assert!(r.aborted);
    assert_eq!(r.set_weight, Some(0));
    assert!(
        r.message
            .starts_with("RolloutAborted: Rollout aborted update to revision"),
        "{}",
        r.message
    );
    let ro = get(&demo, &checkout());
    assert_eq!(ro.pointer("/status/abort"), Some(&json!(true)));
    assert!(ro.pointer("/status/pauseConditions").is_none());
    // The promote gate stops on a Degraded rollout.
    let (p, _) = plan(&demo, &checkout(), Operation::Promote { full: true });
    assert_eq!(p.gate.map(|g| g.state), Some(GateState::Stop));
    run(&mut demo, 10);
    let r = info(&fleet, &checkout());
    assert_eq!((r.updated, r.replicas), (0, 10), "the canary pods went");
    act(&mut demo, &checkout(), Operation::Retry);
    let r = info(&fleet, &checkout());
    assert!(!r.aborted && r.phase != Phase::Degraded, "{r:?}");
    assert_eq!(r.step, Some((0, 5)));
    run(&mut demo, 20);
    let r = info(&fleet, &checkout());
    assert_eq!((r.phase, r.step), (Phase::Paused, Some((1, 5))), "{r:?}");
}

#[test]
fn pause_resume_promote_full_and_undo() {
    let (fleet, mut demo) = paused_canary();
    act(&mut demo, &checkout(), Operation::Pause);
    let r = info(&fleet, &checkout());
    assert_eq!(
        (r.phase, r.message.as_str()),
        (Phase::Paused, "manually paused")
    );
    assert_eq!(
        get(&demo, &checkout()).pointer("/spec/paused"),
        Some(&json!(true))
    );
    let p = act(&mut demo, &checkout(), Operation::Resume);
    assert_eq!(
        p.requests.len(),
        2,
        "clears the pause condition and spec.paused"
    );
    let r = info(&fleet, &checkout());
    assert_eq!((r.step, r.paused), (Some((2, 5)), false), "{r:?}");
    act(&mut demo, &checkout(), Operation::Promote { full: true });
    run(&mut demo, 30);
    let r = info(&fleet, &checkout());
    assert_eq!((r.phase, r.step), (Phase::Healthy, Some((5, 5))), "{r:?}");
    assert!(r.images[0].ends_with(":1.43.0"));
    // Undo: revision 1.42.0 comes back as a new release, through the steps.
    let (p, _) = plan(&demo, &checkout(), Operation::Undo { to_revision: None });
    assert_eq!(p.requests[0].patch_type, PatchType::Json);
    assert_eq!(
        p.requests[0].body[0]["value"]["spec"]["containers"][0]["image"],
        "ghcr.io/acme-shop/checkout:1.42.0"
    );
    act(
        &mut demo,
        &checkout(),
        Operation::Undo { to_revision: None },
    );
    run(&mut demo, 20);
    let r = info(&fleet, &checkout());
    assert_eq!((r.phase, r.step), (Phase::Paused, Some((1, 5))), "{r:?}");
    assert!(r.images[0].ends_with(":1.42.0"));
    let ro = get(&demo, &checkout());
    let revision = ro.pointer("/metadata/annotations/rollout.argoproj.io~1revision");
    let first: i64 = revision.and_then(Value::as_str).unwrap().parse().unwrap();
    assert!(first >= 3, "a new revision: {revision:?}");
}

#[test]
fn undo_without_history_and_nothing_to_promote_are_refused() {
    let (_fleet, mut demo) = start(1);
    run(&mut demo, 2);
    let t = target("staging-eu", "checkout", ObjectKind::Rollout, "checkout");
    let why = unavailable(&demo, &t, Operation::Undo { to_revision: None });
    assert_eq!(why, "no previous revision to roll back to");
    let why = unavailable(&demo, &t, Operation::Promote { full: true });
    assert!(why.starts_with("nothing to promote-full"), "{why}");
}

#[test]
fn blue_green_promote_switches_the_active_side() {
    let (fleet, mut demo) = start(2);
    let t = target("prod-us-east", "payments", ObjectKind::Rollout, "payments");
    run(&mut demo, 45);
    let r = info(&fleet, &t);
    assert_eq!(
        (r.phase, r.pause_reasons.clone()),
        (Phase::Paused, vec!["BlueGreenPause".to_string()])
    );
    assert_ne!(r.active_selector, r.preview_selector);
    let (p, _) = plan(&demo, &t, Operation::Promote { full: false });
    assert_eq!(p.gate.map(|g| g.state), Some(GateState::Go));
    act(&mut demo, &t, Operation::Promote { full: false });
    let r = info(&fleet, &t);
    assert_eq!(r.phase, Phase::Healthy, "{r:?}");
    assert_eq!(r.active_selector, r.current_pod_hash);
    assert_eq!(r.stable_rs, r.current_pod_hash);
}

#[test]
fn scale_plans_on_the_scale_subresource() {
    let (fleet, mut demo) = start(3);
    run(&mut demo, 2);
    let t = target(
        "staging-eu",
        "catalog",
        ObjectKind::Deployment,
        "catalog-api",
    );
    let (p, pf) = plan(&demo, &t, Operation::Scale { replicas: 5 });
    assert_eq!(p.before_view["kind"], "Scale");
    let Preflight::Ready { after } = pf else {
        panic!("{pf:?}")
    };
    assert_eq!(after.pointer("/spec/replicas"), Some(&json!(5)));
    act(&mut demo, &t, Operation::Scale { replicas: 5 });
    let desired = with_data(&fleet.clusters[4].data, |d| {
        d.deployments.items["catalog/catalog-api"].desired
    });
    assert_eq!(desired, 5);
}

#[test]
fn route_step_is_a_guarded_json_patch_that_moves_the_weights() {
    let (_fleet, mut demo) = start(4);
    run(&mut demo, 10);
    let route = target("staging-eu", "shop", ObjectKind::HttpRoute, "storefront");
    let (p, pf) = plan(&demo, &route, Operation::Step { back: false });
    assert_eq!(p.requests[0].patch_type, PatchType::Json);
    assert_eq!(
        p.requests[0].body,
        json!([
            {"op": "test", "path": "/spec/rules/0/backendRefs/0/name", "value": "storefront"},
            {"op": "replace", "path": "/spec/rules/0/backendRefs/0/weight", "value": 75},
            {"op": "test", "path": "/spec/rules/0/backendRefs/1/name", "value": "storefront-canary"},
            {"op": "replace", "path": "/spec/rules/0/backendRefs/1/weight", "value": 25}
        ])
    );
    let gate = p.gate.clone().expect("a step forward is gated");
    assert_eq!(gate.state, GateState::Go, "{gate:?}");
    assert!(
        gate.checks[0].detail.contains("storefront-canary"),
        "{gate:?}"
    );
    assert_eq!(
        p.summary.as_deref(),
        Some("canary storefront-canary weight 5% → 25% (stable storefront 75%)")
    );
    assert!(matches!(pf, Preflight::Ready { .. }));
    let rv = p.rv_before.clone();
    assert!(matches!(execute(&mut demo, &p), Outcome::Done { .. }));
    run(&mut demo, 1);
    let obj = stored(&demo, &route);
    let weights: Vec<&Value> = (0..2)
        .map(|i| &obj["spec"]["rules"][0]["backendRefs"][i]["weight"])
        .collect();
    assert_eq!(weights, [&json!(75), &json!(25)]);
    assert_ne!(patch::resource_version(&obj), rv);
    assert_eq!(last_action(&obj)["action"], "canary-step");
    // The same plan again: its resourceVersion test fails.
    assert!(matches!(execute(&mut demo, &p), Outcome::Conflict(_)));
    let (next, _) = plan(&demo, &route, Operation::Step { back: false });
    assert_eq!(
        next.summary.as_deref(),
        Some("canary storefront-canary weight 25% → 50% (stable storefront 50%)")
    );
    let back = act(&mut demo, &route, Operation::Step { back: true });
    assert!(back.gate.is_none(), "stepping back is not gated");
    assert_eq!(
        stored(&demo, &route)["spec"]["rules"][0]["backendRefs"][1]["weight"],
        5
    );
}

#[test]
fn flip_then_flip_back_and_no_flip_back_without_a_flip() {
    let (_fleet, mut demo) = start(5);
    run(&mut demo, 10);
    let svc = target("prod-eu-west", "payments", ObjectKind::Service, "ledger");
    let why = unavailable(&demo, &svc, Operation::Flip { back: true });
    assert_eq!(
        why,
        "no flip to undo: the last fleetdeck action here was none"
    );
    let (p, _) = plan(&demo, &svc, Operation::Flip { back: false });
    assert_eq!(p.requests[0].patch_type, PatchType::Merge);
    assert_eq!(
        p.requests[0].body,
        json!({"spec": {"selector": {"version": "green"}}})
    );
    assert_eq!(p.summary.as_deref(), Some("selector version: blue → green"));
    let gate = p.gate.expect("a flip is gated");
    assert_eq!(gate.state, GateState::Go, "{gate:?}");
    assert!(gate.checks[0].detail.contains("ledger-green"), "{gate:?}");
    act(&mut demo, &svc, Operation::Flip { back: false });
    let obj = stored(&demo, &svc);
    assert_eq!(
        obj["spec"]["selector"],
        json!({"app": "ledger", "version": "green"})
    );
    assert_eq!(last_action(&obj)["action"], "flip");
    let p = act(&mut demo, &svc, Operation::Flip { back: true });
    assert_eq!(p.summary.as_deref(), Some("selector version: green → blue"));
    assert_eq!(stored(&demo, &svc)["spec"]["selector"]["version"], "blue");
    let why = unavailable(&demo, &svc, Operation::Flip { back: true });
    assert_eq!(
        why,
        "no flip to undo: the last fleetdeck action here was flip-back"
    );
}

#[test]
fn unknown_objects_and_outages_are_errors() {
    let (_fleet, mut demo) = start(6);
    run(&mut demo, 2);
    let nope = target("staging-eu", "shop", ObjectKind::HttpRoute, "nope");
    let err = demo.plan(&nope, Operation::Step { back: false }, &Declared::default());
    assert_eq!(
        err.unwrap_err(),
        "staging-eu/shop/httproute/nope: httproutes.gateway.networking.k8s.io \"nope\" not found"
    );
    run(&mut demo, script::OUTAGE.start - 1);
    let t = target(
        script::OUTAGE_CLUSTER,
        "checkout",
        ObjectKind::Rollout,
        "checkout",
    );
    let err = demo.plan(&t, Operation::Pause, &Declared::default());
    assert!(err.unwrap_err().contains("unreachable"));
}
