//! Release actions against the lab's real Argo Rollouts controller, Gateway
//! API and Istio CRDs: the requests match the reference tools' (read back
//! from the audit log), the controller moves as the plugin would make it,
//! the gate stops a move to an unready side, and waves stop at the first
//! failure.

mod support;

use std::time::Duration;

use fleetdeck::fleet::rollout::{rollout_info, Phase, RolloutInfo};
use fleetdeck::journal::RecordKind;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
};
use kube::Client;
use serde_json::{json, Value};
use support::cli::{text, Cli};

const GUARD: Duration = Duration::from_secs(120);

fn ar(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

fn rollouts(client: Client, ns: &str) -> Api<DynamicObject> {
    Api::namespaced_with(
        client,
        ns,
        &ar("argoproj.io", "v1alpha1", "Rollout", "rollouts"),
    )
}

fn dynamic(client: Client, ns: &str, r: &ApiResource) -> Api<DynamicObject> {
    Api::namespaced_with(client, ns, r)
}

fn obj(v: Value) -> DynamicObject {
    serde_json::from_value(v).expect("a valid object")
}

fn rollout(name: &str, image: &str, replicas: i32, strategy: Value) -> DynamicObject {
    obj(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]}},
            "strategy": strategy,
        }
    }))
}

fn canary_steps() -> Value {
    json!({"canary": {"steps": [{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]}})
}

async fn info(api: &Api<DynamicObject>, name: &str) -> Option<(RolloutInfo, Value)> {
    let v = serde_json::to_value(api.get(name).await.ok()?).ok()?;
    Some((rollout_info(&v)?, v))
}

async fn wait_rollout(
    api: &Api<DynamicObject>,
    name: &str,
    what: &str,
    f: impl Fn(&RolloutInfo, &Value) -> bool,
) -> RolloutInfo {
    support::eventually(what, GUARD, || async {
        let (i, v) = info(api, name).await?;
        f(&i, &v).then_some(i)
    })
    .await
}

fn healthy(i: &RolloutInfo) -> bool {
    i.phase == Phase::Healthy && i.stable_rs.is_some() && i.stable_rs == i.current_pod_hash
}

async fn set_image(api: &Api<DynamicObject>, name: &str, image: &str) {
    let p =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&p))
        .await
        .unwrap();
}

