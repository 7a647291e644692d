//! The Fleet view: one row per cluster.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use ratatui::Frame;

use super::widgets::{
    accent, known, or_dash, state_span, style_if, table, window, Fitted, TableSpec, CHAOS_MARK,
    DEP_MARK,
};
use super::{fleet_group, Ctx};
use crate::app::fleet_list::{fleet_list, Line as Line_};
use crate::app::model::FLEET_SORTS;
use crate::fleet::groups::Gathering;
use crate::fleet::summary::{age, ClusterRow, ClusterState};

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let m = ctx.model;
    let list = fleet_list(ctx.app, m);
    let hint_rows = m.failover_hint.is_some() as u16;
    let change_rows = m.change_hint.is_some() as u16;
    let chaos_hint = m.chaos_hint();
    let dep_hint = m.deps.as_ref().and_then(|d| d.hint.clone());
    let [area, hint, chaos, deps, change, why] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(hint_rows),
        Constraint::Length(chaos_hint.is_some() as u16),
        Constraint::Length(dep_hint.is_some() as u16),
        Constraint::Length(change_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    if let Some(h) = chaos_hint {
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(
                format!("{CHAOS_MARK} {h}"),
                t.status.warn,
            ))),
            chaos,
        );
    }
    if let Some(h) = dep_hint {
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!("{DEP_MARK} dependencies: "), t.ui.dim),
                Span::styled(h, t.status.warn),
            ])),
            deps,
        );
    }
    if let Some(h) = &m.change_hint {
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("changed: ", t.ui.dim),
                Span::styled(h.clone(), t.status.warn),
            ])),
            change,
        );
    }
    if let Some(h) = &m.failover_hint {
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(format!("⚠ {h}"), t.status.error))),
            hint,
        );
    }
    let by = ctx.app.group_by;
    let open = |g: &Gathering| !ctx.app.filter().is_empty() || ctx.app.expanded.contains(&g.key);
    let why_line = match (list.selected(ctx.app), by) {
        (Some(Line_::Cluster(i)), _) => m.rows.get(i).map(|r| explain(r, m.now, ctx)),
        (Some(Line_::Gathering(g)), Some(by)) => list
            .gatherings
            .get(g)
            .map(|g| fleet_group::explain(g, by, open(g), ctx)),
        _ => None,
    };
    if let Some(l) = why_line {
        frame.render_widget(Paragraph::new(l), why);
    }
    let [g_name, g_nodes, g_pods, g_workloads] = fleet_group::widths(&list.gatherings, by);
    // (header, width, keep): on a narrow terminal the lowest `keep` goes first.
    let cols: [(&str, u16, u8); 14] = [
        (
            "CLUSTER",
            widest(
                m.rows.iter().map(|r| label(r, ctx).chars().count() + 2),
                7.max(g_name),
            ),
            9,
        ),
        (
            "GROUP",
            widest(
                m.rows
                    .iter()
                    .map(|r| r.meta.group.as_ref().map_or(1, |g| g.len())),
                5,
            ),
            2,
        ),
        ("REGION", region_width(m), 3),
        ("ROLE", 7, 1),
        ("STATE", 16, 9),
        (
            "VERSION",
            widest(
                m.rows
                    .iter()
                    .map(|r| r.version.as_ref().map_or(1, |v| v.len())),
                7,
            ),
            0,
        ),
        ("NODES", 6.max(g_nodes as u16), 8),
        ("PODS R/P/F", 12.max(g_pods as u16), 8),
        ("WORKLOADS", 9.max(g_workloads as u16), 7),
        ("ROLLOUTS P/‖/D", 14, 4),
        ("WARN", 5, 6),
        ("SLO", 7, 5),
        ("$/H", 8, 3),
        ("BACKUP", 7, 2),
    ];
    let fitted = Fitted::new(&cols, area.width.saturating_sub(2));
    let (range, selected) = window(list.lines.len(), ctx.app.screen().selected, area.height);
    let rows: Vec<Row> = list.lines[range]
        .iter()
        .filter_map(|l| match (*l, by) {
            (Line_::Cluster(i), _) => m.rows.get(i).map(|r| cells(r, ctx)),
            (Line_::Gathering(g), Some(by)) => list
                .gatherings
                .get(g)
                .map(|g| fleet_group::cells(g, by, open(g), ctx)),
            _ => None,
        })
        .map(|c| fitted.row(c))
        .collect();
    let s = ctx.app.screen();
    let shown = match by {
        Some(_) => list.gatherings.iter().map(|g| g.members.len()).sum(),
        None => list.lines.len(),
    };
    let title = Line::from(vec![
        Span::styled(format!(" Fleet [{}] ", shown), t.ui.title),
        Span::styled(
            by.map(|b| format!("{} {}s · ", list.gatherings.len(), b.word()))
                .unwrap_or_default(),
            t.ui.dim,
        ),
        Span::styled(
            format!(
                "sort: {}{} ",
                FLEET_SORTS.get(s.sort).unwrap_or(&"name"),
                if s.reverse { " ↑" } else { "" }
            ),
            t.ui.dim,
        ),
    ]);
    table(
        frame,
        area,
        t,
        TableSpec {
            title,
            header: fitted.header,
            widths: fitted.widths,
            rows,
            selected,
        },
    );
}

