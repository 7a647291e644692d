//! Actions on clusters, all through one pipeline (`pipeline.rs`) and journaled
//! (`journaled.rs`). `build.rs` decides the requests (`argo.rs` for Argo
//! Rollouts, `traffic.rs` for routes and Service selectors, `weights.rs` for a
//! failover's weight shifts, `action.rs` for
//! the workload basics, `velero.rs` for a Backup from a schedule, `chaos.rs` for
//! pausing, stopping and starting experiments; `replan.rs` when a conflict is only a status write); the gate's go or stop is `crate::verdict`; `verify.rs` says done.

pub mod action;
pub mod apply;
pub mod argo;
pub mod build;
pub mod chaos;
pub mod declared;
pub mod diff;
pub mod journaled;
pub mod marks;
pub mod pipeline;
pub mod replan;
pub mod target;
pub mod traffic;
pub mod undo;
pub mod velero;
pub mod verify;
pub mod weights;

pub use action::Operation;