/// The operator's writes of `resource` in `ns`, in order, as the API server
/// received them: `(subresource, body without fleetdeck's guard)`. Dry-runs
/// and fleetdeck's own annotation mark are left out; every body must carry
/// the guard.
fn action_bodies(c: &support::LabCluster, ns: &str, resource: &str) -> Vec<(String, Value)> {
    support::audit_events(&c.audit_log)
        .into_iter()
        .filter(|e| {
            e["verb"] == "patch"
                && e["stage"] == "ResponseComplete"
                && e["objectRef"]["resource"] == resource
                && e["objectRef"]["namespace"] == ns
                && e["user"]["username"] == c.operator()
                && !e["requestURI"].as_str().unwrap_or("").contains("dryRun")
                && e["responseStatus"]["code"] == 200
        })
        .filter_map(|e| {
            let sub = e["objectRef"]["subresource"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let mut body = e["requestObject"].clone();
            if body
                .pointer("/metadata/annotations/fleetdeck.io~1last-action")
                .is_some()
            {
                return None;
            }
            match &mut body {
                Value::Array(ops) => {
                    assert_eq!(ops[0]["op"], "test", "JSON patch guarded: {ops:?}");
                    assert_eq!(ops[0]["path"], "/metadata/resourceVersion");
                    ops.remove(0);
                }
                Value::Object(o) => {
                    let meta = o
                        .remove("metadata")
                        .expect("merge patch guarded by metadata.resourceVersion");
                    assert!(meta["resourceVersion"].is_string(), "guard: {meta}");
                }
                other => panic!("unexpected body {other}"),
            }
            Some((sub, body))
        })
        .collect()
}

async fn wait_bodies(
    c: &support::LabCluster,
    ns: &str,
    resource: &str,
    n: usize,
) -> Vec<(String, Value)> {
    support::eventually(&format!("{n} audited {resource} writes"), GUARD, || async {
        let b = action_bodies(c, ns, resource);
        (b.len() >= n).then_some(b)
    })
    .await
}

fn actions(cli: &Cli) -> Vec<(String, RecordKind, Option<String>)> {
    cli.journal()
        .read()
        .unwrap()
        .into_iter()
        .map(|r| (r.action, r.kind, r.result))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn rollout_actions_send_the_plugins_requests_and_move_the_controller() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[2];
    let ns = lab.namespace(c, "ro").await;
    let api = rollouts(lab.client(&c.admin()).await, &ns.name);
    api.create(
        &PostParams::default(),
        &rollout("web", "registry.example/web:1", 4, canary_steps()),
    )
    .await
    .unwrap();
    wait_rollout(&api, "web", "first revision Healthy", |i, _| healthy(i)).await;
    set_image(&api, "web", "registry.example/web:2").await;
    wait_rollout(&api, "web", "paused at the first pause step", |i, _| {
        i.phase == Phase::Paused && i.step == Some((1, 4)) && i.pause_reasons == ["CanaryPauseStep"]
    })
    .await;

    let cli = Cli::new(lab);
    let t = format!("{}/{}/web", c.operator(), ns.name);
    let run = async |args: &[&str]| {
        support::settled(&api, "web").await;
        let mut all = vec!["rollout"];
        all.extend_from_slice(args);
        all.extend_from_slice(&[&t, "--reason", "release 2", "--yes"]);
        let out = cli.run(&all);
        assert!(out.status.success(), "{all:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).to_string()
    };

    // Promote: past the pause, to the next one (setWeight 50 at step 2, pause at 3).
    let out = run(&["promote"]).await;
    assert!(out.contains("gate:     go"), "{out}");
    wait_rollout(&api, "web", "paused at the second pause step", |i, _| {
        i.phase == Phase::Paused && i.step == Some((3, 4)) && i.set_weight == Some(50)
    })
    .await;
    // Abort: back to stable, Degraded.
    run(&["abort"]).await;
    let i = info(&api, "web").await.unwrap().0;
    assert!(i.aborted && i.phase == Phase::Degraded, "{i:?}");
    assert_eq!(i.set_weight, Some(0));
    // Retry: the canary starts over and pauses at the first pause again.
    run(&["retry"]).await;
    wait_rollout(&api, "web", "retried, paused at step 1", |i, _| {
        !i.aborted && i.step == Some((1, 4))
    })
    .await;
    // Promote --full: to Healthy on the new revision.
    run(&["promote", "--full"]).await;
    let i = info(&api, "web").await.unwrap().0;
    assert!(
        healthy(&i) && i.images == ["registry.example/web:2"],
        "{i:?}"
    );
    // Undo: the previous revision's template, without the hash label.
    run(&["undo"]).await;
    let (i, v) = info(&api, "web").await.unwrap();
    assert_eq!(i.images, ["registry.example/web:1"]);
    assert!(v
        .pointer("/spec/template/metadata/labels/rollouts-pod-template-hash")
        .is_none());

    // Exactly the plugin's requests, each with the guard only.
    let bodies = wait_bodies(c, &ns.name, "rollouts", 5).await;
    let status = |b: Value| ("status".to_string(), b);
    assert_eq!(
        bodies[0],
        status(json!({"status": {"pauseConditions": null}}))
    );
    assert_eq!(bodies[1], status(json!({"status": {"abort": true}})));
    assert_eq!(bodies[2], status(json!({"status": {"abort": false}})));
    assert_eq!(bodies[3], status(json!({"status": {"promoteFull": true}})));
    assert_eq!(bodies[4].0, "");
    let undo = &bodies[4].1;
    assert_eq!(undo[0]["op"], "replace");
    assert_eq!(undo[0]["path"], "/spec/template");
    assert_eq!(
        undo[0]["value"]["spec"]["containers"][0]["image"],
        "registry.example/web:1"
    );
    assert_eq!(
        undo[0]["value"]["metadata"]["labels"],
        json!({"app": "web"})
    );
    assert_eq!(bodies.len(), 5, "nothing else was written: {bodies:?}");

    let ok = |a: &str| {
        vec![
            (a.to_string(), RecordKind::Intent, None),
            (a.to_string(), RecordKind::Outcome, Some("ok".to_string())),
        ]
    };
    let want: Vec<_> = ["promote", "abort", "retry", "promote-full", "undo"]
        .iter()
        .flat_map(|a| ok(a))
        .collect();
    assert_eq!(actions(&cli), want);
    assert!(cli.journal().verify().ok());
    ns.delete().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn blue_green_rollout_promotes_preview_to_active() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "robg").await;
    let admin = lab.client(&c.admin()).await;
    let svcs: Api<k8s_openapi::api::core::v1::Service> = Api::namespaced(admin.clone(), &ns.name);
    for name in ["shop-active", "shop-preview"] {
        let s = serde_json::from_value(json!({"metadata": {"name": name},
            "spec": {"selector": {"app": "shop"}, "ports": [{"port": 80}]}}))
        .unwrap();
        svcs.create(&PostParams::default(), &s).await.unwrap();
    }
    let api = rollouts(admin, &ns.name);
    let strategy = json!({"blueGreen": {"activeService": "shop-active", "previewService": "shop-preview",
        "autoPromotionEnabled": false}});
    api.create(
        &PostParams::default(),
        &rollout("shop", "registry.example/shop:1", 2, strategy),
    )
    .await
    .unwrap();
    wait_rollout(&api, "shop", "Healthy", |i, _| healthy(i)).await;
    set_image(&api, "shop", "registry.example/shop:2").await;
    let paused = wait_rollout(&api, "shop", "BlueGreenPause", |i, _| {
        i.pause_reasons == ["BlueGreenPause"] && i.preview_selector != i.active_selector
    })
    .await;
    support::settled(&api, "shop").await;
    let cli = Cli::new(lab);
    let t = format!("{}/{}/shop", c.operator(), ns.name);
    let out = cli.run(&[
        "rollout",
        "promote",
        &t,
        "--reason",
        "preview verified",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let i = wait_rollout(&api, "shop", "active switched", |i, _| healthy(i)).await;
    assert_eq!(
        i.active_selector, paused.preview_selector,
        "the preview became active"
    );
    let bodies = wait_bodies(c, &ns.name, "rollouts", 1).await;
    assert_eq!(
        bodies,
        vec![(
            "status".to_string(),
            json!({"status": {"pauseConditions": null}})
        )]
    );
    ns.delete().await;
}

fn side(
    name: &str,
    version: &str,
    replicas: i32,
    schedulable: bool,
) -> k8s_openapi::api::apps::v1::Deployment {
    let mut spec = json!({"containers": [{"name": "app", "image": format!("registry.example/web:{version}")}]});
    if !schedulable {
        // No lab node has this label: the pods stay Pending, never ready.
        spec["nodeSelector"] = json!({"fleetdeck.io/no-such-node": "true"});
    }
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"replicas": replicas,
            "selector": {"matchLabels": {"app": "web", "version": version}},
            "template": {"metadata": {"labels": {"app": "web", "version": version}}, "spec": spec}}
    }))
    .unwrap()
}

