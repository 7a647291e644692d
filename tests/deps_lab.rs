//! Service dependencies against the lab (issue 25): the workload simulator
//! serves Istio-shaped series for a small call graph with known rates and
//! one failing edge; the lab's Prometheus scrapes them; fleetdeck reads the
//! graph as Kiali queries it and joins it with the workloads' declared
//! dependencies. A release of several Rollouts goes dependencies first, as
//! the API server's audit log shows; a declared cycle is refused.

mod support;

use std::time::Duration;

use chrono::Utc;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
};
use serde_json::{json, Value};
use support::cli::{text, Cli};

fn deployment(
    name: &str,
    replicas: i32,
    depends_on: Option<&str>,
    schedulable: bool,
) -> Deployment {
    let mut d = serde_json::to_value(support::deployment(name, replicas)).unwrap();
    if let Some(deps) = depends_on {
        d["metadata"]["annotations"] = json!({"fleetdeck.io/depends-on": deps});
    }
    if !schedulable {
        d["spec"]["template"]["spec"]["nodeSelector"] =
            json!({"fleetdeck.io/no-such-node": "true"});
    }
    serde_json::from_value(d).unwrap()
}

fn call(n: &str, from: &str, to: &str, rps: f64, errors: f64, tcp: f64) -> Value {
    json!({"source_namespace": n, "source": from, "destination_namespace": n,
           "destination": to, "rps": rps, "error_ratio": errors, "tcp_bytes": tcp})
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64()
        .is_some_and(|x| (x - want).abs() <= want * 0.03 + 1e-9)
}

/// The edges of a `deps --json` line as `from>to` → edge.
fn edges(v: &Value) -> std::collections::BTreeMap<String, Value> {
    v["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                format!(
                    "{}>{}",
                    e["from"].as_str().unwrap(),
                    e["to"].as_str().unwrap()
                ),
                e.clone(),
            )
        })
        .collect()
}

/// web → cart (traffic and declared), web → search (declared only),
/// cart → payments (traffic only, 38 % errors), payments → ledger (traffic
/// only, with TCP; ledger 0/2 ready). Worked by hand: web's failing
/// dependencies are payments at depth 2 (errors 38 %) and ledger at depth 3
/// (0/2 ready), the likely cause.
#[tokio::test(flavor = "multi_thread")]
async fn the_graph_matches_the_figures_worked_by_hand() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[0];
    let ns = lab.namespace(c, "deps").await;
    let n = ns.name.as_str();
    let admin = lab.client(&c.admin()).await;
    let api: Api<Deployment> = Api::namespaced(admin, n);
    let decl = format!("{n}/cart, search");
    for d in [
        deployment("web", 0, Some(&decl), true),
        deployment("cart", 0, None, true),
        deployment("payments", 0, None, true),
        deployment("ledger", 2, None, false),
        deployment("search", 0, None, true),
    ] {
        api.create(&PostParams::default(), &d).await.unwrap();
    }
    support::shared::simulator(
        &c.simulator,
        json!({"calls": [
            call(n, "web", "cart", 20.0, 0.0, 0.0),
            call(n, "cart", "payments", 10.0, 0.38, 0.0),
            call(n, "payments", "ledger", 4.0, 0.0, 2000.0),
        ]}),
    )
    .await;
    let cli = Cli::new(lab);
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!(
            "[prometheus]\nurl = \"{}\"\n\n[dependencies]\nwindow = \"20s\"\n",
            lab.prometheus
        ),
    )
    .unwrap();
    let ctx = c.readonly();
    let deps = |w: &str| {
        let out = cli.run(&["--context", &ctx, "deps", &format!("{n}/{w}"), "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", text(&out)))
    };
    let web = support::eventually("the rates settled", Duration::from_secs(120), || async {
        let v = deps("web");
        let e = edges(&v);
        let settled = e.len() == 4
            && close(&e[&format!("{n}/web>{n}/cart")]["rps"], 20.0)
            && close(&e[&format!("{n}/cart>{n}/payments")]["rps"], 10.0)
            && close(&e[&format!("{n}/payments>{n}/ledger")]["rps"], 4.0)
            && close(&e[&format!("{n}/payments>{n}/ledger")]["tcp_bytes"], 2000.0);
        settled.then_some(v)
    })
    .await;
    assert_eq!(web["workload"], format!("{n}/web"));
    let e = edges(&web);
    let edge = |k: &str| e[&k.replace("N", n)].clone();
    assert_eq!(edge("N/web>N/cart")["source"], "both");
    assert!(
        close(&edge("N/web>N/cart")["error_ratio"], 0.0)
            || edge("N/web>N/cart")["error_ratio"] == 0.0
    );
    assert_eq!(edge("N/web>N/search")["source"], "declared");
    assert_eq!(edge("N/web>N/search")["rps"], Value::Null);
    assert_eq!(edge("N/cart>N/payments")["source"], "traffic");
    assert!(
        close(&edge("N/cart>N/payments")["error_ratio"], 0.38),
        "{web:#}"
    );
    assert_eq!(edge("N/payments>N/ledger")["source"], "traffic");
    let failing: Vec<(String, u64, String)> = web["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["workload"].as_str().unwrap().to_string(),
                f["depth"].as_u64().unwrap(),
                f["why"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        failing,
        vec![
            (format!("{n}/payments"), 2, "errors 38 %".to_string()),
            (format!("{n}/ledger"), 3, "0/2 ready".to_string()),
        ],
        "{web:#}"
    );
    assert_eq!(
        web["failing"][1]["via"],
        json!([format!("{n}/cart"), format!("{n}/payments")])
    );
    // The dependent is marked with its failing dependency, and the likely cause.
    let out = cli.run(&["--context", &ctx, "deps", &format!("{n}/cart")]);
    let shown = text(&out);
    assert!(shown.contains(&format!("← {n}/web")), "{shown}");
    assert!(shown.contains("✗ errors 38 %"), "{shown}");
    assert!(
        shown.contains(&format!("likely cause {n}/ledger (0/2 ready)")),
        "{shown}"
    );
    // search is healthy and declared only: nothing fails below it.
    assert_eq!(deps("search")["failing"], json!([]));
    support::shared::simulator(&c.simulator, json!({"remove_namespace": n})).await;
    ns.delete().await;
}

