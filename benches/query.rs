//! Queries over 100,000 pods (50 clusters × 2,000, 200 workloads each), end
//! to end as the console runs them (parse, scan under each cluster's lock,
//! evaluate, order) on the query thread: the issue's four examples, SLO
//! rows made up for the third (1,000: 20 per cluster), the fleet's timeline
//! (Events and revisions) for the fourth. Figures: docs/performance.md.
//!
//! ```sh
//! cargo bench --bench query
//! ```

mod fixture;

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::Criterion;
use fleetdeck::query::run::Held;
use fleetdeck::slo::eval::{SloRow, SloState};
use fleetdeck::timeline::collect::{collect, Inputs};

fn slo(i: usize, ctx: &str) -> SloRow {
    let burn: BTreeMap<String, Option<f64>> = [("1h", (i % 30) as f64), ("6h", 1.0), ("1d", 0.5)]
        .into_iter()
        .map(|(w, b)| (w.to_string(), Some(b)))
        .collect();
    SloRow {
        name: format!("slo-{}", i % 20),
        context: ctx.to_string(),
        objective: 99.9,
        window: "30d".into(),
        sli: Some(0.999),
        budget_remaining: Some(0.5),
        burn,
        alerts: Vec::new(),
        state: SloState::Ok,
        rps: Some(10.0),
        low_traffic: false,
        exhaustion_seconds: None,
        age_seconds: 0,
        error: None,
        note: None,
        anomaly: None,
    }
}

fn main() {
    let scale = fixture::build(fixture::TIMELINE);
    let now = fixture::now();
    let fleet = &scale.fleet;
    let changes = collect(Inputs {
        fleet,
        records: &[],
        observed: &[],
        alerts: &[],
        backups: None,
        chaos: None,
        host: "bench",
        since: now - chrono::Duration::hours(1),
    });
    let rows = fleet.rows(now);
    let slos: Vec<SloRow> = rows
        .iter()
        .flat_map(|r| (0..20).map(|i| slo(i, &r.meta.context)))
        .collect();
    let held = Held {
        now,
        stores: fleet.stores(),
        rows,
        slos,
        costs: None,
        changes,
        backups: None,
        chaos: None,
        forecast: None,
        remediations: Vec::new(),
    };
    let queries = [
        (
            "pods_restarts_prod",
            r#"pods where restarts > 5 && cluster.startsWith("prod")"#,
        ),
        (
            "workloads_image",
            r#"workloads where images.exists(i, i.endsWith(":1.4.2"))"#,
        ),
        ("slos_burn", r#"slos where burn["1h"] > 10"#),
        (
            "changes_recent",
            r#"changes where age < duration("30m") && by != "controller""#,
        ),
        ("pods_all_ordered", "pods order by restarts desc limit 100"),
    ];
    for (name, q) in queries {
        let a = held.ask(q).unwrap();
        eprintln!("query/{name}: {}", a.summary());
    }
    let mut c = Criterion::default().configure_from_args().sample_size(20);
    for (name, q) in queries {
        c.bench_function(&format!("query/{name}"), |b| {
            b.iter(|| black_box(held.ask(q).unwrap()))
        });
    }
    c.final_summary();
}
