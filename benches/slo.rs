//! SLO benches. Figures, machine and commands: docs/performance.md ("SLOs").
//!
//! ```sh
//! cargo bench --bench slo -- parse     # /metrics parse throughput, 10 MB body
//! FLEETDECK_BENCH_PROMETHEUS=http://127.0.0.1:21100 cargo bench --bench slo -- fanout
//! ```
//!
//! `fanout` evaluates 20 SLOs × 10 clusters against a real Prometheus (the
//! lab's: `tests/lab/up 3` and its URL from `tests/lab/status`); without the
//! variable it is skipped.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};

use fleetdeck::slo::monitor::{Monitor, Pair, Source};
use fleetdeck::slo::prom::Endpoint;
use fleetdeck::slo::scrape::parse;
use fleetdeck::slo::spec::SloConfig;

/// A `/metrics` body of about `bytes`: request counters by code and path and
/// a latency histogram, as a busy service exposes them.
fn body(bytes: usize) -> String {
    let mut out = String::from("# TYPE http_requests_total counter\n");
    let mut i = 0u64;
    while out.len() < bytes {
        out.push_str(&format!(
            "http_requests_total{{service=\"svc-{}\",path=\"/api/v1/items/{}\",code=\"{}\"}} {}\n",
            i % 50,
            i % 400,
            [200, 404, 500][(i % 3) as usize],
            i * 7
        ));
        if i.is_multiple_of(20) {
            for le in ["0.05", "0.1", "0.25", "0.5", "1", "+Inf"] {
                out.push_str(&format!(
                    "latency_seconds_bucket{{service=\"svc-{}\",le=\"{le}\"}} {}\n",
                    i % 50,
                    i
                ));
            }
        }
        i += 1;
    }
    out
}

fn parse_bench(c: &mut Criterion) {
    let b = body(10 * 1024 * 1024);
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(b.len() as u64));
    g.sample_size(10);
    g.bench_function("metrics_10MB", |bench| {
        bench.iter(|| black_box(parse(black_box(&b))).samples.len())
    });
    g.finish();
}

fn fanout() {
    let Ok(url) = std::env::var("FLEETDECK_BENCH_PROMETHEUS") else {
        eprintln!("fanout: skipped (set FLEETDECK_BENCH_PROMETHEUS to a Prometheus URL)");
        return;
    };
    let client = fleetdeck::basics::http::client();
    let mut pairs = Vec::new();
    for s in 0..20 {
        let slo: SloConfig = toml::from_str(&format!(
            "name = \"slo-{s}\"\nobjective = 99.9\n\
             error_query = 'sum(rate(http_requests_total{{cluster=\"{{{{cluster}}}}\",code=~\"5..\",service=\"checkout\"}}[{{{{window}}}}]))'\n\
             total_query = 'sum(rate(http_requests_total{{cluster=\"{{{{cluster}}}}\",service=\"checkout\"}}[{{{{window}}}}]))'\n"
        ))
        .expect("slo");
        for c in 0..10 {
            let cluster = format!("lab-{}", (b'a' + c as u8) as char);
            pairs.push(Pair {
                slo: slo.clone(),
                context: cluster.clone(),
                name: cluster,
                source: Source::Prometheus(Endpoint {
                    url: url.clone(),
                    client: client.clone(),
                    timeout: Duration::from_secs(30),
                }),
            });
        }
    }
    let queries = pairs.len() * 2 * (fleetdeck::slo::math::WINDOWS.len() + 1);
    let monitor = Monitor::new(pairs);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        rt.block_on(monitor.refresh());
        times.push(t.elapsed());
    }
    times.sort();
    let rows = monitor.rows(chrono::Utc::now());
    let failed = rows.iter().filter(|(r, _)| r.error.is_some()).count();
    println!(
        "fanout: 20 SLOs × 10 clusters = {} pairs, {queries} queries per refresh; refresh min {:?} median {:?} max {:?} ({} rows failed)",
        rows.len(),
        times[0],
        times[times.len() / 2],
        times[times.len() - 1],
        failed
    );
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wants = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    if wants("parse") {
        let mut c = Criterion::default().configure_from_args();
        parse_bench(&mut c);
        c.final_summary();
    }
    if wants("fanout") {
        fanout();
    }
}
