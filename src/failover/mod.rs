//! Failover: moving a service from a failing cluster to its standby as a
//! declared, validated, journaled plan. `plan` reads and validates plans,
//! `policy` is data residency, `resolve` makes a plan concrete for one
//! standby, `preflight` checks it, `run` executes it through the one
//! mutation pipeline, `runlog` reads runs back from the journal (resume,
//! rollback), `task` the console's entry (`crate::cli::failover` is
//! `fleetdeck failover …`);
//! `backend` is what they need from clusters (`clusters` live, the demo's
//! simulation in `demo::failover`).

pub mod backend;
pub mod capacity;
pub mod clusters;
pub mod deps_check;
pub mod plan;
pub mod policy;
pub mod preflight;
pub mod resolve;
pub mod run;
pub mod runlog;
pub mod task;