async fn ready(api: &Api<k8s_openapi::api::apps::v1::Deployment>, name: &str, n: i32) {
    support::eventually(&format!("{name} ready"), GUARD, || async {
        // The API server omits a zero count.
        let ready = api
            .get(name)
            .await
            .ok()?
            .status?
            .ready_replicas
            .unwrap_or(0);
        (ready == n).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn service_blue_green_flips_back_and_refuses_an_unready_side() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "bg").await;
    let admin = lab.client(&c.admin()).await;
    let deps: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(admin.clone(), &ns.name);
    deps.create(&PostParams::default(), &side("web-blue", "blue", 2, true))
        .await
        .unwrap();
    deps.create(&PostParams::default(), &side("web-green", "green", 2, true))
        .await
        .unwrap();
    deps.create(
        &PostParams::default(),
        &side("web-purple", "purple", 1, false),
    )
    .await
    .unwrap();
    let svcs: Api<k8s_openapi::api::core::v1::Service> = Api::namespaced(admin.clone(), &ns.name);
    let svc = |name: &str, sides: [&str; 2]| {
        serde_json::from_value(json!({"metadata": {"name": name, "annotations": {
                "fleetdeck.io/bluegreen": json!({"label": "version", "sides": sides}).to_string()}},
            "spec": {"selector": {"app": "web", "version": sides[0]}, "ports": [{"port": 80}]}}))
        .unwrap()
    };
    svcs.create(&PostParams::default(), &svc("web", ["blue", "green"]))
        .await
        .unwrap();
    svcs.create(&PostParams::default(), &svc("web-exp", ["blue", "purple"]))
        .await
        .unwrap();
    ready(&deps, "web-blue", 2).await;
    ready(&deps, "web-green", 2).await;
    let selector = |name: &'static str| {
        let svcs = svcs.clone();
        async move {
            svcs.get(name)
                .await
                .unwrap()
                .spec
                .unwrap()
                .selector
                .unwrap()["version"]
                .clone()
        }
    };

    let cli = Cli::new(lab);
    let t = format!("{}/{}/web", c.operator(), ns.name);
    let out = cli.run(&[
        "bluegreen",
        "flip",
        &t,
        "--reason",
        "green verified",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("selector version: blue → green"));
    assert_eq!(selector("web").await, "green");
    let out = cli.run(&[
        "bluegreen",
        "flip-back",
        &t,
        "--reason",
        "errors on green",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(selector("web").await, "blue");
    // flip-back undoes a flip only.
    let out = cli.run(&["bluegreen", "flip-back", &t, "--reason", "again", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no flip to undo"),
        "{}",
        text(&out)
    );

    // The purple side has no ready pod: the gate stops the flip, nothing is sent.
    let exp = format!("{}/{}/web-exp", c.operator(), ns.name);
    let out = cli.run(&["bluegreen", "flip", &exp, "--reason", "try purple", "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("gate:     stop") && all.contains("web-purple 0/1 ready"),
        "{all}"
    );
    assert_eq!(selector("web-exp").await, "blue");

    // With --scale-down-old the blue side goes to 0 after a verified flip.
    let out = cli.run(&[
        "bluegreen",
        "flip",
        &t,
        "--scale-down-old",
        "--reason",
        "green for good",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(selector("web").await, "green");
    ready(&deps, "web-blue", 0).await;
    assert_eq!(
        deps.get("web-blue").await.unwrap().spec.unwrap().replicas,
        Some(0)
    );

    let bodies = wait_bodies(c, &ns.name, "services", 3).await;
    let sel = |v: &str| (String::new(), json!({"spec": {"selector": {"version": v}}}));
    assert_eq!(
        bodies,
        vec![sel("green"), sel("blue"), sel("green")],
        "web-exp never written"
    );
    let records = cli.journal().read().unwrap();
    let group: Vec<_> = records
        .iter()
        .filter(|r| r.kind == RecordKind::Intent)
        .filter_map(|r| r.detail.as_ref()?.get("group").cloned())
        .collect();
    assert_eq!(
        group.len(),
        2,
        "the last flip and its scale-down share a group"
    );
    assert_eq!(group[0], group[1]);
    let stopped = records
        .iter()
        .find(|r| r.target.name == "web-exp")
        .expect("the refusal is journaled");
    assert_eq!(stopped.kind, RecordKind::Denied);
    assert_eq!(stopped.detail.as_ref().unwrap()["gate"]["state"], "stop");
    ns.delete().await;
}

fn service(name: &str, app: &str) -> k8s_openapi::api::core::v1::Service {
    serde_json::from_value(json!({"metadata": {"name": name},
        "spec": {"selector": {"app": app}, "ports": [{"port": 80}]}}))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn route_canaries_step_httproute_and_virtualservice_weights() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[0];
    let ns = lab.namespace(c, "route").await;
    let admin = lab.client(&c.admin()).await;
    let deps: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(admin.clone(), &ns.name);
    let svcs: Api<k8s_openapi::api::core::v1::Service> = Api::namespaced(admin.clone(), &ns.name);
    for name in ["web", "web-canary"] {
        deps.create(&PostParams::default(), &support::deployment(name, 1))
            .await
            .unwrap();
        svcs.create(&PostParams::default(), &service(name, name))
            .await
            .unwrap();
    }
    ready(&deps, "web", 1).await;
    ready(&deps, "web-canary", 1).await;
    let routes = dynamic(
        admin.clone(),
        &ns.name,
        &ar("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"),
    );
    let decl =
        json!({"stable": "web", "canary": "web-canary", "weights": [5, 25, 50, 100]}).to_string();
    let route = |name: &str, ann: bool| {
        let mut v = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": name},
            "spec": {"parentRefs": [{"name": "gw"}], "rules": [{"backendRefs": [
                {"name": "web", "port": 80, "weight": 100}, {"name": "web-canary", "port": 80, "weight": 0}]}]}});
        if ann {
            v["metadata"]["annotations"] = json!({"fleetdeck.io/canary": decl});
        }
        obj(v)
    };
    routes
        .create(&PostParams::default(), &route("web", true))
        .await
        .unwrap();
    let weights = |v: &DynamicObject| -> (i64, i64) {
        let b = &v.data["spec"]["rules"][0]["backendRefs"];
        (
            b[0]["weight"].as_i64().unwrap(),
            b[1]["weight"].as_i64().unwrap(),
        )
    };

    let cli = Cli::new(lab);
    let t = format!("{}/{}/web", c.operator(), ns.name);
    for (args, want) in [("step", (95, 5)), ("step", (75, 25)), ("back", (95, 5))] {
        let out = cli.run(&["canary", args, &t, "--reason", "stepping", "--yes"]);
        assert!(out.status.success(), "{}", text(&out));
        assert_eq!(weights(&routes.get("web").await.unwrap()), want);
    }
    let bodies = wait_bodies(c, &ns.name, "httproutes", 3).await;
    let step = |s: i64, cn: i64| {
        json!([
            {"op": "test", "path": "/spec/rules/0/backendRefs/0/name", "value": "web"},
            {"op": "replace", "path": "/spec/rules/0/backendRefs/0/weight", "value": s},
            {"op": "test", "path": "/spec/rules/0/backendRefs/1/name", "value": "web-canary"},
            {"op": "replace", "path": "/spec/rules/0/backendRefs/1/weight", "value": cn}
        ])
    };
    assert_eq!(bodies[0].1, step(95, 5));
    assert_eq!(bodies[1].1, step(75, 25));

    // A teammate edits the route between fleetdeck's plan and its request:
    // conflict, nothing overwritten.
    let child = cli
        .command(&["canary", "step", &t, "--reason", "racing", "--yes"])
        .env("FLEETDECK_TEST_PAUSE_AFTER_INTENT_MS", "3000")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    support::eventually("the intent is journaled", GUARD, || async {
        (cli.journal().read().unwrap().len() == 7).then_some(())
    })
    .await;
    let teammate = json!([{"op": "replace", "path": "/spec/rules/0/backendRefs/1/weight", "value": 10},
        {"op": "replace", "path": "/spec/rules/0/backendRefs/0/weight", "value": 90}]);
    routes
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Json::<()>(serde_json::from_value(teammate).unwrap()),
        )
        .await
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        weights(&routes.get("web").await.unwrap()),
        (90, 10),
        "the teammate's change stands"
    );

    // A route a Rollout drives is refused, naming the Rollout.
    routes
        .create(&PostParams::default(), &route("owned", true))
        .await
        .unwrap();
    let owner = json!({"canary": {"canaryService": "web-canary", "stableService": "web",
        "trafficRouting": {"plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "owned", "namespace": ns.name}}},
        "steps": [{"setWeight": 10}]}});
    rollouts(admin.clone(), &ns.name)
        .create(
            &PostParams::default(),
            &rollout("shop", "registry.example/shop:1", 1, owner),
        )
        .await
        .unwrap();
    let owned = format!("{}/{}/httproute/owned", c.operator(), ns.name);
    let out = cli.run(&["canary", "step", &owned, "--reason", "x", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("driven by Rollout shop"),
        "{}",
        text(&out)
    );

    // An Istio VirtualService declared in the config file instead.
    let vss = dynamic(
        admin,
        &ns.name,
        &ar(
            "networking.istio.io",
            "v1",
            "VirtualService",
            "virtualservices",
        ),
    );
    vss.create(
        &PostParams::default(),
        &obj(
            json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": "reviews"},
        "spec": {"hosts": ["reviews"], "http": [{"route": [
            {"destination": {"host": "web"}, "weight": 100},
            {"destination": {"host": "web-canary"}, "weight": 0}]}]}}),
        ),
    )
    .await
    .unwrap();
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!("[[canary]]\nnamespace = \"{}\"\nroute = \"virtualservice/reviews\"\nstable = \"web\"\ncanary = \"web-canary\"\nweights = [10, 50, 100]\n", ns.name),
    )
    .unwrap();
    let vt = format!("{}/{}/reviews", c.operator(), ns.name);
    let out = cli.run(&["canary", "step", &vt, "--reason", "istio", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let vs = vss.get("reviews").await.unwrap();
    let r = &vs.data["spec"]["http"][0]["route"];
    assert_eq!(
        (r[0]["weight"].as_i64(), r[1]["weight"].as_i64()),
        (Some(90), Some(10))
    );
    let bodies = wait_bodies(c, &ns.name, "virtualservices", 1).await;
    assert_eq!(
        bodies[0].1[0],
        json!({"op": "test", "path": "/spec/http/0/route/0/destination", "value": {"host": "web"}})
    );
    ns.delete().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wave_stops_at_the_first_unhealthy_cluster() {
    let Some(lab) = support::lab() else { return };
    let name = format!("wave-{}", std::process::id());
    let mut apis = Vec::new();
    for (i, c) in lab.clusters.iter().take(3).enumerate() {
        let admin = lab.client(&c.admin()).await;
        let ns: k8s_openapi::api::core::v1::Namespace =
            serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
        Api::<k8s_openapi::api::core::v1::Namespace>::all(admin.clone())
            .create(&PostParams::default(), &ns)
            .await
            .unwrap();
        let api = rollouts(admin, &name);
        api.create(
            &PostParams::default(),
            &rollout("web", "registry.example/web:1", 2, canary_steps()),
        )
        .await
        .unwrap();
        wait_rollout(&api, "web", "Healthy", |i, _| healthy(i)).await;
        // On the second cluster the new pods cannot be scheduled: its canary never gets ready.
        let mut p = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "registry.example/web:2"}]}}}});
        if i == 1 {
            p["spec"]["template"]["spec"]["nodeSelector"] =
                json!({"fleetdeck.io/no-such-node": "true"});
        }
        api.patch("web", &PatchParams::default(), &Patch::Merge(&p))
            .await
            .unwrap();
        wait_rollout(&api, "web", "paused or waiting on the canary", |i, _| {
            i.phase != Phase::Healthy
        })
        .await;
        apis.push(api);
    }
    let cli = Cli::new(lab);
    let mut cfg = String::new();
    for c in lab.clusters.iter().take(3) {
        cfg.push_str(&format!(
            "[[cluster]]\ncontext = \"{}\"\ngroup = \"wave\"\n",
            c.operator()
        ));
    }
    std::fs::write(cli.home.path().join("config.toml"), cfg).unwrap();
    let out = cli.run(&[
        "wave",
        "promote",
        "wave",
        &format!("{name}/web"),
        "--reason",
        "release 2",
        "--yes",
        "--timeout",
        "60",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("stopped at {}", lab.clusters[1].operator())),
        "{}",
        text(&out)
    );
    assert!(
        err.contains(&format!("not touched: {}", lab.clusters[2].operator())),
        "{}",
        text(&out)
    );

    let first = info(&apis[0], "web").await.unwrap().0;
    assert!(
        healthy(&first) && first.images == ["registry.example/web:2"],
        "{first:?}"
    );
    assert!(!healthy(&info(&apis[1], "web").await.unwrap().0));
    assert!(!healthy(&info(&apis[2], "web").await.unwrap().0));
    // The third cluster's API server saw no write from fleetdeck at all.
    let c3 = &lab.clusters[2];
    let touched: Vec<Value> = support::audit_events(&c3.audit_log)
        .into_iter()
        .filter(|e| {
            e["objectRef"]["namespace"] == name.as_str() && e["user"]["username"] == c3.operator()
        })
        .collect();
    assert!(touched.is_empty(), "{touched:?}");
    let groups: Vec<Value> = cli
        .journal()
        .read()
        .unwrap()
        .iter()
        .filter_map(|r| r.detail.as_ref()?.get("group").cloned())
        .collect();
    assert!(
        groups.len() >= 2 && groups.iter().all(|g| g == &groups[0]),
        "{groups:?}"
    );
    for c in lab.clusters.iter().take(3) {
        let admin = lab.client(&c.admin()).await;
        let _ = Api::<k8s_openapi::api::core::v1::Namespace>::all(admin)
            .delete(&name, &Default::default())
            .await;
    }
}

