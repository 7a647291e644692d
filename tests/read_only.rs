//! Read-only is a guarantee, proven by the API servers' audit logs read by
//! identity. The lab gives this test an identity of its own on every cluster
//! (`lab-x-sweep`: allowed everything, in a kubeconfig nothing else reads), so
//! whatever a read-only fleetdeck sent is in the log under that name, whether
//! or not it carries the guard's User-Agent. Every mutating CLI subcommand
//! with `--read-only`, and the TUI through every view and action key, leave
//! nothing in the window but reads and self-subject reviews: no write, no
//! dry-run.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{json, Value};

use support::cli::text;
use support::shared::{ar, namespace, proposal_ids};
use support::tmux::Tmux;
use support::{Lab, LabCluster};

const GUARD: Duration = Duration::from_secs(90);

const REVIEWS: &[&str] = &[
    "selfsubjectreviews",
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
];

/// fleetdeck as the sweep identity on the clusters whose audit logs are
/// read, with its own config and data dirs.
struct Sweep {
    home: tempfile::TempDir,
    kubeconfig: PathBuf,
    contexts: Vec<String>,
}

impl Sweep {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .env("FLEETDECK_CONFIG_DIR", self.home.path())
            .env("FLEETDECK_DATA_DIR", self.home.path())
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(self.contexts.iter().flat_map(|c| ["--context", c]))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run fleetdeck")
    }
}

fn obj(v: Value) -> DynamicObject {
    serde_json::from_value(v).expect("a valid object")
}

fn deployment(name: &str, labels: Value, replicas: i32) -> Deployment {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "registry.example/web:1"}]}}}
    }))
    .unwrap()
}

fn service(name: &str, selector: Value, annotations: Value) -> Service {
    serde_json::from_value(
        json!({"metadata": {"name": name, "annotations": annotations},
        "spec": {"selector": selector, "ports": [{"port": 80}]}}),
    )
    .unwrap()
}

fn route(name: &str, backends: [&str; 2], canary: i64, annotations: Value) -> DynamicObject {
    obj(json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"parentRefs": [{"name": "gw"}], "rules": [{"backendRefs": [
            {"name": backends[0], "port": 80, "weight": 100 - canary},
            {"name": backends[1], "port": 80, "weight": canary}]}]}
    }))
}

/// On the primary (`c`): a Deployment to scale, a route canary at 25%, a Service
/// blue/green, an Argo Rollout paused at its first step and the failover's
/// `checkout`; on the standby (`b`): `checkout` at 0 and its route.
async fn objects(lab: &Lab, b: &LabCluster, c: &LabCluster, ns: &str) {
    let pp = PostParams::default();
    for (cluster, primary) in [(c, true), (b, false)] {
        let admin = lab.client(&cluster.admin()).await;
        let deps: Api<Deployment> = Api::namespaced(admin.clone(), ns);
        let routes: Api<DynamicObject> = Api::namespaced_with(
            admin.clone(),
            ns,
            &ar("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"),
        );
        let checkout = deployment("checkout", json!({"app": "checkout"}), i32::from(primary));
        deps.create(&pp, &checkout).await.unwrap();
        routes
            .create(
                &pp,
                &route(
                    "checkout",
                    ["checkout-primary", "checkout-standby"],
                    0,
                    json!({}),
                ),
            )
            .await
            .unwrap();
        if !primary {
            continue;
        }
        let svcs: Api<Service> = Api::namespaced(admin.clone(), ns);
        for name in ["web", "web-canary"] {
            deps.create(&pp, &deployment(name, json!({"app": name}), 1))
                .await
                .unwrap();
            svcs.create(&pp, &service(name, json!({"app": name}), json!({})))
                .await
                .unwrap();
        }
        let canary = json!({"stable": "web", "canary": "web-canary", "weights": [5, 25, 50, 100]});
        routes
            .create(
                &pp,
                &route(
                    "web",
                    ["web", "web-canary"],
                    25,
                    json!({"fleetdeck.io/canary": canary.to_string()}),
                ),
            )
            .await
            .unwrap();
        for side in ["blue", "green"] {
            let labels = json!({"app": "bg", "version": side});
            deps.create(&pp, &deployment(&format!("bg-{side}"), labels, 1))
                .await
                .unwrap();
        }
        let bg = json!({"label": "version", "sides": ["blue", "green"]});
        svcs.create(
            &pp,
            &service(
                "bg",
                json!({"app": "bg", "version": "blue"}),
                json!({"fleetdeck.io/bluegreen": bg.to_string()}),
            ),
        )
        .await
        .unwrap();
        rollout_paused(admin, ns).await;
    }
}

