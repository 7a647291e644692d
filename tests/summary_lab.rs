//! Summary mode at a thousand clusters: lab-a's simulator serves
//! kube-state-metrics-shaped series for 1,000 clusters (lab-a and lab-b
//! under their own names), the lab's Prometheus scrapes them, and a
//! generated kubeconfig holds 1,000 contexts — 998 of them pointing at a
//! local listener that counts connections. fleetdeck reads every count from
//! Prometheus and contacts no cluster.

mod support;

use std::io::Write;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use support::cli::{text, Cli};
use support::tmux::fleet_state;

const CLUSTERS: usize = 1000;

/// The simulator's `ksm_counts(i)` (tests/lab/simulator.py), as a snapshot
/// shows them: crash-looping containers count as failing, out of running.
fn expected(i: usize) -> Value {
    let nodes = 3 + i % 3;
    let ready = nodes - usize::from(i % 10 == 3);
    let crash = usize::from(i % 6 == 2);
    json!({
        "nodes": {"ready": ready, "total": nodes},
        "pods": {"running": 20 + i % 7 - crash, "pending": i % 3, "failing": crash},
        "workloads": {"healthy": 5 - usize::from(i % 4 == 1), "total": 5},
        "crashlooping": crash,
    })
}

fn name(lab: &support::Lab, i: usize) -> String {
    match i {
        0 | 1 => lab.clusters[i].operator(),
        _ => format!("sim-{i:04}"),
    }
}

/// Counts the TCP connections anything opens to it.
fn listener() -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    std::thread::spawn(move || {
        for c in l.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(c);
        }
    });
    (port, n)
}

/// lab-a and lab-b's operator contexts, and 998 more at the listener (each
/// its own server URL, so each its own cluster).
fn kubeconfig(lab: &support::Lab, port: u16) -> Value {
    let all: Value = serde_json::from_slice(&std::fs::read(&lab.kubeconfig).unwrap()).unwrap();
    let keep = |list: &str, names: &[String]| -> Vec<Value> {
        all[list]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| names.iter().any(|n| e["name"] == n.as_str()))
            .cloned()
            .collect()
    };
    let real: Vec<String> = (0..2).map(|i| name(lab, i)).collect();
    let mut contexts = keep("contexts", &real);
    let mut clusters = keep("clusters", &real);
    let mut users = keep("users", &real);
    for i in 2..CLUSTERS {
        let n = name(lab, i);
        clusters.push(json!({"name": n, "cluster": {"server": format!("https://127.0.0.1:{port}/{n}"), "insecure-skip-tls-verify": true}}));
        users.push(json!({"name": n, "user": {"token": "not-a-real-token"}}));
        contexts.push(json!({"name": n, "context": {"cluster": n, "user": n}}));
    }
    json!({"apiVersion": "v1", "kind": "Config", "clusters": clusters, "users": users, "contexts": contexts})
}

async fn ksm(lab: &support::Lab, body: Value) {
    support::shared::simulator(&lab.clusters[0].simulator, body).await;
}