/// The shipped examples work as documented.
#[tokio::test(flavor = "multi_thread")]
async fn the_examples_step_and_flip() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[0];
    let ns = lab.namespace(c, "examples").await;
    for file in [
        "examples/route-canary.yaml",
        "examples/bluegreen-service.yaml",
    ] {
        let out = std::process::Command::new(lab.kubectl())
            .args([
                "--kubeconfig",
                lab.kubeconfig.to_str().unwrap(),
                "--context",
                &c.admin(),
            ])
            .args(["-n", &ns.name, "apply", "-f", file])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let deps: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    for (name, n) in [
        ("web", 3),
        ("web-canary", 1),
        ("ledger-blue", 2),
        ("ledger-green", 2),
    ] {
        ready(&deps, name, n).await;
    }
    let cli = Cli::new(lab);
    let step = cli.run(&[
        "canary",
        "step",
        &format!("{}/{}/web", c.operator(), ns.name),
        "--reason",
        "example",
        "--yes",
    ]);
    assert!(step.status.success(), "{}", text(&step));
    assert!(String::from_utf8_lossy(&step.stdout).contains("canary web-canary weight 0% → 5%"));
    let flip = cli.run(&[
        "bluegreen",
        "flip",
        &format!("{}/{}/ledger", c.operator(), ns.name),
        "--reason",
        "example",
        "--yes",
    ]);
    assert!(flip.status.success(), "{}", text(&flip));
    assert!(String::from_utf8_lossy(&flip.stdout).contains("selector version: blue → green"));
    ns.delete().await;
}

