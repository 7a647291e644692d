//! One cluster, one row: the lab's three identities per cluster (admin,
//! operator, read-only — three contexts reaching one API server) are one
//! row, counted once in every total and priced once, watched through the
//! first context that may list every kind and acted on through the first
//! that may act.

mod support;

use std::path::Path;
use std::time::Duration;

use kube::api::{Api, PostParams};
use serde_json::Value;

use support::cli::{text, Cli};
use support::tmux::Tmux;

fn json(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// `--context` for every context of the test's three clusters.
fn all_three(lab: &support::Lab) -> Vec<String> {
    lab.clusters
        .iter()
        .flat_map(|c| ["--context".to_string(), format!("{}*", c.name)])
        .collect()
}

#[test]
fn nine_contexts_are_three_rows_counted_once() {
    let Some(lab) = support::lab() else { return };
    let cli = Cli::new(lab);
    let ctx = all_three(lab);
    let args: Vec<&str> = ctx.iter().map(String::as_str).collect();
    let v = json(&cli.run(&[&args[..], &["snapshot", "--json", "--timeout", "60"]].concat()));
    let rows = v["clusters"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{v:#}");
    for (row, c) in rows.iter().zip(&lab.clusters) {
        assert_eq!(
            row["name"],
            c.name.as_str(),
            "the kubeconfig's cluster name"
        );
        let want = [c.admin(), c.operator(), c.readonly()];
        assert_eq!(row["contexts"], serde_json::json!(want), "kubeconfig order");
        // The admin context comes first and may list every kind.
        assert_eq!(row["context"], c.admin().as_str());
        assert_eq!(row["state"], "ok", "{row:#}");
    }
    let sum = |path: &str| -> u64 {
        rows.iter()
            .map(|r| r.pointer(path).and_then(Value::as_u64).unwrap_or(0))
            .sum()
    };
    let totals = &v["totals"];
    assert_eq!(totals["clusters"], 3);
    for path in ["/pods/running", "/nodes/total", "/workloads/total"] {
        assert_eq!(
            totals.pointer(path).and_then(Value::as_u64),
            Some(sum(path)),
            "{path}: {v:#}"
        );
    }
    assert_eq!(
        totals["nodes"]["total"], 9,
        "three nodes per cluster, once each"
    );

    let v = json(&cli.run(&[&args[..], &["cost", "--json"]].concat()));
    let priced: Vec<&str> = v["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    let want: Vec<String> = lab.clusters.iter().map(|c| c.admin()).collect();
    assert_eq!(priced, want, "each cluster priced once: {v:#}");
    for (row, c) in v["clusters"].as_array().unwrap().iter().zip(&lab.clusters) {
        assert_eq!(
            row["contexts"],
            serde_json::json!([c.admin(), c.operator(), c.readonly()])
        );
    }
    assert!(v["unknown"].as_array().unwrap().is_empty(), "{v:#}");
}

/// The lab kubeconfig with `cluster`'s read-only context moved before its
/// operator context, and its admin context left out.
fn readonly_first(
    lab: &support::Lab,
    cluster: &support::LabCluster,
    dir: &Path,
) -> std::path::PathBuf {
    let mut kc: Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.kubeconfig).unwrap()).unwrap();
    let contexts = kc["contexts"].as_array_mut().unwrap();
    contexts.retain(|c| c["name"] != cluster.admin().as_str());
    let ro = contexts
        .iter()
        .position(|c| c["name"] == cluster.readonly().as_str())
        .unwrap();
    let moved = contexts.remove(ro);
    let op = contexts
        .iter()
        .position(|c| c["name"] == cluster.operator().as_str())
        .unwrap();
    contexts.insert(op, moved);
    let path = dir.join("kubeconfig");
    std::fs::write(&path, serde_json::to_string(&kc).unwrap()).unwrap();
    path
}

#[test]
fn the_watch_goes_through_the_first_context_that_may_list_everything() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let mut cli = Cli::new(lab);
    cli.kubeconfig = readonly_first(lab, c, cli.home.path());
    let glob = format!("{}*", c.name);
    let v = json(&cli.run(&["--context", &glob, "snapshot", "--json", "--timeout", "60"]));
    let row = &v["clusters"][0];
    assert_eq!(
        row["contexts"],
        serde_json::json!([c.readonly(), c.operator()])
    );
    // The read-only identity may not list nodes: the operator's is used,
    // and nothing reads as forbidden.
    assert_eq!(row["context"], c.operator().as_str(), "{row:#}");
    assert_eq!(row["forbidden"], serde_json::json!([]), "{row:#}");
    assert!(row["nodes"]["total"].as_u64().unwrap() > 0, "{row:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_strictest_read_only_of_the_merged_contexts_applies() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "strict").await;
    Api::<k8s_openapi::api::apps::v1::Deployment>::namespaced(
        lab.client(&c.admin()).await,
        &ns.name,
    )
    .create(&PostParams::default(), &support::deployment("web", 1))
    .await
    .unwrap();
    let cli = Cli::new(lab);
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!(
            "[[cluster]]\ncontext = \"{}\"\nread_only = true\n",
            c.readonly()
        ),
    )
    .unwrap();
    let target = format!("{}/{}/deploy/web", c.operator(), ns.name);
    let both = ["--context", &c.operator(), "--context", &c.readonly()];
    let scale = [
        "scale",
        &target,
        "--replicas",
        "1",
        "--reason",
        "r",
        "--yes",
    ];
    let out = cli.run(&[&both[..], &scale].concat());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("read-only"), "{}", text(&out));
    // Alone, the operator's context is not read-only: the same scale is
    // sent (and is a no-op at 1 replica).
    let out = cli.run(&[&["--context", &c.operator()][..], &scale].concat());
    assert!(!text(&out).contains("read-only"), "{}", text(&out));
    ns.delete().await;
}

