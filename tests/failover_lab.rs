//! Failover plans against real API servers: a service moved from one lab
//! cluster to another step by step (scale, wait for kwok's Ready pods,
//! HTTPRoute weights, scale down), rolled back; a dead primary's steps
//! skipped and recorded; residency refusing a standby; RBAC removed mid-run
//! then restored and resumed; a killed run resumed from the journal; a Gslb
//! switched in every cluster (both k8gb groups); a dry-run that writes
//! nothing and prints every request.

mod support;

use std::time::Duration;

use fleetdeck::failover::runlog;
use fleetdeck::journal::{Record, RecordKind};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::rbac::v1::ClusterRole;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::Client;
use serde_json::{json, Value};
use support::cli::{text, Cli};
use support::shared::{ar, namespace, stdout, writes};
use support::Lab;

const GUARD: Duration = Duration::from_secs(120);

fn routes(client: &Client, ns: &str) -> Api<DynamicObject> {
    Api::namespaced_with(
        client.clone(),
        ns,
        &ar("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"),
    )
}

/// `checkout` with `replicas` pods requesting 100m / 128Mi each.
async fn checkout(client: &Client, ns: &str, replicas: i32) {
    let mut d = support::deployment("checkout", replicas);
    let spec = d.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
    spec.containers[0].resources =
        serde_json::from_value(json!({"requests": {"cpu": "100m", "memory": "128Mi"}})).unwrap();
    Api::<Deployment>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &d)
        .await
        .unwrap();
}

async fn route(client: &Client, ns: &str) {
    let r: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "checkout"},
        "spec": {"rules": [{"backendRefs": [
            {"name": "checkout-primary", "port": 80, "weight": 100},
            {"name": "checkout-standby", "port": 80, "weight": 0}
        ]}]}
    }))
    .unwrap();
    routes(client, ns)
        .create(&PostParams::default(), &r)
        .await
        .unwrap();
}

async fn ready(client: &Client, ns: &str, want: i64) {
    let api = Api::<Deployment>::namespaced(client.clone(), ns);
    support::eventually(&format!("{ns}/checkout {want} ready"), GUARD, || {
        let api = api.clone();
        async move {
            let d = api.get("checkout").await.ok()?;
            let s = d.status?;
            let n = s.ready_replicas.unwrap_or(0) as i64;
            let spec = d.spec?.replicas.unwrap_or(1) as i64;
            (n == want && spec == want).then_some(())
        }
    })
    .await;
}

async fn replicas(client: &Client, ns: &str) -> i32 {
    let d = Api::<Deployment>::namespaced(client.clone(), ns)
        .get("checkout")
        .await
        .unwrap();
    d.spec.unwrap().replicas.unwrap_or(1)
}

