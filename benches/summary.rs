//! The Fleet view at 1,000 summarised clusters (summary mode, issue 21): one
//! frame's model and drawing, as the console does after every refresh.
//!
//! ```sh
//! cargo bench --bench summary
//! ```

use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use criterion::Criterion;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use fleetdeck::app::model::Model;
use fleetdeck::app::state::{App, View};
use fleetdeck::config::ClusterMeta;
use fleetdeck::console::Console;
use fleetdeck::fleet::handles::Fleet;
use fleetdeck::fleet::live::ClusterHandle;
use fleetdeck::fleet::metrics::MetricCounts;
use fleetdeck::fleet::store::{ClusterData, Connection};
use fleetdeck::fleet::summary::{HealthPolicy, Ratio, WorkloadCounts};
use fleetdeck::fleet::tally::PodCounts;
use fleetdeck::keymap::Keymap;
use fleetdeck::theme::Theme;
use fleetdeck::ui::{draw, Ctx};

const CLUSTERS: usize = 1_000;

fn fleet() -> Console {
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
    let handles = (0..CLUSTERS)
        .map(|i| {
            let name = format!("sim-{i:04}");
            let meta = ClusterMeta {
                context: name.clone(),
                contexts: vec![name.clone()],
                name,
                group: Some(format!("group-{}", i % 20)),
                region: Some(format!("region-{}", i % 7)),
                summary: true,
                ..Default::default()
            };
            let data = ClusterData {
                connection: Connection::Summary,
                metrics: MetricCounts {
                    as_of: Some(now),
                    nodes: Some(Ratio {
                        ready: 3,
                        total: 3 + i % 3,
                    }),
                    pods: Some(PodCounts {
                        running: 20 + i % 7,
                        pending: i % 3,
                        failing: usize::from(i % 6 == 2),
                    }),
                    workloads: Some(WorkloadCounts {
                        healthy: 5 - usize::from(i % 4 == 1),
                        total: 5,
                    }),
                    crashlooping: Some(usize::from(i % 6 == 2)),
                    error: None,
                },
                ..ClusterData::default()
            };
            ClusterHandle::detached(meta, Arc::new(Mutex::new(data)))
        })
        .collect();
    Console::new(Fleet::from_handles(
        handles,
        HealthPolicy::default(),
        Arc::new(tokio::sync::Notify::new()),
    ))
}

fn main() {
    let fleet = fleet();
    let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 5).unwrap();
    let (theme, keymap) = (Theme::default(), Keymap::default());
    let app = App::new(false, true);
    assert_eq!(app.screen().view, View::Fleet);
    let mut c = Criterion::default().configure_from_args();
    c.bench_function("summary/pull_fleet_view_1000", |b| {
        b.iter(|| Model::pull(&fleet, &app, now))
    });
    let model = Model::pull(&fleet, &app, now);
    assert_eq!(model.rows.len(), CLUSTERS);
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let frame = |term: &mut Terminal<TestBackend>, app: &App, model: &Model| {
        let ctx = Ctx {
            app,
            model,
            theme: &theme,
            keymap: &keymap,
        };
        term.draw(|f| draw(f, &ctx)).unwrap();
    };
    c.bench_function("summary/draw_fleet_view_1000_200x60", |b| {
        b.iter(|| frame(&mut term, &app, &model))
    });
    // Gathered by group: 20 closed headers, then all 20 open (1,020 lines).
    for (name, open) in [("closed", false), ("open", true)] {
        let mut app = App::new(false, true);
        app.group_by = Some(fleetdeck::fleet::groups::GroupBy::Group);
        let model = Model::pull(&fleet, &app, now);
        if open {
            let list = fleetdeck::app::fleet_list::fleet_list(&app, &model);
            app.expanded = list.gatherings.into_iter().map(|g| g.key).collect();
        }
        let lines = fleetdeck::app::fleet_list::fleet_list(&app, &model)
            .lines
            .len();
        assert_eq!(lines, if open { 1_020 } else { 20 });
        // Halfway down: the window the draw builds is mid-list.
        app.screens[0].selected = lines / 2;
        c.bench_function(&format!("summary/draw_grouped_{name}_1000_200x60"), |b| {
            b.iter(|| frame(&mut term, &app, &model))
        });
    }
    c.final_summary();
}
