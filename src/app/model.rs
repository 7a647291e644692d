//! What the current view shows, pulled from the fleet when its data changed,
//! and the filtered, sorted order of its rows (shared by update and draw, so a
//! selection always means the row on screen).

use chrono::{DateTime, Utc};
use regex::{Regex, RegexBuilder};

use super::state::{App, View};
use super::timeline::TimelineRow;
use crate::console::Console;
use crate::fleet::handles::{with_data, Fleet, RolloutRow};
use crate::fleet::rollout::Phase;
use crate::fleet::summary::{ClusterRow, ClusterState, FleetTotals, WorkloadLine};
use crate::fleet::workloads::{cluster_workloads, workload_detail, WorkloadDetail, WorkloadRow};
use crate::slo::eval::SloRow;

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub now: DateTime<Utc>,
    pub rows: Vec<ClusterRow>,
    pub totals: FleetTotals,
    /// Fleet-wide workload lines (Workloads view only).
    pub lines: Vec<WorkloadLine>,
    /// The drilled-into cluster's workloads (Cluster view only).
    pub workloads: Vec<WorkloadRow>,
    pub detail: Option<WorkloadDetail>,
    /// Rollouts view only.
    pub rollouts: Vec<RolloutRow>,
    /// Every SLO row with its sparkline (the SLO view and the fleet's SLO column).
    pub slos: Vec<(SloRow, Vec<f64>)>,
    /// The latest cost figures (the Cost view, the fleet's $/H column).
    pub costs: Option<std::sync::Arc<crate::cost::report::Costs>>,
    /// Journal view only; filled by the loop, which caches the journal file.
    pub timeline: Vec<TimelineRow>,
    /// Failover plans with both sides' state (filled by the loop).
    pub plans: Vec<super::failover::PlanRow>,
    /// An excluded primary and the plan that moves its service (Fleet view).
    pub failover_hint: Option<String>,
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
            ..Default::default()
        };
        match &app.screen().view {
            View::Fleet
            | View::Journal
            | View::Slo
            | View::Cost { .. }
            | View::Failover { .. }
            | View::Remediations => {}
            View::Workloads => m.lines = fleet.workload_lines(),
            View::Rollouts => m.rollouts = fleet.rollout_rows(),
            View::Cluster { cluster } => {
                if let Some(c) = fleet.clusters.get(*cluster) {
                    m.workloads = with_data(&c.data, cluster_workloads);
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

/// One row of the Cost view at its current level.
#[derive(Debug, Clone, PartialEq)]
pub struct CostLine {
    pub name: String,
    pub cost: f64,
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
                    cost: x.cost_per_hour,
                    idle: Some(x.idle_per_hour),
                    efficiency: None,
                    detail: format!(
                        "{} · {:.3} kWh/h{} · {}",
                        x.source,
                        x.kwh_per_hour,
                        x.co2e_g_per_hour
                            .map(|g| format!(", {g:.0} g CO2e/h"))
                            .unwrap_or_default(),
                        x.carbon
                    ),
                })
                .collect(),
            (Some(ctx), None) => c
                .namespaces
                .iter()
                .filter(|g| g.context == ctx)
                .map(|g| CostLine {
                    name: g.namespace.clone(),
                    cost: g.cost_per_hour,
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
                    cost: g.cost_per_hour,
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

fn slo_rank(r: &SloRow) -> u8 {
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
    /// A cluster's worst SLO: its smallest budget left and the worst state.
    pub fn worst_slo(&self, context: &str) -> Option<&SloRow> {
        self.slos
            .iter()
            .map(|(r, _)| r)
            .filter(|r| r.context == context)
            .min_by(|a, b| {
                slo_rank(a).cmp(&slo_rank(b)).then(
                    a.budget_remaining
                        .unwrap_or(f64::INFINITY)
                        .total_cmp(&b.budget_remaining.unwrap_or(f64::INFINITY)),
                )
            })
    }
}

/// Worst first: what needs an operator now.
fn phase_rank(p: Phase) -> u8 {
    match p {
        Phase::Degraded => 0,
        Phase::Paused => 1,
        Phase::Progressing => 2,
        Phase::Healthy => 3,
    }
}

fn state_rank(r: &ClusterRow) -> u8 {
    match (&r.state, &r.excluded) {
        (ClusterState::Unreachable { .. }, _) => 0,
        (_, Some(_)) => 1,
        (ClusterState::Degraded { .. }, _) => 2,
        (ClusterState::Connecting | ClusterState::Syncing { .. }, _) => 3,
        (ClusterState::Ok, _) => 4,
    }
}

fn apply_order<T, K: Ord>(
    items: &[T],
    keep: impl Fn(&T) -> bool,
    key: impl Fn(&T) -> K,
    reverse: bool,
) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..items.len()).filter(|i| keep(&items[*i])).collect();
    idx.sort_by_key(|i| key(&items[*i]));
    if reverse {
        idx.reverse();
    }
    idx
}

/// Row order of the current list view: indices into the model's list. Sort
/// keys are (number, name): the number is 0 when sorting by name.
pub fn order(app: &App, m: &Model) -> Vec<usize> {
    let s = app.screen();
    let f = Filter::new(app.filter());
    match &s.view {
        View::Fleet => apply_order(
            &m.rows,
            |r| {
                f.keep(&format!(
                    "{} {} {} {} {} {}",
                    r.meta.name,
                    r.meta.context,
                    r.meta.group.as_deref().unwrap_or(""),
                    r.meta.region.as_deref().unwrap_or(""),
                    r.meta.cloud.as_deref().unwrap_or(""),
                    r.state.word()
                ))
            },
            |r| {
                let pods = r.pods.value().unwrap_or_default();
                // Bigger counts first: they are what an operator looks for.
                let n = match s.sort {
                    1 => state_rank(r) as i64,
                    2 => -(r.nodes.value().map(|n| n.total).unwrap_or(0) as i64),
                    3 => -((pods.running + pods.pending + pods.failing) as i64),
                    4 => -(pods.failing as i64),
                    5 => -(r.warnings.value().unwrap_or(0) as i64),
                    _ => 0,
                };
                (n, r.meta.name.clone())
            },
            s.reverse,
        ),
        View::Cluster { .. } => apply_order(
            &m.workloads,
            |w| {
                f.keep(&format!(
                    "{}/{} {} {} {}",
                    w.namespace,
                    w.name,
                    w.kind.name(),
                    w.status,
                    w.images.join(" ")
                ))
            },
            |w| {
                let n = match s.sort {
                    1 => w.kind as i64,
                    2 => (w.ready - w.desired) as i64,
                    3 => -(w.restarts as i64),
                    4 => w.healthy as i64,
                    _ => 0,
                };
                (n, format!("{}/{}", w.namespace, w.name))
            },
            s.reverse,
        ),
        View::Workloads => apply_order(
            &m.lines,
            |l| f.keep(&format!("{}/{} {}", l.namespace, l.name, l.kind.name())),
            |l| {
                let n = match s.sort {
                    1 => !(l.replica_skew || l.image_skew) as i64,
                    2 => -(l.cells.iter().flatten().count() as i64),
                    _ => 0,
                };
                (n, format!("{}/{}", l.namespace, l.name))
            },
            s.reverse,
        ),
        View::Journal => {
            // Newest first; the filter looks at every column.
            (0..m.timeline.len())
                .filter(|i| {
                    let r = &m.timeline[*i];
                    f.keep(&format!(
                        "{} {} {} {} {} {} {}",
                        r.source, r.context, r.target, r.action, r.result, r.by, r.reason
                    ))
                })
                .collect()
        }
        View::Rollouts => apply_order(
            &m.rollouts,
            |r| {
                f.keep(&format!(
                    "{} {}/{} {} {} {}",
                    r.cluster_name,
                    r.info.namespace,
                    r.info.name,
                    r.info.strategy,
                    r.info.phase,
                    r.info.pause_reasons.join(" ")
                ))
            },
            |r| {
                let name = format!("{}/{}", r.info.namespace, r.info.name);
                match s.sort {
                    0 => (phase_rank(r.info.phase) as usize, name, r.cluster),
                    2 => (r.cluster, name, 0),
                    _ => (0, name, r.cluster),
                }
            },
            s.reverse,
        ),
        View::Cost { context, namespace } => {
            let lines = m.cost_lines(context.as_deref(), namespace.as_deref());
            let mut idx: Vec<usize> = (0..lines.len())
                .filter(|i| f.keep(&lines[*i].name))
                .collect();
            let key2 = |l: &CostLine| l.idle.or(l.efficiency.map(|e| -e)).unwrap_or(0.0);
            idx.sort_by(|a, b| {
                let (x, y) = (&lines[*a], &lines[*b]);
                match s.sort {
                    1 => key2(y).total_cmp(&key2(x)).then(x.name.cmp(&y.name)),
                    2 => x.name.cmp(&y.name),
                    _ => y.cost.total_cmp(&x.cost).then(x.name.cmp(&y.name)),
                }
            });
            if s.reverse {
                idx.reverse();
            }
            idx
        }
        View::Slo => {
            let mut idx: Vec<usize> = (0..m.slos.len())
                .filter(|i| {
                    let r = &m.slos[*i].0;
                    f.keep(&format!("{} {} {}", r.name, r.context, r.state.as_str()))
                })
                .collect();
            let budget = |i: &usize| m.slos[*i].0.budget_remaining.unwrap_or(f64::INFINITY);
            let name = |i: &usize| (m.slos[*i].0.name.clone(), m.slos[*i].0.context.clone());
            idx.sort_by(|a, b| match s.sort {
                1 => budget(a).total_cmp(&budget(b)).then(name(a).cmp(&name(b))),
                2 => name(a).cmp(&name(b)),
                _ => slo_rank(&m.slos[*a].0)
                    .cmp(&slo_rank(&m.slos[*b].0))
                    .then(budget(a).total_cmp(&budget(b)))
                    .then(name(a).cmp(&name(b))),
            });
            if s.reverse {
                idx.reverse();
            }
            idx
        }
        View::Failover { plan: None } => (0..m.plans.len())
            .filter(|i| {
                let p = &m.plans[*i].plan;
                f.keep(&format!(
                    "{} {} {} {}",
                    p.name,
                    p.service,
                    p.primary,
                    p.standbys.join(" ")
                ))
            })
            .collect(),
        View::Remediations => {
            let entries = &app.remediation.entries;
            (0..entries.len())
                .filter(|i| {
                    let p = &entries[*i].proposal;
                    f.keep(&format!(
                        "{} {} {} {} {}",
                        p.id,
                        p.source.as_str(),
                        p.context,
                        p.object,
                        p.summary
                    ))
                })
                .collect()
        }
        View::Failover { .. } | View::Detail { .. } => Vec::new(),
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
        View::Journal | View::Detail { .. } | View::Failover { .. } | View::Remediations => &[],
    }
}
