//! Failover: moving a service from a failing cluster to its standby as a
//! declared, validated, journaled plan (`plan`).

pub mod plan;