async fn weights(client: &Client, ns: &str) -> Vec<u64> {
    let r = routes(client, ns).get("checkout").await.unwrap();
    r.data["spec"]["rules"][0]["backendRefs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["weight"].as_u64().unwrap())
        .collect()
}

/// The standard plan: scale the standby up, wait, move the route, scale the
/// primary down.
fn plan(name: &str, primary: &str, standbys: &[&str], ns: &str, extra: &str) -> String {
    let standbys: Vec<String> = standbys.iter().map(|s| format!("{s:?}")).collect();
    format!(
        r#"
[[failover]]
name = "{name}"
service = "checkout"
primary = "{primary}"
standbys = [{standbys}]
{extra}

[[failover.step]]
kind = "scale"
cluster = "standby"
target = "{ns}/deploy/checkout"
replicas = 2

[[failover.step]]
kind = "wait"
cluster = "standby"
target = "{ns}/deploy/checkout"
ready = 2
timeout = "90s"

[[failover.step]]
kind = "weights"
cluster = "standby"
route = "{ns}/httproute/checkout"
weights = {{ checkout-primary = 0, checkout-standby = 100 }}

[[failover.step]]
kind = "scale"
cluster = "primary"
target = "{ns}/deploy/checkout"
replicas = 0
"#,
        standbys = standbys.join(", ")
    )
}

/// `checkout` running 2 pods on lab-d (the primary) and 0 on lab-b, lab-b's
/// route all on the primary, and the standard plan `name` for them: the
/// namespace, lab-b's admin client and the CLI.
async fn on_d_to_b(
    lab: &Lab,
    d: &support::LabCluster,
    prefix: &str,
    name: &str,
) -> (String, Client, Cli) {
    let b = &lab.clusters[1];
    let ns = namespace(lab, &[d, b], prefix).await;
    let cd = lab.client_fresh(&d.admin()).await;
    let cb = lab.client(&b.admin()).await;
    checkout(&cd, &ns, 2).await;
    checkout(&cb, &ns, 0).await;
    route(&cb, &ns).await;
    ready(&cd, &ns, 2).await;
    let cli = cli_with(lab, &plan(name, &d.name, &[&b.name], &ns, ""));
    (ns, cb, cli)
}

fn cli_with(lab: &Lab, config: &str) -> Cli {
    let cli = Cli::new(lab);
    std::fs::write(cli.home.path().join("config.toml"), config).unwrap();
    cli
}

fn group(records: &[Record], run: &str) -> Vec<Record> {
    records
        .iter()
        .filter(|r| r.detail.as_ref().and_then(|d| d.get("group")) == Some(&json!(run)))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_moves_the_service_and_rolls_back() {
    let Some(lab) = support::lab() else { return };
    let (a, b) = (&lab.clusters[0], &lab.clusters[1]);
    let ns = namespace(lab, &[a, b], "fo-move").await;
    let (ca, cb) = (lab.client(&a.admin()).await, lab.client(&b.admin()).await);
    checkout(&ca, &ns, 3).await;
    checkout(&cb, &ns, 0).await;
    route(&cb, &ns).await;
    ready(&ca, &ns, 3).await;
    let cli = cli_with(lab, &plan("move", &a.name, &[&b.name], &ns, ""));

    // Pre-flight: every check passes, room and cost are worked out.
    let o = cli.run(&["failover", "plan", "move"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(out.contains("plan:     move → standby lab-b"), "{out}");
    assert!(out.contains("ok   lab-b          capacity: "), "{out}");
    assert!(out.contains("cost:     "), "{out}");
    assert!(!out.contains("STOP"), "{out}");

    // Dry-run: every request printed, nothing written.
    let o = cli.run(&["failover", "run", "move", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(out.contains("requests (3):"), "{out}");
    assert!(out.contains(r#"body: {"spec":{"replicas":2}}"#), "{out}");
    assert!(out.contains(r#"body: {"spec":{"replicas":0}}"#), "{out}");
    assert!(
        out.contains(r#"{"op":"replace","path":"/spec/rules/0/backendRefs/1/weight","value":100}"#),
        "{out}"
    );
    assert!(out.contains("dry-run: nothing was changed"), "{out}");
    assert!(writes(a, &ns).is_empty(), "{:?}", writes(a, &ns));
    assert!(writes(b, &ns).is_empty(), "{:?}", writes(b, &ns));
    assert_eq!(replicas(&cb, &ns).await, 0);

    // The run.
    let o = cli.run(&[
        "failover",
        "run",
        "move",
        "--yes",
        "--reason",
        "eu-west-1 burning",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    ready(&cb, &ns, 2).await;
    assert_eq!(weights(&cb, &ns).await, [0, 100]);
    assert_eq!(replicas(&ca, &ns).await, 0);
    // The route's write is exactly the planned JSON patch behind its guard.
    let patch = writes(b, &ns)
        .into_iter()
        .find(|e| e["objectRef"]["resource"] == "httproutes")
        .expect("the route write");
    let ops = patch["requestObject"].as_array().unwrap().clone();
    assert_eq!(ops[0]["path"], "/metadata/resourceVersion");
    assert_eq!(
        ops[1..],
        [
            json!({"op": "test", "path": "/spec/rules/0/backendRefs/0/name", "value": "checkout-primary"}),
            json!({"op": "replace", "path": "/spec/rules/0/backendRefs/0/weight", "value": 0}),
            json!({"op": "test", "path": "/spec/rules/0/backendRefs/1/name", "value": "checkout-standby"}),
            json!({"op": "replace", "path": "/spec/rules/0/backendRefs/1/weight", "value": 100}),
        ]
    );

    // The journal: one group, start → 3 writes + a wait → completed.
    let records = cli.journal().read().unwrap();
    let state = runlog::runs(&records, "move").pop().expect("a run");
    assert_eq!(state.ended.as_deref(), Some("completed"));
    assert_eq!(state.reason, "eu-west-1 burning");
    assert_eq!(state.done.len(), 4);
    assert_eq!(state.applied.len(), 3);
    let g = group(&records, &state.run);
    let actions: Vec<(&str, &str)> = g
        .iter()
        .map(|r| (r.kind.as_str(), r.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("outcome", "failover-start"),
            ("intent", "scale"),
            ("outcome", "scale"),
            ("outcome", "wait"),
            ("intent", "weights"),
            ("outcome", "weights"),
            ("intent", "scale"),
            ("outcome", "scale"),
            ("outcome", "failover-end"),
        ]
    );
    assert!(g.iter().all(|r| r.result.as_deref() != Some("error")));
    assert_eq!(g[2].context, "lab-b");
    assert_eq!(g[7].context, "lab-a");

    // Rollback: newest first, each through the pipeline.
    let o = cli.run(&[
        "failover",
        "rollback",
        "move",
        "--yes",
        "--reason",
        "false alarm",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    ready(&ca, &ns, 3).await;
    assert_eq!(weights(&cb, &ns).await, [100, 0]);
    assert_eq!(replicas(&cb, &ns).await, 0);
    let records = cli.journal().read().unwrap();
    let state = runlog::runs(&records, "move").pop().unwrap();
    assert_eq!(state.ended.as_deref(), Some("rolled-back"));
    assert_eq!(state.undone.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn residency_refuses_a_standby_naming_the_rule() {
    let Some(lab) = support::lab() else { return };
    let (a, b, c) = (&lab.clusters[0], &lab.clusters[1], &lab.clusters[2]);
    let ns = namespace(lab, &[a, b, c], "fo-policy").await;
    let policy = "policy = \"aws-only\"\n";
    let config = format!(
        "{}\n[policy.aws-only]\nregions = [\"eu-west-1\", \"us-east-1\"]\ndescription = \"the contract keeps data in our AWS regions\"\n",
        plan("pol", &a.name, &[&c.name, &b.name], &ns, policy)
    );
    let cli = cli_with(lab, &config);
    let o = cli.run(&[
        "failover",
        "run",
        "pol",
        "--standby",
        "lab-c",
        "--yes",
        "--reason",
        "test",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("standby lab-c refused: policy aws-only allows regions eu-west-1, us-east-1 — the contract keeps data in our AWS regions; lab-c is in europe-west4 (from its nodes' topology.kubernetes.io/region label)"),
        "{err}"
    );
    // Left to choose, fleetdeck passes lab-c over (saying why) for lab-b.
    let o = cli.run(&["failover", "plan", "pol"]);
    let out = stdout(&o);
    assert!(
        out.contains("passed over: lab-c refused: policy aws-only"),
        "{}",
        text(&o)
    );
    assert!(
        out.contains("plan:     pol → standby lab-b"),
        "{}",
        text(&o)
    );
    assert!(
        out.contains("ok   lab-b          residency: policy aws-only allows us-east-1"),
        "{out}"
    );
    // Nothing was written anywhere.
    assert!(cli.journal().read().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_primary_is_skipped_and_recorded() {
    let Some((lab, d)) = support::fault_cluster() else {
        return;
    };
    let _hold = support::fault_lock(lab);
    let (ns, cb, cli) = on_d_to_b(lab, &d, "fo-dead", "dead").await;

    let stopped = support::stop(&[&d.name]);
    let o = cli.run(&[
        "failover",
        "run",
        "dead",
        "--yes",
        "--reason",
        "lab-d is down",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(
        out.contains("skip lab-d          primary: lab-d unreachable"),
        "{out}"
    );
    assert!(out.contains("step 4: skipped — lab-d unreachable"), "{out}");
    ready(&cb, &ns, 2).await;
    assert_eq!(weights(&cb, &ns).await, [0, 100]);
    let records = cli.journal().read().unwrap();
    let state = runlog::runs(&records, "dead").pop().unwrap();
    assert_eq!(state.ended.as_deref(), Some("completed"));
    let skip = &state.skipped[&(3, 0)];
    assert!(skip.starts_with("lab-d unreachable"), "{skip}");
    let rec = records
        .iter()
        .find(|r| r.result.as_deref() == Some("skipped"))
        .expect("a skipped record");
    assert_eq!(
        (rec.context.as_str(), rec.action.as_str()),
        ("lab-d", "scale")
    );
    drop(stopped);
    // Back up, lab-d still runs its 2 pods: nothing was sent to it.
    let cd = lab.client_fresh(&d.admin()).await;
    support::eventually("lab-d back", GUARD, || {
        let cd = cd.clone();
        let ns = ns.clone();
        async move { (replicas(&cd, &ns).await == 2).then_some(()) }
    })
    .await;
}

/// The operator's `patch` on HTTPRoutes in lab-d's ClusterRole, off or on.
async fn route_patch(admin: &Client, allowed: bool) {
    let api = Api::<ClusterRole>::all(admin.clone());
    let mut role = api.get("fleetdeck-operator").await.unwrap();
    for rule in role.rules.iter_mut().flatten() {
        if rule.resources.iter().flatten().any(|r| r == "httproutes") {
            rule.verbs.retain(|v| v != "patch");
            if allowed {
                rule.verbs.push("patch".into());
            }
        }
    }
    api.replace("fleetdeck-operator", &PostParams::default(), &role)
        .await
        .unwrap();
}

/// Whether the operator may patch HTTPRoutes in `ns` (as the server says).
async fn may_patch_routes(operator: &Client, ns: &str) -> bool {
    let review: k8s_openapi::api::authorization::v1::SelfSubjectAccessReview =
        serde_json::from_value(json!({"spec": {"resourceAttributes": {
            "namespace": ns, "verb": "patch", "group": "gateway.networking.k8s.io", "resource": "httproutes"
        }}}))
        .unwrap();
    Api::all(operator.clone())
        .create(&PostParams::default(), &review)
        .await
        .unwrap()
        .status
        .is_some_and(|s| s.allowed)
}

#[tokio::test(flavor = "multi_thread")]
async fn rbac_lost_mid_run_then_a_killed_run_resumes_from_the_journal() {
    const RESUME: [&str; 6] = [
        "failover",
        "resume",
        "res",
        "--yes",
        "--reason",
        "RBAC back",
    ];
    let Some((lab, d)) = support::fault_cluster() else {
        return;
    };
    let _hold = support::fault_lock(lab);
    let a = &lab.clusters[0];
    let ns = namespace(lab, &[a, &d], "fo-resume").await;
    let ca = lab.client(&a.admin()).await;
    let admin_d = lab.client_fresh(&d.admin()).await;
    let op_d = lab.client_fresh(&d.operator()).await;
    checkout(&ca, &ns, 2).await;
    checkout(&admin_d, &ns, 0).await;
    route(&admin_d, &ns).await;
    ready(&ca, &ns, 2).await;
    let cli = cli_with(lab, &plan("res", &a.name, &[&d.name], &ns, ""));

    // Steps 1–2 (scale up, wait), then the operator loses patch on routes.
    let o = cli.run(&[
        "failover", "run", "res", "--steps", "2", "--yes", "--reason", "drill",
    ]);
    assert_eq!(o.status.code(), Some(6), "{}", text(&o));
    ready(&admin_d, &ns, 2).await;
    route_patch(&admin_d, false).await;
    struct Restore(Client);
    impl Drop for Restore {
        fn drop(&mut self) {
            let c = self.0.clone();
            let _ = std::thread::spawn(move || {
                tokio::runtime::Runtime::new()
                    .unwrap()
                    .block_on(route_patch(&c, true))
            })
            .join();
        }
    }
    let restore = Restore(admin_d.clone());
    support::eventually("RBAC revoked", GUARD, || {
        let op_d = op_d.clone();
        let ns = ns.clone();
        async move { (!may_patch_routes(&op_d, &ns).await).then_some(()) }
    })
    .await;

    // Resume sends writes, so it is confirmed like a run: with no terminal
    // and no --yes --reason it asks nothing and sends nothing.
    let before = cli.journal().read().unwrap().len();
    let o = cli.run(&["failover", "resume", "res"]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("pass --yes --reason"),
        "{}",
        text(&o)
    );
    assert_eq!(cli.journal().read().unwrap().len(), before);

    // Resume: step 3 is refused by pre-flight; the run stops there, resumable.
    let o = cli.run(&RESUME);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("stopped at step 3"), "{err}");
    assert!(err.contains("RBAC: may not patch httproutes"), "{err}");
    assert!(stdout(&o).contains("step 3: failed"), "{}", text(&o));
    assert_eq!(weights(&admin_d, &ns).await, [100, 0]);
    assert_eq!(replicas(&ca, &ns).await, 2, "step 4 not reached");
    let state = runlog::latest_open(&cli.journal().read().unwrap(), "res").unwrap();
    assert_eq!(state.ended.as_deref(), Some("stopped"));
    assert!(state.failed.as_ref().is_some_and(|(pos, _)| *pos == (2, 0)));

    // Restored; this time the run is killed between step 3's intent and its request.
    drop(restore);
    support::eventually("RBAC restored", GUARD, || {
        let op_d = op_d.clone();
        let ns = ns.clone();
        async move { may_patch_routes(&op_d, &ns).await.then_some(()) }
    })
    .await;
    let mut child = cli
        .command(&RESUME)
        .env("FLEETDECK_TEST_PAUSE_AFTER_INTENT_MS", "60000")
        .spawn()
        .unwrap();
    let journal = cli.journal();
    support::eventually("step 3's intent on disk", GUARD, || {
        let j = journal.clone();
        async move {
            let open = j.unfinished().ok()?;
            open.iter().any(|r| r.action == "weights").then_some(())
        }
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        weights(&admin_d, &ns).await,
        [100, 0],
        "killed before the request"
    );

    let o = cli.run(&RESUME);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("weights") && err.contains("not_applied"),
        "{err}"
    );
    assert!(stdout(&o).contains("resuming"), "{}", text(&o));
    assert_eq!(weights(&admin_d, &ns).await, [0, 100]);
    ready(&ca, &ns, 0).await;
    let records = cli.journal().read().unwrap();
    let state = runlog::runs(&records, "res").pop().unwrap();
    assert_eq!(state.ended.as_deref(), Some("completed"));
    assert_eq!(state.done.len(), 4);
    // One run id from the first step to the last, across three processes.
    assert_eq!(runlog::runs(&records, "res").len(), 1);
    let denied = records
        .iter()
        .filter(|r| r.kind == RecordKind::Denied && r.action == "weights")
        .count();
    assert_eq!(denied, 1);
}

fn gslb(group: &str, geo: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": format!("{group}/v1beta1"), "kind": "Gslb",
        "metadata": {"name": "checkout"},
        "spec": {
            "ingress": {"rules": [{"host": "checkout.cloud.example.com", "http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "checkout", "port": {"name": "http"}}}}
            ]}}]},
            "strategy": {"type": "failover", "primaryGeoTag": "eu-west-1"}
        },
        "status": {"geoTag": geo}
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gslb_switches_in_every_cluster_of_both_groups() {
    let Some(lab) = support::lab() else { return };
    let (a, b, c) = (&lab.clusters[0], &lab.clusters[1], &lab.clusters[2]);
    let ns = namespace(lab, &[a, b, c], "fo-gslb").await;
    let groups = [
        (a, "k8gb.io", "eu-west-1"),
        (b, "k8gb.io", "us-east-1"),
        (c, "k8gb.absa.oss", "europe-west4"),
    ];
    for (cl, group, geo) in groups {
        let admin = lab.client(&cl.admin()).await;
        let api: Api<DynamicObject> =
            Api::namespaced_with(admin, &ns, &ar(group, "v1beta1", "Gslb", "gslbs"));
        api.create(&PostParams::default(), &gslb(group, geo))
            .await
            .unwrap();
        // k8gb's controller writes status; the test does, through the subresource.
        let status = json!({"status": {"geoTag": geo, "serviceHealth": {"checkout.cloud.example.com": "Healthy"},
                                        "healthyRecords": {"checkout.cloud.example.com": ["10.0.0.1"]}}});
        api.patch_status("checkout", &PatchParams::default(), &Patch::Merge(&status))
            .await
            .unwrap();
    }
    let config = format!(
        "[[failover]]\nname = \"geo\"\nservice = \"checkout\"\nprimary = \"{}\"\nstandbys = [\"{}\", \"{}\"]\n\n[[failover.step]]\nkind = \"gslb\"\ngslb = \"{ns}/checkout\"\ngeotag = \"us-east-1\"\n",
        a.name, b.name, c.name
    );
    let cli = cli_with(lab, &config);
    let o = cli.run(&[
        "failover",
        "run",
        "geo",
        "--yes",
        "--reason",
        "move DNS to us-east-1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for (cl, group, geo) in groups {
        let admin = lab.client(&cl.admin()).await;
        let api: Api<DynamicObject> =
            Api::namespaced_with(admin, &ns, &ar(group, "v1beta1", "Gslb", "gslbs"));
        let g = api.get("checkout").await.unwrap();
        assert_eq!(
            g.data["spec"]["strategy"]["primaryGeoTag"], "us-east-1",
            "{}",
            cl.name
        );
        assert_eq!(
            g.data["status"]["geoTag"], geo,
            "status untouched on {}",
            cl.name
        );
        // The request k8gb documents: a merge patch of the strategy, guarded.
        let w = writes(cl, &ns)
            .into_iter()
            .find(|e| {
                e["objectRef"]["resource"] == "gslbs" && e["requestObject"]["spec"].is_object()
            })
            .unwrap_or_else(|| panic!("no Gslb write on {}", cl.name));
        assert_eq!(w["objectRef"]["apiGroup"], group);
        assert_eq!(
            w["requestObject"]["spec"],
            json!({"strategy": {"primaryGeoTag": "us-east-1"}})
        );
        assert!(w["requestObject"]["metadata"]["resourceVersion"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_failover_view_runs_a_plan_step_by_step_in_a_real_terminal() {
    use support::tmux::Tmux;
    let Some(lab) = support::lab() else { return };
    let (a, b) = (&lab.clusters[0], &lab.clusters[1]);
    let ns = namespace(lab, &[a, b], "fo-tui").await;
    let (ca, cb) = (lab.client(&a.admin()).await, lab.client(&b.admin()).await);
    checkout(&ca, &ns, 2).await;
    checkout(&cb, &ns, 0).await;
    route(&cb, &ns).await;
    ready(&ca, &ns, 2).await;
    let cli = cli_with(lab, &plan("tui", &a.name, &[&b.name], &ns, ""));
    let cmd = format!(
        "FLEETDECK_CONFIG_DIR={d} FLEETDECK_DATA_DIR={d} {bin} --kubeconfig {kc} --context {a} --context {b}; sleep 30",
        d = cli.home.path().display(),
        bin = env!("CARGO_BIN_EXE_fleetdeck"),
        kc = lab.kubeconfig.display(),
        a = a.name,
        b = b.name,
    );
    let tmux = Tmux::start(&cmd, 160, 45);
    tmux.wait_for("both clusters", |s| {
        s.contains("lab-a") && s.contains("lab-b")
    });
    tmux.keys(&["7"]);
    tmux.wait_for("the plan listed", |s| {
        s.contains("Failover plans [1]") && s.contains("lab-a ok → lab-b ok")
    });
    tmux.keys(&["Enter", "c"]);
    tmux.wait_for("the pre-flight", |s| {
        s.contains("3 write(s), each dry-run first; standby lab-b")
    });
    // One step, confirmed with a reason and the plan's name.
    let confirm = |reason: &str| {
        tmux.wait_for("the prompt", |s| s.contains("type tui to confirm"));
        tmux.keys(&["-l", reason]);
        tmux.keys(&["Tab"]);
        tmux.keys(&["-l", "tui"]);
        tmux.keys(&["Enter"]);
    };
    tmux.keys(&["n"]);
    confirm("drill from the console");
    tmux.wait_for("step 1 done, the run paused", |s| {
        s.contains("done    1. scale") && s.contains("pending 2. wait") && s.contains("paused")
    });
    assert_eq!(replicas(&cb, &ns).await, 2);
    assert_eq!(replicas(&ca, &ns).await, 2, "the primary untouched so far");
    tmux.keys(&["e"]);
    confirm("finish the drill");
    let screen = tmux.wait_for("completed", |s| {
        s.contains("done    4. scale") && s.contains("failover tui: completed")
    });
    assert!(screen.contains("resuming"), "{screen}");
    ready(&cb, &ns, 2).await;
    assert_eq!(weights(&cb, &ns).await, [0, 100]);
    assert_eq!(replicas(&ca, &ns).await, 0);
    // One run in the journal, resumed once, with both reasons.
    let records = cli.journal().read().unwrap();
    let runs = runlog::runs(&records, "tui");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].ended.as_deref(), Some("completed"));
    let in_run = group(&records, &runs[0].run);
    let reasons: std::collections::BTreeSet<&str> = in_run
        .iter()
        .filter(|r| r.kind == RecordKind::Intent)
        .map(|r| r.reason.as_str())
        .collect();
    assert_eq!(
        reasons,
        ["drill from the console", "finish the drill"]
            .into_iter()
            .collect()
    );
    tmux.keys(&["Escape", "Escape", "q"]);
}

/// The example plan and objects, with the lab's contexts and a test namespace.
fn example(text: &str, ns: &str) -> String {
    text.replace("prod-eu-west", "lab-a")
        .replace("prod-eu-standby", "lab-c")
        .replace("prod-us-east", "lab-b")
        .replace("shop/", &format!("{ns}/"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_example_plan_runs_on_the_lab() {
    let Some(lab) = support::lab() else { return };
    let (a, b, c) = (&lab.clusters[0], &lab.clusters[1], &lab.clusters[2]);
    let ns = namespace(lab, &[a, b, c], "fo-example").await;
    let objects = example(include_str!("../examples/failover-objects.yaml"), &ns);
    for cl in [a, b, c] {
        let mut kubectl = std::process::Command::new(lab.kubectl());
        kubectl
            .args(["--kubeconfig", lab.kubeconfig.to_str().unwrap()])
            .args(["--context", &cl.admin(), "-n", &ns, "apply", "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = kubectl.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(objects.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (ca, cc) = (lab.client(&a.admin()).await, lab.client(&c.admin()).await);
    // The standby idles at zero until a failover.
    Api::<Deployment>::namespaced(cc.clone(), &ns)
        .patch(
            "checkout",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 0}})),
        )
        .await
        .unwrap();
    ready(&ca, &ns, 3).await;
    let config = include_str!("../examples/config.toml");
    let policy = &config[config.find("[policy.gdpr]").unwrap()..];
    let cli = cli_with(lab, policy);
    std::fs::create_dir_all(cli.home.path().join("plans")).unwrap();
    std::fs::write(
        cli.home.path().join("plans/checkout-eu.toml"),
        example(include_str!("../examples/plans/checkout-eu.toml"), &ns),
    )
    .unwrap();

    // lab-b (us-east-1) is outside gdpr; lab-c (europe-west4) is first anyway.
    let o = cli.run(&["failover", "plan", "checkout-eu", "--standby", "lab-b"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("EU personal data stays in the EU; lab-b is in us-east-1"),
        "{}",
        text(&o)
    );
    let o = cli.run(&[
        "failover",
        "run",
        "checkout-eu",
        "--yes",
        "--reason",
        "example",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(
        out.contains("plan:     checkout-eu → standby lab-c"),
        "{out}"
    );
    assert!(out.contains("requests (8):"), "{out}");
    ready(&cc, &ns, 3).await;
    assert_eq!(weights(&cc, &ns).await, [0, 100]);
    let dns: Api<DynamicObject> = Api::namespaced_with(
        cc.clone(),
        &ns,
        &ar(
            "externaldns.k8s.io",
            "v1alpha1",
            "DNSEndpoint",
            "dnsendpoints",
        ),
    );
    let e = dns.get("checkout").await.unwrap();
    let w: Vec<&str> = e.data["spec"]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["providerSpecific"][0]["value"].as_str().unwrap())
        .collect();
    assert_eq!(w, ["0", "100"]);
    for cl in [a, b, c] {
        let g: Api<DynamicObject> = Api::namespaced_with(
            lab.client(&cl.admin()).await,
            &ns,
            &ar("k8gb.io", "v1beta1", "Gslb", "gslbs"),
        );
        let g = g.get("checkout").await.unwrap();
        assert_eq!(
            g.data["spec"]["strategy"]["primaryGeoTag"], "europe-west4",
            "{}",
            cl.name
        );
    }
    let d = Api::<Deployment>::namespaced(ca.clone(), &ns)
        .get("checkout")
        .await
        .unwrap();
    assert_eq!(d.spec.unwrap().replicas, Some(0));
    let ann = d.metadata.annotations.unwrap_or_default();
    assert_eq!(
        ann.get("fleetdeck.io/failed-over-to").map(String::as_str),
        Some("lab-c")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_refuses_the_plan_and_writes_nothing() {
    let Some(lab) = support::lab() else { return };
    let (a, b) = (&lab.clusters[0], &lab.clusters[1]);
    let ns = namespace(lab, &[a, b], "fo-ro").await;
    let (ca, cb) = (lab.client(&a.admin()).await, lab.client(&b.admin()).await);
    checkout(&ca, &ns, 1).await;
    checkout(&cb, &ns, 0).await;
    route(&cb, &ns).await;
    let cli = cli_with(lab, &plan("ro", &a.name, &[&b.name], &ns, ""));
    let o = cli.run(&[
        "--read-only",
        "failover",
        "run",
        "ro",
        "--yes",
        "--reason",
        "x",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let out = stdout(&o);
    assert!(
        out.contains("read-only: fleetdeck makes no changes to this cluster"),
        "{out}"
    );
    assert!(writes(a, &ns).is_empty(), "{:?}", writes(a, &ns));
    assert!(writes(b, &ns).is_empty(), "{:?}", writes(b, &ns));
    // Not even a dry-run or an access review left the process.
    let asked: Vec<Value> = [a, b]
        .iter()
        .flat_map(|c| support::audit_events(&c.audit_log))
        .filter(|e| {
            e["objectRef"]["namespace"] == ns.as_str()
                && e["requestURI"].as_str().unwrap_or("").contains("dryRun")
        })
        .collect();
    assert!(asked.is_empty(), "{asked:?}");
    assert!(cli.journal().read().unwrap().is_empty());
}

/// The real binary mid-run: pre-flight has talked to the primary (lab-d),
/// then lab-d's API server dies between two steps. The run goes on, skips
/// the primary's step as unreachable and completes; the process is never
/// killed by a signal (a closed connection is an error, not SIGPIPE).
#[tokio::test(flavor = "multi_thread")]
async fn a_primary_dying_between_steps_does_not_kill_the_run() {
    let Some((lab, d)) = support::fault_cluster() else {
        return;
    };
    let _hold = support::fault_lock(lab);
    let (ns, cb, cli) = on_d_to_b(lab, &d, "fo-mid", "mid").await;
    let child = cli
        .command(&["failover", "run", "mid", "--yes", "--reason", "drill"])
        .env("FLEETDECK_TEST_PAUSE_AFTER_INTENT_MS", "1500")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let journal = cli.journal();
    support::eventually("step 1's intent on disk", GUARD, || {
        let j = journal.clone();
        async move {
            let open = j.read().ok()?;
            open.iter()
                .any(|r| r.kind == RecordKind::Intent && r.context == "lab-b")
                .then_some(())
        }
    })
    .await;
    let stopped = support::stop(&[&d.name]);
    let o = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(out.contains("step 4: skipped — lab-d unreachable"), "{out}");
    assert_eq!(weights(&cb, &ns).await, [0, 100]);
    let state = runlog::runs(&cli.journal().read().unwrap(), "mid")
        .pop()
        .unwrap();
    assert_eq!(state.ended.as_deref(), Some("completed"));
    drop(stopped);
    let cd = lab.client_fresh(&d.admin()).await;
    support::eventually("lab-d back, untouched", GUARD, || {
        let cd = cd.clone();
        let ns = ns.clone();
        async move { (replicas(&cd, &ns).await == 2).then_some(()) }
    })
    .await;
}

/// Quitting while a run is in flight asks first; confirmed, the run stops
/// after its current action with an end record, every intent has its
/// outcome, and then the console exits.
#[tokio::test(flavor = "multi_thread")]
async fn quitting_during_a_run_asks_then_ends_it_on_the_record() {
    use support::tmux::Tmux;
    let Some(lab) = support::lab() else { return };
    let (a, b) = (&lab.clusters[0], &lab.clusters[1]);
    let ns = namespace(lab, &[a, b], "fo-quit").await;
    let (ca, cb) = (lab.client(&a.admin()).await, lab.client(&b.admin()).await);
    checkout(&ca, &ns, 2).await;
    checkout(&cb, &ns, 0).await;
    route(&cb, &ns).await;
    ready(&ca, &ns, 2).await;
    let cli = cli_with(lab, &plan("quit", &a.name, &[&b.name], &ns, ""));
    let d = cli.home.path().display().to_string();
    // Each action pauses after its intent, so the run is surely in flight.
    let cmd = format!(
        "FLEETDECK_TEST_PAUSE_AFTER_INTENT_MS=4000 FLEETDECK_CONFIG_DIR={d} FLEETDECK_DATA_DIR={d} {bin} --kubeconfig {kc} --context {a} --context {b}; echo $? > {d}/rc; sleep 30",
        bin = env!("CARGO_BIN_EXE_fleetdeck"),
        kc = lab.kubeconfig.display(),
        a = a.name,
        b = b.name,
    );
    let tmux = Tmux::start(&cmd, 160, 45);
    tmux.wait_for("both clusters", |s| {
        s.contains("lab-a") && s.contains("lab-b")
    });
    tmux.keys(&["7"]);
    tmux.wait_for("the plan listed", |s| s.contains("Failover plans [1]"));
    tmux.keys(&["Enter", "e"]);
    tmux.wait_for("the prompt", |s| s.contains("type quit to confirm"));
    tmux.keys(&["-l", "drill, then leave"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["-l", "quit"]);
    tmux.keys(&["Enter"]);
    let journal = cli.journal();
    support::eventually("step 1's intent on disk", GUARD, || {
        let j = journal.clone();
        async move { (!j.unfinished().ok()?.is_empty()).then_some(()) }
    })
    .await;
    tmux.keys(&["q"]);
    tmux.wait_for("the question", |s| {
        s.contains("failover quit in flight — q again stops it")
    });
    let rc = cli.home.path().join("rc");
    assert!(!rc.exists(), "the first q only asks");
    tmux.keys(&["q"]);
    support::eventually("the console gone", GUARD, || async {
        std::fs::read_to_string(&rc).ok()
    })
    .await;
    assert_eq!(std::fs::read_to_string(&rc).unwrap().trim(), "0");
    let records = journal.read().unwrap();
    let runs = runlog::runs(&records, "quit");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].ended.as_deref(), Some("aborted"), "{records:?}");
    assert!(
        journal.unfinished().unwrap().is_empty(),
        "no intent left open"
    );
    assert!(runs[0].done.len() < 4, "stopped before the end");
}

/// Is this incident an experiment? A NetworkChaos delaying the service on
/// the primary refuses the failover, naming it; paused, the plan goes.
#[tokio::test(flavor = "multi_thread")]
async fn an_experiment_on_the_primary_refuses_the_failover_until_paused() {
    let Some(lab) = support::lab() else { return };
    let (b, c) = (&lab.clusters[1], &lab.clusters[2]);
    let ns = namespace(lab, &[b, c], "fo-chaos").await;
    let (cb, cc) = (lab.client(&b.admin()).await, lab.client(&c.admin()).await);
    support::shared::install_chaos(lab, &cb).await;
    checkout(&cb, &ns, 2).await;
    checkout(&cc, &ns, 0).await;
    route(&cc, &ns).await;
    ready(&cb, &ns, 2).await;
    let chaos = Api::<DynamicObject>::namespaced_with(
        cb.clone(),
        &ns,
        &ar("chaos-mesh.org", "v1alpha1", "NetworkChaos", "networkchaos"),
    );
    let game_day: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "chaos-mesh.org/v1alpha1", "kind": "NetworkChaos",
        "metadata": {"name": "game-day", "namespace": ns},
        "spec": {"action": "delay", "mode": "all", "delay": {"latency": "2s"},
            "selector": {"labelSelectors": {"app": "checkout"}}},
    }))
    .unwrap();
    chaos
        .create(&PostParams::default(), &game_day)
        .await
        .unwrap();
    let cli = cli_with(lab, &plan("exp", &b.name, &[&c.name], &ns, ""));

    let o = cli.run(&["failover", "plan", "exp"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let out = stdout(&o);
    let want = format!(
        "STOP lab-b          chaos: NetworkChaos game-day active 0 min {ns}/game-day: is this incident the experiment? pause or stop it first"
    );
    assert!(out.contains(&want), "{out}");

    // Paused (as Chaos Mesh's dashboard pauses), it no longer holds the run.
    chaos
        .patch(
            "game-day",
            &PatchParams::default(),
            &Patch::Merge(
                json!({"metadata": {"annotations": {"experiment.chaos-mesh.org/pause": "true"}}}),
            ),
        )
        .await
        .unwrap();
    let o = cli.run(&["failover", "plan", "exp"]);
    let out = stdout(&o);
    assert!(
        out.contains("ok   lab-b          chaos: no experiment running"),
        "{out}"
    );
    assert!(!out.contains("STOP"), "{out}");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
