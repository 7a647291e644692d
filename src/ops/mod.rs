//! Actions on clusters, all through one pipeline (`pipeline.rs`) and journaled
//! (`journaled.rs`).

pub mod action;
pub mod cli;
pub mod journaled;
pub mod marks;
pub mod pipeline;
pub mod target;