/// Rollout `ro` healthy on image 1, then on image 2 paused at its first
/// step: the state promote, abort, pause and resume act on.
async fn rollout_paused(admin: kube::Client, ns: &str) {
    let api: Api<DynamicObject> = Api::namespaced_with(
        admin,
        ns,
        &ar("argoproj.io", "v1alpha1", "Rollout", "rollouts"),
    );
    let spec = |image: &str| {
        json!({"replicas": 1, "selector": {"matchLabels": {"app": "ro"}},
            "template": {"metadata": {"labels": {"app": "ro"}},
                "spec": {"containers": [{"name": "app", "image": image}]}},
            "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}}})
    };
    api.create(
        &PostParams::default(),
        &obj(
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": {"name": "ro"}, "spec": spec("registry.example/ro:1")}),
        ),
    )
    .await
    .unwrap();
    let phase = |want: &'static str| {
        let api = api.clone();
        async move {
            let r = api.get("ro").await.ok()?;
            (r.data["status"]["phase"] == want).then_some(())
        }
    };
    support::eventually("rollout ro Healthy", GUARD, || phase("Healthy")).await;
    api.patch(
        "ro",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": spec("registry.example/ro:2")})),
    )
    .await
    .unwrap();
    support::eventually("rollout ro Paused", GUARD, || phase("Paused")).await;
}

/// Group `sweep` (`c`, for waves), a drift tree that wants `web`
/// at 2 replicas where it runs 1, and failover plan `fo` from `c` to `b`.
fn config(home: &Path, b: &LabCluster, c: &LabCluster, ns: &str) {
    let config = format!(
        r#"[drift]
dir = "desired"

[[cluster]]
context = "{b}"
group = "standby"

[[cluster]]
context = "{c}"
group = "sweep"

[[failover]]
name = "fo"
service = "checkout"
primary = "{c}"
standbys = ["{b}"]

[[failover.step]]
kind = "scale"
cluster = "standby"
target = "{ns}/deploy/checkout"
replicas = 1

[[failover.step]]
kind = "wait"
cluster = "standby"
target = "{ns}/deploy/checkout"
ready = 1
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
        b = b.sweep(),
        c = c.sweep(),
    );
    std::fs::write(home.join("config.toml"), config).unwrap();
    let desired = home.join("desired/sweep");
    std::fs::create_dir_all(&desired).unwrap();
    let web = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "registry.example/web:1"}]}}}});
    std::fs::write(
        desired.join("web.yaml"),
        serde_saphyr::to_string(&web).unwrap(),
    )
    .unwrap();
}

