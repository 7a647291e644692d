//! One line of the timeline opened: what, where, who, when, its detail
//! (the fields an edit wrote, the Events' message, the journal record) and,
//! for a group, the same change in every cluster it reached.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

use super::Ctx;
use crate::fleet::summary::age;

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx, key: &str) {
    let t = ctx.theme;
    let m = ctx.model;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.ui.border)
        .title(Span::styled(" Change ", t.ui.title));
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<9}"), t.ui.dim),
            Span::raw(value),
        ])
    };
    let lines: Vec<Line> = match m.timeline.iter().find(|g| g.key() == key) {
        None => vec![Line::from(Span::styled(
            "no longer in the timeline's window (esc goes back)",
            t.ui.dim,
        ))],
        Some(g) => {
            let h = g.head();
            let mut lines = vec![
                field("what", format!("{} {}", h.kind.word(), h.summary)),
                field("object", h.object.to_string()),
                field("by", h.by.clone().unwrap_or_else(|| "unknown".into())),
                field(
                    "when",
                    format!("{} ago ({})", age(m.now, h.time), h.time.to_rfc3339()),
                ),
            ];
            if h.count > 1 {
                let first = h
                    .first
                    .map(|f| format!(", first {} ago", age(m.now, f)))
                    .unwrap_or_default();
                lines.push(field("count", format!("{}{first}", h.count)));
            }
            if let Some(d) = &h.detail {
                lines.push(field("detail", d.clone()));
            }
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(
                format!("in {} cluster(s):", g.contexts().len()),
                t.ui.title,
            )));
            for c in &g.members {
                lines.push(Line::raw(format!(
                    "  {:<9} {:<20} {}{}",
                    format!("{} ago", age(m.now, c.time)),
                    c.context,
                    c.by.as_deref()
                        .map(|b| format!("by {b}"))
                        .unwrap_or_default(),
                    c.detail
                        .as_deref()
                        .filter(|_| g.members.len() > 1)
                        .map(|d| format!(" — {d}"))
                        .unwrap_or_default(),
                )));
            }
            lines
        }
    };
    super::widgets::scrolled(frame, area, block, lines, ctx.app.screen().scroll);
}
