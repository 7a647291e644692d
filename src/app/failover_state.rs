//! The Failover view's state types: a plan's state in this console, the
//! confirm prompt, what the runner reports, and a plan as listed. Plain
//! data, below `state` (which holds them) and the view's keys (`failover`).

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use tui_textarea::TextArea;

use crate::failover::plan::Plan;
use crate::failover::preflight::Report;
use crate::failover::run::{Progress, StepState};
use crate::failover::runlog::RunState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// All remaining steps (`until: None`) or the next one.
    Run {
        one: bool,
    },
    Rollback,
}

impl Mode {
    pub fn word(self) -> &'static str {
        match self {
            Mode::Run { one: false } => "run every remaining step of",
            Mode::Run { one: true } => "run the next step of",
            Mode::Rollback => "roll back",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub plan: String,
    pub mode: Mode,
    pub reason: TextArea<'static>,
    pub typed: String,
    pub on_name: bool,
}

impl Prompt {
    pub(super) fn new(plan: &str, mode: Mode) -> Prompt {
        let mut reason = TextArea::default();
        reason.set_placeholder_text("why (required; journaled with every step)");
        Prompt {
            plan: plan.to_string(),
            mode,
            reason,
            typed: String::new(),
            on_name: false,
        }
    }

    pub fn reason_text(&self) -> String {
        self.reason.lines().join("\n").trim().to_string()
    }

    pub fn missing(&self) -> Option<String> {
        if self.reason_text().is_empty() {
            return Some("a reason is required".into());
        }
        (self.typed != self.plan).then(|| format!("type {} to confirm", self.plan))
    }
}

/// What the runner task reports about a plan.
#[derive(Debug, Clone)]
pub enum Event {
    Checked(Result<Report, String>),
    Progress(Progress),
    Ended(Result<String, String>),
}

/// One plan's state in this console.
#[derive(Debug, Clone, Default)]
pub struct PlanState {
    pub check: Option<Result<Report, String>>,
    pub checking: bool,
    pub steps: BTreeMap<usize, StepState>,
    pub log: Vec<String>,
    pub running: Option<Arc<AtomicBool>>,
    pub ended: Option<Result<String, String>>,
}

/// A plan as the view lists it: the plan, both sides as the fleet sees
/// them, and its newest run from the journal.
#[derive(Debug, Clone)]
pub struct PlanRow {
    pub plan: Plan,
    /// `(context, state word, excluded because)` for the primary then each standby.
    pub sides: Vec<(String, String, Option<String>)>,
    pub last_run: Option<RunState>,
}
