//! What the fleet costs: node prices (`catalog`) and the OpenCost
//! allocation model (`model`).

pub mod carbon;
pub mod catalog;
pub mod fleet;
pub mod model;
pub mod monitor;
pub mod opencost;
pub mod report;
pub mod usage;
