//! What reaches the reducer (`Msg`: keys, answers from background tasks) and
//! what it asks the loop to do (`Effect`). A leaf of `app`: the reducer and
//! every view's keys use it.

use crossterm::event::KeyEvent;

use crate::fleet::rollout_tree::RolloutTree;
use crate::ops::action::Operation;
use crate::ops::pipeline::{Plan, Preflight};
use crate::ops::target::Target;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// Terminal rows available for a list (sets the page size).
    Resize {
        rows: u16,
    },
    Yaml(Result<String, String>),
    /// Plan and pre-flight of the dialog's action came back.
    Planned(Result<Box<(Plan, Preflight)>, String>),
    /// The dialog's action ran: a one-line report.
    Executed(Result<String, String>),
    /// Something to tell the operator in the footer (start-up reconciliation).
    Notice(String),
    /// A Rollout detail's tree, for the detail keyed `cluster/namespace/name`.
    Tree(String, Result<RolloutTree, String>),
    /// A failover plan's pre-flight or run reported something.
    Failover(String, super::failover_state::Event),
    /// The remediation queue: a scan, a re-validation, a log line.
    Remediation(super::remediation_state::Event),
    /// Time passes on the Remediations view (a rescan may be due).
    RemTick,
    /// Time passes on the Query view (its query is asked again when due).
    QueryTick,
    /// A query's answer, for the run of that id.
    Query(u64, Result<std::sync::Arc<crate::query::Answer>, String>),
}

#[derive(Debug, Clone)]
pub enum Effect {
    /// Plan and pre-flight an action (dialog stage Checking).
    Plan {
        cluster: usize,
        target: Target,
        op: Operation,
        /// The context the operator picked to act through; `None`: the
        /// first of the cluster's that may.
        via: Option<String>,
    },
    /// Execute a confirmed plan through the journaled pipeline.
    Execute {
        cluster: usize,
        plan: Box<Plan>,
        reason: String,
    },
    /// Pre-flight a failover plan.
    FailoverCheck { plan: String },
    /// Run (or resume) a failover plan, or roll it back; `abort` stops it
    /// between actions.
    Failover {
        plan: String,
        mode: super::failover_state::Mode,
        reason: String,
        abort: std::sync::Arc<std::sync::atomic::AtomicBool>,
    },
    /// Scan every cluster for proposals and merge them into the queue.
    RemScan,
    /// Re-validate a proposal before its dialog opens.
    RemRevalidate {
        proposal: Box<crate::remediation::queue::Proposal>,
    },
    /// Approve these (each re-validated) with one reason.
    RemBatch {
        ids: Vec<String>,
        reason: String,
        /// Set to stop before the next proposal (quitting).
        stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    },
    /// Reject (no `until`) or snooze a proposal.
    RemDecide {
        id: String,
        reason: String,
        until: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// The dialog approving a proposal executed its fix: record it.
    RemRecord { id: String, reason: String },
    /// Run a query (parsed already) off the UI thread.
    Query { id: u64, text: String },
    /// Fetch the object of the current detail view as YAML.
    FetchYaml {
        cluster: usize,
        kind: crate::fleet::objects::WorkloadKind,
        namespace: String,
        name: String,
    },
}