fn rollouts(client: kube::Client, ns: &str) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout");
    Api::namespaced_with(
        client,
        ns,
        &ApiResource::from_gvk_with_plural(&gvk, "rollouts"),
    )
}

fn rollout(name: &str, depends_on: &str) -> DynamicObject {
    serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": {"name": name, "annotations": {"fleetdeck.io/depends-on": depends_on}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}]}},
            "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}},
        }
    }))
    .unwrap()
}

async fn phase(api: &Api<DynamicObject>, name: &str) -> Option<String> {
    let v = serde_json::to_value(api.get(name).await.ok()?).ok()?;
    let i = fleetdeck::fleet::rollout::rollout_info(&v)?;
    Some(format!("{:?}", i.phase))
}

/// front → middle → leaf, declared on the Rollouts; each paused at its
/// canary. One wave promotes all three: leaf first, then middle, then front,
/// each after the one before it is healthy. Then leaf is made to depend on
/// front, and the same wave is refused, naming the cycle, with nothing sent.
#[tokio::test(flavor = "multi_thread")]
async fn a_release_goes_leaf_first_and_a_declared_cycle_is_refused() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "deps-wave").await;
    let n = ns.name.as_str();
    let admin = lab.client(&c.admin()).await;
    let api = rollouts(admin, n);
    for (name, deps) in [("front", "middle"), ("middle", "leaf"), ("leaf", "")] {
        api.create(&PostParams::default(), &rollout(name, deps))
            .await
            .unwrap();
    }
    for name in ["front", "middle", "leaf"] {
        support::eventually("healthy", Duration::from_secs(120), || async {
            (phase(&api, name).await? == "Healthy").then_some(())
        })
        .await;
        let p = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "registry.example/app:2"}]}}}});
        api.patch(name, &PatchParams::default(), &Patch::Merge(&p))
            .await
            .unwrap();
    }
    for name in ["front", "middle", "leaf"] {
        support::eventually("paused at the canary", Duration::from_secs(120), || async {
            (phase(&api, name).await? == "Paused").then_some(())
        })
        .await;
    }
    let cli = Cli::new(lab);
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!(
            "[[cluster]]\ncontext = \"{}\"\ngroup = \"deps\"\n",
            c.operator()
        ),
    )
    .unwrap();
    let wave = |cli: &Cli| {
        cli.run(&[
            "wave",
            "promote",
            "deps",
            &format!("{n}/front"),
            &format!("{n}/middle"),
            &format!("{n}/leaf"),
            "--reason",
            "release 2",
            "--yes",
            "--timeout",
            "90",
        ])
    };
    let since = Utc::now();
    let out = wave(&cli);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "{n}/leaf → {n}/middle → {n}/front (dependencies first)"
        )),
        "{}",
        text(&out)
    );
    let promoted: Vec<String> = support::shared::writes_by(c, &c.operator(), since)
        .iter()
        .filter(|e| {
            e["objectRef"]["resource"] == "rollouts"
                && e["objectRef"]["namespace"] == n
                && e["verb"] == "patch"
                && !e["requestURI"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("dryRun")
        })
        .map(|e| {
            e["objectRef"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .fold(Vec::new(), |mut v, name| {
            if v.last() != Some(&name) {
                v.push(name);
            }
            v
        });
    assert_eq!(promoted, vec!["leaf", "middle", "front"]);
    for name in ["front", "middle", "leaf"] {
        assert_eq!(phase(&api, name).await.as_deref(), Some("Healthy"));
    }

    let p = json!({"metadata": {"annotations": {"fleetdeck.io/depends-on": "front"}}});
    api.patch("leaf", &PatchParams::default(), &Patch::Merge(&p))
        .await
        .unwrap();
    let since = Utc::now();
    let out = wave(&cli);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("cycle"), "{said}");
    for name in ["front", "middle", "leaf"] {
        assert!(said.contains(&format!("{n}/{name} →")), "{said}");
    }
    let sent = support::shared::writes_by(c, &c.operator(), since);
    assert!(
        sent.iter().all(|e| e["objectRef"]["namespace"] != n),
        "{sent:#?}"
    );
    ns.delete().await;
}

/// A failover plan moving `web` to a standby where `pay`, which web is
/// declared to call, has no ready pod: the pre-flight says so as a warning
/// naming both; with `pay` ready there, the same check passes.
#[tokio::test(flavor = "multi_thread")]
async fn a_failover_warns_when_the_standby_has_a_failing_dependency() {
    let Some(lab) = support::lab() else { return };
    let (a, b) = (&lab.clusters[0], &lab.clusters[2]);
    let ns = support::shared::namespace(lab, &[a, b], "deps-fo").await;
    let standby = lab.client(&b.admin()).await;
    let api: Api<Deployment> = Api::namespaced(standby, &ns);
    for d in [
        deployment("web", 0, Some("pay"), true),
        deployment("pay", 1, None, false),
    ] {
        api.create(&PostParams::default(), &d).await.unwrap();
    }
    let primary = lab.client(&a.admin()).await;
    Api::<Deployment>::namespaced(primary, &ns)
        .create(&PostParams::default(), &deployment("web", 1, None, true))
        .await
        .unwrap();
    let cli = Cli::new(lab);
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!(
            "[prometheus]\nurl = \"{}\"\n\n[[failover]]\nname = \"web\"\nservice = \"web\"\nprimary = \"{}\"\nstandbys = [\"{}\"]\n\n\
             [[failover.step]]\nkind = \"scale\"\ncluster = \"standby\"\ntarget = \"{ns}/deploy/web\"\nreplicas = 1\n\n\
             [[failover.step]]\nkind = \"wait\"\ncluster = \"standby\"\ntarget = \"{ns}/deploy/web\"\nready = 1\ntimeout = \"60s\"\n",
            lab.prometheus, a.name, b.name
        ),
    )
    .unwrap();
    let line = |cli: &Cli| {
        let o = cli.run(&["failover", "plan", "web"]);
        let out = text(&o);
        out.lines()
            .find(|l| l.contains("dependencies:"))
            .map(|l| l.trim().to_string())
            .unwrap_or_else(|| panic!("no dependencies check: {out}"))
    };
    let said = line(&cli);
    assert!(said.starts_with("warn"), "{said}");
    assert!(said.contains(&b.name), "{said}");
    assert!(
        said.contains(&format!("dependencies: {ns}/web calls pay (0/1 ready)")),
        "{said}"
    );
    // pay schedulable: ready there, and the check passes.
    let p = json!({"spec": {"template": {"spec": {"nodeSelector": null}}}});
    api.patch("pay", &PatchParams::default(), &Patch::Merge(&p))
        .await
        .unwrap();
    let said = support::eventually("pay ready", Duration::from_secs(120), || async {
        let said = line(&cli);
        said.contains("1 dependency healthy").then_some(said)
    })
    .await;
    assert!(said.starts_with("ok"), "{said}");
}

/// The real binary in tmux, its Prometheus gone (nothing listens there):
/// the declared edge still marks `web` with its failing dependency, the
/// reason is said in full for the selected row, and `t` draws the graph
/// saying the traffic is unknown — alive and drawing throughout.
#[tokio::test(flavor = "multi_thread")]
async fn the_console_marks_the_dependent_and_t_draws_its_graph() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "deps-tui").await;
    let n = ns.name.as_str();
    let api: Api<Deployment> = Api::namespaced(lab.client(&c.admin()).await, n);
    for d in [
        deployment("web", 0, Some("pay"), true),
        deployment("pay", 1, None, false),
    ] {
        api.create(&PostParams::default(), &d).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[prometheus]\nurl = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let cmd = support::tmux::fleetdeck_on(dir.path(), &lab.kubeconfig, &c.readonly());
    let tmux = support::tmux::Tmux::start(&cmd, 160, 40);
    tmux.wait_for("the cluster listed", |s| s.contains(&c.name));
    tmux.keys(&["Enter"]);
    tmux.wait_for("its workloads", |s| s.contains("Workloads — "));
    tmux.keys(&["/"]);
    tmux.keys(&["-l", n]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("web marked", |s| s.contains("⇣ dep · "));
    // Sorted by name: pay, then web.
    tmux.keys(&["j"]);
    tmux.wait_for("the reason under the list", |s| {
        s.contains(&format!(
            "{n}/web: dependency failing: pay (0/1 ready) (t: graph)"
        ))
    });
    tmux.keys(&["t"]);
    let s = tmux.wait_for("the graph", |s| {
        s.contains(&format!("Dependencies — {n}/web on {}", c.readonly()))
            && s.contains(&format!("→ {n}/pay"))
    });
    assert!(s.contains("✗ 0/1 ready"), "{s}");
    assert!(s.contains("declared"), "{s}");
    assert!(s.contains("traffic unknown"), "{s}");
    assert!(s.contains("likely cause: pay (0/1 ready)"), "{s}");
    tmux.keys(&["Escape", "Escape", "q"]);
    ns.delete().await;
}
