//! Queries against the lab's API servers: `fleetdeck query` finds the pods
//! of a Deployment by label and agrees with kubectl's label-selector count;
//! it finds an aborted (Degraded) Rollout by phase; and in a real terminal a
//! query typed in the palette lists the pods and Enter opens their workload.

mod support;

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
};
use serde_json::{json, Value};
use support::cli::{text, Cli};

fn query_exit(cli: &Cli, ctx: &str, q: &str) -> (Option<i32>, Value, String) {
    let out = cli.run(&["--context", ctx, "query", q, "--json", "--timeout", "30"]);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (out.status.code(), v, text(&out))
}

fn query(cli: &Cli, ctx: &str, q: &str) -> Value {
    let (code, v, said) = query_exit(cli, ctx, q);
    assert_eq!(code, Some(0), "{q}: {said}");
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn pods_by_label_agree_with_kubectl_and_a_degraded_rollout_is_found() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[2];
    let ns = lab.namespace(c, "query").await;
    let n = ns.name.as_str();
    let admin = lab.client(&c.admin()).await;
    let api: Api<Deployment> = Api::namespaced(admin.clone(), n);
    for (name, replicas) in [("web", 3), ("worker", 2)] {
        api.create(&PostParams::default(), &support::deployment(name, replicas))
            .await
            .unwrap();
    }
    let kubectl_count = || {
        let out = std::process::Command::new(lab.kubectl())
            .args(["--kubeconfig", lab.kubeconfig.to_str().unwrap()])
            .args(["--context", &c.admin(), "-n", n])
            .args(["get", "pods", "-l", "app=web", "-o", "name"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    support::eventually("web's three pods", Duration::from_secs(120), || async {
        (kubectl_count() == 3).then_some(())
    })
    .await;
    let cli = Cli::new(lab);
    let ctx = c.readonly();
    let q = format!(r#"pods where namespace == "{n}" && labels["app"] == "web""#);
    let v = query(&cli, &ctx, &q);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), kubectl_count(), "{v:#}");
    assert_eq!(v["matched"], 3);
    for r in rows {
        assert!(r["name"].as_str().unwrap().starts_with("web-"), "{r}");
        assert_eq!(r["namespace"], n);
        assert_eq!(r["cluster"], ctx.as_str());
    }
    // The other Deployment's pods are not web's.
    let v = query(
        &cli,
        &ctx,
        &format!(r#"pods where namespace == "{n}" && owner == "worker""#),
    );
    assert_eq!(v["matched"], 2, "{v:#}");

    // A Rollout paused at its canary, then aborted: Degraded.
    let gvk = GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout");
    let ro: Api<DynamicObject> = Api::namespaced_with(
        admin,
        n,
        &ApiResource::from_gvk_with_plural(&gvk, "rollouts"),
    );
    let rollout: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": {"name": "front"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "front"}},
            "template": {"metadata": {"labels": {"app": "front"}},
                "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}]}},
            "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}},
        }
    }))
    .unwrap();
    ro.create(&PostParams::default(), &rollout).await.unwrap();
    let phase_is = |want: &'static str| {
        let ro = ro.clone();
        async move {
            let v = serde_json::to_value(ro.get("front").await.ok()?).ok()?;
            let i = fleetdeck::fleet::rollout::rollout_info(&v)?;
            (format!("{:?}", i.phase) == want).then_some(())
        }
    };
    support::eventually("front Healthy", Duration::from_secs(120), || {
        phase_is("Healthy")
    })
    .await;
    let p = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "registry.example/app:2"}]}}}});
    ro.patch("front", &PatchParams::default(), &Patch::Merge(&p))
        .await
        .unwrap();
    support::eventually("front Paused", Duration::from_secs(120), || {
        phase_is("Paused")
    })
    .await;
    let q = format!(r#"rollouts where namespace == "{n}" && phase == "Degraded""#);
    // The read-only identity may not list Rollouts: not "none", unknown.
    let (code, v, said) = query_exit(&cli, &ctx, &q);
    assert_eq!(code, Some(1), "{said}");
    assert_eq!(v["matched"], 0);
    let unknown = v["unknown"][0].as_str().unwrap_or_default();
    assert!(unknown.starts_with(&format!("{ctx}: forbidden")), "{v:#}");
    assert!(
        said.contains("its rollouts are not in the answer"),
        "{said}"
    );
    let ctx = c.operator();
    assert_eq!(query(&cli, &ctx, &q)["matched"], 0);
    let out = cli.run(&[
        "rollout",
        "abort",
        &format!("{}/{n}/front", c.operator()),
        "--reason",
        "query test",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    support::eventually("front Degraded", Duration::from_secs(120), || {
        phase_is("Degraded")
    })
    .await;
    let v = support::eventually("the query sees it", Duration::from_secs(60), || {
        let v = query(&cli, &ctx, &q);
        async move { (v["matched"] == 1).then_some(v) }
    })
    .await;
    assert_eq!(v["rows"][0]["name"], "front");
    assert_eq!(v["rows"][0]["phase"], "Degraded");
    // A mistake: exit 2 and the column.
    let out = cli.run(&["--context", &ctx, "query", "pods where restrats > 5"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("^ pods has no field \"restrats\""),
        "{}",
        text(&out)
    );
    ns.delete().await;
}

/// The real binary in tmux: a query typed in the palette lists the pods,
/// Enter opens the Deployment that owns the selected one.
#[tokio::test(flavor = "multi_thread")]
async fn a_palette_query_lists_pods_and_enter_opens_their_workload() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[0];
    let ns = lab.namespace(c, "query-tui").await;
    let n = ns.name.as_str();
    let api: Api<Deployment> = Api::namespaced(lab.client(&c.admin()).await, n);
    api.create(&PostParams::default(), &support::deployment("shop", 2))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cmd = support::tmux::fleetdeck_on(dir.path(), &lab.kubeconfig, &c.readonly());
    let tmux = support::tmux::Tmux::start(&cmd, 160, 40);
    tmux.wait_for("the cluster listed", |s| s.contains(&c.name));
    let q = format!(r#"pods where namespace == "{n}" order by name"#);
    let s = support::eventually("both pods listed", Duration::from_secs(90), || {
        tmux.keys(&[":"]);
        tmux.keys(&["-l", &q]);
        tmux.keys(&["Enter"]);
        let s = tmux.wait_for("an answer", |s| {
            s.contains(" of ") && s.contains(" pods · ")
        });
        async move { s.contains("2 of ").then_some(s) }
    })
    .await;
    assert!(s.contains(&format!("{n} ")) && s.contains("shop-"), "{s}");
    assert!(s.contains("Query"), "{s}");
    // The answer is live: a third pod appears without asking again.
    api.patch(
        "shop",
        &PatchParams::default(),
        &Patch::Merge(serde_json::json!({"spec": {"replicas": 3}})),
    )
    .await
    .unwrap();
    let s = tmux.wait_for("the third pod, asked again by the view", |s| {
        s.contains("3 of ") && s.contains("asked again every")
    });
    assert!(
        s.contains(&format!("pods where namespace == \"{n}\"")),
        "{s}"
    );
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("the Deployment's detail", |s| {
        s.contains(&format!("Deployment {n}/shop"))
    });
    assert!(s.contains("PODS (3)"), "{s}");
    // History: Up in the palette recalls the query.
    for k in ["Escape", ":", "Up"] {
        std::thread::sleep(Duration::from_millis(300));
        tmux.keys(&[k]);
    }
    tmux.wait_for("the query recalled", |s| s.contains(&format!(":{q}")));
    // Tab inside a string compared with `cluster` offers the fleet's.
    let ctx = c.readonly();
    tmux.keys(&["Escape", ":"]);
    tmux.keys(&["-l", &format!(r#"pods where cluster == "{}"#, &ctx[..3])]);
    tmux.keys(&["Tab"]);
    tmux.wait_for("the cluster completed", |s| {
        s.contains(&format!(r#":pods where cluster == "{ctx}""#))
    });
    tmux.keys(&["Escape", "q"]);
    let history = std::fs::read_to_string(dir.path().join("queries.history")).unwrap();
    assert!(history.lines().any(|l| l == q), "{history}");
    ns.delete().await;
}
