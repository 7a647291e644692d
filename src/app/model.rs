//! What the current view shows, pulled from the fleet when its data changed,
//! and the filtered, sorted order of its rows (shared by update and draw, so a
//! selection always means the row on screen).

use chrono::{DateTime, Utc};
use regex::{Regex, RegexBuilder};

use super::state::{App, View};
use crate::console::Console;
use crate::fleet::handles::{with_data, Fleet, RolloutRow};
use crate::fleet::summary::{ClusterRow, ClusterState, FleetTotals, WorkloadLine};
use crate::fleet::workloads::{cluster_workloads, workload_detail, WorkloadDetail, WorkloadRow};
use crate::slo::eval::SloRow;

/// The most rows the graph view lays out (a workload reached twice is
/// listed once, so this bounds only a very wide graph).
const GRAPH_ROWS: usize = 500;

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub now: DateTime<Utc>,
    pub rows: Vec<ClusterRow>,
    pub totals: FleetTotals,
    /// Fleet-wide workload lines (Workloads view only).
    pub lines: std::sync::Arc<Vec<WorkloadLine>>,
    /// The drilled-into cluster's workloads (Cluster view only).
    pub workloads: Vec<WorkloadRow>,
    pub detail: Option<WorkloadDetail>,
    /// The experiment hitting the detail's workload now, if one does.
    pub detail_chaos: Option<String>,
    /// The detail's workload in the timeline (filled by the loop).
    pub history: Vec<crate::timeline::Change>,
    /// Rollouts view only.
    pub rollouts: Vec<RolloutRow>,
    /// Every SLO row with its sparkline (the SLO view and the fleet's SLO column).
    pub slos: Vec<(SloRow, Vec<f64>)>,
    /// The latest cost figures (the Cost view, the fleet's $/H column).
    pub costs: Option<std::sync::Arc<crate::cost::report::Costs>>,
    /// The latest read of the fleet's Velero objects (the Backups view,
    /// the fleet's BACKUP column).
    pub backups: Option<std::sync::Arc<crate::backups::fleet::FleetBackups>>,
    /// The latest read of the fleet's chaos experiments (the Chaos view and
    /// the marks in the Fleet, workload and SLO views).
    pub chaos: Option<std::sync::Arc<crate::chaos::fleet::FleetChaos>>,
    /// The latest dependency graphs (marks on workloads, the detail's
    /// dependencies pane, the SLO view's likely causes, the graph view).
    pub deps: Option<std::sync::Arc<crate::deps::FleetDeps>>,
    /// The latest capacity forecasts (Fleet and Cost views).
    pub forecast: Option<std::sync::Arc<crate::forecast::monitor::FleetForecast>>,
    /// Graph view only: the tree around its workload.
    pub graph: Vec<crate::deps::layout::Row>,
    /// Journal view only (the timeline); filled by the loop, which keeps
    /// the journal's records and the observer.
    pub timeline: Vec<crate::timeline::group::Group>,
    /// Failover plans with both sides' state (filled by the loop).
    pub plans: Vec<super::failover_state::PlanRow>,
    /// An excluded primary and the plan that moves its service (Fleet view).
    pub failover_hint: Option<String>,
    /// The newest change in an unhealthy cluster (Fleet view).
    pub change_hint: Option<String>,
}