/// Every mutating subcommand, read-only: each is refused and says so.
fn headless(sweep: &Sweep, c: &LabCluster, ns: &str, ids: &[String]) -> usize {
    let ctx = c.sweep();
    let deploy = format!("{ctx}/{ns}/deploy/web");
    let ro = format!("{ctx}/{ns}/ro");
    let web = format!("{ctx}/{ns}/web");
    let bg = format!("{ctx}/{ns}/bg");
    let (ro_in_ns, bg_in_ns) = (format!("{ns}/ro"), format!("{ns}/bg"));
    let why = ["--reason", "sweep", "--yes"];
    let mut runs: Vec<Vec<&str>> = vec![
        vec!["scale", &deploy, "--replicas", "3"],
        vec!["scale", &deploy, "--replicas", "3", "--force"],
        vec!["scale", &deploy, "--replicas", "3", "--override"],
        vec!["restart", &deploy],
        vec!["rollout", "promote", &ro],
        vec!["rollout", "promote", &ro, "--full"],
        vec!["rollout", "abort", &ro],
        vec!["rollout", "retry", &ro],
        vec!["rollout", "pause", &ro],
        vec!["rollout", "resume", &ro],
        vec!["rollout", "undo", &ro],
        vec!["rollout", "restart", &ro],
        vec!["canary", "step", &web],
        vec!["canary", "back", &web],
        vec!["bluegreen", "flip", &bg],
        vec!["bluegreen", "flip-back", &bg],
        vec!["wave", "promote", "sweep", &ro_in_ns],
        vec!["wave", "flip", "sweep", &bg_in_ns],
        vec!["failover", "run", "fo"],
        vec!["failover", "resume", "fo"],
        vec!["failover", "rollback", "fo"],
    ];
    for id in ids {
        runs.push(vec!["remediation", "approve", id]);
    }
    for args in &mut runs {
        args.insert(0, "--read-only");
        args.extend(why);
    }
    for args in &runs {
        let out = sweep.run(args);
        assert_ne!(out.status.code(), Some(0), "{args:?} acted: {}", text(&out));
        assert!(
            text(&out).contains("read-only"),
            "{args:?} does not say why: {}",
            text(&out)
        );
    }
    // read_only from the config file, console-wide and per cluster.
    let file = sweep.home.path().join("config.toml");
    let config = std::fs::read_to_string(&file).unwrap();
    let entry = format!("context = \"{ctx}\"\ngroup = \"sweep\"\n");
    assert!(config.contains(&entry));
    for variant in [
        format!("read_only = true\n{config}"),
        config.replace(&entry, &format!("{entry}read_only = true\n")),
    ] {
        std::fs::write(&file, &variant).unwrap();
        let args = [&["scale", &deploy, "--replicas", "3"][..], &why].concat();
        let out = sweep.run(&args);
        assert_eq!(out.status.code(), Some(3), "{variant}: {}", text(&out));
    }
    std::fs::write(&file, config).unwrap();
    // Local decisions, journaled here, still ask nothing of a cluster.
    let id = &ids[0];
    let local = [
        vec!["--read-only", "remediation", "snooze", id, "--until", "1h"],
        vec!["--read-only", "remediation", "reject", id],
    ];
    for args in &local {
        let args = [&args[..], &["--reason", "sweep"]].concat();
        let out = sweep.run(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
    }
    // And the reads, so the window holds every kind of request.
    for args in [
        vec!["--read-only", "snapshot", "--timeout", "30"],
        vec!["--read-only", "changes", "--since", "10m"],
        vec!["--read-only", "cost"],
        vec!["--read-only", "slo"],
        vec!["--read-only", "failover", "plan", "fo"],
        vec!["--read-only", "remediation", "show", id],
    ] {
        let out = sweep.run(&args);
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{args:?}: {}",
            text(&out)
        );
    }
    runs.len() + local.len() + 2
}

