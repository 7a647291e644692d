//! Application state and the one place it changes (`update`); no I/O here.

pub mod dialog;
pub mod failover;
pub mod model;
pub mod remediation;
pub mod state;
pub mod timeline;
pub mod update;

#[cfg(test)]
mod tests;
