//! Everything a user can ask for. Keymaps map chords to these, per mode; the help
//! overlay and the key hints are generated from the active bindings.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Back,
    Help,
    Command,
    Filter,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Select,
    SortNext,
    SortReverse,
    GroupBy,
    ViewFleet,
    ViewWorkloads,
    ViewJournal,
    Yaml,
    Describe,
    Scale,
    Restart,
    ViewRollouts,
    Promote,
    PromoteFull,
    Abort,
    Retry,
    Pause,
    Resume,
    Undo,
    ViewSlo,
    ViewCost,
    ViewFailover,
    FailoverCheck,
    FailoverRun,
    FailoverStep,
    FailoverRollback,
    ViewRemediations,
    ViewBackups,
    BackupNow,
    ViewChaos,
    Graph,
    RemApprove,
    RemReject,
    RemSnooze,
    RemMark,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Quit,
        Action::Back,
        Action::Help,
        Action::Command,
        Action::Filter,
        Action::Up,
        Action::Down,
        Action::Top,
        Action::Bottom,
        Action::PageUp,
        Action::PageDown,
        Action::Select,
        Action::SortNext,
        Action::SortReverse,
        Action::GroupBy,
        Action::ViewFleet,
        Action::ViewWorkloads,
        Action::ViewJournal,
        Action::Yaml,
        Action::Describe,
        Action::Scale,
        Action::Restart,
        Action::ViewRollouts,
        Action::Promote,
        Action::PromoteFull,
        Action::Abort,
        Action::Retry,
        Action::Pause,
        Action::Resume,
        Action::Undo,
        Action::ViewSlo,
        Action::ViewCost,
        Action::ViewFailover,
        Action::FailoverCheck,
        Action::FailoverRun,
        Action::FailoverStep,
        Action::FailoverRollback,
        Action::ViewRemediations,
        Action::ViewBackups,
        Action::BackupNow,
        Action::ViewChaos,
        Action::Graph,
        Action::RemApprove,
        Action::RemReject,
        Action::RemSnooze,
        Action::RemMark,
    ];

    /// The name used in keymap files (`snake_case`).
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Back => "back",
            Action::Help => "help",
            Action::Command => "command",
            Action::Filter => "filter",
            Action::Up => "up",
            Action::Down => "down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Select => "select",
            Action::SortNext => "sort_next",
            Action::SortReverse => "sort_reverse",
            Action::GroupBy => "group_by",
            Action::ViewFleet => "view_fleet",
            Action::ViewWorkloads => "view_workloads",
            Action::ViewJournal => "view_journal",
            Action::Yaml => "yaml",
            Action::Describe => "describe",
            Action::Scale => "scale",
            Action::Restart => "restart",
            Action::ViewRollouts => "view_rollouts",
            Action::Promote => "promote",
            Action::PromoteFull => "promote_full",
            Action::Abort => "abort",
            Action::Retry => "retry",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Undo => "undo",
            Action::ViewSlo => "view_slo",
            Action::ViewCost => "view_cost",
            Action::ViewFailover => "view_failover",
            Action::FailoverCheck => "failover_check",
            Action::FailoverRun => "failover_run",
            Action::FailoverStep => "failover_step",
            Action::FailoverRollback => "failover_rollback",
            Action::ViewRemediations => "view_remediations",
            Action::ViewBackups => "view_backups",
            Action::BackupNow => "backup_now",
            Action::ViewChaos => "view_chaos",
            Action::Graph => "graph",
            Action::RemApprove => "rem_approve",
            Action::RemReject => "rem_reject",
            Action::RemSnooze => "rem_snooze",
            Action::RemMark => "rem_mark",
        }
    }

    /// One line for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "quit fleetdeck",
            Action::Back => "go back / close overlay",
            Action::Help => "show this help",
            Action::Command => "command palette (:fleet, :workloads, :q …)",
            Action::Filter => "filter rows (regex; ! inverts)",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::Top => "first row",
            Action::Bottom => "last row",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Select => "open / drill down",
            Action::SortNext => "sort by the next column",
            Action::SortReverse => "reverse the sort order",
            Action::GroupBy => "Fleet: group by group, region, provider",
            Action::ViewFleet => "Fleet view",
            Action::ViewWorkloads => "Workloads view (fleet-wide)",
            Action::ViewJournal => "Changes: what changed across the fleet",
            Action::Yaml => "show YAML",
            Action::Describe => "show details",
            Action::Scale => "scale the workload (confirmed, journaled)",
            Action::Restart => "restart the workload (confirmed, journaled)",
            Action::ViewRollouts => "Rollouts view (fleet-wide Argo Rollouts)",
            Action::Promote => "promote the rollout one step (gated)",
            Action::PromoteFull => "promote fully: skip the remaining steps (gated)",
            Action::Abort => "abort the rollout: back to stable (Chaos view: stop a Litmus engine)",
            Action::Retry => "retry an aborted rollout",
            Action::Pause => "pause the rollout (Chaos view: the experiment)",
            Action::Resume => "resume a paused rollout (gated) or experiment",
            Action::Undo => "roll back to the previous revision",
            Action::ViewSlo => "SLO view: budgets and burn rates (multiwindow, SRE Workbook)",
            Action::ViewCost => "Cost view: cluster → namespace → workload, idle, carbon",
            Action::ViewFailover => "Failover view: plans, both sides, steps, runs",
            Action::FailoverCheck => {
                "Check: a failover plan's pre-flight; rescan the remediations"
            }
            Action::FailoverRun => {
                "Failover: run every remaining step (stops at the first failure)"
            }
            Action::FailoverStep => "Failover: run the next step",
            Action::FailoverRollback => "Failover: undo the run's writes, newest first",
            Action::ViewRemediations => "Remediations view: proposed fixes, diff, risk, decisions",
            Action::ViewBackups => "Backups view: Velero schedules, worst first; data a failover would lose",
            Action::BackupNow => "Backups: back up now from the schedule (confirmed, journaled)",
            Action::ViewChaos => "Chaos view: experiments across the fleet, running first (x pause, X resume, a stop a Litmus engine)",
            Action::Graph => "the selected workload's dependencies: callers, calls, health",
            Action::RemApprove => {
                "Remediation: approve (re-validated, then the action dialog; marked ones as a batch)"
            }
            Action::RemReject => "Remediation: reject (journaled)",
            Action::RemSnooze => "Remediation: snooze until a time (journaled exception)",
            Action::RemMark => "Remediation: mark for a batch approval",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(*a));
        }
    }
}
