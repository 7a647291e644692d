//! Capacity forecasts against the lab's real Prometheus: back-filled
//! kube-state-metrics series growing on a known line, and the days to full
//! worked out by hand (below), in-process and through the real binary
//! (`snapshot --json`, and the Fleet view in tmux).
//! Back-filling restarts the one Prometheus, so the tests here take turns.

mod support;

use std::fmt::Write as _;
use std::time::Duration;

use fleetdeck::forecast::{read, read_grouped, Outlook};
use fleetdeck::slo::prom::Endpoint;

static PROMETHEUS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const DAY: i64 = 86_400;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// A label name of this run's own.
fn unique() -> String {
    support::shared::unique("fc").replace('-', "_")
}

/// One cluster's history, a sample a minute from `from` to a minute ago
/// (seconds before `now`), on the label `label="value"`:
/// requests = `base + per_day × days since from`, allocatable constant.
struct Line {
    label: String,
    value: String,
    from: i64,
    cpu: (f64, f64, f64),
    memory: (f64, f64, f64),
}

fn history(lines: &[Line], now: i64) -> String {
    let mut req = String::from("# TYPE kube_pod_container_resource_requests gauge\n");
    let mut alloc = String::from("# TYPE kube_node_status_allocatable gauge\n");
    for l in lines {
        let (start, end) = (now - l.from, now - 60);
        for (res, (base, per_day, allocatable)) in [("cpu", l.cpu), ("memory", l.memory)] {
            let labels = format!("{}=\"{}\",resource=\"{res}\"", l.label, l.value);
            let mut t = start;
            while t <= end {
                let v = base + per_day * (t - start) as f64 / DAY as f64;
                writeln!(
                    req,
                    "kube_pod_container_resource_requests{{{labels}}} {v} {t}"
                )
                .unwrap();
                writeln!(
                    alloc,
                    "kube_node_status_allocatable{{{labels}}} {allocatable} {t}"
                )
                .unwrap();
                t += 60;
            }
        }
    }
    format!("{req}{alloc}# EOF\n")
}

fn days(o: &Outlook) -> f64 {
    match o {
        Outlook::Days { days } => *days,
        other => panic!("expected days to full, got {other:?}"),
    }
}

