//! SLOs against the lab's real Prometheus: window math on back-filled
//! history with known rates (expected figures worked out by hand below),
//! live series from the workload simulator, and Prometheus going away.
//! These tests share the one Prometheus and restart it, so they run one at a
//! time (a lock), and each uses its own series.

mod support;

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;
use support::cli::{text, Cli};

static PROMETHEUS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn unique() -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("t{:x}", n & 0xffff_ffff)
}

/// Requests at 10/s for 30 days and 1 hour, one sample a minute, ending a
/// minute ago; the error share per segment, newest last:
///
/// | from → to (before now) | error ratio | burn (B = 0.001) |
/// |---|---|---|
/// | 30d1h → 3d | 0 | 0 |
/// | 3d → 1d | 0.002 | 2 |
/// | 1d → 6h | 0.004 | 4 |
/// | 6h → 1h | 0.001 | 1 |
/// | 1h → now | 0.02 | 20 |
fn history(case: &str, now: i64) -> String {
    let (h, d) = (3600_i64, 86_400_i64);
    let ratio = |age: i64| match age {
        a if a < h => 0.02,
        a if a < 6 * h => 0.001,
        a if a < d => 0.004,
        a if a < 3 * d => 0.002,
        _ => 0.0,
    };
    let end = now - 60;
    let start = end - 30 * d - h;
    let (mut ok, mut bad) = (0.0_f64, 0.0_f64);
    let (mut ok_lines, mut bad_lines) = (String::new(), String::new());
    let mut t = start;
    while t <= end {
        writeln!(
            ok_lines,
            "slo_bf_requests_total{{case=\"{case}\",code=\"200\"}} {ok} {t}"
        )
        .unwrap();
        writeln!(
            bad_lines,
            "slo_bf_requests_total{{case=\"{case}\",code=\"500\"}} {bad} {t}"
        )
        .unwrap();
        let r = ratio(end - t);
        bad += 600.0 * r;
        ok += 600.0 * (1.0 - r);
        t += 60;
    }
    format!("# TYPE slo_bf_requests counter\n{ok_lines}{bad_lines}# EOF\n")
}

fn config(lab: &support::Lab, context: &str, slo: &str) -> String {
    format!(
        "[[cluster]]\ncontext = \"{context}\"\nprometheus = \"{}\"\n\n{slo}",
        lab.prometheus
    )
}

fn slo_json(cli: &Cli) -> (Option<i32>, Value, String) {
    let out = cli.run(&["slo", "--json"]);
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), v, text(&out))
}

