//! The Query view: a query's answer as a table — only the rows on screen are
//! drawn, so a hundred thousand scroll like ten — with the query above and
//! what it matched, how long it took and what could not be evaluated below.

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use ratatui::Frame;

use super::widgets::{table, window, TableSpec};
use super::Ctx;
use crate::app::order::order;
use crate::app::query_state::QueryState;
use crate::query::Answer;

/// Each column's width: its header or its widest cell among the first rows.
fn widths(a: &Answer, now: DateTime<Utc>) -> Vec<Constraint> {
    let mut w: Vec<usize> = a.columns.iter().map(|c| c.len()).collect();
    for h in a.rows.iter().take(500) {
        for (i, c) in h.cells.iter().enumerate() {
            w[i] = w[i].max(c.show(now).chars().count());
        }
    }
    let last = w.len().saturating_sub(1);
    w.iter()
        .enumerate()
        .map(|(i, n)| match i == last {
            true => Constraint::Min((*n).min(60) as u16),
            false => Constraint::Length((*n).min(48) as u16),
        })
        .collect()
}

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let Some(q) = &ctx.app.query else {
        return;
    };
    let [top, area, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut said = vec![
        Span::styled(" ", t.ui.dim),
        Span::styled(q.text.clone(), t.ui.title),
    ];
    if let Some(p) = &q.phrase {
        said.insert(1, Span::styled(format!("{p} = "), t.ui.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(said)), top);
    let a = match &q.state {
        QueryState::Running => {
            frame.render_widget(Paragraph::new(Span::styled(" asking…", t.ui.dim)), area);
            return;
        }
        QueryState::Failed(e) => {
            frame.render_widget(
                Paragraph::new(Span::styled(format!(" {e}"), t.status.error)),
                area,
            );
            return;
        }
        QueryState::Done(a) => a,
    };
    let now = ctx.model.now;
    let ord = order(ctx.app, ctx.model);
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, area.height);
    let rows: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| a.rows.get(*i))
        .map(|h| Row::new(h.cells.iter().map(|c| Cell::from(c.show(now)))))
        .collect();
    let header: Vec<String> = a.columns.iter().map(|c| c.to_uppercase()).collect();
    table(
        frame,
        area,
        t,
        TableSpec {
            title: Line::from(Span::styled(
                format!(" {} [{}] ", a.kind, ord.len()),
                t.ui.title,
            )),
            header: header.iter().map(String::as_str).collect(),
            widths: widths(a, now),
            rows,
            selected,
        },
    );
    let style = match a.errors {
        0 => t.ui.dim,
        _ => t.status.warn,
    };
    // Said, so a number on screen is never taken for older than it is.
    let live = match q.answered_at {
        Some(at) if a.kind != "fields" => format!(
            " · answered {}s ago, asked again every {}s",
            (now - at).num_seconds().max(0),
            crate::app::query::REASK_SECS
        ),
        _ => String::new(),
    };
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {}{live}", a.summary()), style)),
        bottom,
    );
}