/// Growth from 8 days ago, read over 7 days of history:
///
/// | | at the start | per day | now (8 d on) | allocatable | days to full |
/// |---|---|---|---|---|---|
/// | cpu | 10 cores | 0.5 | 14 | 20 | (20 − 14) / 0.5 = 12 |
/// | memory | 8 GiB | 2 GiB | 24 GiB | 32 GiB | (32 − 24) / 2 = 4 |
///
/// Ten hours of the same is not enough history; a flat line is not growing;
/// requests above allocatable are full now; a label with no series is
/// unknown, with the reason.
#[tokio::test(flavor = "multi_thread")]
async fn days_to_full_from_a_known_line_match_the_hand_worked_figures() {
    let Some(lab) = support::lab() else { return };
    let _one = PROMETHEUS.lock().await;
    let label = unique();
    let now = chrono::Utc::now().timestamp();
    let line = |value: &str, from: i64, cpu, memory| Line {
        label: label.clone(),
        value: value.into(),
        from,
        cpu,
        memory,
    };
    support::backfill(&history(
        &[
            line(
                "growing",
                8 * DAY,
                (10.0, 0.5, 20.0),
                (8.0 * GIB, 2.0 * GIB, 32.0 * GIB),
            ),
            line(
                "short",
                10 * 3600,
                (10.0, 0.5, 20.0),
                (8.0 * GIB, 2.0 * GIB, 32.0 * GIB),
            ),
            line(
                "flat",
                8 * DAY,
                (12.0, 0.0, 20.0),
                (20.0 * GIB, -GIB, 32.0 * GIB),
            ),
            line(
                "over",
                8 * DAY,
                (21.0, 0.1, 20.0),
                (8.0 * GIB, 0.0, 32.0 * GIB),
            ),
        ],
        now,
    ));
    let ep = Endpoint {
        url: lab.prometheus.clone(),
        client: fleetdeck::basics::http::client(),
        timeout: Duration::from_secs(10),
    };
    let sel = |v: &str| format!("{label}=\"{v}\"");

    let f = read(&ep, &sel("growing"), 7).await;
    // A sample a minute against hourly steps: the line is off by under a
    // minute of growth, so 0.5 % is ample.
    let close = |got: f64, want: f64, what: &str| {
        assert!(
            (got - want).abs() <= want * 0.005,
            "{what}: got {got}, want {want}"
        );
    };
    close(days(&f.cpu.outlook), 12.0, "cpu days to full");
    close(f.cpu.requested.unwrap(), 14.0, "cpu requested now");
    close(f.cpu.per_day.unwrap(), 0.5, "cpu growth per day");
    assert_eq!(f.cpu.allocatable, Some(20.0));
    close(days(&f.memory.outlook), 4.0, "memory days to full");
    close(
        f.memory.requested.unwrap(),
        24.0 * GIB,
        "memory requested now",
    );
    close(
        f.memory.per_day.unwrap(),
        2.0 * GIB,
        "memory growth per day",
    );

    let f = read(&ep, &sel("short"), 7).await;
    match f.cpu.outlook {
        // Hourly steps over ten hours: 9 or 10 points, well under a day.
        Outlook::NotEnoughHistory { hours } => assert!((9.0..=11.0).contains(&hours), "{hours}"),
        other => panic!("ten hours of history: {other:?}"),
    }

    let f = read(&ep, &sel("flat"), 7).await;
    assert_eq!(f.cpu.outlook, Outlook::NotGrowing, "flat cpu");
    assert_eq!(f.memory.outlook, Outlook::NotGrowing, "shrinking memory");

    let f = read(&ep, &sel("over"), 7).await;
    assert_eq!(f.cpu.outlook, Outlook::Full, "requests above allocatable");

    let f = read(&ep, &sel("absent"), 7).await;
    match &f.cpu.outlook {
        Outlook::Unknown { reason } => assert!(reason.contains("allocatable"), "{reason}"),
        other => panic!("no series: {other:?}"),
    }
    assert_eq!(f.cpu.requested, None, "an unknown is not a number");

    // Every value at once, as summary mode reads a metrics engine: the
    // same figures from eight queries.
    let all = read_grouped(&ep, &label, 7).await.unwrap();
    assert_eq!(
        all.keys()
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>(),
        ["flat", "growing", "over", "short"].into_iter().collect()
    );
    close(days(&all["growing"].cpu.outlook), 12.0, "grouped cpu days");
    close(
        days(&all["growing"].memory.outlook),
        4.0,
        "grouped memory days",
    );
    assert!(matches!(
        all["short"].cpu.outlook,
        Outlook::NotEnoughHistory { .. }
    ));
    assert_eq!(all["flat"].cpu.outlook, Outlook::NotGrowing);
    assert_eq!(all["over"].cpu.outlook, Outlook::Full);

    // Prometheus not there: unknown with the reason, not a number.
    let gone = Endpoint {
        url: "http://127.0.0.1:9".into(),
        ..ep.clone()
    };
    let f = read(&gone, &sel("growing"), 7).await;
    assert!(matches!(f.memory.outlook, Outlook::Unknown { .. }), "{f:?}");
}

