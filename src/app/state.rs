//! The UI's own state: where the user is and what they typed. Cluster data is
//! not here; it is pulled into a `Model` when it changes.

use crate::fleet::objects::WorkloadKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Fleet,
    /// One cluster's workloads; `cluster` indexes the fleet's clusters.
    Cluster {
        cluster: usize,
    },
    /// The same workloads lined up across every cluster.
    Workloads,
    /// The fleet timeline: what changed, grouped across clusters.
    Journal,
    /// One timeline line or group (`timeline::group::Group::key`): its
    /// detail and, for a group, every cluster it happened in.
    Change {
        key: String,
    },
    /// Every Argo Rollout across the fleet.
    Rollouts,
    /// SLO × cluster, worst first.
    Slo,
    /// Cost per cluster; with a context, its namespaces; with a namespace too,
    /// its workloads.
    Cost {
        context: Option<String>,
        namespace: Option<String>,
    },
    /// The remediation queue: proposals, their diff, risk and state.
    Remediations,
    /// Velero schedules across the fleet, worst first.
    Backups,
    /// Chaos experiments across the fleet, running first.
    Chaos,
    /// Failover plans; with a name, that plan's steps, checks and run.
    Failover {
        plan: Option<String>,
    },
    /// A query's answer (`:pods where …`): the run in `App::query`.
    Query,
    /// One workload's dependencies in its cluster: callers above, what it
    /// calls below, each with its figures and health.
    Graph {
        cluster: usize,
        namespace: String,
        name: String,
    },
    Detail {
        cluster: usize,
        kind: WorkloadKind,
        namespace: String,
        name: String,
        yaml: bool,
    },
}

impl View {
    pub fn title(&self) -> &'static str {
        match self {
            View::Fleet => "Fleet",
            View::Cluster { .. } => "Workloads",
            View::Workloads => "Workloads (fleet)",
            View::Journal => "Changes",
            View::Change { .. } => "Change",
            View::Rollouts => "Rollouts (fleet)",
            View::Slo => "SLOs",
            View::Cost { .. } => "Cost",
            View::Failover { .. } => "Failover",
            View::Remediations => "Remediations",
            View::Backups => "Backups",
            View::Chaos => "Chaos",
            View::Graph { .. } => "Dependencies",
            View::Query => "Query",
            View::Detail { .. } => "Detail",
        }
    }
}

/// One entry of the navigation stack, with its own filter, selection and sort.
#[derive(Debug, Clone, PartialEq)]
pub struct Screen {
    pub view: View,
    pub filter: String,
    pub selected: usize,
    pub sort: usize,
    pub reverse: bool,
    /// Scroll offset of a detail pane.
    pub scroll: u16,
}

impl Screen {
    pub fn new(view: View) -> Self {
        Screen {
            view,
            filter: String::new(),
            selected: 0,
            sort: 0,
            reverse: false,
            scroll: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: InputKind,
    pub text: String,
    /// Tab completion under way: what was typed, and which match is shown.
    pub completion: Option<(String, usize)>,
    /// Up/Down through the query history: how far back.
    pub recall: Option<usize>,
}

/// The YAML of the object in a detail view, fetched on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Yaml {
    Loading,
    Loaded(String),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct App {
    pub screens: Vec<Screen>,
    pub input: Option<Input>,
    pub help: bool,
    /// A one-line message in the footer (command errors, kubeconfig warnings).
    pub message: Option<String>,
    /// Asked to quit; the loop ends once nothing is in flight (`quit.rs`).
    pub quit: bool,
    /// A first `q` while something runs: the next one confirms.
    pub quit_asked: bool,
    /// `:q!`: leave without waiting for what runs.
    pub force_quit: bool,
    pub read_only: bool,
    pub demo: bool,
    pub yaml: Option<Yaml>,
    /// Rows a page scroll moves; set from the terminal size.
    pub page: usize,
    /// An action being set up, confirmed or run.
    pub dialog: Option<super::dialog::Dialog>,
    /// The open Rollout detail's tree (revisions, pods, analysis), refreshed
    /// while it is open; keyed by `cluster/namespace/name`.
    pub tree: Option<(
        String,
        Result<crate::fleet::rollout_tree::RolloutTree, String>,
    )>,
    /// Each failover plan's checks and run, as this console saw them.
    pub failover: std::collections::BTreeMap<String, super::failover_state::PlanState>,
    /// The failover confirm prompt, when open.
    pub prompt: Option<super::failover_state::Prompt>,
    /// The remediation queue as last scanned.
    pub remediation: super::remediation_state::RemState,
    /// A reject, snooze or batch-approve prompt, when open.
    pub rem_prompt: Option<super::remediation_state::Prompt>,
    /// How far back the timeline reaches (`:since 30m`), in seconds.
    pub since_secs: u64,
    /// What the Fleet view gathers clusters by (`v`, `:group`), if anything.
    pub group_by: Option<crate::fleet::groups::GroupBy>,
    /// Gatherings opened to show their clusters, by key (`None`: no value).
    pub expanded: std::collections::BTreeSet<Option<String>>,
    /// `[[experiment]]`s that `:start NAME` may start, and the services
    /// they name (from the config).
    pub experiments: Vec<crate::config::experiment::ExperimentConfig>,
    pub services: Vec<crate::config::service::ServiceConfig>,
    /// The last query run from the palette, and its answer.
    pub query: Option<super::query_state::QueryRun>,
    /// `[[query]]`s from the config: name and text.
    pub saved_queries: Vec<(String, String)>,
    /// Queries run before (newest last), kept in the data dir.
    pub history: Vec<String>,
}

impl App {
    pub fn new(read_only: bool, demo: bool) -> Self {
        App {
            screens: vec![Screen::new(View::Fleet)],
            input: None,
            help: false,
            message: None,
            quit: false,
            quit_asked: false,
            force_quit: false,
            read_only,
            demo,
            yaml: None,
            page: 10,
            dialog: None,
            tree: None,
            failover: Default::default(),
            prompt: None,
            remediation: Default::default(),
            rem_prompt: None,
            since_secs: crate::timeline::DEFAULT_WINDOW_SECS,
            group_by: None,
            expanded: Default::default(),
            experiments: Vec::new(),
            services: Vec::new(),
            query: None,
            saved_queries: Vec::new(),
            history: Vec::new(),
        }
    }

    pub fn screen(&self) -> &Screen {
        // The stack is never empty: `back` keeps the root.
        &self.screens[self.screens.len() - 1]
    }

    pub fn screen_mut(&mut self) -> &mut Screen {
        let last = self.screens.len() - 1;
        &mut self.screens[last]
    }

    pub fn push(&mut self, view: View) {
        self.screens.push(Screen::new(view));
    }

    /// The filter in effect: the one being typed, else the screen's own.
    pub fn filter(&self) -> &str {
        match &self.input {
            Some(Input {
                kind: InputKind::Filter,
                text,
                ..
            }) => text,
            _ => &self.screen().filter,
        }
    }
}
