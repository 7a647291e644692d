//! A gathering's header line in the grouped Fleet view: its totals, each
//! marked `+?` when some member had no figure, and `unknown` when none had.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;

use super::widgets::style_if;
use super::Ctx;
use crate::app::fleet_list::title;
use crate::fleet::groups::{Gathering, GroupBy, Partial, StateCounts};
use crate::fleet::summary::{PodCounts, Ratio, WorkloadCounts};
use crate::theme::Theme;

/// How wide the gatherings' own cells are (name, nodes, pods, workloads),
/// `+?` included, so the Fleet columns fit them as well as the clusters.
pub fn widths(gs: &[Gathering], by: Option<GroupBy>) -> [usize; 4] {
    let Some(by) = by else { return [0; 4] };
    let mut w = [0; 4];
    for g in gs {
        let name = 4 + title(by, &g.key).chars().count() + g.members.len().to_string().len() + 2;
        let n = fits(&g.nodes, nodes);
        let p = fits(&g.pods, pods);
        let wl = fits(&g.workloads, workloads);
        for (slot, v) in w.iter_mut().zip([name, n, p, wl]) {
            *slot = (*slot).max(v);
        }
    }
    w
}

/// The width `partial` draws: `unknown` where no member had a figure, the
/// sum with room for `+?` otherwise.
fn fits<T>(p: &Partial<T>, text: fn(&T) -> String) -> usize {
    match p.known {
        0 => "unknown".len(),
        _ => text(&p.sum).len() + 2,
    }
}

fn nodes(n: &Ratio) -> String {
    format!("{}/{}", n.ready, n.total)
}

fn pods(p: &PodCounts) -> String {
    format!("{}/{}/{}", p.running, p.pending, p.failing)
}

fn workloads(w: &WorkloadCounts) -> String {
    format!("{}/{}", w.healthy, w.total)
}

/// One cell per Fleet column, in column order.
pub fn cells<'a>(g: &Gathering, by: GroupBy, open: bool, ctx: &Ctx) -> Vec<Cell<'a>> {
    let t = ctx.theme;
    let m = ctx.model;
    let name = format!(
        "{} {} ({})",
        if open { "▾" } else { "▸" },
        title(by, &g.key),
        g.members.len()
    );
    let failing = g.pods.sum.failing;
    let contexts: std::collections::HashSet<&str> = g
        .members
        .iter()
        .filter_map(|i| m.rows.get(*i))
        .map(|r| r.meta.context.as_str())
        .collect();
    let slo = m.worst_slo_where(|c| contexts.contains(c));
    vec![
        Cell::from(Span::styled(name, t.ui.title.add_modifier(Modifier::BOLD))),
        Cell::from(""),
        Cell::from(""),
        Cell::from(""),
        Cell::from(states(&g.states, t)),
        Cell::from(""),
        Cell::from(partial(&g.nodes, t, Style::default(), nodes)),
        Cell::from(partial(
            &g.pods,
            t,
            style_if(failing > 0, t.status.error, Style::default()),
            pods,
        )),
        Cell::from(partial(&g.workloads, t, Style::default(), workloads)),
        Cell::from(partial(&g.rollouts, t, Style::default(), |r| {
            format!("{}/{}/{}", r.progressing, r.paused, r.degraded)
        })),
        Cell::from(partial(&g.warnings, t, Style::default(), |w| w.to_string())),
        Cell::from(super::slo::fleet_cell(slo, t)),
        Cell::from(cost(g, ctx)),
        Cell::from(super::backups::fleet_cell(ctx, |c| contexts.contains(c))),
    ]
}

/// A sum with its completeness: `12/14+?` when a member had no figure.
fn partial<T>(p: &Partial<T>, t: &Theme, style: Style, f: impl Fn(&T) -> String) -> Line<'static> {
    if p.of == 0 {
        return Line::from(Span::styled("-", t.ui.dim));
    }
    if p.known == 0 {
        return Line::from(Span::styled("unknown", t.status.unknown));
    }
    let mut spans = vec![Span::styled(f(&p.sum), style)];
    if !p.complete() {
        spans.push(Span::styled("+?", t.status.unknown));
    }
    Line::from(spans)
}

/// The members' states, worst first, short: `2 down 1 degr 37 ok`.
fn states(s: &StateCounts, t: &Theme) -> Line<'static> {
    let short = |w: &str| {
        match w {
            "unreachable" => "down",
            "excluded" => "excl",
            "degraded" => "degr",
            "syncing" => "sync",
            "summary" => "summ",
            other => other,
        }
        .to_string()
    };
    let style = if s.unreachable > 0 {
        t.status.error
    } else if s.troubled() > 0 {
        t.status.warn
    } else {
        t.status.ok
    };
    let text = s
        .parts()
        .iter()
        .map(|(w, n)| format!("{n} {}", short(w)))
        .collect::<Vec<_>>()
        .join(" ");
    Line::from(Span::styled(text, style))
}

/// The members' cost per hour: `$4.20+?` when some member's is unknown.
fn cost(g: &Gathering, ctx: &Ctx) -> Line<'static> {
    let Some(costs) = ctx.model.costs.as_ref() else {
        return Line::from(Span::styled("—", ctx.theme.ui.dim));
    };
    let mut p = Partial::<f64>::default();
    for r in g.members.iter().filter_map(|i| ctx.model.rows.get(*i)) {
        p.add(super::fleet::cluster_cost(costs, &r.meta.context).and_then(|c| c.cost()));
    }
    partial(&p, ctx.theme, Style::default(), |c| format!("${c:.2}"))
}

/// The line under the table for a selected gathering.
pub fn explain(g: &Gathering, by: GroupBy, open: bool, ctx: &Ctx) -> Line<'static> {
    let t = ctx.theme;
    let parts = g
        .states
        .parts()
        .iter()
        .map(|(w, n)| format!("{n} {w}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = format!(
        "{} {}: {} cluster{} — {parts}",
        by.word(),
        title(by, &g.key),
        g.members.len(),
        if g.members.len() == 1 { "" } else { "s" }
    );
    let counted = g.pods.of;
    if g.pods.known < counted {
        text.push_str(&format!(
            " · pods from {} of {counted} (+? marks a partial sum)",
            g.pods.known
        ));
    }
    text.push_str(if open {
        " · enter closes it"
    } else {
        " · enter opens it"
    });
    Line::from(vec![
        Span::raw(" "),
        Span::styled(
            text,
            style_if(g.states.troubled() > 0, t.status.warn, t.ui.dim),
        ),
    ])
}
