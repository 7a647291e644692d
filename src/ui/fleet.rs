//! The Fleet view: one row per cluster.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use ratatui::Frame;

use super::widgets::{accent, known, or_dash, state_span, style_if, table, TableSpec};
use super::Ctx;
use crate::app::model::{order, FLEET_SORTS};
use crate::fleet::summary::{age, ClusterRow, ClusterState};

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let m = ctx.model;
    let ord = order(ctx.app, m);
    let [area, why] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let selected = ord.get(ctx.app.screen().selected.min(ord.len().saturating_sub(1)));
    if let Some(r) = selected.and_then(|i| m.rows.get(*i)) {
        frame.render_widget(Paragraph::new(explain(r, m.now, ctx)), why);
    }
    let rows: Vec<Row> = ord
        .iter()
        .filter_map(|i| m.rows.get(*i))
        .map(|r| {
            let name_style = match accent(r.meta.accent.as_deref()) {
                Some(c) => Style::default().fg(c),
                None => Style::default(),
            };
            let mut name = r.meta.name.clone();
            if r.meta.protected {
                name.push_str(" ⚑");
            }
            if r.meta.read_only && !ctx.app.read_only {
                name.push_str(" ro");
            }
            let pods = known(&r.pods, t, |p| format!("{}/{}/", p.running, p.pending));
            let failing = r.pods.value().map(|p| p.failing).unwrap_or(0);
            let pods_cell = Line::from(vec![
                pods,
                Span::styled(
                    if r.pods.value().is_some() {
                        failing.to_string()
                    } else {
                        String::new()
                    },
                    style_if(failing > 0, t.status.error, Style::default()),
                ),
            ]);
            let nodes_short = r.nodes.value().is_some_and(|n| n.ready < n.total);
            let unhealthy = r.workloads.value().is_some_and(|w| w.healthy < w.total);
            Row::new(vec![
                Cell::from(Span::styled(name, name_style)),
                Cell::from(or_dash(r.meta.group.as_deref())),
                Cell::from(format!(
                    "{}{}",
                    or_dash(r.meta.region.as_deref()),
                    r.meta
                        .cloud
                        .as_deref()
                        .map(|c| format!("/{c}"))
                        .unwrap_or_default()
                )),
                Cell::from(or_dash(r.meta.role.as_deref())),
                Cell::from(state_span(r, m.now, t)),
                Cell::from(or_dash(r.version.as_deref())),
                Cell::from(
                    known(&r.nodes, t, |n| format!("{}/{}", n.ready, n.total))
                        .patch_style(style_if(nodes_short, t.status.warn, Style::default())),
                ),
                Cell::from(pods_cell),
                Cell::from(
                    known(&r.workloads, t, |w| format!("{}/{}", w.healthy, w.total))
                        .patch_style(style_if(unhealthy, t.status.warn, Style::default())),
                ),
                Cell::from(known(&r.rollouts, t, |ro| {
                    format!("{}/{}/{}", ro.progressing, ro.paused, ro.degraded)
                })),
                Cell::from(known(&r.warnings, t, |w| w.to_string())),
            ])
        })
        .collect();
    let s = ctx.app.screen();
    let title = Line::from(vec![
        Span::styled(format!(" Fleet [{}] ", ord.len()), t.ui.title),
        Span::styled(
            format!(
                "sort: {}{} ",
                FLEET_SORTS.get(s.sort).unwrap_or(&"name"),
                if s.reverse { " ↑" } else { "" }
            ),
            t.ui.dim,
        ),
    ]);
    table(
        frame,
        area,
        t,
        TableSpec {
            title,
            header: vec![
                "CLUSTER",
                "GROUP",
                "REGION",
                "ROLE",
                "STATE",
                "VERSION",
                "NODES",
                "PODS R/P/F",
                "WORKLOADS",
                "ROLLOUTS P/‖/D",
                "WARN",
            ],
            widths: vec![
                Constraint::Length(widest(m.rows.iter().map(|r| r.meta.name.len() + 2), 7)),
                Constraint::Length(widest(
                    m.rows
                        .iter()
                        .map(|r| r.meta.group.as_ref().map_or(1, |g| g.len())),
                    5,
                )),
                Constraint::Length(widest(
                    m.rows.iter().map(|r| {
                        r.meta.region.as_ref().map_or(1, |g| g.len())
                            + r.meta.cloud.as_ref().map_or(0, |c| c.len() + 1)
                    }),
                    6,
                )),
                Constraint::Length(8),
                Constraint::Length(16),
                Constraint::Length(widest(
                    m.rows
                        .iter()
                        .map(|r| r.version.as_ref().map_or(1, |v| v.len())),
                    7,
                )),
                Constraint::Length(6),
                Constraint::Length(12),
                Constraint::Length(9),
                Constraint::Length(14),
                Constraint::Length(5),
            ],
            rows,
            selected: (!ord.is_empty()).then_some(s.selected.min(ord.len().saturating_sub(1))),
        },
    );
}

/// One line under the table about the selected cluster: why it is not ok, and
/// how old its data is.
fn explain(r: &ClusterRow, now: chrono::DateTime<chrono::Utc>, ctx: &Ctx) -> Line<'static> {
    let t = ctx.theme;
    let seen = r
        .last_seen
        .map(|s| format!(" · last seen {} ago", age(now, s)))
        .unwrap_or_default();
    let (style, text) = match (&r.state, &r.excluded) {
        (ClusterState::Unreachable { error, .. }, _) => {
            (t.status.error, format!("unreachable: {error}"))
        }
        (_, Some(why)) => (t.status.excluded, format!("excluded: {why}")),
        (ClusterState::Degraded { reasons }, _) => {
            (t.status.warn, format!("degraded: {}", reasons.join("; ")))
        }
        (s, _) => (t.ui.dim, s.word().to_string()),
    };
    let seen = if matches!(r.state, ClusterState::Ok) {
        String::new()
    } else {
        seen
    };
    Line::from(vec![
        Span::styled(format!(" {} ", r.meta.context), t.ui.title),
        Span::styled(text, style),
        Span::styled(seen, t.ui.dim),
    ])
}

/// A column as wide as its widest cell (capped), at least `min`.
fn widest(cells: impl Iterator<Item = usize>, min: usize) -> u16 {
    cells.max().unwrap_or(0).clamp(min, 40) as u16
}