async fn prometheus_has_the_fleet(lab: &support::Lab) {
    let ep = fleetdeck::slo::prom::Endpoint {
        url: lab.prometheus.clone(),
        client: fleetdeck::basics::http::client(),
        timeout: Duration::from_secs(5),
    };
    support::eventually(
        "1,000 clusters' series in Prometheus",
        Duration::from_secs(90),
        || async {
            let s = ep
                .query(
                    // Other tests' series without the label are not clusters.
                    r#"count(count by (cluster) (kube_node_status_condition{condition="Ready",cluster!=""}))"#,
                )
                .await
                .ok()?;
            (s.first()?.value as usize == CLUSTERS).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_clusters_from_prometheus_and_no_cluster_contacted() {
    let Some(lab) = support::lab() else { return };
    let names: Vec<String> = (0..2).map(|i| name(lab, i)).collect();
    ksm(lab, json!({"ksm": {"clusters": CLUSTERS, "names": names}})).await;
    prometheus_has_the_fleet(lab).await;

    let (port, connections) = listener();
    let mut cli = Cli::new(lab);
    let kc = cli.home.path().join("kubeconfig-1000.json");
    std::fs::write(&kc, serde_json::to_vec(&kubeconfig(lab, port)).unwrap()).unwrap();
    cli.kubeconfig = kc;
    let mut cfg = std::fs::File::create(cli.home.path().join("config.toml")).unwrap();
    write!(
        cfg,
        "[prometheus]\nurl = \"{}\"\n\n[summary]\nabove = 100\nrefresh_seconds = 5\nlinger_seconds = 3\n",
        lab.prometheus
    )
    .unwrap();
    // Regions by the hundred: sim-0100…sim-0199 in r1; lab-a and lab-b in none.
    for r in 0..10 {
        write!(
            cfg,
            "\n[[cluster]]\ncontext = \"sim-0{r}??\"\nregion = \"r{r}\"\n"
        )
        .unwrap();
    }
    let since = chrono::Utc::now();
    let t0 = Instant::now();
    let out = cli.run(&["snapshot", "--json", "--timeout", "60"]);
    let took = t0.elapsed();
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["clusters"].as_array().unwrap();
    assert_eq!(rows.len(), CLUSTERS);
    for i in 0..CLUSTERS {
        let n = name(lab, i);
        let r = rows
            .iter()
            .find(|r| r["name"] == n.as_str())
            .unwrap_or_else(|| panic!("no row {n}"));
        assert_eq!(
            (&r["state"], &r["mode"]),
            (&json!("summary"), &json!("summary")),
            "{r:#}"
        );
        let want = expected(i);
        for k in ["nodes", "pods", "workloads", "crashlooping"] {
            assert_eq!(r[k], want[k], "{n} {k}: {r:#}");
        }
        assert!(r["as_of"].is_string(), "{r:#}");
    }
    assert_eq!(v["totals"]["clusters"], CLUSTERS);
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "a summarised cluster was contacted"
    );
    // Nor were the two real ones: nothing from their identities since.
    for c in lab.clusters.iter().take(2) {
        let touched: Vec<Value> = support::audit_events(&c.audit_log)
            .into_iter()
            .filter(|e| {
                e["user"]["username"] == c.operator().as_str() && support::received_since(e, since)
            })
            .collect();
        assert!(touched.is_empty(), "{}: {touched:?}", c.name);
    }
    let _ = writeln!(
        std::io::stderr(),
        "summary mode: {CLUSTERS} clusters in {:.2}s",
        took.as_secs_f64()
    );
    costs_are_unknown_without_a_query_per_cluster(lab, &cli).await;
    drilling_in_watches_live_and_leaving_goes_back(lab, &cli).await;
    gathered_by_region_with_their_totals(&cli);
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "a summarised cluster was contacted"
    );
    the_metrics_engine_as_the_only_inventory(lab).await;
    ksm(lab, json!({"ksm": {"clusters": 0}})).await;
}

/// Prometheus's count of the query requests it answered.
async fn queries_answered(lab: &support::Lab) -> u64 {
    let text = fleetdeck::basics::http::client()
        .get(format!("{}/metrics", lab.prometheus))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| {
            l.starts_with("prometheus_http_requests_total{")
                && l.contains("handler=\"/api/v1/query\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// `cost` over the summarised fleet: every cluster unknown (its nodes are
/// not watched), never $0, and no usage query per cluster — only the
/// summary reader's fixed six (one refresh, perhaps two).
async fn costs_are_unknown_without_a_query_per_cluster(lab: &support::Lab, cli: &Cli) {
    let before = queries_answered(lab).await;
    let out = cli.run(&["cost", "--json", "--timeout", "60"]);
    assert!(out.status.success(), "{}", text(&out));
    let after = queries_answered(lab).await;
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["clusters"].as_array().map(Vec::len),
        Some(0),
        "{}",
        text(&out)
    );
    let unknown = v["unknown"].as_array().unwrap();
    assert_eq!(unknown.len(), CLUSTERS);
    assert!(unknown
        .iter()
        .all(|u| u["reason"].as_str().unwrap().starts_with("summary mode")));
    assert!(
        after - before <= 12,
        "{} queries for one cost report",
        after - before
    );
}

/// With only lab-a and lab-b in the kubeconfig, a `metrics` discovery
/// source makes rows of the other 998 cluster label values.
async fn the_metrics_engine_as_the_only_inventory(lab: &support::Lab) {
    let cli = Cli::new(lab);
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!(
            "[prometheus]\nurl = \"{}\"\n\n[summary]\nabove = 100\n\n[[discovery]]\nkind = \"metrics\"\n",
            lab.prometheus
        ),
    )
    .unwrap();
    let (a, b) = (lab.clusters[0].operator(), lab.clusters[1].operator());
    let out = cli.run(&[
        "--context",
        &a,
        "--context",
        &b,
        "--context",
        "metrics/*",
        "snapshot",
        "--json",
        "--timeout",
        "60",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["clusters"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        CLUSTERS,
        "lab-a, lab-b and 998 from the metrics engine"
    );
    for i in [0, 1, 2, 3, 500, 999] {
        let n = match i {
            0 | 1 => name(lab, i),
            _ => format!("metrics/{}", name(lab, i)),
        };
        let r = rows
            .iter()
            .find(|r| r["name"] == n.as_str())
            .unwrap_or_else(|| panic!("no row {n}"));
        assert_eq!(r["mode"], "summary", "{r:#}");
        assert_eq!(r["nodes"], expected(i)["nodes"], "{r:#}");
        assert_eq!(r["pods"], expected(i)["pods"], "{r:#}");
    }
    let out = cli.run(&["--context", "metrics/sim-0999", "clusters", "--json"]);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(
        v["clusters"][0]["source"],
        format!("metrics at {}", lab.prometheus),
        "{v:#}"
    );
    // The console: such a row says it cannot be opened, and enter does not.
    let cmd = support::tmux::fleetdeck_on(cli.home.path(), &cli.kubeconfig, "metrics/sim-0999");
    let t = support::tmux::Tmux::start(&cmd, 200, 50);
    t.wait_for("the metrics-only row, no way in", |s| {
        fleet_state(s, "metrics/sim-0999").is_some_and(|w| w.starts_with("summary"))
            && s.contains("no context reaches it, so it cannot be opened")
    });
    t.keys(&["Enter"]);
    let s = t.wait_for("enter refused", |s| {
        s.contains("known only to the metrics engine; no context reaches it")
    });
    assert!(s.contains("Fleet [1]"), "still the Fleet view: {s}");
    t.keys(&["q"]);
}

/// The console: a thousand summary rows; opening lab-a watches it (its audit
/// log shows fleetdeck's watches) and its row turns live; leaving it, the row
/// goes back to summary after `linger_seconds`.
async fn drilling_in_watches_live_and_leaving_goes_back(lab: &support::Lab, cli: &Cli) {
    let a = &lab.clusters[0];
    let cmd = support::tmux::fleetdeck_on(cli.home.path(), &cli.kubeconfig, "'*'");
    let t = support::tmux::Tmux::start(&cmd, 200, 50);
    t.wait_for("a thousand summary rows", |s| {
        s.contains("Fleet [1000]") && s.contains("1000 clusters")
    });
    t.keys(&["/"]);
    t.keys(&["-l", &a.operator()]);
    t.keys(&["Enter"]);
    // The filter applied (not half typed) and lab-a a summary row.
    t.wait_for("lab-a alone, summarised", |s| {
        s.contains("Fleet [1]")
            && fleet_state(s, &a.operator()).is_some_and(|w| w.starts_with("summary"))
    });
    let since = chrono::Utc::now();
    t.keys(&["Enter"]);
    let watched = support::wait_audit(&a.audit_log, Duration::from_secs(30), |e| {
        e["user"]["username"] == a.operator().as_str()
            && e["verb"] == "watch"
            && support::received_since(e, since)
    })
    .await;
    assert!(watched["objectRef"]["resource"].is_string(), "{watched}");
    t.keys(&["Escape"]);
    t.wait_for("lab-a live", |s| {
        fleet_state(s, &a.operator()).as_deref() == Some("ok")
    });
    t.wait_for("lab-a back to summary", |s| {
        fleet_state(s, &a.operator()).is_some_and(|w| w.starts_with("summary"))
    });
    t.keys(&["q"]);
}

/// The line of the gathering titled `title` (`r1 (100)`), from its title on.
fn gathering(screen: &str, title: &str) -> Option<String> {
    let line = screen
        .lines()
        .find(|l| l.contains(&format!(" {title} (")))?;
    Some(line[line.find(title)?..].to_string())
}

/// `:group region` over the thousand: one line per region with its members'
/// totals, worked out from the simulator's counts; enter opens one. Nothing
/// is contacted (the caller counts connections after).
fn gathered_by_region_with_their_totals(cli: &Cli) {
    let cmd = support::tmux::fleetdeck_on(cli.home.path(), &cli.kubeconfig, "'*'");
    let t = support::tmux::Tmux::start(&cmd, 200, 50);
    t.wait_for("a thousand summary rows", |s| s.contains("Fleet [1000]"));
    t.keys(&[":"]);
    t.keys(&["-l", "group region"]);
    t.keys(&["Enter"]);
    let (mut nodes, mut pods, mut wl) = ((0, 0), (0, 0, 0), (0, 0));
    for i in 100..200 {
        let e = expected(i);
        let n = |v: &Value| v.as_u64().unwrap();
        nodes = (
            nodes.0 + n(&e["nodes"]["ready"]),
            nodes.1 + n(&e["nodes"]["total"]),
        );
        pods = (
            pods.0 + n(&e["pods"]["running"]),
            pods.1 + n(&e["pods"]["pending"]),
            pods.2 + n(&e["pods"]["failing"]),
        );
        wl = (
            wl.0 + n(&e["workloads"]["healthy"]),
            wl.1 + n(&e["workloads"]["total"]),
        );
    }
    let want = [
        "100 summ".to_string(),
        format!("{}/{}", nodes.0, nodes.1),
        format!("{}/{}/{}", pods.0, pods.1, pods.2),
        format!("{}/{}", wl.0, wl.1),
    ];
    let s = t.wait_for("eleven gatherings, r1 with its totals", |s| {
        s.contains("Fleet [1000] 11 regions")
            && gathering(s, "r1").is_some_and(|l| want.iter().all(|w| l.contains(w.as_str())))
    });
    let none = gathering(&s, "no region").unwrap_or_else(|| panic!("{s}"));
    assert!(none.starts_with("no region (2)"), "lab-a and lab-b: {none}");
    // r1 is the second line (regions by name): enter opens it.
    t.keys(&["j"]);
    t.keys(&["Enter"]);
    t.wait_for("r1 open with its clusters", |s| {
        s.contains("▾ r1 (100)")
            && fleet_state(s, "sim-0100").is_some_and(|w| w.starts_with("summary"))
    });
    t.keys(&["q"]);
}

/// The metrics engine gone: every summarised row says why and shows no
/// number (unknown, never zero); the snapshot still answers and the console
/// stays up, drawing.
#[tokio::test(flavor = "multi_thread")]
async fn without_the_metrics_engine_rows_say_why_and_show_no_numbers() {
    let Some(lab) = support::lab() else { return };
    let (port, connections) = listener();
    let mut cli = Cli::new(lab);
    let kc = cli.home.path().join("kubeconfig-1000.json");
    std::fs::write(&kc, serde_json::to_vec(&kubeconfig(lab, port)).unwrap()).unwrap();
    cli.kubeconfig = kc;
    // A port nothing listens on.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", dead.local_addr().unwrap().port());
    drop(dead);
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!("[prometheus]\nurl = \"{url}\"\n\n[summary]\nabove = 100\n"),
    )
    .unwrap();
    let out = cli.run(&["snapshot", "--json", "--timeout", "30"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["clusters"].as_array().unwrap();
    assert_eq!(rows.len(), CLUSTERS);
    for r in rows {
        assert_eq!(r["state"], "summary", "{r:#}");
        assert!(
            r["error"].as_str().unwrap_or_default().contains(&url),
            "{r:#}"
        );
        assert!(
            r["nodes"].is_null() && r["pods"].is_null(),
            "a number without figures: {r:#}"
        );
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0);

    let cmd = support::tmux::fleetdeck_on(cli.home.path(), &cli.kubeconfig, "'*'");
    let t = support::tmux::Tmux::start(&cmd, 200, 50);
    let s = t.wait_for("summary rows that say the read failed", |s| {
        s.contains("Fleet [1000]")
            && fleet_state(s, "sim-0002").is_some_and(|w| w.starts_with("summary"))
    });
    assert!(s.contains("summary: the last read failed"), "{s}");
    // Gathered, the total of members without figures is unknown, not 0.
    t.keys(&["v"]);
    let s = t.wait_for("one gathering", |s| s.contains("▸ no group (1000)"));
    let line = gathering(&s, "no group").unwrap();
    assert!(line.contains("1000 stale"), "{line}");
    let after_state = line.split("1000 stale").nth(1).unwrap_or_default();
    let words: Vec<&str> = after_state.split_whitespace().take(5).collect();
    // Rollouts and warnings are not measured in summary mode: `-`, as on the rows.
    assert_eq!(
        words,
        ["unknown", "unknown", "unknown", "-", "-"],
        "nodes, pods, workloads, rollouts, warnings: {line}"
    );
    t.keys(&["q"]);
}
