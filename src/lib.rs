//! fleetdeck: a terminal console for operating fleets of Kubernetes clusters.
//!
//! The data layer (`fleet`, `paths`) does not depend on the UI, so it can be
//! tested and benchmarked on its own.

pub mod fleet;
pub mod paths;
