//! Row order of each list view: indices into the model's list, filtered by
//! the view's filter and sorted by its sort key (worst or biggest first; the
//! name breaks ties). One function per view; `order` picks the current one.

use super::model::{slo_rank, CostLine, Filter, Model};
use super::state::{App, Screen, View};
use crate::fleet::rollout::Phase;
use crate::fleet::summary::{ClusterRow, ClusterState};

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
        (ClusterState::Ok | ClusterState::Summary { error: None, .. }, _) => 4,
        (ClusterState::Summary { .. }, _) => 2,
        (ClusterState::Listed { .. }, _) => 5,
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

/// The selected row's index into the view's list, `ord` being its order
/// (the selection is clamped: the list may have shrunk since).
pub fn selected(app: &App, ord: &[usize]) -> Option<usize> {
    ord.get(app.screen().selected.min(ord.len().saturating_sub(1)))
        .copied()
}

/// Row order of the current list view.
pub fn order(app: &App, m: &Model) -> Vec<usize> {
    let s = app.screen();
    let f = Filter::new(app.filter());
    match &s.view {
        View::Fleet => fleet(m, s, &f),
        View::Cluster { .. } => cluster(m, s, &f),
        View::Workloads => workloads(m, s, &f),
        View::Journal => journal(m, &f),
        View::Change { .. } => Vec::new(),
        View::Rollouts => rollouts(m, s, &f),
        View::Cost { context, namespace } => {
            cost(m, s, &f, context.as_deref(), namespace.as_deref())
        }
        View::Slo => slo(m, s, &f),
        View::Backups => backups(m, s, &f),
        View::Chaos => chaos(m, s, &f),
        View::Failover { plan: None } => failover(m, &f),
        View::Remediations => remediations(app, &f),
        View::Graph { .. } => graph(m, &f),
        View::Query => query(app, &f),
        View::Failover { .. } | View::Detail { .. } => Vec::new(),
    }
}

/// The tree's own order (callers, the workload, then its calls): a filter
/// hides rows, sorting would break the tree.
fn graph(m: &Model, f: &Filter) -> Vec<usize> {
    (0..m.graph.len())
        .filter(|i| f.keep(&m.graph[*i].node.to_string()))
        .collect()
}

/// The answer's own order (the query's `order by`); a filter matches a
/// row's cells.
fn query(app: &App, f: &Filter) -> Vec<usize> {
    use super::query_state::QueryState;
    let Some(QueryState::Done(a)) = app.query.as_ref().map(|q| &q.state) else {
        return Vec::new();
    };
    if app.filter().is_empty() {
        return (0..a.rows.len()).collect();
    }
    let texts = a.row_texts(chrono::Utc::now());
    (0..a.rows.len()).filter(|i| f.keep(&texts[*i])).collect()
}

fn fleet(m: &Model, s: &Screen, f: &Filter) -> Vec<usize> {
    apply_order(
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
    )
}

fn cluster(m: &Model, s: &Screen, f: &Filter) -> Vec<usize> {
    apply_order(
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
    )
}

fn workloads(m: &Model, s: &Screen, f: &Filter) -> Vec<usize> {
    apply_order(
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
    )
}

/// Newest first; the filter looks at every column.
fn journal(m: &Model, f: &Filter) -> Vec<usize> {
    {
        // Newest first; the filter looks at every column.
        (0..m.timeline.len())
            .filter(|i| {
                let g = &m.timeline[*i];
                let c = g.head();
                f.keep(&format!(
                    "{} {} {} {} {} {}",
                    g.contexts().join(" "),
                    c.kind.word(),
                    c.object,
                    c.by.as_deref().unwrap_or(""),
                    c.summary,
                    c.detail.as_deref().unwrap_or("")
                ))
            })
            .collect()
    }
}

fn rollouts(m: &Model, s: &Screen, f: &Filter) -> Vec<usize> {
    apply_order(
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
    )
}

fn cost(
    m: &Model,
    s: &Screen,
    f: &Filter,
    context: Option<&str>,
    namespace: Option<&str>,
) -> Vec<usize> {
    {
        let lines = m.cost_lines(context, namespace);
        let mut idx: Vec<usize> = (0..lines.len())
            .filter(|i| f.keep(&lines[*i].name))
            .collect();
        let key2 = |l: &CostLine| l.idle.or(l.efficiency.map(|e| -e)).unwrap_or(0.0);
        idx.sort_by(|a, b| {
            let (x, y) = (&lines[*a], &lines[*b]);
            match s.sort {
                1 => key2(y).total_cmp(&key2(x)).then(x.name.cmp(&y.name)),
                2 => x.name.cmp(&y.name),
                // Unknown costs sort after every known one.
                _ => (y.cost.is_some().cmp(&x.cost.is_some()))
                    .then(y.cost.unwrap_or(0.0).total_cmp(&x.cost.unwrap_or(0.0)))
                    .then(x.name.cmp(&y.name)),
            }
        });
        if s.reverse {
            idx.reverse();
        }
        idx
    }
}

fn slo(m: &Model, s: &Screen, f: &Filter) -> Vec<usize> {
    {
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
}

/// Running first (longest running first), by age, or by cluster and name.
fn chaos(m: &Model, s: &Screen, f: &Filter) -> Vec<usize> {
    let rows = m.chaos_rows();
    apply_order(
        &rows,
        |e| {
            f.keep(&format!(
                "{} {} {}/{} {}",
                e.context,
                e.kind.name(),
                e.namespace,
                e.name,
                e.phase.as_str()
            ))
        },
        |e| {
            let name = format!("{} {}/{}", e.context, e.namespace, e.name);
            match s.sort {
                1 => (None, e.since, name),
                2 => (None, None, name),
                _ => (Some(e.phase), e.since, name),
            }
        },
        s.reverse,
    )
}

/// Worst first (failing, late oldest first, unknown, ok), by age, or by
/// cluster and schedule.
fn backups(m: &Model, s: &Screen, f: &Filter) -> Vec<usize> {
    let rows = m.backup_rows();
    apply_order(
        &rows,
        |r| {
            f.keep(&format!(
                "{} {} {:?} {}",
                r.context,
                r.schedule,
                r.state,
                r.last_error.as_deref().unwrap_or("")
            ))
        },
        |r| {
            let name = format!("{} {}", r.context, r.schedule);
            match s.sort {
                1 => (0, std::cmp::Reverse(r.age_seconds), name),
                2 => (0, std::cmp::Reverse(None), name),
                _ => (
                    crate::backups::fleet::rank(r.state),
                    std::cmp::Reverse(r.age_seconds),
                    name,
                ),
            }
        },
        s.reverse,
    )
}

fn failover(m: &Model, f: &Filter) -> Vec<usize> {
    (0..m.plans.len())
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
        .collect()
}

fn remediations(app: &App, f: &Filter) -> Vec<usize> {
    {
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
}