/// In the console, a scale on a cluster whose first context may not patch
/// goes through the next that may; ctrl-o picks the other one, whose
/// pre-flight RBAC refuses; the journal names the context that acted.
#[tokio::test(flavor = "multi_thread")]
async fn the_console_acts_through_the_first_context_that_may() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[2];
    let ns = lab.namespace(c, "via").await;
    let admin: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    admin
        .create(&PostParams::default(), &support::deployment("web", 1))
        .await
        .unwrap();
    let mut cli = Cli::new(lab);
    cli.kubeconfig = readonly_first(lab, c, cli.home.path());
    let cmd = format!(
        "FLEETDECK_CONFIG_DIR={d} FLEETDECK_DATA_DIR={d} {bin} --kubeconfig {kc} --context '{g}*'; sleep 30",
        d = cli.home.path().display(),
        bin = env!("CARGO_BIN_EXE_fleetdeck"),
        kc = cli.kubeconfig.display(),
        g = c.name,
    );
    let t = Tmux::start(&cmd, 180, 40);
    t.wait_for("one row, two contexts", |s| {
        s.lines()
            .any(|l| l.contains(&format!("{} +1", c.name)) && l.contains(" ok "))
    });
    t.keys(&["Enter"]);
    t.keys(&["/"]);
    t.keys(&["-l", &format!("{}/web", ns.name)]);
    t.keys(&["Enter"]);
    t.wait_for("the workload", |s| s.contains(&ns.name));
    t.keys(&["s", "BSpace", "2", "Enter"]);
    let as_operator = format!("as {} · ctrl-o", c.operator());
    t.wait_for("confirm, as the operator", |s| {
        s.contains(&as_operator) && s.contains("+  replicas: 2")
    });
    t.keys(&["C-o"]);
    let as_readonly = format!("as {} · ctrl-o", c.readonly());
    t.wait_for("as the read-only identity: refused by RBAC", |s| {
        s.contains(&as_readonly) && s.contains("RBAC: may not patch")
    });
    t.keys(&["C-o"]);
    t.wait_for("back to the operator", |s| {
        s.contains(&as_operator) && s.contains("+  replicas: 2")
    });
    t.keys(&["-l", "via test"]);
    t.keys(&["Enter"]);
    t.wait_for("done", |s| s.contains("done"));
    let records = cli.journal().read().unwrap();
    assert_eq!(records.len(), 2, "{records:#?}");
    assert!(
        records.iter().all(|r| r.context == c.operator()),
        "{records:#?}"
    );
    support::eventually("two replicas", Duration::from_secs(30), || {
        let admin = admin.clone();
        async move {
            let d = admin.get("web").await.ok()?;
            (d.spec?.replicas == Some(2)).then_some(())
        }
    })
    .await;
    t.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    t.keys(&["q"]);
    ns.delete().await;
}
