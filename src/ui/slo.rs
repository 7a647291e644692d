//! The SLO view: SLO × cluster, worst first — objective and window, SLI,
//! budget left as a bar that can go negative, burn per window pair marked when
//! over its threshold, alert state, data age and a sparkline of the 5-minute
//! error ratio.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};
use ratatui::Frame;

use ratatui::layout::Layout;
use ratatui::widgets::Paragraph;

use super::widgets::{table, window, Fitted, TableSpec, CHAOS_MARK, DEP_MARK};
use super::workloads::title;
use super::Ctx;
use crate::app::model::SLO_SORTS;
use crate::app::order::order;
use crate::slo::eval::{SloRow, SloState};
use crate::theme::Theme;

pub fn state_style(t: &Theme, s: SloState) -> Style {
    match s {
        SloState::Ok => t.status.ok,
        SloState::Ticket | SloState::NoData => t.status.warn,
        SloState::Page | SloState::Error => t.status.error,
    }
}

/// `████░░░░ 48%`, or `!!!!!!!! -12%` once blown.
fn budget_bar(v: Option<f64>, width: usize) -> String {
    let Some(v) = v else { return "—".into() };
    if v < 0.0 {
        return format!("{} {:.0}%", "!".repeat(width), v * 100.0);
    }
    let full = ((v.min(1.0) * width as f64).round() as usize).min(width);
    format!(
        "{}{} {:.0}%",
        "█".repeat(full),
        "░".repeat(width - full),
        v * 100.0
    )
}

