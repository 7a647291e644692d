//! What the fleet costs: node prices (`catalog`) and the OpenCost
//! allocation model (`model`).

pub mod catalog;
pub mod fleet;
pub mod model;
pub mod report;
pub mod usage;
