//! Remediations: proposed fixes an operator approves, one by one or in a
//! batch, through the one mutation pipeline. `desired` reads the desired-
//! state tree, `crate::ops::apply` compares it with live objects, `queue` keeps the
//! proposals and decisions, `scan` finds proposals (`crate::cli::remediation`
//! is `fleetdeck remediation …`).

pub mod apply;
pub mod argocd;
pub mod crashloop;
pub mod desired;
pub mod gatekeeper;
pub mod queue;
mod queue_file;
pub mod rightsizing;
pub mod scan;
pub mod slo_gate;
pub mod task;
