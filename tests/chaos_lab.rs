//! Chaos experiments against the lab (issue 24): Chaos Mesh's NetworkChaos and
//! PodChaos CRDs from its Go module (a pseudo-version: it tags no module
//! release), LitmusChaos's ChaosEngine and ChaosResult CRDs written from their
//! documented fields (its module is not served here). No controller runs: the
//! tests write the status the controllers would. What fleetdeck sends is read
//! back from the API server's audit log.

mod support;

use std::time::Duration;

use chrono::Utc;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
};
use serde_json::{json, Value};
use support::cli::{text, Cli};

const PAUSE: &str = "experiment.chaos-mesh.org/pause";

fn chaos_api(
    client: &kube::Client,
    ns: &str,
    group: &str,
    kind: &str,
    plural: &str,
) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk(group, "v1alpha1", kind);
    Api::namespaced_with(
        client.clone(),
        ns,
        &ApiResource::from_gvk_with_plural(&gvk, plural),
    )
}

fn network_chaos(client: &kube::Client, ns: &str) -> Api<DynamicObject> {
    chaos_api(client, ns, "chaos-mesh.org", "NetworkChaos", "networkchaos")
}

async fn create(api: &Api<DynamicObject>, obj: Value) -> DynamicObject {
    let o: DynamicObject = serde_json::from_value(obj).unwrap();
    api.create(&PostParams::default(), &o)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The operator may read every experiment and act on this namespace's; the
/// read-only identity may read them all and write nothing.
async fn grant(admin: &kube::Client, n: &str) {
    let groups = json!(["chaos-mesh.org", "litmuschaos.io"]);
    support::shared::grant(
        admin,
        n,
        "chaos-operator",
        json!([{"apiGroups": groups, "resources": ["*"], "verbs": ["get", "list", "watch", "patch", "create"]}]),
        json!([{"apiGroups": groups, "resources": ["*"], "verbs": ["get", "list", "watch"]}]),
        &["fleetdeck:readonly", "fleetdeck:operators"],
    )
    .await;
}

/// The CRDs on `c`, a fresh namespace and its RBAC; the admin's client.
async fn setup(
    lab: &support::Lab,
    c: &support::LabCluster,
    prefix: &str,
) -> (kube::Client, support::TestNamespace) {
    let admin = lab.client(&c.admin()).await;
    support::shared::install_chaos(lab, &admin).await;
    let ns = lab.namespace(c, prefix).await;
    grant(&admin, &ns.name).await;
    (admin, ns)
}

fn dry(e: &Value) -> bool {
    e["requestURI"].as_str().unwrap_or("").contains("dryRun")
}

/// `fleetdeck chaos --json` as `context`: the experiment named `name` in `ns`.
fn experiment(cli: &Cli, context: &str, ns: &str, name: &str) -> Option<Value> {
    let out = cli.run(&["--context", context, "chaos", "--json"]);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    v["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["namespace"] == ns && e["name"] == name)
        .cloned()
}

/// The Deployment `name`, its two pods running (kwok).
async fn deployment(admin: &kube::Client, ns: &str, name: &str) {
    use k8s_openapi::api::apps::v1::Deployment;
    let api = Api::<Deployment>::namespaced(admin.clone(), ns);
    api.create(&PostParams::default(), &support::deployment(name, 2))
        .await
        .unwrap();
    support::eventually("the pods", Duration::from_secs(60), || async {
        let d = api.get(name).await.ok()?;
        (d.status?.ready_replicas? == 2).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_network_chaos_marks_what_it_hits_and_pause_resume_send_only_the_annotation() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let (admin, ns) = setup(lab, c, "chaos").await;
    let n = ns.name.as_str();
    deployment(&admin, n, "web").await;
    deployment(&admin, n, "api").await;
    let api = network_chaos(&admin, n);
    create(
        &api,
        json!({"apiVersion": "chaos-mesh.org/v1alpha1", "kind": "NetworkChaos",
            "metadata": {"name": "eu-latency", "namespace": n},
            "spec": {"action": "delay", "mode": "all", "delay": {"latency": "200ms"},
                "selector": {"labelSelectors": {"app": "web"}}}}),
    )
    .await;
    // What the controller writes once it has injected the delay (the CRD
    // has no status subresource: status is written with the object).
    api.patch(
        "eu-latency",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {"experiment": {"desiredPhase": "Run"},
            "conditions": [{"type": "Selected", "status": "True"}, {"type": "AllInjected", "status": "True"},
                {"type": "AllRecovered", "status": "False"}, {"type": "Paused", "status": "False"}]}})),
    )
    .await
    .unwrap();

    // The read-only identity sees it, with the Deployment it hits (not api).
    let cli = Cli::new(lab);
    let since = Utc::now();
    let e = experiment(&cli, &c.readonly(), n, "eu-latency").expect("listed");
    assert_eq!(e["kind"], "NetworkChaos");
    assert_eq!(e["phase"], "running", "{e:#}");
    assert_eq!(
        e["hits"],
        json!([{"namespace": n, "workload": "web", "pods": 2}]),
        "{e:#}"
    );
    // The timeline says when it started, and what it hits.
    let out = cli.run(&[
        "--context",
        &c.readonly(),
        "changes",
        "--json",
        "--since",
        "10m",
    ]);
    let all: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let started = all["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "chaos" && x["object"]["namespace"] == n)
        .unwrap_or_else(|| panic!("{all:#}"));
    assert_eq!(started["summary"], "started", "{started:#}");
    assert_eq!(started["object"]["name"], "eu-latency");
    assert_eq!(started["detail"], format!("hits {n}/web"), "{started:#}");
    // … and, read-only, cannot pause it: nothing sent but the review that
    // names who acts.
    let target = |ctx: &str| format!("{ctx}/{n}/networkchaos/eu-latency");
    let out = cli.run(&[
        "--read-only",
        "--context",
        &c.readonly(),
        "chaos",
        "pause",
        &target(&c.readonly()),
        "--reason",
        "try",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let sent = support::shared::writes_by(c, &c.readonly(), since);
    assert!(
        sent.iter()
            .all(|e| e["objectRef"]["resource"] == "selfsubjectreviews"),
        "{sent:#?}"
    );

    // The operator pauses: the annotation Chaos Mesh's dashboard sets, then
    // fleetdeck's mark and an Event; nothing else.
    for (verb, value) in [("pause", "true"), ("resume", "false")] {
        let since = Utc::now();
        let out = cli.run(&[
            "--context",
            &c.operator(),
            "chaos",
            verb,
            &target(&c.operator()),
            "--reason",
            "game day over",
            "--yes",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let sent = support::shared::writes_by(c, &c.operator(), since);
        let patches: Vec<&Value> = sent
            .iter()
            .filter(|e| e["objectRef"]["resource"] == "networkchaos" && !dry(e))
            .collect();
        assert_eq!(patches.len(), 2, "the patch and the mark: {patches:#?}");
        let body = &patches[0]["requestObject"];
        let rv = body["metadata"]["resourceVersion"]
            .as_str()
            .expect("guarded");
        assert_eq!(
            body,
            &json!({"metadata": {"annotations": {PAUSE: value}, "resourceVersion": rv}}),
            "{verb}"
        );
        assert!(patches[1]["requestObject"]["metadata"]["annotations"]
            .get("fleetdeck.io/last-action")
            .is_some());
        let others: Vec<&Value> = sent
            .iter()
            .filter(|e| {
                !matches!(
                    e["objectRef"]["resource"].as_str(),
                    Some(
                        "networkchaos"
                            | "events"
                            | "selfsubjectreviews"
                            | "selfsubjectaccessreviews"
                    )
                )
            })
            .collect();
        assert!(others.is_empty(), "{others:#?}");
        assert_eq!(
            sent.iter()
                .filter(|e| e["objectRef"]["resource"] == "events")
                .count(),
            1
        );
        let live = api.get("eu-latency").await.unwrap();
        assert_eq!(live.metadata.annotations.unwrap()[PAUSE], value);
        let e = experiment(&cli, &c.operator(), n, "eu-latency").unwrap();
        assert_eq!(
            e["phase"],
            if verb == "pause" { "paused" } else { "running" },
            "{e:#}"
        );
    }
    let records = cli.journal().read().unwrap();
    let done: Vec<(&str, Option<&str>)> = records
        .iter()
        .filter(|r| r.result.is_some())
        .map(|r| (r.action.as_str(), r.result.as_deref()))
        .collect();
    // The read-only attempt is on the record too, refused.
    assert_eq!(
        done,
        vec![
            ("pause", Some("denied")),
            ("pause", Some("ok")),
            ("resume", Some("ok"))
        ],
        "{records:#?}"
    );
    ns.delete().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_litmus_engine_shows_its_verdict_and_is_stopped() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let (admin, ns) = setup(lab, c, "litmus").await;
    let n = ns.name.as_str();
    deployment(&admin, n, "cart").await;
    let engines = chaos_api(&admin, n, "litmuschaos.io", "ChaosEngine", "chaosengines");
    create(
        &engines,
        json!({"apiVersion": "litmuschaos.io/v1alpha1", "kind": "ChaosEngine",
            "metadata": {"name": "cart-chaos", "namespace": n},
            "spec": {"engineState": "active",
                "appinfo": {"appns": n, "applabel": "app=cart", "appkind": "deployment"},
                "experiments": [{"name": "pod-delete"}]},
            "status": {"engineStatus": "initialized"}}),
    )
    .await;
    create(
        &chaos_api(&admin, n, "litmuschaos.io", "ChaosResult", "chaosresults"),
        json!({"apiVersion": "litmuschaos.io/v1alpha1", "kind": "ChaosResult",
            "metadata": {"name": "cart-chaos-pod-delete", "namespace": n},
            "spec": {"engine": "cart-chaos", "experiment": "pod-delete"},
            "status": {"experimentStatus": {"phase": "Running", "verdict": "Awaited",
                "probeSuccessPercentage": "50"}}}),
    )
    .await;
    let cli = Cli::new(lab);
    let e = experiment(&cli, &c.readonly(), n, "cart-chaos").expect("listed");
    assert_eq!(e["kind"], "ChaosEngine");
    assert_eq!(e["phase"], "running", "{e:#}");
    assert_eq!(
        e["hits"],
        json!([{"namespace": n, "workload": "cart", "pods": 2}]),
        "{e:#}"
    );
    assert_eq!(e["results"][0]["verdict"], "Awaited", "{e:#}");
    assert_eq!(e["results"][0]["probe_success_percentage"], 50.0, "{e:#}");

    let since = Utc::now();
    let out = cli.run(&[
        "--context",
        &c.operator(),
        "chaos",
        "stop",
        &format!("{}/{n}/cart-chaos", c.operator()),
        "--reason",
        "paging",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let sent = support::shared::writes_by(c, &c.operator(), since);
    let patch = sent
        .iter()
        .find(|e| e["objectRef"]["resource"] == "chaosengines" && !dry(e))
        .unwrap_or_else(|| panic!("{sent:#?}"));
    let body = &patch["requestObject"];
    assert_eq!(body["spec"], json!({"engineState": "stop"}), "{body:#}");
    let e = experiment(&cli, &c.operator(), n, "cart-chaos").unwrap();
    assert_eq!(e["phase"], "stopped", "{e:#}");
    // Stopped twice is refused before anything is sent.
    let out = cli.run(&[
        "--context",
        &c.operator(),
        "chaos",
        "stop",
        &format!("{}/{n}/cart-chaos", c.operator()),
        "--reason",
        "again",
        "--yes",
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out).contains("already stopped"), "{}", text(&out));
    ns.delete().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declared_experiment_is_held_while_its_service_pages_unless_overridden() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[2];
    let (admin, ns) = setup(lab, c, "chaos-start").await;
    let n = ns.name.as_str();
    // 30 % of web's requests fail: against a 99 % objective every window
    // burns at 30, past the page thresholds (14.4).
    support::shared::simulator(
        &c.simulator,
        json!({"services": [{"namespace": n, "service": "web", "version": "stable", "rps": 20, "error_ratio": 0.3}]}),
    )
    .await;
    let ctx = c.operator();
    let cli = Cli::new(lab);
    let config = format!(
        r#"[[cluster]]
context = "{ctx}"
prometheus = "{prom}"

[[slo]]
name = "web-availability"
objective = 99
window = "28d"
error_query = 'sum(rate(http_requests_total{{namespace="{n}",code=~"5.."}}[{{{{window}}}}]))'
total_query = 'sum(rate(http_requests_total{{namespace="{n}"}}[{{{{window}}}}]))'

[[service]]
name = "web"
clusters = ["{ctx}"]
namespace = "{n}"
slos = ["web-availability"]

[[experiment]]
name = "kill-web"
service = "web"
manifest = '''
apiVersion: chaos-mesh.org/v1alpha1
kind: PodChaos
metadata:
  name: kill-web
spec:
  action: pod-kill
  mode: one
  selector:
    labelSelectors: {{app: web}}
'''
"#,
        prom = lab.prometheus
    );
    std::fs::write(cli.home.path().join("config.toml"), config).unwrap();
    support::eventually("the SLO paging", Duration::from_secs(120), || async {
        let out = cli.run(&["--context", &ctx, "slo", "--json"]);
        let v: Value = serde_json::from_slice(&out.stdout).ok()?;
        (v["slos"][0]["state"] == "page").then_some(())
    })
    .await;

    let start = |extra: &[&str]| {
        let mut args = vec![
            "--context",
            &ctx,
            "chaos",
            "start",
            "--reason",
            "game day",
            "--yes",
        ];
        let target = format!("{ctx}/kill-web");
        args.extend_from_slice(extra);
        let mut owned: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        owned.insert(4, target);
        cli.run(&owned.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let since = Utc::now();
    let out = start(&[]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("pages"), "{}", text(&out));
    let pods = chaos_api(&admin, n, "chaos-mesh.org", "PodChaos", "podchaos");
    assert!(pods.get_opt("kill-web").await.unwrap().is_none());
    let sent = support::shared::writes_by(c, &ctx, since);
    assert!(
        !sent
            .iter()
            .any(|e| e["objectRef"]["resource"] == "podchaos" && !dry(e)),
        "{sent:#?}"
    );

    let since = Utc::now();
    let out = start(&["--override"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let created = pods.get("kill-web").await.expect("started");
    assert_eq!(created.data["spec"]["action"], "pod-kill");
    let sent = support::shared::writes_by(c, &ctx, since);
    let posts: Vec<&Value> = sent
        .iter()
        .filter(|e| e["objectRef"]["resource"] == "podchaos" && e["verb"] == "create" && !dry(e))
        .collect();
    assert_eq!(posts.len(), 1, "{sent:#?}");
    assert_eq!(
        posts[0]["requestObject"]["spec"]["selector"]["labelSelectors"],
        json!({"app": "web"})
    );

    let records = cli.journal().read().unwrap();
    let results: Vec<Option<&str>> = records.iter().map(|r| r.result.as_deref()).collect();
    assert_eq!(
        results,
        vec![Some("denied"), None, Some("ok")],
        "{records:#?}"
    );
    let gate = &records[1].detail.as_ref().unwrap()["gate"];
    assert_eq!(gate["state"], "stop", "{gate:#}");
    assert_eq!(gate["overridden"], true, "{gate:#}");
    assert_eq!(records[2].action, "start");
    support::shared::simulator(&c.simulator, json!({"remove_namespace": n})).await;
    ns.delete().await;
}

/// The console in a real terminal: the cluster and the workload marked, the
/// Chaos view listing the experiment, `x` through the confirm dialog to the
/// pause annotation on the cluster.
#[tokio::test(flavor = "multi_thread")]
async fn the_console_marks_the_experiment_and_pauses_it() {
    use support::tmux::{Tmux, Tracked};
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let (admin, ns) = setup(lab, c, "chaos-tui").await;
    let n = ns.name.as_str();
    deployment(&admin, n, "web").await;
    let api = network_chaos(&admin, n);
    create(
        &api,
        json!({"apiVersion": "chaos-mesh.org/v1alpha1", "kind": "NetworkChaos",
            "metadata": {"name": "tui-latency", "namespace": n},
            "spec": {"action": "delay", "mode": "all", "delay": {"latency": "300ms"},
                "selector": {"labelSelectors": {"app": "web"}}},
            "status": {"experiment": {"desiredPhase": "Run"}}}),
    )
    .await;

    let cli = Cli::new(lab);
    let tracked = Tracked::new(cli.home.path());
    let cmd = tracked.command(&format!(
        "--kubeconfig {} --context {}",
        lab.kubeconfig.display(),
        c.operator()
    ));
    let t = Tmux::start(&cmd, 200, 40);
    t.wait_for("the Fleet's chaos mark", |s| {
        s.contains("≋ chaos: NetworkChaos") && s.contains("ok ≋")
    });
    // The cluster's workloads: web is marked, api would not be.
    t.keys(&["Enter"]);
    t.keys(&["/"]);
    t.keys(&["-l", n]);
    t.keys(&["Enter"]);
    t.wait_for("web marked", |s| s.contains("≋ chaos · Healthy"));
    t.keys(&["Escape"]);
    t.keys(&["Escape"]);
    t.keys(&["0"]);
    t.keys(&["/"]);
    t.keys(&["-l", n]);
    t.keys(&["Enter"]);
    let s = t.wait_for("the experiment", |s| {
        s.contains(&format!("{n}/tui-latency")) && s.contains(&format!("{n}/web (2 pods)"))
    });
    assert!(s.contains("active"), "{s}");
    t.keys(&["x"]);
    t.wait_for("the confirm dialog", |s| {
        s.contains("pause NetworkChaos tui-latency")
    });
    t.keys(&["-l", "game day paused for the release"]);
    t.keys(&["Enter"]);
    t.wait_for("done", |s| s.contains("done"));
    let live = api.get("tui-latency").await.unwrap();
    assert_eq!(live.metadata.annotations.unwrap()[PAUSE], "true");
    t.keys(&["Escape"]);
    tracked.assert_alive(&t);
    tracked.quit(&t);
    ns.delete().await;
}

/// `:start` in the console on a protected cluster: the dialog will not send
/// until the experiment's name is typed; then the PodChaos is created.
#[tokio::test(flavor = "multi_thread")]
async fn starting_an_experiment_on_a_protected_cluster_needs_its_name_typed() {
    use support::tmux::{Tmux, Tracked};
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[2];
    let (admin, ns) = setup(lab, c, "chaos-protected").await;
    let n = ns.name.as_str();
    let cli = Cli::new(lab);
    let ctx = c.operator();
    let config = format!(
        r#"[[cluster]]
context = "{ctx}"
protected = true

[[experiment]]
name = "kill-one"
clusters = ["{ctx}"]
manifest = '''
apiVersion: chaos-mesh.org/v1alpha1
kind: PodChaos
metadata:
  name: kill-one
  namespace: {n}
spec:
  action: pod-kill
  mode: one
  selector:
    labelSelectors: {{app: web}}
'''
"#
    );
    std::fs::write(cli.home.path().join("config.toml"), config).unwrap();
    let tracked = Tracked::new(cli.home.path());
    let cmd = tracked.command(&format!(
        "--kubeconfig {} --context {ctx}",
        lab.kubeconfig.display()
    ));
    let t = Tmux::start(&cmd, 200, 45);
    t.wait_for("the fleet", |s| s.contains(&c.name) && s.contains("ok"));
    t.keys(&["Enter"]);
    t.keys(&[":"]);
    t.keys(&["-l", "start kill-one"]);
    t.keys(&["Enter"]);
    t.wait_for("the confirm dialog", |s| {
        s.contains("start PodChaos kill-one") && s.contains("type kill-one to confirm")
    });
    t.keys(&["-l", "game day"]);
    // Enter with the reason alone moves to the name; a wrong name sends nothing.
    t.keys(&["Enter"]);
    t.keys(&["-l", "kill-two"]);
    t.keys(&["Enter"]);
    // Had Enter sent it, the dialog would be running within a second.
    tokio::time::sleep(Duration::from_secs(1)).await;
    t.wait_for("still asking", |s| s.contains("type kill-one to confirm"));
    let pods = chaos_api(&admin, n, "chaos-mesh.org", "PodChaos", "podchaos");
    assert!(pods.get_opt("kill-one").await.unwrap().is_none());
    for _ in 0.."kill-two".len() {
        t.keys(&["BSpace"]);
    }
    t.keys(&["-l", "kill-one"]);
    t.keys(&["Enter"]);
    t.wait_for("done", |s| s.contains("done"));
    let made = pods.get("kill-one").await.expect("started");
    assert_eq!(made.data["spec"]["action"], "pod-kill");
    t.keys(&["Escape"]);
    tracked.assert_alive(&t);
    tracked.quit(&t);
    ns.delete().await;
}
