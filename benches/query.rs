//! Queries over 100,000 pods (50 clusters × 2,000, 200 workloads each), end
//! to end as the console runs them (parse, scan under each cluster's lock,
//! evaluate, order) on the query thread: the issue's four examples, SLO
//! rows made up for the third (1,000: 20 per cluster), the fleet's timeline
//! (Events and revisions) for the fourth; and drawing an answer of every
//! pod, plain and filtered. Figures: docs/performance.md.
//!
//! ```sh
//! cargo bench --bench query
//! ```

mod fixture;

use std::collections::BTreeMap;
use std::hint::black_box;

use std::sync::Arc;

use criterion::Criterion;
use fleetdeck::app::model::Model;
use fleetdeck::app::query_state::{QueryRun, QueryState};
use fleetdeck::app::state::{App, View};
use fleetdeck::keymap::Keymap;
use fleetdeck::query::run::Held;
use fleetdeck::slo::eval::{SloRow, SloState};
use fleetdeck::theme::Theme;
use fleetdeck::timeline::collect::{collect, Inputs};
use fleetdeck::ui::{draw, Ctx};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

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
        remediations: None,
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
    draw_answer(&mut c, fleet, &held, now);
    c.final_summary();
}

/// The Query view with every one of the 100,000 pods in its answer: a frame
/// at 200×60 scrolled to the middle, and the same with a `/` filter typed
/// over the answer (every row's cells matched each frame).
fn draw_answer(
    c: &mut Criterion,
    fleet: &fleetdeck::console::Console,
    held: &Held,
    now: chrono::DateTime<chrono::Utc>,
) {
    let answer = Arc::new(held.ask("pods").unwrap());
    let mut app = App::new(false, false);
    app.query = Some(QueryRun::new(
        1,
        "pods".into(),
        None,
        QueryState::Done(answer.clone()),
    ));
    app.push(View::Query);
    app.screen_mut().selected = answer.rows.len() / 2;
    let model = Model::pull(fleet, &app, now);
    let (theme, keymap) = (Theme::default(), Keymap::default());
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    for (name, filter) in [("draw_100k_rows", ""), ("draw_100k_rows_filtered", "web")] {
        app.screen_mut().filter = filter.into();
        let mut i = 0;
        c.bench_function(&format!("query/{name}"), |b| {
            b.iter(|| {
                // Scroll a row each frame: cells change, as when held down.
                i += 1;
                app.screen_mut().selected = answer.rows.len() / 2 + i % 40;
                let ctx = Ctx {
                    app: &app,
                    model: &model,
                    theme: &theme,
                    keymap: &keymap,
                };
                term.draw(|f| draw(f, &ctx)).unwrap();
            })
        });
    }
}
