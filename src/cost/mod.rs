//! What the fleet costs: node prices (`catalog`) and the OpenCost
//! allocation model (`model`).

pub mod catalog;
pub mod model;
pub mod report;
