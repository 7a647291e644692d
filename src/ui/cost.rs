//! The Cost view: clusters ($/h, idle, energy and CO2e), a cluster's
//! namespaces, a namespace's workloads (cost, efficiency, basis); under a
//! cluster, its right-sizing candidates with their hourly saving.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use ratatui::Frame;

use super::widgets::{table, window, TableSpec};
use super::workloads::title;
use super::Ctx;
use crate::app::model::COST_SORTS;
use crate::app::order::order;
use crate::app::state::View;

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let m = ctx.model;
    let View::Cost { context, namespace } = &ctx.app.screen().view else {
        return;
    };
    let lines = m.cost_lines(context.as_deref(), namespace.as_deref());
    let ord = order(ctx.app, m);
    let candidates: Vec<_> = match (&m.costs, context, namespace) {
        (Some(c), Some(ctx_name), None) => {
            let mut r: Vec<_> = c
                .right_sizing
                .iter()
                .filter(|r| &r.context == ctx_name)
                .collect();
            r.sort_by(|a, b| b.saving_per_hour.total_cmp(&a.saving_per_hour));
            r
        }
        _ => Vec::new(),
    };
    let extra = if candidates.is_empty() {
        0
    } else {
        candidates.len().min(6) as u16 + 1
    };
    let [area, rs, why] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(extra),
        Constraint::Length(1),
    ])
    .areas(area);
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, area.height);
    let rows: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| lines.get(*i))
        .map(|l| {
            Row::new(vec![
                Cell::from(l.name.clone()),
                match l.cost {
                    Some(c) => Cell::from(format!("${c:.4}")),
                    None => Cell::from(Span::styled("unknown", t.status.warn)),
                },
                Cell::from(match (l.idle, l.efficiency) {
                    (Some(i), _) => format!("${i:.4} idle"),
                    (None, Some(e)) => format!("{:.0}% efficient", e * 100.0),
                    _ => "—".into(),
                }),
                Cell::from(Span::styled(l.detail.clone(), t.ui.dim)),
            ])
        })
        .collect();
    let level = match (context, namespace) {
        (None, _) => "Cost per cluster".to_string(),
        (Some(c), None) => format!("Cost of {c} by namespace"),
        (Some(c), Some(ns)) => format!("Cost of {c}/{ns} by workload"),
    };
    let mut heading = title(ctx, level, ord.len(), COST_SORTS);
    if m.costs.is_none() {
        heading.spans.push(Span::styled("computing… ", t.ui.dim));
    }
    table(
        frame,
        area,
        t,
        TableSpec {
            title: heading,
            header: vec!["NAME", "$/HOUR", "IDLE / EFFICIENCY", "DETAIL"],
            widths: vec![
                Constraint::Length(28),
                Constraint::Length(10),
                Constraint::Length(16),
                Constraint::Min(10),
            ],
            rows,
            selected,
        },
    );
    if !candidates.is_empty() {
        let mut out = vec![Line::from(Span::styled(
            " right-sizing candidates (request ≥ 2× usage; fit to usage + 20 %)",
            t.table.header,
        ))];
        for r in candidates.iter().take(6) {
            out.push(Line::from(format!(
                "  {}/{} ({}): CPU {:.2} of {:.2} cores used, RAM {:.2} of {:.2} GiB — save ${:.4}/h",
                r.namespace, r.workload, r.pod, r.cpu_usage, r.cpu_request, r.memory_usage_gib, r.memory_request_gib, r.saving_per_hour
            )));
        }
        frame.render_widget(Paragraph::new(out), rs);
    }
    let total: f64 = lines.iter().filter_map(|l| l.cost).sum();
    let unknown = lines.iter().filter(|l| l.cost.is_none()).count();
    let left_out = match unknown {
        0 => String::new(),
        n => format!(" ({n} unknown left out)"),
    };
    let mut bottom = vec![Span::styled(
        format!(
            " total ${total:.4}/h{left_out} · ${:.0}/month at 730 h · enter drills down",
            total * 730.0
        ),
        t.ui.dim,
    )];
    // The selected cluster's (or this cluster's) forecast and month.
    let cluster = match context {
        Some(c) => Some(c.clone()),
        None => crate::app::order::selected(ctx.app, &ord)
            .and_then(|i| lines.get(i))
            .map(|l| l.name.clone()),
    };
    if let Some((f, soon)) = cluster
        .and_then(|c| m.forecast_line(&c).map(|f| (c, f)))
        .map(|(c, (f, s))| (format!(" · {c}: {f}"), s))
    {
        bottom.push(Span::styled(f, if soon { t.status.warn } else { t.ui.dim }));
    }
    let notes = m.costs.as_ref().map_or(&[][..], |c| &c.notes[..]);
    if let Some(first) = notes.first() {
        let more = match notes.len() {
            1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        bottom.push(Span::styled(format!(" · {first}{more}"), t.status.warn));
    }
    frame.render_widget(Paragraph::new(Line::from(bottom)), why);
}