impl Model {
    /// Derives only what the current view needs.
    pub fn pull(fleet: &Console, app: &App, now: DateTime<Utc>) -> Model {
        let rows = fleet.rows(now);
        let totals = Fleet::totals(&rows);
        let mut m = Model {
            now,
            rows,
            totals,
            slos: fleet.slo.rows(now),
            costs: fleet.cost.latest(),
            backups: fleet.backups.latest(),
            chaos: fleet.chaos.latest(),
            deps: fleet.deps.latest(),
            forecast: fleet.forecast.latest(),
            ..Default::default()
        };
        match &app.screen().view {
            View::Fleet
            | View::Journal
            | View::Change { .. }
            | View::Slo
            | View::Cost { .. }
            | View::Failover { .. }
            | View::Backups
            | View::Chaos
            | View::Remediations
            | View::Query => {}
            View::Graph {
                cluster,
                namespace,
                name,
            } => {
                let node = crate::deps::graph::Node::new(namespace, name);
                let tree = m
                    .cluster_deps(*cluster)
                    .map(|d| crate::deps::layout::tree(d, &node, GRAPH_ROWS));
                m.graph = tree.unwrap_or_default();
            }
            View::Workloads => m.lines = fleet.workload_lines(),
            View::Rollouts => m.rollouts = fleet.rollout_rows(),
            View::Cluster { cluster } => {
                if let Some(c) = fleet.clusters.get(*cluster) {
                    // Not answered since start: the last run's rows, from disk.
                    m.workloads = with_data(&c.data, |d| match crate::fleet::summary::stale(d) {
                        Some(s) => s.rows.clone(),
                        None => cluster_workloads(d),
                    });
                }
            }
            View::Detail {
                cluster,
                kind,
                namespace,
                name,
                ..
            } => {
                if let Some(c) = fleet.clusters.get(*cluster) {
                    m.detail = with_data(&c.data, |d| workload_detail(d, *kind, namespace, name));
                    m.detail_chaos = m.workload_chaos(&c.meta.context, namespace, name);
                }
            }
        }
        m
    }

    /// Whether something on screen changes with the clock (ages, "for 12s").
    pub fn has_clock(&self) -> bool {
        self.rows.iter().any(|r| {
            matches!(
                r.state,
                ClusterState::Unreachable { .. }
                    | ClusterState::Connecting
                    | ClusterState::Syncing { .. }
            )
        })
    }
}

/// A `/` filter: a case-insensitive regex (a literal if it does not compile);
/// a leading `!` inverts it.
pub struct Filter {
    re: Option<Regex>,
    invert: bool,
}

impl Filter {
    pub fn new(text: &str) -> Filter {
        let (invert, pat) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if pat.is_empty() {
            return Filter { re: None, invert };
        }
        let re = RegexBuilder::new(pat)
            .case_insensitive(true)
            .build()
            .or_else(|_| {
                RegexBuilder::new(&regex::escape(pat))
                    .case_insensitive(true)
                    .build()
            })
            .ok();
        Filter { re, invert }
    }

    pub fn keep(&self, text: &str) -> bool {
        match &self.re {
            None => true,
            Some(re) => re.is_match(text) != self.invert,
        }
    }
}

pub const FLEET_SORTS: &[&str] = &["name", "state", "nodes", "pods", "failing", "warnings"];
pub const CLUSTER_SORTS: &[&str] = &["name", "kind", "ready", "restarts", "status"];
pub const LINE_SORTS: &[&str] = &["name", "skew", "clusters"];
pub const ROLLOUT_SORTS: &[&str] = &["phase", "name", "cluster"];
pub const SLO_SORTS: &[&str] = &["state", "budget", "name"];
pub const COST_SORTS: &[&str] = &["cost", "idle/efficiency", "name"];
pub const BACKUP_SORTS: &[&str] = &["state", "age", "name"];
pub const CHAOS_SORTS: &[&str] = &["state", "age", "cluster"];

/// One row of the Cost view at its current level.
#[derive(Debug, Clone, PartialEq)]
pub struct CostLine {
    pub name: String,
    /// `None`: not known (the detail says why); never drawn as a number.
    pub cost: Option<f64>,
    /// Idle $/h (cluster level) — efficiency shown below that level.
    pub idle: Option<f64>,
    pub efficiency: Option<f64>,
    pub detail: String,
}