/// The real binary: `snapshot --json` carries the forecast for a cluster
/// whose series are found by `[forecast] cluster_label`, and the Fleet view
/// says it on the selected cluster's line.
#[tokio::test(flavor = "multi_thread")]
async fn the_binary_shows_the_forecast_in_snapshot_and_the_fleet_view() {
    let Some(lab) = support::lab() else { return };
    let _one = PROMETHEUS.lock().await;
    let c = &lab.clusters[0];
    let context = c.readonly();
    let label = unique();
    let now = chrono::Utc::now().timestamp();
    support::backfill(&history(
        &[Line {
            label: label.clone(),
            value: context.clone(),
            from: 8 * DAY,
            cpu: (10.0, 0.5, 20.0),
            memory: (8.0 * GIB, 2.0 * GIB, 32.0 * GIB),
        }],
        now,
    ));
    let cli = support::cli::Cli::new(lab);
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!(
            "[[cluster]]\ncontext = \"{context}\"\nprometheus = \"{}\"\n\n\
             [forecast]\ncluster_label = \"{label}\"\n",
            lab.prometheus
        ),
    )
    .unwrap();
    let (row, err) = cli.snapshot_row(&context);
    let cpu = &row["forecast"]["cpu"];
    assert_eq!(cpu["outlook"]["state"], "days", "{row}\n{err}");
    let d = cpu["outlook"]["days"].as_f64().unwrap();
    assert!((d - 12.0).abs() < 0.06, "cpu days {d}");
    let m = row["forecast"]["memory"]["outlook"]["days"]
        .as_f64()
        .unwrap();
    assert!((m - 4.0).abs() < 0.02, "memory days {m}");

    let cmd = support::tmux::fleetdeck_on(cli.home.path(), &lab.kubeconfig, &context);
    let tmux = support::tmux::Tmux::start(&cmd, 200, 40);
    let s = tmux.wait_for("the forecast on the Fleet view", |s| {
        s.contains("cpu full in 12 d") && s.contains("memory full in 4 d")
    });
    assert!(s.contains(&c.name), "{s}");
    tmux.keys(&["q"]);
}

/// Summary mode: clusters known only to the metrics engine (`metrics/<v>`,
/// never contacted) get their forecast from the same endpoint, read for all
/// of them at once, in `snapshot --json`.
#[tokio::test(flavor = "multi_thread")]
async fn summarised_clusters_are_forecast_from_the_metrics_engine() {
    let Some(lab) = support::lab() else { return };
    let _one = PROMETHEUS.lock().await;
    let label = unique();
    let now = chrono::Utc::now().timestamp();
    let line = |value: &str, cpu| Line {
        label: label.clone(),
        value: value.into(),
        from: 8 * DAY,
        cpu,
        memory: (8.0 * GIB, 0.0, 32.0 * GIB),
    };
    let mut om = history(
        &[
            line("edge-1", (10.0, 0.5, 20.0)),
            line("edge-2", (16.0, 1.0, 20.0)),
        ],
        now,
    );
    // What the metrics source lists clusters by: a Ready node each, lately.
    let mut ready = String::from("# TYPE kube_node_status_condition gauge\n");
    for v in ["edge-1", "edge-2"] {
        for t in (now - 3600..now - 60).step_by(60) {
            writeln!(
                ready,
                "kube_node_status_condition{{{label}=\"{v}\",node=\"n1\",condition=\"Ready\",status=\"true\"}} 1 {t}"
            )
            .unwrap();
        }
    }
    om = om.replace("# EOF\n", &format!("{ready}# EOF\n"));
    support::backfill(&om);

    let cli = support::cli::Cli::new(lab);
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!(
            "[prometheus]\nurl = \"{}\"\n\n[summary]\ncluster_label = \"{label}\"\n\n\
             [[discovery]]\nkind = \"metrics\"\n",
            lab.prometheus
        ),
    )
    .unwrap();
    let out = cli.run(&[
        "--context",
        "metrics/*",
        "snapshot",
        "--json",
        "--timeout",
        "30",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", support::cli::text(&out)));
    let row = |name: &str| {
        v["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no {name}: {v:#}"))
            .clone()
    };
    // edge-1: 14 of 20 cores now, +0.5 a day → 12 d; edge-2: 24 of 20 → full.
    let one = row("metrics/edge-1");
    assert_eq!(one["mode"], "summary", "{one:#}");
    let d = one["forecast"]["cpu"]["outlook"]["days"].as_f64().unwrap();
    assert!((d - 12.0).abs() < 0.06, "{one:#}");
    assert_eq!(one["forecast"]["memory"]["outlook"]["state"], "not_growing");
    let two = row("metrics/edge-2");
    assert_eq!(
        two["forecast"]["cpu"]["outlook"]["state"], "full",
        "{two:#}"
    );
}
