//! The graph view: one workload's dependencies as a tree — who calls it,
//! then what it calls, depth first, each call with its rate, errors and
//! source, and each workload's health. Enter re-roots on the selected row.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use ratatui::Frame;

use super::widgets::{table, window, TableSpec};
use super::Ctx;
use crate::app::order::order;
use crate::deps::graph::Node;
use crate::deps::layout::{figures, indented};

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx, cluster: usize, root: &Node) {
    let t = ctx.theme;
    let m = ctx.model;
    let context = m
        .rows
        .get(cluster)
        .map(|r| r.meta.context.clone())
        .unwrap_or_default();
    let d = m.cluster_deps(cluster);
    let mut notes: Vec<String> = Vec::new();
    match d {
        None if m.deps.is_none() => notes.push("reading traffic and declarations…".into()),
        None => notes.push(format!(
            "{context}: no dependencies known (no mesh traffic in its Prometheus, no fleetdeck.io/depends-on, no [[service]] depends_on)"
        )),
        Some(d) => {
            if let Some(e) = &d.traffic_error {
                notes.push(format!("traffic unknown: {e}; declared edges only"));
            }
            notes.extend(d.problems.iter().cloned());
            if !m.graph.iter().any(|r| r.depth > 0) {
                notes.push(format!("{root}: nothing calls it and it calls nothing known"));
            }
        }
    }
    let cause = d.and_then(|d| {
        let f = d.failing(root);
        crate::deps::health::deepest(&f).map(|x| x.short())
    });
    let ord = order(ctx.app, m);
    let [area, below] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(notes.len().min(4) as u16),
    ])
    .areas(area);
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, area.height);
    let cap = (area.width as usize / 24).max(1);
    let name = |r: &crate::deps::layout::Row| {
        let mut name = indented(r, cap);
        if r.again {
            name.push_str(" (above)");
        }
        name
    };
    let name_width = m
        .graph
        .iter()
        .map(|r| name(r).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(24, 64) as u16;
    let rows: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| m.graph.get(*i))
        .map(|r| {
            let name = name(r);
            let name_style = match r.depth {
                0 => t.ui.title,
                _ => ratatui::style::Style::default(),
            };
            let health = match &r.trouble {
                Some(x) => Span::styled(format!("✗ {x}"), t.status.warn),
                None => Span::styled("ok", t.status.ok),
            };
            Row::new(vec![
                Cell::from(Span::styled(name, name_style)),
                Cell::from(Span::styled(
                    r.edge.as_ref().map(figures).unwrap_or_default(),
                    t.ui.dim,
                )),
                Cell::from(health),
            ])
        })
        .collect();
    let mut heading = Line::from(vec![Span::styled(
        format!(" Dependencies — {root} on {context} [{}] ", ord.len()),
        t.ui.title,
    )]);
    if let Some(c) = cause {
        heading
            .spans
            .push(Span::styled(format!("likely cause: {c} "), t.status.warn));
    }
    table(
        frame,
        area,
        t,
        TableSpec {
            title: heading,
            header: vec!["WORKLOAD", "CALL", "HEALTH"],
            widths: vec![
                Constraint::Length(name_width),
                Constraint::Length(34),
                Constraint::Min(24),
            ],
            rows,
            selected,
        },
    );
    let shown: Vec<Line> = notes
        .into_iter()
        .take(4)
        .map(|n| Line::from(Span::styled(format!(" {n}"), t.status.unknown)))
        .collect();
    frame.render_widget(Paragraph::new(shown), below);
}
