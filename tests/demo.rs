//! The demo as the TUI uses it: start, spawn the ticker, read the fleet from
//! another thread while it runs.

use std::time::Duration;

use chrono::Utc;
use fleetdeck::fleet::summary::ClusterState;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticker_fills_the_fleet_and_wakes_the_reader() {
    let (fleet, demo) = fleetdeck::demo::start(1);
    let notify = fleet.notify.clone();
    let ticker = fleetdeck::demo::spawn(demo);
    // The first tick is immediate and lists every cluster.
    tokio::time::timeout(Duration::from_secs(5), notify.notified())
        .await
        .expect("the demo notifies on its first tick");
    let reader = std::thread::spawn(move || {
        let rows = fleet.rows(Utc::now());
        (rows, fleet)
    });
    let (rows, fleet) = reader.join().expect("reader thread");
    assert_eq!(rows.len(), 6);
    assert!(
        rows.iter().all(|r| r.state == ClusterState::Ok),
        "{:?}",
        rows.iter().map(|r| r.state.word()).collect::<Vec<_>>()
    );
    // It keeps moving: the canary starts within a few ticks.
    let mut progressing = false;
    for _ in 0..8 {
        let _ = tokio::time::timeout(Duration::from_secs(2), notify.notified()).await;
        let totals = fleetdeck::fleet::handles::Fleet::totals(&fleet.rows(Utc::now()));
        if totals.rollouts.progressing > 0 {
            progressing = true;
            break;
        }
    }
    ticker.abort();
    assert!(progressing, "the canary started");
}