impl Model {
    /// The Cost view's rows for a level (unsorted).
    pub fn cost_lines(&self, context: Option<&str>, namespace: Option<&str>) -> Vec<CostLine> {
        let Some(c) = &self.costs else {
            return Vec::new();
        };
        match (context, namespace) {
            (None, _) => c
                .clusters
                .iter()
                .map(|x| CostLine {
                    name: x.context.clone(),
                    cost: x.cost(),
                    idle: x.cost().map(|_| x.idle_per_hour),
                    efficiency: None,
                    detail: match &x.unknown {
                        Some(why) => format!("unknown: {why}; left out of the total"),
                        None => format!(
                            "{} · {:.3} kWh/h{} · {}",
                            x.source,
                            x.kwh_per_hour,
                            x.co2e_g_per_hour
                                .map(|g| format!(", {g:.0} g CO2e/h"))
                                .unwrap_or_default(),
                            x.carbon
                        ),
                    },
                })
                .collect(),
            (Some(ctx), None) => c
                .namespaces
                .iter()
                .filter(|g| g.context == ctx)
                .map(|g| CostLine {
                    name: g.namespace.clone(),
                    cost: Some(g.cost_per_hour),
                    idle: None,
                    efficiency: g.efficiency,
                    detail: format!(
                        "CPU ${:.4} · RAM ${:.4} · basis {}",
                        g.cpu_cost_per_hour, g.ram_cost_per_hour, g.basis
                    ),
                })
                .collect(),
            (Some(ctx), Some(ns)) => c
                .workloads
                .iter()
                .filter(|g| g.context == ctx && g.namespace == ns)
                .map(|g| CostLine {
                    name: g.workload.clone(),
                    cost: Some(g.cost_per_hour),
                    idle: None,
                    efficiency: g.efficiency,
                    detail: format!(
                        "CPU ${:.4} · RAM ${:.4} · basis {}",
                        g.cpu_cost_per_hour, g.ram_cost_per_hour, g.basis
                    ),
                })
                .collect(),
        }
    }
}

pub(super) fn slo_rank(r: &SloRow) -> u8 {
    use crate::slo::eval::SloState::*;
    match r.state {
        Page => 0,
        Error => 1,
        Ticket => 2,
        NoData => 3,
        Ok => 4,
    }
}

impl Model {
    /// Every Velero schedule across the fleet, worst first (the Backups
    /// view's rows, before its filter and sort).
    /// The dependency graph of the cluster at `index`, if it has one.
    pub fn cluster_deps(&self, index: usize) -> Option<&crate::deps::ClusterDeps> {
        let ctx = &self.rows.get(index)?.meta.context;
        self.deps.as_ref()?.clusters.get(ctx)
    }

    /// `cpu full in 13 d · memory not growing · month $1,340`, and whether
    /// either fills within two weeks.
    pub fn forecast_line(&self, context: &str) -> Option<(String, bool)> {
        let mut parts = Vec::new();
        let mut soon = false;
        if let Some(f) = self.forecast.as_ref().and_then(|f| f.clusters.get(context)) {
            match f {
                Ok(f) => {
                    for (name, r) in [("cpu", &f.cpu), ("memory", &f.memory)] {
                        soon |= r.outlook.days().is_some_and(|d| d < 14.0);
                        parts.push(format!("{name} {}", r.outlook.short()));
                    }
                }
                Err(e) => parts.push(format!("forecast unknown: {e}")),
            }
        }
        let month = self
            .costs
            .as_ref()
            .and_then(|c| c.clusters.iter().find(|c| c.context == context))
            .and_then(|c| c.cost())
            .map(|h| crate::forecast::month_cost(h, self.now));
        if let Some(m) = month {
            parts.push(format!("month ${m:.0} at this rate"));
        }
        (!parts.is_empty()).then(|| (parts.join(" · "), soon))
    }

    /// `dependency failing: payments (errors 38 %)` for a workload.
    pub fn dep_mark(&self, context: &str, namespace: &str, name: &str) -> Option<String> {
        self.deps.as_ref()?.mark(context, namespace, name)
    }

    /// `payments (errors 38 %)`: the likely cause behind an SLO.
    pub fn slo_cause(&self, context: &str, slo: &str) -> Option<&str> {
        let key = (context.to_string(), slo.to_string());
        self.deps.as_ref()?.slo_causes.get(&key).map(String::as_str)
    }

