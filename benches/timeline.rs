//! The fleet timeline built from 50 clusters × 2,000 pods, 5,000 warning
//! Events and three revisions per Deployment (two within the hour): what the
//! Changes view (`3`) and `fleetdeck changes` compute. Figures:
//! docs/performance.md.
//!
//! ```sh
//! cargo bench --bench timeline
//! ```

mod fixture;

use std::hint::black_box;

use criterion::Criterion;
use fleetdeck::timeline::collect::{collect, Inputs};
use fleetdeck::timeline::group::group;

fn main() {
    let scale = fixture::build(fixture::TIMELINE);
    let since = fixture::now() - chrono::Duration::hours(1);
    let inputs = || Inputs {
        fleet: &scale.fleet,
        records: &[],
        observed: &[],
        alerts: &[],
        backups: None,
        chaos: None,
        host: "bench",
        since,
    };
    let lines = collect(inputs());
    eprintln!(
        "timeline: {} lines in the hour, {} groups",
        lines.len(),
        group(lines.clone()).len()
    );
    let mut c = Criterion::default().configure_from_args();
    c.bench_function("timeline/collect_50x2000_5000_events", |b| {
        b.iter(|| black_box(collect(inputs())))
    });
    c.bench_function("timeline/collect_and_group", |b| {
        b.iter(|| black_box(group(collect(inputs()))))
    });
    c.final_summary();
}
