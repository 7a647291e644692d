//! The Chaos view: every experiment in the fleet, running first — kind,
//! state, for how long, what it hits, Litmus's verdict — and under it the
//! clusters whose experiments could not be read.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use ratatui::Frame;

use super::widgets::{table, window, TableSpec};
use super::workloads::title;
use super::Ctx;
use crate::app::model::CHAOS_SORTS;
use crate::app::order::order;
use crate::chaos::{minutes, Experiment, Phase};
use crate::theme::Theme;

fn phase_style(p: Phase, t: &Theme) -> ratatui::style::Style {
    match p {
        Phase::Running => t.status.warn,
        Phase::Paused => t.status.unknown,
        Phase::Finished | Phase::Stopped => t.ui.dim,
    }
}

/// Litmus's results: `pod-delete Awaited 100%`.
fn verdicts(e: &Experiment) -> String {
    e.results
        .iter()
        .map(|r| {
            let probe = r
                .probe_success_percentage
                .map(|p| format!(" {p:.0}%"))
                .unwrap_or_default();
            format!(
                "{} {}{probe}",
                r.experiment,
                r.verdict.as_deref().unwrap_or("-")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let m = ctx.model;
    let rows = m.chaos_rows();
    let ord = order(ctx.app, m);
    let notes: Vec<String> = m
        .chaos
        .as_deref()
        .map(|c| {
            c.clusters
                .iter()
                .filter_map(|f| {
                    Some(format!(
                        "{}: experiments unknown: {}",
                        f.context,
                        f.note.as_ref()?
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let [area, below, why] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(notes.len().min(6) as u16),
        Constraint::Length(1),
    ])
    .areas(area);
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, area.height);
    let lines: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| rows.get(*i))
        .map(|e| {
            let age = e
                .since
                .filter(|_| e.phase.active())
                .map(|s| minutes((m.now - s).num_seconds()))
                .unwrap_or_else(|| "-".into());
            Row::new(vec![
                Cell::from(e.context.clone()),
                Cell::from(e.kind.name()),
                Cell::from(format!("{}/{}", e.namespace, e.name)),
                Cell::from(Span::styled(e.phase.as_str(), phase_style(e.phase, t))),
                Cell::from(age),
                Cell::from(e.reach()),
                Cell::from(Span::styled(verdicts(e), t.ui.dim)),
            ])
        })
        .collect();
    let mut heading = title(ctx, "Chaos experiments".into(), ord.len(), CHAOS_SORTS);
    if m.chaos.is_none() {
        heading.spans.push(Span::styled("reading… ", t.ui.dim));
    }
    table(
        frame,
        area,
        t,
        TableSpec {
            title: heading,
            header: vec![
                "CLUSTER",
                "KIND",
                "EXPERIMENT",
                "STATE",
                "FOR",
                "HITS",
                "VERDICT",
            ],
            widths: vec![
                Constraint::Length(15),
                Constraint::Length(12),
                Constraint::Length(24),
                Constraint::Length(8),
                Constraint::Length(7),
                Constraint::Min(24),
                Constraint::Length(16),
            ],
            rows: lines,
            selected,
        },
    );
    let shown: Vec<Line> = notes
        .into_iter()
        .take(6)
        .map(|n| Line::from(Span::styled(format!(" {n}"), t.status.unknown)))
        .collect();
    frame.render_widget(Paragraph::new(shown), below);
    let sel = crate::app::order::selected(ctx.app, &ord).and_then(|i| rows.get(i));
    if let Some(e) = sel {
        frame.render_widget(Paragraph::new(explain(e, t)), why);
    }
}

/// The selected experiment: what it spawns and what its selectors ask for.
fn explain(e: &Experiment, t: &Theme) -> Line<'static> {
    let mut text = String::new();
    if !e.spawns.is_empty() {
        text.push_str(&format!("runs {} · ", e.spawns.join(", ")));
    }
    for s in &e.selectors {
        let ns = match s.namespaces.is_empty() {
            true => s.pods.keys().cloned().collect::<Vec<_>>().join(","),
            false => s.namespaces.join(","),
        };
        let labels = match s.labels.is_empty() {
            true => "every pod".to_string(),
            false => s.labels.clone(),
        };
        text.push_str(&format!("selects {labels} in {ns} · "));
    }
    Line::from(vec![
        Span::styled(
            format!(
                " {} {}/{} on {} ",
                e.kind.name(),
                e.namespace,
                e.name,
                e.context
            ),
            t.ui.title,
        ),
        Span::styled(text, t.ui.dim),
    ])
}
