//! The Backups view: every Velero schedule in the fleet, worst first — the
//! last successful backup's age against its recovery-point objective — and
//! under it what else is wrong: storage locations not Available, restores
//! under way, clusters that could not be read.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use ratatui::Frame;

use super::widgets::{table, window, TableSpec};
use super::workloads::title;
use super::Ctx;
use crate::app::model::BACKUP_SORTS;
use crate::app::order::order;
use crate::backups::fleet::FleetBackups;
use crate::backups::State;
use crate::theme::Theme;

/// `45m`, `2.5h`, `26h`, `9d`: an age or an objective; `-` when there is none.
pub(super) fn hours(s: Option<i64>) -> String {
    match s {
        None => "-".into(),
        Some(s) if s < 3600 => format!("{}m", s / 60),
        Some(s) if s < 10 * 3600 => format!("{:.1}h", s as f64 / 3600.0),
        Some(s) if s < 100 * 3600 => format!("{}h", s / 3600),
        Some(s) => format!("{}d", s / 86400),
    }
}

pub(super) fn state_word(s: State) -> &'static str {
    match s {
        State::Ok => "ok",
        State::Late => "late",
        State::Failing => "failing",
        State::Unknown => "unknown",
    }
}

pub(super) fn state_style(s: State, t: &Theme) -> Style {
    match s {
        State::Ok => t.status.ok,
        State::Late => t.status.warn,
        State::Failing => t.status.error,
        State::Unknown => t.status.unknown,
    }
}

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let m = ctx.model;
    let rows = m.backup_rows();
    let ord = order(ctx.app, m);
    let notes = m.backups.as_deref().map(beside).unwrap_or_default();
    let [area, below, why] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(notes.len().min(8) as u16),
        Constraint::Length(1),
    ])
    .areas(area);
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, area.height);
    let lines: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| rows.get(*i))
        .map(|r| {
            let why = r
                .last_error
                .clone()
                .or_else(|| r.warning.clone())
                .unwrap_or_default();
            Row::new(vec![
                Cell::from(r.context.clone()),
                Cell::from(r.schedule.clone()),
                Cell::from(Span::styled(state_word(r.state), state_style(r.state, t))),
                Cell::from(hours(r.age_seconds)),
                Cell::from(hours(r.rpo_seconds)),
                Cell::from(Span::styled(why, t.ui.dim)),
            ])
        })
        .collect();
    let mut heading = title(ctx, "Backups (Velero)".into(), ord.len(), BACKUP_SORTS);
    if m.backups.is_none() {
        heading.spans.push(Span::styled("reading… ", t.ui.dim));
    }
    table(
        frame,
        area,
        t,
        TableSpec {
            title: heading,
            header: vec!["CLUSTER", "SCHEDULE", "STATE", "AGE", "RPO", "WHY"],
            widths: vec![
                Constraint::Length(18),
                Constraint::Length(22),
                Constraint::Length(8),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Min(10),
            ],
            rows: lines,
            selected,
        },
    );
    let shown: Vec<Line> = notes
        .into_iter()
        .take(8)
        .map(|(text, bad)| {
            Line::from(Span::styled(
                format!(" {text}"),
                if bad { t.status.warn } else { t.ui.dim },
            ))
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), below);
    let sel = crate::app::order::selected(ctx.app, &ord).and_then(|i| rows.get(i));
    let line = match sel {
        Some(r) => format!(
            " {} {}: last success {} · objective from {}",
            r.context,
            r.schedule,
            r.last_success
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "never".into()),
            r.rpo_from.as_deref().unwrap_or("nothing")
        ),
        None => " no Velero schedule found".into(),
    };
    frame.render_widget(Paragraph::new(Span::styled(line, t.ui.dim)), why);
}

/// What is wrong beside the schedules, one line each (`true`: a problem).
fn beside(b: &FleetBackups) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for f in &b.clusters {
        for l in &f.locations {
            let phase = l.phase.as_deref().unwrap_or("not validated");
            out.push((
                format!("{}: storage location {} is {phase}", f.context, l.name),
                true,
            ));
        }
        for r in &f.restores {
            out.push((
                format!(
                    "{}: restore {} {} (from {})",
                    f.context,
                    r.name,
                    r.phase,
                    r.backup.as_deref().unwrap_or("?")
                ),
                false,
            ));
        }
        if f.unread() {
            let note = f.note.as_deref().unwrap_or_default();
            out.push((format!("{}: not read: {note}", f.context), true));
        }
    }
    out
}

/// The Fleet view's BACKUP cell over the clusters `keep` accepts: their
/// worst schedule and its age; `unread` when one could not be read.
pub(super) fn fleet_cell(ctx: &Ctx, keep: impl Fn(&str) -> bool) -> Span<'static> {
    let t = ctx.theme;
    let Some(b) = ctx.model.backups.as_deref() else {
        return Span::styled("—", t.ui.dim);
    };
    let found: Vec<_> = b.clusters.iter().filter(|f| keep(&f.context)).collect();
    let worst = found
        .iter()
        .filter_map(|f| f.worst())
        .min_by_key(|r| crate::backups::fleet::sort_key(r));
    match worst {
        _ if found.iter().any(|f| f.unread()) && worst.is_none_or(|r| r.state == State::Ok) => {
            Span::styled("unread", t.status.warn)
        }
        // The last success's age: `ok 20m`, `30h old` (late; seven cells
        // keep GROUP beside it at 120 columns); a failing schedule's newest
        // backup failed, whatever the age.
        Some(r) => Span::styled(
            match r.state {
                State::Ok => format!("ok {}", hours(r.age_seconds)),
                State::Late if r.age_seconds.is_none() => "never".to_string(),
                State::Late => format!("{} old", hours(r.age_seconds)),
                s => state_word(s).to_string(),
            },
            state_style(r.state, t),
        ),
        None if found.is_empty() => Span::styled("—", t.ui.dim),
        None => Span::styled("none", t.ui.dim),
    }
}