/// The real binary mid-wave: while `wave promote` waits for lab-d's rollout
/// to take the promote and turn healthy, lab-d's API server dies. The wave stops at lab-d with
/// its reason and exit code; the process is never killed by a signal.
#[tokio::test(flavor = "multi_thread")]
async fn a_wave_whose_cluster_dies_while_it_waits_stops_with_a_reason() {
    let Some((lab, d)) = support::fault_cluster() else {
        return;
    };
    let _hold = support::fault_lock(lab);
    let name = support::shared::unique("wave-dies");
    let admin = lab.client_fresh(&d.admin()).await;
    let ns: k8s_openapi::api::core::v1::Namespace =
        serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
    Api::<k8s_openapi::api::core::v1::Namespace>::all(admin.clone())
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();
    let api = rollouts(admin, &name);
    api.create(
        &PostParams::default(),
        &rollout("web", "registry.example/web:1", 2, canary_steps()),
    )
    .await
    .unwrap();
    wait_rollout(&api, "web", "Healthy", |i, _| healthy(i)).await;
    // The new pods cannot be scheduled: the promoted rollout never turns healthy.
    let p = json!({"spec": {"template": {"spec": {
        "containers": [{"name": "app", "image": "registry.example/web:2"}],
        "nodeSelector": {"fleetdeck.io/no-such-node": "true"}}}}});
    api.patch("web", &PatchParams::default(), &Patch::Merge(&p))
        .await
        .unwrap();
    wait_rollout(&api, "web", "waiting on the canary", |i, _| {
        i.phase != Phase::Healthy
    })
    .await;
    // Settled: the controller has stopped writing its status (a write
    // between plan and send would be a conflict, not what this tests).
    let (mut last, mut since) = (String::new(), std::time::Instant::now());
    let deadline = std::time::Instant::now() + GUARD;
    while since.elapsed() < Duration::from_secs(3) {
        assert!(
            std::time::Instant::now() < deadline,
            "the rollout never settled"
        );
        let rv = api.get("web").await.unwrap().metadata.resource_version;
        if rv.as_deref() != Some(last.as_str()) {
            (last, since) = (rv.unwrap_or_default(), std::time::Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let cli = Cli::new(lab);
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!("[[cluster]]\ncontext = \"{}\"\ngroup = \"dies\"\n", d.name),
    )
    .unwrap();
    let child = cli
        .command(&[
            "wave",
            "promote",
            "dies",
            &format!("{name}/web"),
            "--reason",
            "release 2",
            "--yes",
            "--override",
            "--timeout",
            "120",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = child;
    let journal = cli.journal();
    let deadline = std::time::Instant::now() + GUARD;
    loop {
        let sent = journal
            .read()
            .unwrap_or_default()
            .iter()
            .any(|r| r.kind == RecordKind::Intent && r.action == "promote-full");
        if sent {
            break;
        }
        if child.try_wait().unwrap().is_some() {
            panic!(
                "the wave ended first: {}",
                text(&child.wait_with_output().unwrap())
            );
        }
        assert!(std::time::Instant::now() < deadline, "no promote intent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Now the wave watches lab-d for the promote to take (then for health)
    // on its open connections.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stopped = support::stop(&[&d.name]);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("stopped at {}", d.name)),
        "{}",
        text(&out)
    );
    drop(stopped);
    let admin = lab.client_fresh(&d.admin()).await;
    let _ = Api::<k8s_openapi::api::core::v1::Namespace>::all(admin)
        .delete(&name, &Default::default())
        .await;
}