/// Eight levels per cell, scaled to the series' own maximum.
pub fn sparkline(points: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail = &points[points.len().saturating_sub(width)..];
    let max = tail.iter().copied().fold(0.0_f64, f64::max);
    tail.iter()
        .map(|p| {
            if max <= 0.0 || !p.is_finite() {
                BARS[0]
            } else {
                BARS[((p / max) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

fn pair_cells<'a>(r: &SloRow, t: &Theme) -> Vec<Cell<'a>> {
    r.alerts
        .iter()
        .map(|a| {
            let b = |x: Option<f64>| x.map_or("—".into(), |x| format!("{x:.1}"));
            let text = format!("{}/{}", b(a.long_burn), b(a.short_burn));
            let over = a.long_burn.is_some_and(|x| x > a.threshold)
                || a.short_burn.is_some_and(|x| x > a.threshold);
            let style = if a.firing {
                t.status.error
            } else if over {
                t.status.warn
            } else {
                Style::default()
            };
            Cell::from(Span::styled(
                if a.firing {
                    format!("{text} ▲")
                } else {
                    text
                },
                style,
            ))
        })
        .collect()
}

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let m = ctx.model;
    let ord = order(ctx.app, m);
    let [area, why] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let width = |f: &dyn Fn(&SloRow) -> usize, min: usize| {
        m.slos
            .iter()
            .map(|(r, _)| f(r))
            .max()
            .unwrap_or(0)
            .clamp(min, 32) as u16
    };
    // (header, width, keep): on a narrow terminal the lowest `keep` goes first.
    let cols: [(&str, u16, u8); 12] = [
        ("SLO", width(&|r| r.name.len(), 3), 9),
        ("CLUSTER", width(&|r| r.context.len(), 7), 9),
        ("OBJECTIVE", 10, 4),
        ("SLI", 8, 2),
        ("BUDGET", 13, 8),
        ("1h/5m", 11, 9),
        ("6h/30m", 11, 7),
        ("1d/2h", 10, 6),
        ("3d/6h", 10, 5),
        ("STATE", 9, 9),
        ("AGE", 4, 3),
        ("5m ERRORS", 16, 1),
    ];
    let fitted = Fitted::new(&cols, area.width.saturating_sub(2));
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, area.height);
    let rows: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| m.slos.get(*i))
        .map(|(r, history)| {
            let mut state = r.state.as_str().to_string();
            if r.low_traffic {
                state.push_str(" low-traffic");
            }
            if r.anomaly.is_some() {
                state.push_str(" anomaly");
            }
            if m.under_chaos(&r.context) {
                state.push(' ');
                state.push_str(CHAOS_MARK);
            }
            if m.slo_cause(&r.context, &r.name).is_some() {
                state.push(' ');
                state.push_str(DEP_MARK);
            }
            let mut cells = vec![
                Cell::from(r.name.clone()),
                Cell::from(r.context.clone()),
                Cell::from(format!("{}% {}", r.objective, r.window)),
                Cell::from(r.sli.map_or("—".into(), |s| format!("{:.3}%", s * 100.0))),
                Cell::from(Span::styled(
                    budget_bar(r.budget_remaining, 6),
                    if r.budget_remaining.is_some_and(|b| b < 0.0) {
                        t.status.error
                    } else {
                        Style::default()
                    },
                )),
            ];
            cells.extend(pair_cells(r, t));
            cells.push(Cell::from(Span::styled(state, state_style(t, r.state))));
            cells.push(Cell::from(if r.age_seconds > 0 {
                format!("{}s", r.age_seconds)
            } else {
                "now".into()
            }));
            cells.push(Cell::from(Span::styled(sparkline(history, 16), t.ui.dim)));
            fitted.row(cells)
        })
        .collect();
    let selected_row = crate::app::order::selected(ctx.app, &ord).and_then(|i| m.slos.get(i));
    if let Some((r, _)) = selected_row {
        let mut line = explain(r, t);
        // An SLO burning while an experiment runs on its cluster: say so
        // first, before anyone pages on it.
        if let Some(c) = m.chaos_mark(&r.context) {
            line.spans.insert(
                1,
                Span::styled(format!("{CHAOS_MARK} {c} · "), t.status.warn),
            );
        }
        // A dependency failing under the service: the likely cause, first.
        if let Some(c) = m.slo_cause(&r.context, &r.name) {
            line.spans.insert(
                1,
                Span::styled(format!("{DEP_MARK} likely cause: {c} · "), t.status.warn),
            );
        }
        frame.render_widget(Paragraph::new(line), why);
    }
    let mut heading = title(ctx, "SLOs".into(), ord.len(), SLO_SORTS);
    if m.slos.is_empty() {
        heading.spans.push(Span::styled(
            "no [[slo]] in the config (docs/config.md) ",
            t.status.warn,
        ));
    }
    table(
        frame,
        area,
        t,
        TableSpec {
            title: heading,
            header: fitted.header,
            widths: fitted.widths,
            rows,
            selected,
        },
    );
}

/// The line under the table: the selected row's error, source note and
/// time to exhaustion.
fn explain(r: &SloRow, t: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!(" {} on {} ", r.name, r.context),
        t.ui.title,
    )];
    if let Some(e) = &r.error {
        spans.push(Span::styled(format!("{e} "), t.status.error));
    }
    if let Some(s) = r.exhaustion_seconds {
        spans.push(Span::styled(
            format!("budget gone in {} · ", human(s)),
            t.status.warn,
        ));
    }
    if let Some(z) = r.anomaly {
        spans.push(Span::styled(
            format!("anomaly: 5m ratio at robust z {z:.1} against its last 30 refreshes · "),
            t.status.warn,
        ));
    }
    if let Some(n) = &r.note {
        spans.push(Span::styled(n.clone(), t.ui.dim));
    }
    Line::from(spans)
}

fn human(secs: u64) -> String {
    match secs {
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 2 * 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// The fleet's SLO column: the worst budget of the cluster.
pub fn fleet_cell<'a>(r: Option<&SloRow>, t: &Theme) -> Line<'a> {
    match r {
        None => Line::from(Span::styled("—", t.ui.dim)),
        Some(r) => Line::from(Span::styled(
            match r.budget_remaining {
                Some(b) => format!("{:.0}%", b * 100.0),
                None => r.state.as_str().to_string(),
            },
            state_style(t, r.state),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_sparklines() {
        assert_eq!(budget_bar(Some(0.5), 4), "██░░ 50%");
        assert_eq!(budget_bar(Some(-0.25), 4), "!!!! -25%");
        assert_eq!(budget_bar(None, 4), "—");
        assert_eq!(sparkline(&[0.0, 1.0, 2.0], 8), "▁▅█");
        assert_eq!(sparkline(&[0.0, 0.0], 8), "▁▁");
        assert_eq!(sparkline(&[1.0, 2.0, 3.0], 2), "▆█");
    }
}
