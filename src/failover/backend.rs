//! What the failover runner and pre-flight need from the clusters, so the
//! demo's simulation can stand in for live API servers: reachability and
//! health, reads, and writes through the one mutation pipeline. `Clusters`
//! is the live implementation; `demo::failover` the simulated one.

use std::future::Future;

use serde_json::Value;

use super::preflight::Check;
use crate::cost::catalog::Catalog;
use crate::journal::Journal;
use crate::ops::pipeline::{Outcome, Plan, Preflight};
use crate::ops::target::Target;
use crate::ops::Operation;

pub trait Backend: Send + Sync {
    /// The API server answers.
    fn reachable(&self, ctx: &str) -> impl Future<Output = Result<(), String>> + Send;
    /// Reachable and not excluded (Ready nodes ≥ `min_ready` of all): a
    /// one-line state, or why not.
    fn healthy(
        &self,
        ctx: &str,
        min_ready: f64,
    ) -> impl Future<Output = Result<String, String>> + Send;
    /// The majority `topology.kubernetes.io/region` of the cluster's nodes.
    fn node_region(&self, ctx: &str) -> impl Future<Output = Option<String>> + Send;
    fn read_only(&self, ctx: &str) -> bool;
    /// The user the API server sees, for the journal.
    fn identity(&self, ctx: &str) -> impl Future<Output = Option<String>> + Send;
    /// The object as a GET returns it; `None` when it does not exist.
    fn get(&self, t: &Target) -> impl Future<Output = Result<Option<Value>, String>> + Send;
    /// k8gb serves `Gslb` in two groups: the target in the one this cluster has.
    fn locate(&self, t: &Target) -> impl Future<Output = Target> + Send;
    /// One target per node (a cordon step).
    fn node_targets(&self, ctx: &str) -> impl Future<Output = Result<Vec<Target>, String>> + Send;
    /// Plan, RBAC and server-side dry-run (`ops::pipeline::plan_checked`).
    fn plan(
        &self,
        t: &Target,
        op: Operation,
    ) -> impl Future<Output = Result<(Plan, Preflight), String>> + Send;
    /// Execute through the journal (`ops::journaled`).
    fn execute(
        &self,
        journal: &Journal,
        plan: &Plan,
        reason: &str,
        identity: Option<String>,
    ) -> impl Future<Output = std::io::Result<Outcome>> + Send;
    /// Velero's objects in the cluster; `None` where Velero is not installed.
    fn backups(
        &self,
        ctx: &str,
    ) -> impl Future<Output = Result<Option<crate::backups::Holdings>, String>> + Send;
    /// The chaos experiments running in the cluster (and what they hit).
    fn chaos(
        &self,
        ctx: &str,
    ) -> impl Future<Output = Result<crate::chaos::read::Read, String>> + Send;
    /// The cluster's dependency graph with each workload's health.
    fn deps(
        &self,
        ctx: &str,
        config: &crate::config::Config,
    ) -> impl Future<Output = Result<crate::deps::ClusterDeps, String>> + Send;
    /// For a scale: room for the added pods (a check) and the hourly cost change.
    fn room(
        &self,
        t: &Target,
        replicas: i32,
        catalog: &Catalog,
    ) -> impl Future<Output = (Option<Check>, Option<f64>)> + Send;
}
