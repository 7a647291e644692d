//! Edge links against the lab (issue 22): a link that fails for 10 s of
//! every 20 does not flip an `edge` cluster in and out of the totals (the
//! same link without `edge` does); a cluster unreachable at start shows its
//! last-known rows from disk, marked stale, and no action is planned on
//! them; a corrupt state file is reported and ignored.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::cli::Cli;
use support::tmux::{fleet_state, Tmux};

/// A TCP proxy to `upstream_port` that is down `down` s of every `period`.
fn flaky(upstream_port: u16, period: u32, down: u32) -> support::Proxy {
    let args = [
        "127.0.0.1".to_string(),
        upstream_port.to_string(),
        period.to_string(),
        down.to_string(),
    ];
    support::Proxy::start("flaky_proxy", &args)
}

/// Contexts named by `names`, each reaching `server` as the cluster's
/// operator (a client certificate: the TCP proxy passes TLS through).
fn kubeconfig(lab: &support::Lab, cluster: &str, names: &[(&str, String)]) -> Value {
    let all: Value = serde_json::from_slice(&std::fs::read(&lab.kubeconfig).unwrap()).unwrap();
    let find = |list: &str, n: &str| -> Value {
        all[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == n)
            .unwrap_or_else(|| panic!("no {n}"))
            .clone()
    };
    let ca = find("clusters", cluster)["cluster"]["certificate-authority-data"].clone();
    let user = find("users", cluster)["user"].clone();
    let (mut clusters, mut users, mut contexts) = (vec![], vec![], vec![]);
    for (name, server) in names {
        clusters.push(
            json!({"name": name, "cluster": {"server": server, "certificate-authority-data": ca}}),
        );
        users.push(json!({"name": name, "user": user}));
        contexts.push(json!({"name": name, "context": {"cluster": name, "user": name}}));
    }
    json!({"apiVersion": "v1", "kind": "Config", "clusters": clusters, "users": users, "contexts": contexts})
}

