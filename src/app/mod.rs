//! Application state and the one place it changes (`update`); no I/O here.
//! Files depend one way (tests/layers.rs checks it): `dialog`,
//! `failover_state` and `remediation_state` (each view's plain state) →
//! `state` (the App that holds them) → `timeline`, `msg` → `model` (what a
//! frame shows), `order` (each list view's rows) → `failover`, `remediation` (each view's keys) → `update`
//! (the reducer, which dispatches to them).

pub mod dialog;
pub mod failover;
pub mod failover_state;
pub mod model;
pub mod msg;
pub mod order;
pub mod remediation;
pub mod remediation_state;
pub mod state;
pub mod timeline;
pub mod update;

#[cfg(test)]
mod tests;
