//! Resident memory of a 50 × 2,000-pod fleet built through the live ingest
//! path (the benches' fixture). docs/performance.md has the figure.
//!
//! ```sh
//! cargo run --release --example scale_memory
//! ```

#[path = "../benches/fixture/mod.rs"]
mod fixture;

use fixture::FLEET;
use fleetdeck::fleet::handles::Fleet;

/// A field of /proc/self/status in KiB (VmRSS, VmHWM).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() {
    let before = status_kib("VmRSS");
    let scale = fixture::build(FLEET);
    let built = status_kib("VmRSS");
    // What the TUI holds besides the stores: one pull of the fleet rows.
    let rows = scale.fleet.rows(fixture::now());
    let totals = Fleet::totals(&rows);
    let after = status_kib("VmRSS");
    let pods = FLEET.clusters * FLEET.pods;
    println!(
        "fleet: {} clusters, {} pods, {} workloads ({} pods counted by the rows)",
        FLEET.clusters,
        pods,
        FLEET.clusters * FLEET.workloads,
        totals.pods.running + totals.pods.pending + totals.pods.failing
    );
    println!("VmRSS before build: {:.1} MiB", mib(before));
    println!("VmRSS after build:  {:.1} MiB", mib(built));
    println!("VmRSS with rows:    {:.1} MiB", mib(after));
    println!("VmHWM (peak):       {:.1} MiB", mib(status_kib("VmHWM")));
    println!(
        "fleet costs:        {:.1} MiB ({:.0} bytes per pod, everything included)",
        mib(after.saturating_sub(before)),
        after.saturating_sub(before) as f64 * 1024.0 / pods as f64
    );
    // The fixture builds full objects and frees them; glibc keeps much of
    // that freed memory. Handing it back shows what the stores hold.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim only releases free heap pages.
        unsafe { malloc_trim(0) };
        let trimmed = status_kib("VmRSS");
        println!(
            "after malloc_trim:  {:.1} MiB ({:.0} bytes per pod, the stores and rows)",
            mib(trimmed.saturating_sub(before)),
            trimmed.saturating_sub(before) as f64 * 1024.0 / pods as f64
        );
    }
    drop(scale);
}
