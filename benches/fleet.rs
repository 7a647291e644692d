//! Scale benches over 50 clusters × 2,000 pods × 200 workloads (`fixture/`),
//! fed through the live ingest path. Figures, machine and the commands that
//! reproduce them: docs/performance.md.
//!
//! ```sh
//! cargo bench --bench fleet                 # everything
//! cargo bench --bench fleet -- draw/        # one group
//! ```

mod fixture;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use k8s_openapi::api::core::v1::Pod;
use kube::core::WatchEvent;
use kube::runtime::watcher::Event;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use fixture::{Scale, FLEET};
use fleetdeck::app::model::Model;
use fleetdeck::app::state::{App, View};
use fleetdeck::fleet::objects::{Compact, PodInfo};
use fleetdeck::fleet::store::Kind;
use fleetdeck::fleet::wire::WirePod;
use fleetdeck::keymap::Keymap;
use fleetdeck::theme::Theme;
use fleetdeck::ui::{draw, Ctx};

const BURST: usize = 1_000;

fn pod_of(e: &Event<WirePod>) -> &WirePod {
    match e {
        Event::Apply(p) | Event::Delete(p) | Event::InitApply(p) => p,
        Event::Init | Event::InitDone => unreachable!("a burst has objects"),
    }
}

fn app(view: View) -> App {
    let mut app = App::new(false, false);
    if view != View::Fleet {
        app.push(view);
    }
    app
}

/// A burst of 1,000 pod events over all 50 clusters, each under its cluster's
/// lock as a watch applies it, then the fleet rows re-derived once (the TUI
/// coalesces wake-ups into one pull per frame).
fn ingest(c: &mut Criterion, scale: &Scale) {
    let burst = fixture::burst(scale.shape, BURST);
    let mut g = c.benchmark_group("ingest");
    // change, undo, change…: every event really changes the store.
    let mut changed = false;
    g.bench_function("burst_1000_pod_events_then_rows", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut events = if changed { &burst.undo } else { &burst.change }.clone();
                changed = !changed;
                let t = Instant::now();
                // Events arrive one by one; the batch's own buffer is freed
                // after the clock stops.
                for (cluster, event) in events.drain(..) {
                    fixture::apply_pod(scale, cluster, event);
                }
                black_box(scale.fleet.rows(fixture::now()));
                total += t.elapsed();
                drop(events);
            }
            total
        })
    });
    // The burst's parts outside the store: compacting the pods, and freeing
    // the decoded objects (which `Kind::apply` does after compacting).
    let pods: Vec<WirePod> = burst
        .change
        .iter()
        .map(|(_, e)| pod_of(e).clone())
        .collect();
    g.bench_function("part_compact_1000_pods", |b| {
        b.iter(|| {
            pods.iter()
                .filter_map(|p| PodInfo::compact(p).map(|c| c.key()))
                .count()
        })
    });
    g.bench_function("part_drop_1000_pods", |b| {
        b.iter_batched(|| pods.clone(), drop, BatchSize::LargeInput)
    });
    // What kube's watcher does before the store sees an event: decode it,
    // straight into the wire form (`fleet::wire`) — and, for the record,
    // into full k8s-openapi Pods as fleetdeck did before.
    let lines: Vec<Vec<u8>> = fixture::listed_pods(scale.shape, 0)
        .into_iter()
        .take(BURST)
        .map(|p| serde_json::to_vec(&WatchEvent::Modified(p)).unwrap())
        .collect();
    g.bench_function("decode_1000_pod_watch_events_json", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(serde_json::from_slice::<WatchEvent<WirePod>>(l).unwrap());
            }
        })
    });
    g.bench_function("before_decode_1000_full_pod_watch_events_json", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(serde_json::from_slice::<WatchEvent<Pod>>(l).unwrap());
            }
        })
    });
    // A relist of one cluster (after 410 Gone): 2,000 pods into a fresh store.
    let listed: Vec<WirePod> = fixture::listed_pods(scale.shape, 0)
        .iter()
        .map(WirePod::of)
        .collect();
    g.bench_function("relist_2000_pods", |b| {
        b.iter_batched(
            || listed.clone(),
            |pods| {
                let mut k: Kind<PodInfo> = Kind::default();
                k.apply(Event::Init);
                for p in pods {
                    k.apply(Event::InitApply(p));
                }
                k.apply(Event::InitDone);
                k
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn pull(c: &mut Criterion, scale: &Scale) {
    let mut g = c.benchmark_group("pull");
    let views = [
        ("fleet_view", View::Fleet),
        ("workloads_view_fleet_wide", View::Workloads),
        ("cluster_view_one_cluster", View::Cluster { cluster: 0 }),
    ];
    for (name, view) in views {
        let app = app(view);
        g.bench_function(name, |b| {
            b.iter(|| Model::pull(&scale.fleet, &app, fixture::now()))
        });
    }
    g.finish();
}

/// One frame at 200×60 into ratatui's TestBackend, alternating between the
/// models before and after a burst so each frame has changed cells to write.
fn frames(c: &mut Criterion, scale: &Scale) {
    let burst = fixture::burst(scale.shape, BURST);
    let (theme, keymap) = (Theme::default(), Keymap::default());
    let mut g = c.benchmark_group("draw");
    for (name, view) in [
        ("fleet_view_200x60", View::Fleet),
        ("workloads_view_200x60", View::Workloads),
    ] {
        let app = app(view);
        let before = Model::pull(&scale.fleet, &app, fixture::now());
        for (cluster, e) in burst.change.clone() {
            fixture::apply_pod(scale, cluster, e);
        }
        let after = Model::pull(&scale.fleet, &app, fixture::now());
        for (cluster, e) in burst.undo.clone() {
            fixture::apply_pod(scale, cluster, e);
        }
        let models = [before, after];
        let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
        let mut i = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                i += 1;
                let model = &models[i % 2];
                let ctx = Ctx {
                    app: &app,
                    model,
                    theme: &theme,
                    keymap: &keymap,
                };
                term.draw(|f| draw(f, &ctx)).unwrap();
            })
        });
    }
    g.finish();
}

