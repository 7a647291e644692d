//! SLOs across the fleet: definitions (`spec`), the budget and burn-rate math
//! (`math`), the Prometheus query API (`prom`).

pub mod math;
pub mod prom;
pub mod spec;
