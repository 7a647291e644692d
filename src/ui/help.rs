//! Overlays: help generated from the active keymap, and the command palette's
//! list of commands.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::Ctx;
use crate::app::state::InputKind;
use crate::app::update::COMMANDS;
use crate::keymap::Mode;

use super::prompt::centred;

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let mut lines = Vec::new();
    for mode in [Mode::Global, Mode::Table, Mode::Detail] {
        let bindings = ctx.keymap.bindings(mode);
        if bindings.is_empty() {
            continue;
        }
        lines.push(Line::from(Span::styled(
            format!("{} keys", mode.name()),
            t.table.header,
        )));
        for (action, chords) in bindings {
            let keys: Vec<String> = chords.iter().map(|c| c.to_string()).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<16}", keys.join(" ")), t.ui.key_hint),
                Span::raw(action.description()),
            ]));
        }
    }
    for note in [
        "filter: a regex, case-insensitive; !text inverts",
        "SLO burn = error ratio / (1 − objective); a window pair fires",
        "  when both its windows burn over k (SRE Workbook, as Sloth).",
        "SLO anomaly: modified z-score (median/MAD) of the 5m ratio",
        "  against its last 30 refreshes; flagged above 3.5.",
    ] {
        lines.push(Line::from(Span::styled(note, t.ui.dim)));
    }
    let h = lines.len() as u16 + 2;
    let box_ = centred(area, 64, h);
    frame.render_widget(Clear, box_);
    frame.render_widget(
        Paragraph::new(lines).style(t.ui.base).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.ui.border)
                .title(Span::styled(" Help ", t.ui.title)),
        ),
        box_,
    );
}

/// Commands (and cluster names) that start with what has been typed.
pub fn draw_palette(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let typed = match &ctx.app.input {
        Some(i) if i.kind == InputKind::Command => i.text.trim().to_string(),
        _ => return,
    };
    let mut lines: Vec<Line> = COMMANDS
        .iter()
        .filter(|(c, _)| c.starts_with(typed.split_whitespace().next().unwrap_or("")))
        .map(|(c, d)| {
            Line::from(vec![
                Span::styled(format!(":{c:<12}"), t.ui.key_hint),
                Span::styled(d.to_string(), t.ui.dim),
            ])
        })
        .collect();
    for r in &ctx.model.rows {
        if !typed.is_empty() && r.meta.name.starts_with(&typed) {
            lines.push(Line::from(vec![
                Span::styled(format!(":{:<12}", r.meta.name), t.ui.key_hint),
                Span::styled("cluster", t.ui.dim),
            ]));
        }
    }
    if lines.is_empty() {
        return;
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let [_, bottom] = Layout::vertical([Constraint::Fill(1), Constraint::Length(h)]).areas(area);
    let box_ = Rect {
        width: bottom.width.min(70),
        ..bottom
    };
    frame.render_widget(Clear, box_);
    frame.render_widget(
        Paragraph::new(lines).style(t.ui.base).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.ui.border)
                .title(Span::styled(" Commands ", t.ui.title)),
        ),
        box_,
    );
}
