//! The small confirm prompt the Failover and Remediations views share: a
//! reason box, one more field (a name to type, a time), and what is still
//! missing.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;
use tui_textarea::TextArea;

use crate::theme::Theme;

/// A centred box of at most `w`×`h` inside `area`.
pub fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    let [_, mid, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(h),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, c, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(w),
        Constraint::Fill(1),
    ])
    .areas(mid);
    c
}

pub struct PromptView<'a> {
    pub title: String,
    pub reason: &'a TextArea<'static>,
    /// The second field's label (empty: no second field).
    pub label: String,
    pub second: &'a str,
    pub on_second: bool,
    /// What is still missing, or `None` when Enter goes.
    pub missing: Option<String>,
}

pub fn draw(frame: &mut Frame, area: Rect, t: &Theme, p: PromptView) {
    let box_ = centred(area, area.width.saturating_sub(4).min(80), 9);
    frame.render_widget(Clear, box_);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.status.warn)
        .title(Span::styled(format!(" {} ", p.title), t.ui.title));
    let inner = block.inner(box_);
    frame.render_widget(block, box_);
    let [reason, second, help] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(2),
        Constraint::Min(0),
    ])
    .areas(inner);
    let mut ta = p.reason.clone();
    ta.set_block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(if p.on_second {
                t.ui.border
            } else {
                t.ui.filter
            })
            .title("reason"),
    );
    frame.render_widget(&ta, reason);
    let tab = if p.label.is_empty() {
        ""
    } else {
        " · tab: switch field"
    };
    if !p.label.is_empty() {
        let cursor = if p.on_second { "█" } else { "" };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(p.label, t.ui.dim),
                Span::styled(format!("{}{cursor}", p.second), t.ui.filter),
            ])),
            second,
        );
    }
    let hint = p.missing.unwrap_or_else(|| "enter: go".into());
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!("{hint}{tab} · esc: cancel"),
            t.ui.dim,
        ))),
        help,
    );
}