fn region_width(m: &crate::app::model::Model) -> u16 {
    widest(
        m.rows.iter().map(|r| {
            r.meta.region.as_ref().map_or(1, |g| g.len())
                + r.meta.cloud.as_ref().map_or(0, |c| c.len() + 1)
        }),
        6,
    )
}

/// One cell per column of the Fleet table, in column order.
fn cells<'a>(r: &ClusterRow, ctx: &Ctx) -> Vec<Cell<'a>> {
    let t = ctx.theme;
    let name_style = match accent(r.meta.accent.as_deref()) {
        Some(c) => Style::default().fg(c),
        None => Style::default(),
    };
    let name = label(r, ctx);
    let failing = r.pods.value().map(|p| p.failing).unwrap_or(0);
    let pods_cell = Line::from(vec![
        known(&r.pods, t, |p| format!("{}/{}/", p.running, p.pending)),
        Span::styled(
            r.pods
                .value()
                .map(|_| failing.to_string())
                .unwrap_or_default(),
            style_if(failing > 0, t.status.error, Style::default()),
        ),
    ]);
    let nodes_short = r.nodes.value().is_some_and(|n| n.ready < n.total);
    let unhealthy = r.workloads.value().is_some_and(|w| w.healthy < w.total);
    vec![
        Cell::from(Span::styled(name, name_style)),
        Cell::from(or_dash(r.meta.group.as_deref())),
        Cell::from(format!(
            "{}{}",
            or_dash(r.meta.region.as_deref()),
            r.meta
                .cloud
                .as_deref()
                .map(|c| format!("/{c}"))
                .unwrap_or_default()
        )),
        Cell::from(or_dash(r.meta.role.as_deref())),
        Cell::from(Line::from(vec![
            state_span(r, ctx.model.now, t),
            // An experiment running there: is this incident on purpose?
            Span::styled(
                if ctx.model.under_chaos(&r.meta.context) {
                    format!(" {CHAOS_MARK}")
                } else {
                    String::new()
                },
                t.status.warn,
            ),
            // A certificate about to expire: why a cluster "suddenly" goes.
            Span::styled(
                if r.tls_warnings.is_empty() {
                    ""
                } else {
                    " ⚠cert"
                },
                t.status.warn,
            ),
            // An edge link's availability over the last hour.
            Span::styled(
                r.link
                    .as_ref()
                    .and_then(|l| l.availability)
                    .map(|a| format!(" {:.0}%", a * 100.0))
                    .unwrap_or_default(),
                t.ui.dim,
            ),
        ])),
        Cell::from(or_dash(r.version.as_deref())),
        Cell::from(
            known(&r.nodes, t, |n| format!("{}/{}", n.ready, n.total)).patch_style(style_if(
                nodes_short,
                t.status.warn,
                Style::default(),
            )),
        ),
        Cell::from(pods_cell),
        Cell::from(
            known(&r.workloads, t, |w| format!("{}/{}", w.healthy, w.total)).patch_style(style_if(
                unhealthy,
                t.status.warn,
                Style::default(),
            )),
        ),
        Cell::from(known(&r.rollouts, t, |ro| {
            format!("{}/{}/{}", ro.progressing, ro.paused, ro.degraded)
        })),
        Cell::from(known(&r.warnings, t, |w| w.to_string())),
        Cell::from(super::slo::fleet_cell(
            ctx.model.worst_slo(&r.meta.context),
            t,
        )),
        Cell::from(cost_cell(ctx, &r.meta.context)),
        Cell::from(super::backups::fleet_cell(ctx, |c| c == r.meta.context)),
    ]
}

/// The cluster's cost per hour, once computed.
fn cost_cell(ctx: &Ctx, context: &str) -> Span<'static> {
    let c = ctx
        .model
        .costs
        .as_ref()
        .and_then(|c| cluster_cost(c, context));
    match c.map(|c| c.cost()) {
        Some(Some(cost)) => Span::raw(format!("${cost:.2}")),
        Some(None) => Span::styled("unknown", ctx.theme.status.warn),
        None => Span::styled("—", ctx.theme.ui.dim),
    }
}

/// A cluster's line in a computed cost report.
pub(super) fn cluster_cost<'a>(
    costs: &'a crate::cost::report::Costs,
    context: &str,
) -> Option<&'a crate::cost::report::ClusterCost> {
    costs.clusters.iter().find(|x| x.context == context)
}