/// The console, read-only, through every view and every action key.
fn console(sweep: &Sweep, c: &LabCluster, ns: &str) {
    let cmd = format!(
        "FLEETDECK_CONFIG_DIR={h} FLEETDECK_DATA_DIR={h} {bin} --read-only --kubeconfig {kc} --context {cs}; sleep 30",
        h = sweep.home.path().display(),
        bin = env!("CARGO_BIN_EXE_fleetdeck"),
        kc = sweep.kubeconfig.display(),
        cs = sweep.contexts.join(" --context "),
    );
    let t = Tmux::start(&cmd, 180, 40);
    let ctx = c.sweep();
    t.wait_for("READ-ONLY and the cluster ok", |s| {
        s.contains("READ-ONLY") && s.lines().any(|l| l.contains(&ctx) && l.contains(" ok "))
    });
    // An Escape followed at once by a key reads as Alt+key: let it land.
    let esc = || {
        t.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(250));
    };
    // Refused in a dialog (closed with Escape) or on the status line.
    let said = |key: &str| {
        t.keys(&[key]);
        t.wait_for(&format!("{key}: refused as read-only"), |s| {
            s.contains("read-only: fleetdeck makes no changes")
        });
    };
    let refused = |key: &str| {
        said(key);
        esc();
    };
    // One cluster, one workload: YAML, details, scale, restart.
    t.keys(&["/"]);
    t.keys(&["-l", &ctx]);
    t.keys(&["Enter", "Enter"]);
    t.wait_for("the cluster's workloads", |s| {
        s.contains(&format!("Workloads — {ctx}"))
    });
    t.keys(&["/"]);
    // The first match by name is web (web-canary sorts after it).
    t.keys(&["-l", &format!("{ns}/web")]);
    t.keys(&["Enter", "y"]);
    t.wait_for("YAML", |s| s.contains("kind: Deployment"));
    t.keys(&["d"]);
    t.wait_for("details", |s| s.contains("HISTORY"));
    esc();
    for key in ["s", "r"] {
        refused(key);
    }
    // The fleet-wide views.
    for (key, title) in [
        ("2", "Workloads (fleet)"),
        ("3", "Changes"),
        ("5", "SLOs"),
        ("6", "Cost"),
    ] {
        t.keys(&[key]);
        t.wait_for(title, |s| s.contains(&format!("▸ {title}")));
    }
    t.keys(&["Enter"]);
    t.wait_for("a cluster's costs", |s| s.contains("▸ Cost ▸"));
    // Argo Rollouts: every action key on the paused rollout.
    t.keys(&["4", "/"]);
    t.keys(&["-l", ns]);
    t.keys(&["Enter"]);
    t.wait_for("rollout ro", |s| s.contains(&format!("{ns}/ro ")));
    for key in ["p", "P", "a", "R", "x", "X", "u"] {
        refused(key);
    }
    // Failover: check, run, step, roll back.
    t.keys(&["7"]);
    t.wait_for("plan fo", |s| s.contains("▸ Failover") && s.contains("fo "));
    t.keys(&["Enter"]);
    t.wait_for("plan fo's detail", |s| s.contains("▸ Failover ▸ fo"));
    for key in ["c", "e", "n", "b"] {
        said(key);
    }
    // Remediations: approving is refused; reject and snooze prompt (local).
    t.keys(&["8"]);
    t.wait_for("the drift proposal", |s| {
        s.contains("▸ Remediations") && s.contains(ns)
    });
    t.keys(&["/"]);
    t.keys(&["-l", ns]);
    t.keys(&["Enter"]);
    said("A");
    for key in ["D", "z"] {
        t.keys(&[key]);
        std::thread::sleep(Duration::from_millis(300));
        esc();
    }
    t.keys(&["1", "q"]);
    std::thread::sleep(Duration::from_millis(500));
}

/// The sweep identity's requests on `clusters` since `from`, completed.
fn audited(clusters: &[&LabCluster], from: chrono::DateTime<chrono::Utc>) -> Vec<Value> {
    clusters
        .iter()
        .flat_map(|c| {
            let user = c.sweep();
            support::audit_events(&c.audit_log)
                .into_iter()
                .filter(move |e| e["user"]["username"] == user.as_str())
        })
        .filter(|e| e["stage"] == "ResponseComplete")
        .filter(|e| support::received_since(e, from))
        .collect()
}

fn is_read(e: &Value) -> bool {
    let verb = e["verb"].as_str().unwrap_or("");
    let uri = e["requestURI"].as_str().unwrap_or("");
    if uri.contains("dryRun") {
        return false;
    }
    matches!(verb, "get" | "list" | "watch")
        || (verb == "create"
            && REVIEWS.contains(&e["objectRef"]["resource"].as_str().unwrap_or("")))
}

