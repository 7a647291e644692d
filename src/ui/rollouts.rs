//! The fleet-wide Rollouts view and the Rollout part of the detail pane:
//! steps with the current one marked, revisions with their pods, analysis
//! runs — as `kubectl argo rollouts get rollout --watch` shows them.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};
use ratatui::Frame;

use super::widgets::{table, window, TableSpec};
use super::workloads::title;
use super::Ctx;
use crate::app::model::ROLLOUT_SORTS;
use crate::app::order::order;
use crate::fleet::rollout::{Phase, RolloutInfo, Strategy};
use crate::fleet::rollout_tree::RolloutTree;
use crate::theme::Theme;

pub fn phase_style(t: &Theme, p: Phase) -> Style {
    match p {
        Phase::Healthy => t.status.ok,
        Phase::Progressing | Phase::Paused => t.status.warn,
        Phase::Degraded => t.status.error,
    }
}

fn weights(i: &RolloutInfo) -> String {
    match (i.set_weight, i.actual_weight) {
        (Some(s), Some(a)) => format!("{s}/{a}"),
        (Some(s), None) => format!("{s}/?"),
        _ => "—".into(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let m = ctx.model;
    let ord = order(ctx.app, m);
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, area.height);
    let width =
        |f: &dyn Fn(&crate::fleet::handles::RolloutRow) -> usize, min: usize, max: usize| {
            m.rollouts.iter().map(f).max().unwrap_or(0).clamp(min, max) as u16
        };
    let cluster_w = width(&|r| r.cluster_name.len(), 7, 24);
    let name_w = width(&|r| r.info.namespace.len() + r.info.name.len() + 1, 7, 40);
    let rows: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| m.rollouts.get(*i))
        .map(|r| {
            let i = &r.info;
            let phase = if i.pause_reasons.is_empty() {
                i.phase.to_string()
            } else {
                format!("{} ({})", i.phase, i.pause_reasons.join(","))
            };
            Row::new(vec![
                Cell::from(r.cluster_name.clone()),
                Cell::from(format!("{}/{}", i.namespace, i.name)),
                Cell::from(i.strategy.to_string()),
                Cell::from(Span::styled(phase, phase_style(t, i.phase))),
                Cell::from(
                    i.step
                        .map(|(n, m)| format!("{n}/{m}"))
                        .unwrap_or("—".into()),
                ),
                Cell::from(weights(i)),
                Cell::from(format!("{}/{}", i.ready, i.desired)),
                Cell::from(i.message.clone()),
            ])
        })
        .collect();
    table(
        frame,
        area,
        t,
        TableSpec {
            title: title(
                ctx,
                "Rollouts across the fleet".into(),
                ord.len(),
                ROLLOUT_SORTS,
            ),
            header: vec![
                "CLUSTER",
                "ROLLOUT",
                "STRATEGY",
                "PHASE",
                "STEP",
                "WEIGHT SET/ACT",
                "READY",
                "MESSAGE",
            ],
            widths: vec![
                Constraint::Length(cluster_w),
                Constraint::Length(name_w),
                Constraint::Length(10),
                Constraint::Length(28),
                Constraint::Length(6),
                Constraint::Length(15),
                Constraint::Length(6),
                Constraint::Min(10),
            ],
            rows,
            selected,
        },
    );
}

/// The Rollout lines of the detail pane.
pub fn detail_lines(
    t: &Theme,
    r: &RolloutInfo,
    tree: Option<&Result<RolloutTree, String>>,
) -> Vec<Line<'static>> {
    let head = |s: &str| Line::from(Span::styled(s.to_string(), t.table.header));
    let mut out = Vec::new();
    let mut status = vec![
        Span::styled(format!("{} ", r.strategy), t.ui.title),
        Span::styled(r.phase.to_string(), phase_style(t, r.phase)),
    ];
    if !r.pause_reasons.is_empty() {
        status.push(Span::styled(
            format!("  paused: {}", r.pause_reasons.join(", ")),
            t.status.warn,
        ));
    }
    if !r.message.is_empty() {
        status.push(Span::styled(format!("  {}", r.message), t.ui.dim));
    }
    out.push(Line::from(status));
    match r.strategy {
        Strategy::Canary => {
            out.push(Line::from(format!(
                "weight   set {}% · actual {}%",
                r.set_weight.map(|w| w.to_string()).unwrap_or("?".into()),
                r.actual_weight.map(|w| w.to_string()).unwrap_or("?".into())
            )));
            if !r.steps.is_empty() {
                out.push(head("steps"));
                let cur = r.step.map(|(n, _)| n as usize).unwrap_or(0);
                for (i, s) in r.steps.iter().enumerate() {
                    let (mark, style) = if i < cur {
                        ("✔", t.status.ok)
                    } else if i == cur {
                        ("▶", t.table.selected)
                    } else {
                        (" ", t.ui.dim)
                    };
                    out.push(Line::from(Span::styled(format!(" {mark} {i}: {s}"), style)));
                }
            }
        }
        Strategy::BlueGreen => {
            out.push(Line::from(format!(
                "active   {} → {}",
                r.active_service.clone().unwrap_or("?".into()),
                r.active_selector.clone().unwrap_or("—".into())
            )));
            out.push(Line::from(format!(
                "preview  {} → {}",
                r.preview_service.clone().unwrap_or("?".into()),
                r.preview_selector.clone().unwrap_or("—".into())
            )));
        }
        Strategy::Unknown => {}
    }
    out.push(head("revisions"));
    match tree {
        None => out.push(Line::from(Span::styled("  loading…", t.ui.dim))),
        Some(Err(e)) => out.push(Line::from(Span::styled(format!("  {e}"), t.status.error))),
        Some(Ok(tree)) => {
            for rev in &tree.revisions {
                let roles = if rev.roles.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", rev.roles.join(","))
                };
                let style = if rev.ready >= rev.desired {
                    t.status.ok
                } else {
                    t.status.warn
                };
                out.push(Line::from(vec![
                    Span::styled(
                        format!("  rev {} {}{roles} ", rev.revision, rev.name),
                        t.ui.title,
                    ),
                    Span::styled(format!("{}/{} ready ", rev.ready, rev.desired), style),
                    Span::styled(rev.images.join(","), t.ui.dim),
                ]));
                for p in &rev.pods {
                    let style = if p.ready { t.status.ok } else { t.status.warn };
                    let mark = if p.ready { "✔" } else { "◌" };
                    out.push(Line::from(Span::styled(
                        format!("      {mark} {} {}", p.name, p.phase),
                        style,
                    )));
                }
            }
            if !tree.slo.is_empty() {
                out.push(head("canary vs stable (release gate)"));
                for (state, name, detail) in &tree.slo {
                    let style = match state.as_str() {
                        "go" => t.status.ok,
                        "stop" => t.status.error,
                        _ => t.status.warn,
                    };
                    out.push(Line::from(Span::styled(
                        format!("  {state} {name}: {detail}"),
                        style,
                    )));
                }
            }
            if !tree.analysis.is_empty() {
                out.push(head("analysis runs"));
                for a in &tree.analysis {
                    out.push(Line::from(format!("  {} {}", a.name, a.phase)));
                    for (m, phase, value) in &a.metrics {
                        out.push(Line::from(Span::styled(
                            format!("      {m}: {phase} (last {value})"),
                            t.ui.dim,
                        )));
                    }
                }
            }
        }
    }
    out
}