    /// `chaos: NetworkChaos eu-latency active 4 min` for a cluster.
    pub fn chaos_mark(&self, context: &str) -> Option<String> {
        self.chaos.as_ref()?.cluster_mark(context, self.now)
    }

    /// Whether an experiment runs in the cluster now (its name's mark).
    pub fn under_chaos(&self, context: &str) -> bool {
        self.chaos.as_ref().is_some_and(|c| c.running(context))
    }

    /// The workload's mark, if an active experiment hits it.
    pub fn workload_chaos(&self, context: &str, namespace: &str, name: &str) -> Option<String> {
        self.chaos
            .as_ref()?
            .workload_mark(context, namespace, name, self.now)
    }

    /// Every active experiment in the fleet, in one line for the Fleet view:
    /// one on a protected (production) cluster first, then the longest
    /// running, and how many clusters more.
    pub fn chaos_hint(&self) -> Option<String> {
        let c = self.chaos.as_ref()?;
        let protected = |ctx: &str| {
            self.rows
                .iter()
                .any(|r| r.meta.context == ctx && r.meta.protected)
        };
        let mut active: Vec<&crate::chaos::Experiment> =
            c.all().filter(|e| e.phase.active()).collect();
        active.sort_by_key(|e| (!protected(&e.context), e.since));
        let first = active.first()?;
        let mut clusters: Vec<&str> = active.iter().map(|e| e.context.as_str()).collect();
        clusters.sort();
        clusters.dedup();
        let more = match clusters.len() {
            1 if active.len() > 1 => format!(" (+{} more there)", active.len() - 1),
            1 => String::new(),
            2 => " (+1 more cluster)".to_string(),
            n => format!(" (+{} more clusters)", n - 1),
        };
        Some(format!(
            "chaos: {} on {}{more}",
            first.describe(self.now),
            first.context
        ))
    }

    /// Every experiment across the fleet, running first (the Chaos view).
    pub fn chaos_rows(&self) -> Vec<&crate::chaos::Experiment> {
        self.chaos.as_ref().map(|c| c.rows()).unwrap_or_default()
    }

    pub fn backup_rows(&self) -> Vec<&crate::backups::Row> {
        self.backups
            .as_ref()
            .map(|b| b.worst_first())
            .unwrap_or_default()
    }
}

impl Model {
    /// A cluster's worst SLO: its smallest budget left and the worst state.
    pub fn worst_slo(&self, context: &str) -> Option<&SloRow> {
        self.worst_slo_where(|c| c == context)
    }

    /// The worst SLO of the clusters whose context `keep` accepts.
    pub fn worst_slo_where(&self, keep: impl Fn(&str) -> bool) -> Option<&SloRow> {
        self.slos
            .iter()
            .map(|(r, _)| r)
            .filter(|r| keep(&r.context))
            .min_by(|a, b| {
                slo_rank(a).cmp(&slo_rank(b)).then(
                    a.budget_remaining
                        .unwrap_or(f64::INFINITY)
                        .total_cmp(&b.budget_remaining.unwrap_or(f64::INFINITY)),
                )
            })
    }
}

/// How many sort keys the current view has.
pub fn sort_keys(view: &View) -> &'static [&'static str] {
    match view {
        View::Fleet => FLEET_SORTS,
        View::Cluster { .. } => CLUSTER_SORTS,
        View::Workloads => LINE_SORTS,
        View::Rollouts => ROLLOUT_SORTS,
        View::Slo => SLO_SORTS,
        View::Cost { .. } => COST_SORTS,
        View::Backups => BACKUP_SORTS,
        View::Chaos => CHAOS_SORTS,
        View::Journal
        | View::Change { .. }
        | View::Graph { .. }
        | View::Query
        | View::Detail { .. }
        | View::Failover { .. }
        | View::Remediations => &[],
    }
}
