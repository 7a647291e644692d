//! The Journal view — the fleet timeline: what changed in every cluster
//! (revisions, scales, hand edits, warning Events, nodes, clusters), this
//! console's and other consoles' actions and SLO alerts, newest first.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};
use ratatui::Frame;

use super::widgets::{table, window, TableSpec};
use super::Ctx;
use crate::app::order::order;
use crate::fleet::summary::age;
use crate::timeline::ChangeKind;

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let m = ctx.model;
    let ord = order(ctx.app, m);
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, area.height);
    let rows: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| m.timeline.get(*i))
        .map(|g| {
            let c = g.head();
            let contexts = g.contexts();
            let (context, also) = match contexts.as_slice() {
                [one] => (one.to_string(), String::new()),
                many => (
                    format!("{} clusters", many.len()),
                    format!("  ({})", many.join(", ")),
                ),
            };
            let style = match c.kind {
                ChangeKind::Warning | ChangeKind::Cluster | ChangeKind::Node => t.status.warn,
                ChangeKind::Edit => t.table.skew,
                ChangeKind::Slo if c.summary.ends_with("firing") => t.status.error,
                _ => Style::default(),
            };
            let summary = format!("{}{also}", c.summary);
            let what = if c.summary.contains(" failed") || c.summary.contains("unreachable") {
                Span::styled(summary, t.status.error)
            } else {
                Span::raw(summary)
            };
            Row::new(vec![
                Cell::from(format!("{} ago", age(m.now, c.time))),
                Cell::from(context),
                Cell::from(Span::styled(c.kind.word(), style)),
                Cell::from(c.object.to_string()),
                Cell::from(what),
                Cell::from(c.by.clone().unwrap_or_default()),
            ])
        })
        .collect();
    let title = Line::from(vec![
        Span::styled(format!(" Changes [{}] ", ord.len()), t.ui.title),
        Span::styled(
            format!(
                "what changed in the last {}: clusters, workloads, nodes, Events, actions, SLO alerts (:since AGE) ",
                crate::basics::duration::words(ctx.app.since_secs)
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
            header: vec!["WHEN", "CONTEXT", "KIND", "OBJECT", "WHAT", "BY"],
            widths: vec![
                Constraint::Length(9),
                Constraint::Length(16),
                Constraint::Length(9),
                Constraint::Length(36),
                Constraint::Fill(1),
                Constraint::Length(26),
            ],
            rows,
            selected,
        },
    );
}
