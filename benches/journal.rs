//! Journal benches: an append with its fsyncs (the cost an action pays
//! before its request may leave), and `journal verify` over 100,000 records.
//! Figures, machine and commands: docs/performance.md ("Journal").
//!
//! ```sh
//! cargo bench --bench journal                  # everything
//! cargo bench --bench journal -- verify        # one bench
//! ```
//!
//! Criterion's summary is mean-based and fsync latency is long-tailed, so
//! the append bench also prints p50/p99 from a plain loop of 2,000 appends.
//! The journals live in the system temp dir (`TMPDIR`): it must be on the same
//! kind of disk as the data dir, or the fsync figures mean nothing (tmpfs).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use serde_json::json;

use fleetdeck::journal::{Journal, NewRecord, RecordKind, Target};

const MANUAL_APPENDS: usize = 2_000;
const VERIFY_RECORDS: usize = 100_000;

/// A record as the scale action writes it (request body, rv, detail).
fn record(i: usize) -> NewRecord {
    let kind = if i.is_multiple_of(2) {
        RecordKind::Intent
    } else {
        RecordKind::Outcome
    };
    NewRecord {
        kind,
        id: format!("20260301T120000.000Z-4d2-{:04x}", i / 2),
        operator: "alice".into(),
        identity: Some("oidc:alice@example.com".into()),
        context: format!("prod-eu-{}", i % 7),
        target: Target {
            namespace: "shop".into(),
            kind: "Deployment".into(),
            name: format!("web-{}", i % 50),
        },
        action: "scale".into(),
        reason: "traffic spike after the campaign mail; INC-4711".into(),
        request: Some(json!({
            "patch_type": "merge",
            "subresource": "scale",
            "body": {"spec": {"replicas": 5 + i % 3}}
        })),
        rv_before: Some(format!("{}", 1_000_000 + i)),
        rv_after: (kind == RecordKind::Outcome).then(|| format!("{}", 1_000_001 + i)),
        result: (kind == RecordKind::Outcome).then(|| "ok".into()),
        error: None,
        detail: Some(json!({"operation": {"scale": {"replicas": 5}}, "pods": 5})),
    }
}

fn temp_journal() -> (tempfile::TempDir, Journal) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let j = Journal::open(&tmp.path().join("journal")).expect("open journal");
    (tmp, j)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// p50/p99 of single appends (lock, tail read, write, fsync, head rewrite
/// with fsync + rename + directory fsync), into a journal that grows from 0.
fn manual_append_percentiles(n: usize) {
    let (tmp, j) = temp_journal();
    for i in 0..50 {
        j.append(record(i)).expect("append");
    }
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let r = record(i);
        let t = Instant::now();
        black_box(j.append(r).expect("append"));
        times.push(t.elapsed());
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / n as u32;
    let line = std::fs::metadata(j.path()).map_or(0, |m| m.len()) / (n as u64 + 50);
    println!(
        "journal/append_fsync (manual loop, {n} appends, ~{line} B/record, in {}): \
         p50 {:.2?}  p90 {:.2?}  p99 {:.2?}  max {:.2?}  mean {:.2?}",
        tmp.path().display(),
        percentile(&times, 0.50),
        percentile(&times, 0.90),
        percentile(&times, 0.99),
        times[n - 1],
        mean,
    );
}

fn append(c: &mut Criterion) {
    let (_tmp, j) = temp_journal();
    let mut i = 0;
    c.bench_function("journal/append_fsync", |b| {
        b.iter(|| {
            i += 1;
            black_box(j.append(record(i)).expect("append"))
        })
    });
}

fn verify(c: &mut Criterion, records: usize) {
    let (_tmp, j) = temp_journal();
    let t = Instant::now();
    for chunk in 0..records.div_ceil(10_000) {
        let from = chunk * 10_000;
        let to = (from + 10_000).min(records);
        j.append_all((from..to).map(record)).expect("append_all");
    }
    let size = std::fs::metadata(j.path()).map_or(0, |m| m.len());
    println!(
        "journal: built {records} records ({:.1} MB) in {:.2?}",
        size as f64 / 1e6,
        t.elapsed()
    );
    let v = j.verify();
    assert!(v.ok() && v.records == records as u64, "{v}");
    let mut g = c.benchmark_group("journal");
    g.sample_size(10);
    g.bench_function(format!("verify_{records}"), |b| {
        b.iter(|| black_box(j.verify()))
    });
    g.finish();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo test --benches` runs each bench once with `--test`: keep it quick.
    let quick = args.iter().any(|a| a == "--test");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let wanted =
        |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));

    if wanted("journal/append_fsync") {
        manual_append_percentiles(if quick { 20 } else { MANUAL_APPENDS });
    }
    let mut c = Criterion::default().configure_from_args();
    append(&mut c);
    let records = if quick { 1_000 } else { VERIFY_RECORDS };
    if wanted(&format!("journal/verify_{records}")) {
        verify(&mut c, records);
    }
    c.final_summary();
}
