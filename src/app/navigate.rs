//! Moving around: drilling into a row, going back, paging, jumping to a
//! cluster by name, and which cluster or Rollout detail is on screen.

use super::fleet_list::Line;
use super::model::Model;
use super::msg::Effect;
use super::order::order;
use super::state::{App, View, Yaml};
use crate::fleet::objects::WorkloadKind;

pub(super) fn back(app: &mut App) {
    if !app.screen().filter.is_empty() {
        app.screen_mut().filter.clear();
        app.screen_mut().selected = 0;
    } else if app.screens.len() > 1 {
        app.screens.pop();
        app.yaml = None;
    }
}

pub(super) fn move_by(app: &mut App, delta: i64, rows: usize) {
    let s = app.screen_mut();
    if let View::Detail { .. } = s.view {
        s.scroll = (s.scroll as i64 + delta).clamp(0, u16::MAX as i64 / 2) as u16;
        return;
    }
    let max = rows.saturating_sub(1) as i64;
    s.selected = (s.selected as i64 + delta).clamp(0, max.max(0)) as usize;
}

/// Enter / `d` / `y` on the selected row: drill into it.
pub(super) fn open(app: &mut App, model: &Model, yaml: bool) -> Vec<Effect> {
    let ord = order(app, model);
    let sel = app.screen().selected.min(ord.len().saturating_sub(1));
    let target = match &app.screen().view {
        View::Fleet => {
            let list = super::fleet_list::fleet_list(app, model);
            match list.selected(app) {
                Some(Line::Cluster(i))
                    if model.rows.get(i).is_some_and(|r| r.meta.metrics_only()) =>
                {
                    app.message = Some(format!(
                        "{}: known only to the metrics engine; no context reaches it",
                        model.rows[i].meta.name
                    ));
                    None
                }
                Some(Line::Cluster(i)) => Some(View::Cluster { cluster: i }),
                Some(Line::Gathering(g)) => {
                    super::fleet_list::toggle(app, &list.gatherings[g].key);
                    None
                }
                None => None,
            }
        }
        View::Cluster { cluster } => {
            ord.get(sel)
                .and_then(|i| model.workloads.get(*i))
                .map(|w| View::Detail {
                    cluster: *cluster,
                    kind: w.kind,
                    namespace: w.namespace.clone(),
                    name: w.name.clone(),
                    yaml,
                })
        }
        View::Journal => ord
            .get(sel)
            .and_then(|i| model.timeline.get(*i))
            .map(|g| View::Change { key: g.key() }),
        // Enter on a row of the graph: the graph around that workload.
        View::Graph { cluster, .. } => ord
            .get(sel)
            .and_then(|i| model.graph.get(*i))
            .filter(|r| r.depth > 0)
            .map(|r| View::Graph {
                cluster: *cluster,
                namespace: r.node.namespace.clone(),
                name: r.node.name.clone(),
            }),
        View::Change { .. }
        | View::Query
        | View::Slo
        | View::Remediations
        | View::Backups
        | View::Chaos
        | View::Failover { plan: Some(_) } => None,
        View::Failover { plan: None } => {
            ord.get(sel)
                .and_then(|i| model.plans.get(*i))
                .map(|r| View::Failover {
                    plan: Some(r.plan.name.clone()),
                })
        }
        View::Cost { context, namespace } => {
            let lines = model.cost_lines(context.as_deref(), namespace.as_deref());
            let picked = ord
                .get(sel)
                .and_then(|i| lines.get(*i))
                .map(|l| l.name.clone());
            match (context, namespace, picked) {
                (None, _, Some(c)) => Some(View::Cost {
                    context: Some(c),
                    namespace: None,
                }),
                (Some(c), None, Some(ns)) => Some(View::Cost {
                    context: Some(c.clone()),
                    namespace: Some(ns),
                }),
                _ => None,
            }
        }
        View::Rollouts => ord
            .get(sel)
            .and_then(|i| model.rollouts.get(*i))
            .map(|r| View::Detail {
                cluster: r.cluster,
                kind: WorkloadKind::Rollout,
                namespace: r.info.namespace.clone(),
                name: r.info.name.clone(),
                yaml,
            }),
        View::Workloads => ord
            .get(sel)
            .and_then(|i| model.lines.get(*i))
            .and_then(|l| {
                // The first cluster that has it; the line shows all of them.
                let cluster = l.cells.iter().position(Option::is_some)?;
                Some(View::Detail {
                    cluster,
                    kind: l.kind,
                    namespace: l.namespace.clone(),
                    name: l.name.clone(),
                    yaml,
                })
            }),
        View::Detail {
            cluster,
            kind,
            namespace,
            name,
            ..
        } => {
            // In a detail, `d` and `y` both switch the pane (description ↔ YAML).
            let (cluster, kind, namespace, name) =
                (*cluster, *kind, namespace.clone(), name.clone());
            if let View::Detail { yaml: y, .. } = &mut app.screen_mut().view {
                *y = !*y;
            }
            return fetch_if_yaml(app, cluster, kind, namespace, name);
        }
    };
    let Some(view) = target else {
        return Vec::new();
    };
    let effects = match &view {
        View::Detail {
            cluster,
            kind,
            namespace,
            name,
            yaml: true,
        } => vec![Effect::FetchYaml {
            cluster: *cluster,
            kind: *kind,
            namespace: namespace.clone(),
            name: name.clone(),
        }],
        _ => Vec::new(),
    };
    if !effects.is_empty() {
        app.yaml = Some(Yaml::Loading);
    }
    app.push(view);
    effects
}