#[test]
fn an_edge_link_that_drops_does_not_flap_the_totals() {
    let Some(lab) = support::lab() else { return };
    let b = &lab.clusters[1];
    // Two proxies, so two servers (one URL would be one cluster).
    let (edge, plain) = (
        flaky(b.apiserver_port, 20, 10),
        flaky(b.apiserver_port, 20, 10),
    );
    let mut cli = Cli::new(lab);
    let kc = cli.home.path().join("kubeconfig-flaky.json");
    let names = [
        ("edge-b", format!("https://127.0.0.1:{}", edge.port)),
        ("plain-b", format!("https://127.0.0.1:{}", plain.port)),
    ];
    std::fs::write(&kc, kubeconfig(lab, &b.name, &names).to_string()).unwrap();
    cli.kubeconfig = kc;
    std::fs::write(
        cli.home.path().join("config.toml"),
        "[edge]\nhold_seconds = 30\n\n[[cluster]]\ncontext = \"edge-b\"\nname = \"edge-b\"\nedge = true\n",
    )
    .unwrap();
    let cmd = support::tmux::fleetdeck_on(cli.home.path(), &cli.kubeconfig, "'*-b'");
    let t = Tmux::start(&cmd, 200, 30);
    t.wait_for("both rows live", |s| {
        fleet_state(s, "edge-b").as_deref() == Some("ok")
            && fleet_state(s, "plain-b").as_deref() == Some("ok")
    });
    // Three periods: the edge row never counts as unreachable; the plain one does.
    let (mut edge_seen, mut plain_seen) = (Vec::new(), Vec::new());
    let end = Instant::now() + Duration::from_secs(65);
    while Instant::now() < end {
        let s = t.screen();
        edge_seen.extend(fleet_state(&s, "edge-b"));
        plain_seen.extend(fleet_state(&s, "plain-b"));
        std::thread::sleep(Duration::from_millis(700));
    }
    assert!(
        !edge_seen.iter().any(|w| w.starts_with("unreachable")),
        "the edge row flapped: {edge_seen:?}"
    );
    assert!(
        edge_seen.iter().any(|w| w == "degraded"),
        "the edge row never showed the drop: {edge_seen:?}"
    );
    assert!(
        plain_seen.iter().any(|w| w.starts_with("unreachable")),
        "the same link without edge must flip (else this test proves nothing): {plain_seen:?}"
    );
    // Its line: the link's availability over the last hour, neither 0 nor 100.
    t.keys(&["/"]);
    t.keys(&["-l", "edge-b"]);
    t.keys(&["Enter"]);
    // "edge link 57% up over the last hour" (its reasons say "edge link down").
    let pct = |s: &str| -> Option<u32> {
        s.split("edge link ")
            .filter_map(|r| r.split_once("% up"))
            .find_map(|(n, _)| n.trim().parse().ok())
    };
    let s = t.wait_for("the edge line", |s| pct(s).is_some());
    let pct = pct(&s).unwrap();
    assert!((1..100).contains(&pct), "{pct}% in {s}");
    t.keys(&["q"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_cluster_starts_from_its_last_known_state() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[2];
    // A workload to see from disk.
    let ns = lab.namespace(c, "lastknown").await;
    let api: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    api.create(&Default::default(), &support::deployment("kept", 2))
        .await
        .unwrap();
    let mut cli = Cli::new(lab);
    let kc = cli.home.path().join("kubeconfig-far.json");
    // Its link: a proxy that stays up until it is stopped.
    let link = flaky(c.apiserver_port, 100_000, 0);
    let server = format!("https://127.0.0.1:{}", link.port);
    std::fs::write(
        &kc,
        kubeconfig(lab, &c.name, &[("far", server)]).to_string(),
    )
    .unwrap();
    cli.kubeconfig = kc.clone();

    let (first, _) = cli.snapshot_row("far");
    assert_eq!(first["state"], "ok", "{first:#}");
    assert!(first["stale"].is_null(), "{first:#}");
    let file = cli.home.path().join("last-known.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
    }
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        saved.contains("\"far\"") && saved.contains("\"kept\""),
        "{saved}"
    );
    assert!(
        !saved.contains("BEGIN") && !saved.contains("token"),
        "no secrets"
    );

    // The link stops: the next start shows the last-known figures, stale.
    drop(link);
    let (r, _) = cli.snapshot_row("far");
    assert_eq!(r["state"], "unreachable", "{r:#}");
    assert!(r["stale"]["age_seconds"].as_i64().is_some(), "{r:#}");
    for k in ["nodes", "pods", "workloads", "version"] {
        assert_eq!(r[k], first[k], "{k} from disk: {r:#}");
    }

    // The console: marked, the workloads from disk, and no action planned.
    let tracked = support::tmux::Tracked::new(cli.home.path());
    let cmd = tracked.command(&format!("--kubeconfig {} --context far", kc.display()));
    let t = Tmux::start(&cmd, 200, 30);
    t.wait_for("figures from disk", |s| s.contains("figures from disk"));
    t.keys(&["Enter"]);
    t.wait_for("the workloads from disk", |s| s.contains("kept"));
    t.keys(&["/"]);
    t.keys(&["-l", "kept"]);
    t.keys(&["Enter"]);
    t.keys(&["r"]);
    t.wait_for("the action refused", |s| {
        s.contains("no action is planned on stale data")
    });
    t.keys(&["Escape"]);
    // It saves at exit: a clean exit before the file is spoiled.
    tracked.quit(&t);

    // A corrupt file: said, ignored, no panic, no stale figures.
    std::fs::write(&file, b"{\"format\":1,\"clusters\":{\"far\":{\"at\":").unwrap();
    let (r, stderr) = cli.snapshot_row("far");
    assert!(
        stderr.contains("last-known state:") && stderr.contains("ignored"),
        "{stderr}"
    );
    assert!(r["stale"].is_null(), "{r:#}");
    assert!(r["nodes"].is_null(), "unknown, not a number: {r:#}");
}