fn close(got: &Value, want: f64, rel: f64, what: &str) {
    let g = got.as_f64().unwrap_or_else(|| panic!("{what}: {got}"));
    assert!(
        (g - want).abs() <= want.abs() * rel + 1e-9,
        "{what}: got {g}, want {want} ± {:.1}%",
        rel * 100.0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn window_math_on_known_history_matches_hand_worked_figures() {
    let Some(lab) = support::lab() else { return };
    let _one = PROMETHEUS.lock().await;
    let case = unique();
    let now = chrono::Utc::now().timestamp();
    support::backfill(&history(&case, now));

    let cli = Cli::new(lab);
    let c = &lab.clusters[0];
    let slo = format!(
        "[[slo]]\nname = \"checkout-availability\"\nobjective = 99.9\nwindow = \"30d\"\nclusters = [\"{ctx}\"]\n\
         error_query = 'sum(rate(slo_bf_requests_total{{case=\"{case}\",code=\"500\"}}[{{{{window}}}}]))'\n\
         total_query = 'sum(rate(slo_bf_requests_total{{case=\"{case}\"}}[{{{{window}}}}]))'\n",
        ctx = c.operator()
    );
    std::fs::write(
        cli.home.path().join("config.toml"),
        config(lab, &c.operator(), &slo),
    )
    .unwrap();
    let (code, v, all) = slo_json(&cli);
    assert_eq!(code, Some(0), "{all}");
    let row = &v["slos"][0];
    assert_eq!(row["name"], "checkout-availability", "{all}");
    assert_eq!(row["context"], c.operator());

    // Burn per window = (time-weighted error ratio over the window) / 0.001:
    //   5m, 30m, 1h: all in the last hour at 0.02              → 20
    //   2h: (1h × 0.02 + 1h × 0.001) / 2h = 0.0105              → 10.5
    //   6h: (1h × 0.02 + 5h × 0.001) / 6h = 0.0041667           → 4.1667
    //   1d: (0.02 + 5 × 0.001 + 18 × 0.004) / 24 = 0.0040417    → 4.0417
    //   3d: (0.097 + 48 × 0.002) / 72 = 0.0026806               → 2.6806
    // Samples are a minute apart, so a window edge can shift a segment by up
    // to a minute: 2 % relative tolerance (the 2h window is the most exposed).
    for (w, want) in [
        ("5m", 20.0),
        ("30m", 20.0),
        ("1h", 20.0),
        ("2h", 10.5),
        ("6h", 4.1667),
        ("1d", 4.0417),
        ("3d", 2.6806),
    ] {
        close(&row["burn"][w], want, 0.02, &format!("burn {w}"));
    }
    // 30d: 0.193 error-hours / 720 h = 0.00026806 → budget left 1 − 0.26806.
    close(&row["budget_remaining"], 0.73194, 0.01, "budget_remaining");
    close(&row["sli"], 0.99973194, 0.00001, "sli");
    // Thresholds for 30 days: 14.4, 6, 3, 1. 1h/5m pages (20, 20); 6h/30m
    // does not (6h burns 4.17 < 6); both tickets fire (4.04 & 10.5 > 3;
    // 2.68 & 4.17 > 1).
    let firing: Vec<(String, bool)> = row["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                format!(
                    "{}/{}",
                    a["long"].as_str().unwrap(),
                    a["short"].as_str().unwrap()
                ),
                a["firing"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        firing,
        [
            ("1h/5m", true),
            ("6h/30m", false),
            ("1d/2h", true),
            ("3d/6h", true)
        ]
        .map(|(p, f)| (p.to_string(), f))
    );
    assert_eq!(row["state"], "page");
    // 10 requests a second.
    close(&row["rps"], 10.0, 0.02, "rps");
    // At burn 20 (1h), the 73 % left of 30 days lasts 0.73194 × 720 h / 20 = 26.35 h.
    close(
        &row["exhaustion_seconds"],
        0.73194 * 720.0 * 3600.0 / 20.0,
        0.03,
        "exhaustion",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn live_errors_burn_and_an_unreachable_prometheus_keeps_the_last_figures() {
    use fleetdeck::slo::eval::SloState;
    use fleetdeck::slo::monitor::{Monitor, Pair};
    let Some(lab) = support::lab() else { return };
    let _one = PROMETHEUS.lock().await;
    let c = &lab.clusters[1];
    let ns = unique();
    // 20 requests a second, 30 % of them errors, on this cluster only.
    support::shared::simulator(
        &c.simulator,
        serde_json::json!({"services": [
            {"namespace": ns, "service": "pay", "version": "stable", "rps": 20, "error_ratio": 0.3}
        ]}),
    )
    .await;
    let slo: fleetdeck::slo::spec::SloConfig = toml::from_str(&format!(
        "name = \"pay\"\nobjective = 99\nwindow = \"28d\"\n\
         error_query = 'sum(rate(http_requests_total{{namespace=\"{ns}\",cluster=\"{{{{cluster}}}}\",code=~\"5..\"}}[{{{{window}}}}]))'\n\
         total_query = 'sum(rate(http_requests_total{{namespace=\"{ns}\",cluster=\"{{{{cluster}}}}\"}}[{{{{window}}}}]))'\n"
    ))
    .unwrap();
    let ep = fleetdeck::slo::prom::Endpoint {
        url: lab.prometheus.clone(),
        client: fleetdeck::basics::http::client(),
        timeout: Duration::from_secs(5),
    };
    let monitor = Monitor::new(vec![Pair {
        slo,
        context: c.operator(),
        name: c.name.clone(),
        source: fleetdeck::slo::monitor::Source::Prometheus(ep),
    }]);
    // Scraped every second; a 5m rate needs two samples of the new series.
    let row = support::eventually(
        "the error ratio in Prometheus",
        Duration::from_secs(90),
        || async {
            monitor.refresh().await;
            let (r, _) = monitor.rows(chrono::Utc::now()).remove(0);
            let burn = r.burn["5m"]?;
            // 30 % errors against a 1 % budget: burn 30.
            ((burn - 30.0).abs() < 1.5).then_some(r)
        },
    )
    .await;
    assert_eq!(row.state, SloState::Page, "{row:?}");
    // A series seconds old: rate() over 5m divides by the whole window, so
    // the request rate only reaches 20/s after five minutes; it is there.
    assert!(row.rps.unwrap() > 0.0, "{row:?}");

    // Prometheus goes away: the row says so and keeps its last figures, ageing.
    support::lab_cmd(&["stop", "prometheus"]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    monitor.refresh().await;
    let (stale, _) = monitor.rows(chrono::Utc::now()).remove(0);
    support::lab_cmd(&["start", "prometheus"]);
    assert_eq!(stale.state, SloState::Error, "{stale:?}");
    assert!(
        stale.error.as_deref().unwrap().contains("unreachable"),
        "{stale:?}"
    );
    assert_eq!(stale.burn["5m"], row.burn["5m"], "last good value kept");
    assert!(stale.age_seconds >= 2, "{stale:?}");
    // Back: fresh figures, no error.
    let back = support::eventually("Prometheus back", Duration::from_secs(60), || async {
        monitor.refresh().await;
        let (r, _) = monitor.rows(chrono::Utc::now()).remove(0);
        (r.error.is_none() && r.burn["5m"].is_some()).then_some(r)
    })
    .await;
    assert_eq!(back.age_seconds, 0);
    support::shared::simulator(&c.simulator, serde_json::json!({"remove_namespace": ns})).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn query_errors_and_missing_prometheus_are_rows_not_crashes() {
    let Some(lab) = support::lab() else { return };
    let _one = PROMETHEUS.lock().await;
    let cli = Cli::new(lab);
    let a = lab.clusters[0].operator();
    let b = lab.clusters[1].operator();
    // A query Prometheus rejects on a, and b has no Prometheus at all.
    let cfg = format!(
        "[[cluster]]\ncontext = \"{a}\"\nprometheus = \"{}\"\n\n[[slo]]\nname = \"broken\"\nobjective = 99.5\nclusters = [\"{a}\", \"{b}\"]\n\
         error_query = 'sum(rate(x{{[{{{{window}}}}]))'\ntotal_query = 'sum(rate(y[{{{{window}}}}]))'\n",
        lab.prometheus
    );
    // Plus SLOs from files: an OpenSLO document (read) and a broken file (named).
    let openslo = "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: from-openslo}\nspec:\n  objectives: [{target: 0.99}]\n  indicator:\n    spec:\n      ratioMetric:\n        counter: true\n        bad: {metricSource: {spec: {query: 'nothing_total{code=\"500\"}'}}}\n        total: {metricSource: {spec: {query: 'nothing_total'}}}\n";
    std::fs::write(cli.home.path().join("good.yaml"), openslo).unwrap();
    std::fs::write(cli.home.path().join("bad.yaml"), "kind: [").unwrap();
    let cfg = format!("slo_files = [\"good.yaml\", \"bad.yaml\"]\n{cfg}");
    std::fs::write(cli.home.path().join("config.toml"), cfg).unwrap();
    let (code, v, all) = slo_json(&cli);
    assert_eq!(code, Some(1), "{all}");
    assert!(
        all.contains("bad.yaml"),
        "the broken SLO file is named: {all}"
    );
    let imported = v["slos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "from-openslo");
    assert_eq!(
        imported.map(|r| r["state"].clone()),
        Some(serde_json::json!("no_data")),
        "{all}"
    );
    let rows = v["slos"].as_array().unwrap();
    let by = |ctx: &str| {
        rows.iter()
            .find(|r| r["context"] == ctx)
            .unwrap_or_else(|| panic!("{ctx}: {all}"))
    };
    assert_eq!(by(&a)["state"], "error");
    assert!(
        by(&a)["error"].as_str().unwrap().contains("bad_data"),
        "{all}"
    );
    assert!(
        by(&b)["error"].as_str().unwrap().contains("no Prometheus"),
        "{all}"
    );
    assert!(all.contains("fleetdeck: broken on"), "{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_canary_stops_the_promote_until_overridden() {
    use fleetdeck::fleet::rollout::{rollout_info, Phase};
    use fleetdeck::journal::RecordKind;
    use kube::api::{
        Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
    };
    let Some(lab) = support::lab() else { return };
    let _one = PROMETHEUS.lock().await;
    let c = &lab.clusters[2];
    let ns = lab.namespace(c, "gate").await;
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout"),
        "rollouts",
    );
    let api: Api<DynamicObject> = Api::namespaced_with(lab.client(&c.admin()).await, &ns.name, &ar);
    let ro: DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "a", "image": "web:1"}]}},
            "strategy": {"canary": {"steps": [{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]}}}
    }))
    .unwrap();
    api.create(&PostParams::default(), &ro).await.unwrap();
    let info = |api: Api<DynamicObject>| async move {
        rollout_info(&serde_json::to_value(api.get("web").await.ok()?).ok()?)
    };
    support::eventually("Healthy", Duration::from_secs(120), || async {
        info(api.clone())
            .await
            .filter(|i| i.phase == Phase::Healthy && i.stable_rs == i.current_pod_hash)
    })
    .await;
    let image = serde_json::json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "web:2"}]}}}});
    api.patch("web", &PatchParams::default(), &Patch::Merge(&image))
        .await
        .unwrap();
    support::eventually("paused at step 1", Duration::from_secs(120), || async {
        info(api.clone())
            .await
            .filter(|i| i.step == Some((1, 4)) && i.phase == Phase::Paused)
    })
    .await;
    support::settled(&api, "web").await;

    // The canary fails 30 % of its requests; stable is clean.
    support::shared::simulator(&c.simulator, serde_json::json!({"services": [
        {"namespace": ns.name, "service": "web", "version": "stable", "rps": 20, "error_ratio": 0.0},
        {"namespace": ns.name, "service": "web", "version": "canary", "rps": 10, "error_ratio": 0.3}
    ]}))
    .await;
    let sel = format!("namespace=\"{}\",cluster=\"{{{{cluster}}}}\"", ns.name);
    let cfg = format!(
        "[[cluster]]\ncontext = \"{ctx}\"\nprometheus = \"{url}\"\n\n[[slo]]\nname = \"web-errors\"\nobjective = 99\nclusters = [\"{ctx}\"]\n\
         error_query = 'sum(rate(http_requests_total{{{sel},code=~\"5..\"}}[{{{{window}}}}]))'\n\
         total_query = 'sum(rate(http_requests_total{{{sel}}}[{{{{window}}}}]))'\n[slo.gate]\nlabel = \"version\"\nwindow = \"1m\"\n",
        ctx = c.operator(),
        url = lab.prometheus
    );
    let cli = Cli::new(lab);
    std::fs::write(cli.home.path().join("config.toml"), cfg).unwrap();
    let ep = fleetdeck::slo::prom::Endpoint {
        url: lab.prometheus.clone(),
        client: fleetdeck::basics::http::client(),
        timeout: Duration::from_secs(5),
    };
    let q = format!(
        "sum(rate(http_requests_total{{namespace=\"{}\",version=\"canary\",code=\"500\"}}[1m]))",
        ns.name
    );
    support::eventually(
        "canary errors in Prometheus",
        Duration::from_secs(60),
        || async {
            ep.query(&q)
                .await
                .ok()?
                .first()
                .filter(|s| s.value > 0.0)
                .map(|_| ())
        },
    )
    .await;

    // The rollout detail shows canary against stable, as the gate sees it.
    let cmd = support::tmux::fleetdeck_on(cli.home.path(), &lab.kubeconfig, &c.operator());
    let tmux = support::tmux::Tmux::start(&cmd, 160, 50);
    tmux.wait_for("the fleet, synced", |s| {
        s.contains("Fleet [1]") && s.contains(" ok ")
    });
    tmux.keys(&["4", "/"]);
    tmux.keys(&["-l", &ns.name]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the rollout", |s| {
        s.contains("Rollouts across the fleet [1]")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("canary vs stable in the detail", |s| {
        s.contains("canary vs stable (release gate)") && s.contains("stop SLO web-errors: canary ")
    });
    tmux.keys(&["Escape", "Escape", "q"]);

    let t = format!("{}/{}/web", c.operator(), ns.name);
    let out = cli.run(&["rollout", "promote", &t, "--reason", "looks fine?", "--yes"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("gate:     stop"), "{all}");
    // Canary ≈ 30 % against stable 0 %, over the gate's 1m window.
    let line = all
        .lines()
        .find(|l| l.contains("stop SLO web-errors: canary "))
        .unwrap_or_else(|| panic!("{all}"));
    let canary: f64 = line
        .split("canary ")
        .nth(1)
        .and_then(|r| r.split('%').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!((canary - 30.0).abs() < 2.0, "{line}");
    assert!(
        line.contains("vs stable 0.00% errors over 1m (allowed +1.00%)"),
        "{line}"
    );
    assert_eq!(
        info(api.clone()).await.unwrap().step,
        Some((1, 4)),
        "nothing was sent"
    );

    let out = cli.run(&[
        "rollout",
        "promote",
        &t,
        "--override",
        "--reason",
        "known noisy canary, approved by SRE",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(info(api.clone()).await.unwrap().step.unwrap().0 >= 2);
    let records = cli.journal().read().unwrap();
    let kinds: Vec<_> = records.iter().map(|r| (r.kind, r.result.clone())).collect();
    assert_eq!(
        kinds,
        vec![
            (RecordKind::Denied, Some("denied".into())),
            (RecordKind::Intent, None),
            (RecordKind::Outcome, Some("ok".into()))
        ]
    );
    let gate = &records[1].detail.as_ref().unwrap()["gate"];
    assert_eq!(gate["state"], "stop");
    assert_eq!(gate["overridden"], true);
    assert_eq!(records[1].reason, "known noisy canary, approved by SRE");

    // A gate that cannot be evaluated holds like a stop: first a Prometheus
    // that answers nothing, then none configured for the cluster at all.
    support::eventually("paused at step 3", Duration::from_secs(120), || async {
        info(api.clone())
            .await
            .filter(|i| i.step == Some((3, 4)) && i.phase == Phase::Paused)
    })
    .await;
    support::settled(&api, "web").await;
    let edit = |from: &str, to: &str| {
        let file = cli.home.path().join("config.toml");
        let cfg = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, cfg.replace(from, to)).unwrap();
    };
    edit(&lab.prometheus, "http://127.0.0.1:9");
    let out = cli.run(&["rollout", "promote", &t, "--reason", "r", "--yes"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("gate:     unknown"), "{all}");
    assert!(
        all.contains("SLO web-errors: cannot evaluate: query failed: http://127.0.0.1:9"),
        "{all}"
    );
    edit("prometheus = \"http://127.0.0.1:9\"\n", "");
    let out = cli.run(&["rollout", "promote", &t, "--reason", "r", "--yes"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(
        all.contains(&format!(
            "SLO web-errors: cannot evaluate: no Prometheus endpoint for context {}",
            c.operator()
        )),
        "{all}"
    );
    assert_eq!(info(api.clone()).await.unwrap().step, Some((3, 4)));
    let out = cli.run(&[
        "rollout",
        "promote",
        &t,
        "--override",
        "--reason",
        "Prometheus is down, canary checked by hand",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let records = cli.journal().read().unwrap();
    let intent = records
        .iter()
        .rev()
        .find(|r| r.kind == RecordKind::Intent)
        .unwrap();
    let gate = &intent.detail.as_ref().unwrap()["gate"];
    assert_eq!(gate["state"], "unknown", "{gate}");
    assert_eq!(gate["overridden"], true);
    support::shared::simulator(
        &c.simulator,
        serde_json::json!({"remove_namespace": ns.name}),
    )
    .await;
    ns.delete().await;
}

/// The real binary in tmux, on the SLO view, while the lab's Prometheus
/// goes away and comes back: the row turns `error` (last figures kept), the
/// process stays alive and drawing, and the row recovers without a restart.
#[tokio::test(flavor = "multi_thread")]
async fn the_tui_outlives_prometheus_going_away() {
    use support::tmux::{Tmux, Tracked};
    let Some(lab) = support::lab() else { return };
    let _one = PROMETHEUS.lock().await;
    const MINUTE: Duration = Duration::from_secs(60);
    let c = &lab.clusters[0];
    let name = format!("tui-{}", unique());
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "[prometheus]\nrefresh_seconds = 5\n\n{}",
            config(
                lab,
                &c.operator(),
                &format!(
                    "[[slo]]\nname = \"{name}\"\nobjective = 99\nwindow = \"1d\"\nclusters = [\"{ctx}\"]\n\
                     error_query = 'sum(rate(http_requests_total{{code=~\"5..\"}}[{{{{window}}}}]))'\n\
                     total_query = 'sum(rate(http_requests_total[{{{{window}}}}]))'\n",
                    ctx = c.operator()
                )
            )
        ),
    )
    .unwrap();
    let p = Tracked::new(home.path());
    let t = Tmux::start(
        &p.command(&format!(
            "--read-only --kubeconfig {} --context {}",
            lab.kubeconfig.display(),
            c.operator()
        )),
        160,
        30,
    );
    let row = |s: &str| {
        s.lines()
            .find(|l| l.contains(&format!("│{name} ")))
            .map(str::to_string)
    };
    p.wait(&t, "the Fleet view", MINUTE, |s| s.contains("Fleet [1]"));
    t.keys(&["5"]);
    p.wait(&t, "the SLO evaluated", MINUTE, |s| {
        row(s).is_some_and(|r| {
            ["ok", "ticket", "page", "no_data"]
                .iter()
                .any(|w| r.contains(&format!(" {w} ")))
        })
    });
    let stopped = support::stop(&["prometheus"]);
    p.wait(&t, "the row in error", MINUTE, |s| {
        row(s).is_some_and(|r| r.contains(" error"))
    });
    std::thread::sleep(Duration::from_secs(6));
    p.assert_alive(&t);
    drop(stopped);
    p.wait(&t, "the row fresh again", MINUTE, |s| {
        row(s).is_some_and(|r| !r.contains(" error"))
    });
    p.assert_alive(&t);
    p.quit(&t);
}