/// `t`: the dependency graph of the selected workload (or the detail's).
pub(super) fn open_graph(app: &mut App, model: &Model) {
    let ord = order(app, model);
    let sel = app.screen().selected.min(ord.len().saturating_sub(1));
    let picked = match &app.screen().view {
        View::Cluster { cluster } => ord
            .get(sel)
            .and_then(|i| model.workloads.get(*i))
            .map(|w| (*cluster, w.namespace.clone(), w.name.clone())),
        View::Detail {
            cluster,
            namespace,
            name,
            ..
        } => Some((*cluster, namespace.clone(), name.clone())),
        // The first cluster whose graph has it.
        View::Workloads => ord
            .get(sel)
            .and_then(|i| model.lines.get(*i))
            .and_then(|l| {
                let node = crate::deps::graph::Node::new(&l.namespace, &l.name);
                let cluster = (0..model.rows.len()).find(|c| {
                    model
                        .cluster_deps(*c)
                        .is_some_and(|d| d.graph.nodes().contains(&node))
                })?;
                Some((cluster, l.namespace.clone(), l.name.clone()))
            }),
        View::Graph { .. } => return,
        _ => {
            app.message = Some("t shows a workload's dependencies: select one first".into());
            return;
        }
    };
    let Some((cluster, namespace, name)) = picked else {
        app.message = Some("no dependencies known for this workload".into());
        return;
    };
    app.push(View::Graph {
        cluster,
        namespace,
        name,
    });
}

pub(super) fn fetch_if_yaml(
    app: &mut App,
    cluster: usize,
    kind: crate::fleet::objects::WorkloadKind,
    namespace: String,
    name: String,
) -> Vec<Effect> {
    if let View::Detail { yaml: true, .. } = app.screen().view {
        app.yaml = Some(Yaml::Loading);
        app.screen_mut().scroll = 0;
        return vec![Effect::FetchYaml {
            cluster,
            kind,
            namespace,
            name,
        }];
    }
    Vec::new()
}

/// The Rollout detail on screen, as `cluster/namespace/name`.
pub fn tree_key(app: &App) -> Option<String> {
    match &app.screen().view {
        View::Detail {
            cluster,
            kind: WorkloadKind::Rollout,
            namespace,
            name,
            yaml: false,
        } => Some(format!("{cluster}/{namespace}/{name}")),
        _ => None,
    }
}

/// The cluster the operator is looking at (a cluster view or a detail).
pub fn current_cluster(app: &App) -> Option<usize> {
    app.screens.iter().rev().find_map(|s| match s.view {
        View::Cluster { cluster } | View::Detail { cluster, .. } => Some(cluster),
        _ => None,
    })
}

pub(super) fn find_cluster(name: &str, model: &Model) -> Option<usize> {
    model
        .rows
        .iter()
        .position(|r| r.meta.name == name || r.meta.reaches(name))
}

pub(super) fn goto_cluster(app: &mut App, name: &str, model: &Model) {
    match find_cluster(name, model) {
        Some(i) if model.rows[i].meta.metrics_only() => {
            app.message = Some(format!(
                "{name}: known only to the metrics engine; no context reaches it"
            ))
        }
        Some(i) => {
            app.screens.truncate(1);
            app.push(View::Cluster { cluster: i });
        }
        None => app.message = Some(format!("no cluster named {name}")),
    }
}
