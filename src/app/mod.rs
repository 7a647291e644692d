//! Application state and the one place it changes (`update`); no I/O here.
//! Files depend one way (tests/layers.rs checks it): `dialog`,
//! `failover_state` and `remediation_state` (each view's plain state) →
//! `state` (the App that holds them) → `timeline`, `msg`, `quit` (leaving
//! while something runs) → `failover`,
//! `remediation` (each view's keys) → `model` (what a frame shows), `order`
//! (each list view's rows) → `fleet_list` (the Fleet view's lines, grouped) → `navigate` (moving
//! around), `launch` (the action dialog), `actions` (what each key action
//! does), `palette` (`:` commands) → `update` (the reducer).

pub mod actions;
pub mod dialog;
pub mod failover;
pub mod failover_state;
pub mod fleet_list;
pub mod launch;
pub mod model;
pub mod msg;
pub mod navigate;
pub mod order;
pub mod palette;
pub mod query;
pub mod query_state;
pub mod quit;
pub mod remediation;
pub mod remediation_state;
pub mod state;
pub mod timeline;
pub mod update;

#[cfg(test)]
mod tests;