/// One line under the table about the selected cluster: why it is not ok, and
/// how old its data is.
fn explain(r: &ClusterRow, now: chrono::DateTime<chrono::Utc>, ctx: &Ctx) -> Line<'static> {
    let t = ctx.theme;
    let seen = r
        .last_seen
        .map(|s| format!(" · last seen {} ago", age(now, s)))
        .unwrap_or_default();
    let (style, text) = match (&r.state, &r.excluded) {
        (ClusterState::Unreachable { error, .. }, _) => {
            (t.status.error, format!("unreachable: {error}"))
        }
        (ClusterState::Listed { why }, _) => (t.status.unknown, listed_line(r, why)),
        (ClusterState::Summary { as_of, error }, None) => match error {
            Some(e) => (
                t.status.warn,
                format!(
                    "summary: the last read failed ({e}); figures {} old",
                    age(now, *as_of)
                ),
            ),
            None => (
                t.ui.dim,
                format!(
                    "summary: figures from the metrics engine, {} old; {}",
                    age(now, *as_of),
                    if r.meta.metrics_only() {
                        "no context reaches it, so it cannot be opened"
                    } else {
                        "enter watches it live"
                    }
                ),
            ),
        },
        (_, Some(why)) => (t.status.excluded, format!("excluded: {why}")),
        (ClusterState::Degraded { reasons }, _) => {
            (t.status.warn, format!("degraded: {}", reasons.join("; ")))
        }
        (s, _) => (t.ui.dim, s.word().to_string()),
    };
    let seen = if matches!(r.state, ClusterState::Ok) {
        String::new()
    } else {
        seen
    };
    let via = if r.meta.contexts.len() > 1 {
        format!(" · via {} of {}", r.via, r.meta.contexts.join(", "))
    } else {
        String::new()
    };
    let from = match &r.meta.discovered {
        Some(d) if !matches!(r.state, ClusterState::Listed { .. }) => {
            format!(" · from {} ({})", d.source, d.lifecycle)
        }
        _ => String::new(),
    };
    let tls = r
        .tls
        .as_ref()
        .map(|t| {
            format!(
                " · {} {}",
                t.version,
                t.group.as_deref().unwrap_or("no key exchange")
            )
        })
        .unwrap_or_default();
    let cert = match r.tls_warnings.is_empty() {
        true => String::new(),
        false => format!(" · ⚠ {}", r.tls_warnings.join(", ")),
    };
    let disk = r
        .stale
        .map(|at| format!(" · figures from disk, {} old", age(now, at)))
        .unwrap_or_default();
    let link = r
        .link
        .as_ref()
        .and_then(|l| l.availability)
        .map(|a| format!(" · edge link {:.0}% up over the last hour", a * 100.0))
        .unwrap_or_default();
    let chaos = ctx
        .model
        .chaos_mark(&r.meta.context)
        .map(|c| format!(" · {c}"))
        .unwrap_or_default();
    let (forecast, soon) = ctx
        .model
        .forecast_line(&r.meta.context)
        .map(|(f, soon)| (format!(" · {f}"), soon))
        .unwrap_or_default();
    Line::from(vec![
        Span::styled(format!(" {} ", r.meta.context), t.ui.title),
        Span::styled(text, style),
        Span::styled(chaos, t.status.warn),
        Span::styled(forecast, style_if(soon, t.status.warn, t.ui.dim)),
        Span::styled(disk, t.status.warn),
        Span::styled(link, t.ui.dim),
        Span::styled(seen, t.ui.dim),
        Span::styled(via, t.ui.dim),
        Span::styled(from, t.ui.dim),
        Span::styled(tls, t.ui.dim),
        Span::styled(cert, t.status.warn),
    ])
}

/// The cluster's name with its marks: protected, read-only (when the whole
/// console is not), and how many more contexts reach it.
fn label(r: &ClusterRow, ctx: &Ctx) -> String {
    let mut name = r.meta.name.clone();
    if r.meta.protected {
        name.push_str(" ⚑");
    }
    if r.meta.read_only && !ctx.app.read_only {
        name.push_str(" ro");
    }
    if r.meta.contexts.len() > 1 {
        name.push_str(&format!(" +{}", r.meta.contexts.len() - 1));
    }
    name
}

/// A column as wide as its widest cell (capped), at least `min`.
fn widest(cells: impl Iterator<Item = usize>, min: usize) -> u16 {
    cells.max().unwrap_or(0).max(min).min(40) as u16
}

/// A listed cluster: where it was found, its lifecycle there, why it is
/// not connected.
fn listed_line(r: &ClusterRow, why: &str) -> String {
    match &r.meta.discovered {
        Some(d) => format!("listed by {} · {} · {why}", d.source, d.lifecycle),
        None => format!("listed: {why}"),
    }
}
