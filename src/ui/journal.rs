//! The Journal view: what this console did (its journal) and what other
//! fleetdeck consoles did (their Events in the clusters), newest first.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};
use ratatui::Frame;

use super::widgets::{table, window, TableSpec};
use super::Ctx;
use crate::app::order::order;
use crate::fleet::summary::age;

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let m = ctx.model;
    let ord = order(ctx.app, m);
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, area.height);
    let rows: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| m.timeline.get(*i))
        .map(|r| {
            let result_style = match r.result.as_str() {
                "ok" | "applied" => t.status.ok,
                "pending" | "unverified" | "not_applied" => t.status.warn,
                _ => t.status.error,
            };
            Row::new(vec![
                Cell::from(format!("{} ago", age(m.now, r.at))),
                Cell::from(Span::styled(
                    r.source.clone(),
                    if r.source == "journal" {
                        Style::default()
                    } else {
                        t.table.skew
                    },
                )),
                Cell::from(r.context.clone()),
                Cell::from(r.target.clone()),
                Cell::from(r.action.clone()),
                Cell::from(Span::styled(r.result.clone(), result_style)),
                Cell::from(r.by.clone()),
                Cell::from(r.reason.clone()),
            ])
        })
        .collect();
    let title = Line::from(vec![
        Span::styled(format!(" Journal [{}] ", ord.len()), t.ui.title),
        Span::styled(
            "this console's journal + other consoles' Events + SLO alerts ",
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
                "WHEN", "SOURCE", "CONTEXT", "TARGET", "ACTION", "RESULT", "BY", "REASON",
            ],
            widths: vec![
                Constraint::Length(9),
                Constraint::Length(14),
                Constraint::Length(16),
                Constraint::Length(30),
                Constraint::Length(8),
                Constraint::Length(11),
                Constraint::Length(14),
                Constraint::Fill(1),
            ],
            rows,
            selected,
        },
    );
}