#[tokio::test(flavor = "multi_thread")]
async fn no_request_but_reads_leaves_a_read_only_fleetdeck() {
    let Some(lab) = support::lab() else { return };
    let (b, c) = (&lab.clusters[1], &lab.clusters[2]);
    let ns = namespace(lab, &[b, c], "sweep").await;
    objects(lab, b, c, &ns).await;
    let sweep = Sweep {
        home: tempfile::tempdir().unwrap(),
        kubeconfig: lab.sweep_kubeconfig.clone(),
        contexts: lab.clusters.iter().map(|c| c.sweep()).collect(),
    };
    config(sweep.home.path(), b, c, &ns);
    // Something for resume, rollback and flip-back to continue: the plan's
    // first step and a flip, done for real before the window opens.
    let out = sweep.run(&[
        "failover", "run", "fo", "--steps", "1", "--yes", "--reason", "setup",
    ]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "paused, resumable: {}",
        text(&out)
    );
    // And a flip for flip-back to undo (once the green side is ready).
    let bg = format!("{}/{ns}/bg", c.sweep());
    support::eventually("bluegreen flip", GUARD, || {
        let out = sweep.run(&["bluegreen", "flip", &bg, "--yes", "--reason", "setup"]);
        async move { out.status.success().then_some(()) }
    })
    .await;
    let out = sweep.run(&["--read-only", "remediation", "list"]);
    let ids = proposal_ids(&String::from_utf8_lossy(&out.stdout), &ns);
    assert!(!ids.is_empty(), "a drift proposal: {}", text(&out));
    let deps: Api<Deployment> = Api::namespaced(lab.client(&c.admin()).await, &ns);
    let version = |name: &'static str| {
        let deps = deps.clone();
        async move { deps.get(name).await.unwrap().metadata.resource_version }
    };
    let web_version = version("web").await;
    let from = chrono::Utc::now();

    let commands = headless(&sweep, c, &ns, &ids);
    console(&sweep, c, &ns);

    assert_eq!(version("web").await, web_version, "web was not touched");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let all: Vec<&LabCluster> = lab.clusters.iter().collect();
    let events = audited(&all, from);
    let verbs = |v: &str| events.iter().filter(|e| e["verb"] == v).count();
    assert!(
        verbs("list") > 0 && verbs("watch") > 0 && verbs("get") > 0,
        "the flows ran as the sweep identity: {} events",
        events.len()
    );
    let others: Vec<&Value> = events.iter().filter(|e| !is_read(e)).collect();
    assert!(
        others.is_empty(),
        "requests other than reads from a read-only fleetdeck: {others:#?}"
    );
    eprintln!(
        "read-only sweep: {commands} mutating commands and the console; {} requests audited as {} ({} get, {} list, {} watch, {} reviews), 0 others",
        events.len(),
        sweep.contexts.join(", "),
        verbs("get"),
        verbs("list"),
        verbs("watch"),
        verbs("create")
    );
}

/// Below every flow, the client itself: a write or a dry-run from a
/// read-only client is refused before it is sent; reads pass.
#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_client_refuses_writes_and_dry_runs_before_sending() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[2];
    let ns = lab.namespace(c, "ro").await;
    let admin: Api<Deployment> = Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    admin
        .create(&PostParams::default(), &support::deployment("web", 1))
        .await
        .unwrap();
    let ro = fleetdeck::fleet::kubeconfig::client_for(&lab.loaded.config, &c.operator(), true)
        .await
        .unwrap();
    let api: Api<Deployment> = Api::namespaced(ro, &ns.name);
    let patch = Patch::Merge(json!({"spec": {"replicas": 5}}));
    let err = api
        .patch("web", &PatchParams::default(), &patch)
        .await
        .unwrap_err();
    assert!(fleetdeck::fleet::guard::is_refusal(&err), "{err}");
    let dry = PatchParams {
        dry_run: true,
        ..Default::default()
    };
    let err = api.patch("web", &dry, &patch).await.unwrap_err();
    assert!(
        fleetdeck::fleet::guard::is_refusal(&err),
        "no dry-runs either: {err}"
    );
    api.get("web").await.expect("reads pass");
    ns.delete().await;
}