fn main() {
    let t = Instant::now();
    let scale = fixture::build(FLEET);
    eprintln!(
        "fixture: {} clusters × {} pods × {} workloads built in {:.1?}",
        FLEET.clusters,
        FLEET.pods,
        FLEET.workloads,
        t.elapsed()
    );
    let mut c = Criterion::default().configure_from_args();
    ingest(&mut c, &scale);
    pull(&mut c, &scale);
    frames(&mut c, &scale);
    cost(&mut c, &scale);
    last_known(&mut c, &scale);
    c.final_summary();
}

/// The last-known state file (issue 22) for the whole fixture: gathered from
/// the stores, written (atomically, fsync'd), and read back at start.
fn last_known(c: &mut Criterion, s: &Scale) {
    use fleetdeck::fleet::last_known::{collect, read, write, FILE};
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(FILE);
    let now = chrono::Utc::now();
    let stores = s.fleet.stores();
    let lk = collect(&stores, &s.fleet.policy, now);
    let bytes = write(&path, &lk, 64 << 20).expect("write");
    eprintln!(
        "last-known state: {} clusters, {} workload rows, {bytes} bytes",
        lk.clusters.len(),
        lk.clusters.values().map(|c| c.rows.len()).sum::<usize>()
    );
    c.bench_function("last_known/collect", |b| {
        b.iter(|| black_box(collect(&stores, &s.fleet.policy, now).clusters.len()))
    });
    c.bench_function("last_known/write", |b| {
        b.iter(|| write(&path, &lk, 64 << 20).expect("write"))
    });
    c.bench_function("last_known/read", |b| {
        b.iter(|| black_box(read(&path).expect("read").map(|l| l.clusters.len())))
    });
}

/// The whole fleet's costs from the stores (every node priced, every pod
/// charged, rolled up per namespace and workload), as after a burst of pod
/// changes: the computation starts from the stores each time.
fn cost(c: &mut Criterion, s: &Scale) {
    let catalog = fleetdeck::cost::catalog::Catalog::load(None).expect("shipped catalog");
    c.bench_function("cost/fleet_recompute", |b| {
        b.iter(|| {
            let mut out = fleetdeck::cost::report::Costs::default();
            for h in &s.fleet.clusters {
                fleetdeck::fleet::handles::with_data(&h.data, |d| {
                    fleetdeck::cost::report::cluster(
                        &h.meta.context,
                        d,
                        &catalog,
                        None,
                        &Default::default(),
                        &mut out,
                    )
                });
            }
            black_box(out.workloads.len())
        })
    });
}
