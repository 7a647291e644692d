//! SLOs across the fleet: definitions (`spec`), the budget and burn-rate math
//! (`math`), the Prometheus query API (`prom`), where each cluster's data
//! comes from (`sources`), one SLO on one cluster (`eval`), and the
//! `fleetdeck slo` report (`report`).

pub mod anomaly;
pub mod direct;
pub mod eval;
pub mod gate;
pub mod history;
pub mod import;
pub mod math;
pub mod monitor;
pub mod prom;
pub mod report;
pub mod scrape;
pub mod sources;
pub mod spec;
