//! A workload's detail: summary, conditions, pods and warning events; or its
//! YAML, fetched from the API server on demand.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

use super::widgets::{style_if, CHAOS_MARK, DEP_MARK};
use super::Ctx;
use crate::app::state::Yaml;
use crate::deps::graph::Node;
use crate::deps::layout::figures;
use crate::fleet::objects::PodPhase;
use crate::fleet::summary::age;

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx, yaml: bool) {
    let t = ctx.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.ui.border)
        .title(Span::styled(
            if yaml { " YAML " } else { " Detail " },
            t.ui.title,
        ));
    let lines = if yaml {
        yaml_lines(ctx)
    } else {
        detail_lines(ctx)
    };
    super::widgets::scrolled(frame, area, block, lines, ctx.app.screen().scroll);
}

/// Its calls and callers with their figures and health, and the failing
/// dependency that likely explains its own trouble.
fn deps_lines(ctx: &Ctx, namespace: &str, name: &str) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let m = ctx.model;
    let crate::app::state::View::Detail { cluster, .. } = &ctx.app.screen().view else {
        return Vec::new();
    };
    let Some(d) = m.cluster_deps(*cluster) else {
        return Vec::new();
    };
    let n = Node::new(namespace, name);
    let calls: Vec<_> = d.graph.calls(&n).collect();
    let callers: Vec<_> = d.graph.called_by(&n).collect();
    if calls.is_empty() && callers.is_empty() {
        return Vec::new();
    }
    let mut out = vec![
        Line::from(""),
        Line::from(vec![
            Span::styled("DEPENDENCIES", t.table.header),
            Span::styled("  (t: graph)", t.ui.dim),
        ]),
    ];
    if let Some(mark) = d.mark(&n) {
        out.push(Line::from(Span::styled(
            format!("  {DEP_MARK} {mark}"),
            t.status.warn,
        )));
    }
    let width = calls
        .iter()
        .map(|e| e.to.to_string().len())
        .chain(callers.iter().map(|e| e.from.to_string().len()))
        .max()
        .unwrap_or(0);
    let line = |dir: &str, other: &Node, e: &crate::deps::graph::Edge, call: bool| {
        let own = d.trouble.get(other).cloned();
        let err = call
            .then(|| crate::deps::health::edge_trouble(e, d.threshold()))
            .flatten();
        let health: Vec<String> = err.into_iter().chain(own).collect();
        let health = match health.is_empty() {
            true => Span::styled("ok", t.status.ok),
            false => Span::styled(format!("✗ {}", health.join(", ")), t.status.warn),
        };
        Line::from(vec![
            Span::raw(format!("  {dir:<9} {:<width$}  ", other.to_string())),
            Span::styled(format!("{}  ", figures(e)), t.ui.dim),
            health,
        ])
    };
    for e in &calls {
        out.push(line("calls", &e.to, e, true));
    }
    for e in &callers {
        out.push(line("called by", &e.from, e, false));
    }
    if let Some(err) = &d.traffic_error {
        out.push(Line::from(Span::styled(
            format!("  traffic unknown: {err}; declared dependencies only"),
            t.status.unknown,
        )));
    }
    out
}

fn yaml_lines(ctx: &Ctx) -> Vec<Line<'static>> {
    let t = ctx.theme;
    match &ctx.app.yaml {
        None | Some(Yaml::Loading) => vec![Line::from(Span::styled("loading…", t.ui.dim))],
        Some(Yaml::Failed(e)) => vec![Line::from(Span::styled(e.clone(), t.status.error))],
        Some(Yaml::Loaded(text)) => text.lines().map(|l| Line::from(l.to_string())).collect(),
    }
}

fn detail_lines(ctx: &Ctx) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let m = ctx.model;
    let Some(d) = &m.detail else {
        return vec![Line::from(Span::styled(
            "this workload is gone (deleted, or its cluster's data is not loaded)",
            t.status.warn,
        ))];
    };
    let w = &d.info;
    let head = |s: &str| Line::from(Span::styled(s.to_string(), t.table.header));
    let mut out = vec![
        Line::from(vec![
            Span::styled(
                format!("{} {}/{}  ", w.kind.name(), w.namespace, w.name),
                t.ui.title,
            ),
            Span::styled(
                w.status.clone(),
                style_if(w.healthy, t.status.ok, t.status.warn),
            ),
        ]),
        Line::from(format!(
            "replicas {} desired · {} ready · {} updated · {} available",
            w.desired, w.ready, w.updated, w.available
        )),
        Line::from(format!("images   {}", w.images.join(", "))),
    ];
    if let Some(c) = &m.detail_chaos {
        out.push(Line::from(Span::styled(
            format!("{CHAOS_MARK} {c}: its pods are hurt on purpose"),
            t.status.warn,
        )));
    }
    out.extend(deps_lines(ctx, &w.namespace, &w.name));
    if let Some(r) = &w.rollout {
        let key = crate::app::navigate::tree_key(ctx.app);
        let tree = ctx
            .app
            .tree
            .as_ref()
            .filter(|(k, _)| Some(k) == key.as_ref())
            .map(|(_, r)| r);
        out.push(Line::from(""));
        out.extend(super::rollouts::detail_lines(t, r, tree));
    }
    out.push(Line::from(""));
    out.extend(history_lines(ctx));
    out.push(Line::from(""));
    out.push(head("CONDITIONS"));
    if w.conditions.is_empty() {
        out.push(Line::from(Span::styled("  none", t.ui.dim)));
    }
    for c in &w.conditions {
        out.push(Line::from(vec![
            Span::styled(
                format!("  {:<16} {:<6}", c.type_, c.status),
                style_if(c.status == "True", t.status.ok, t.status.warn),
            ),
            Span::raw(format!(
                " {} {}",
                c.reason.clone().unwrap_or_default(),
                c.message.clone().unwrap_or_default()
            )),
        ]));
    }
    out.push(Line::from(""));
    out.push(head(&format!("PODS ({})", d.pods.len())));
    let name_w = d.pods.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let node_w = d
        .pods
        .iter()
        .map(|p| p.node.as_ref().map_or(1, |n| n.len()))
        .max()
        .unwrap_or(0);
    for p in &d.pods {
        let bad = p.failing || (p.phase != PodPhase::Running && p.phase != PodPhase::Succeeded);
        let state = p.reason.clone().unwrap_or_else(|| format!("{:?}", p.phase));
        out.push(Line::from(vec![
            Span::raw(format!("  {:<name_w$}  ", p.name)),
            Span::styled(
                format!("{state:<18}"),
                style_if(bad, t.status.error, t.status.ok),
            ),
            Span::raw(format!(
                " {:<9} {:>3} restarts  {:<node_w$}  {}",
                if p.ready { "ready" } else { "not ready" },
                p.restarts,
                p.node.clone().unwrap_or_else(|| "-".into()),
                p.created.map(|c| age(m.now, c)).unwrap_or_default()
            )),
        ]));
    }
    out.push(Line::from(""));
    out.push(head(&format!("WARNING EVENTS ({})", d.events.len())));
    for e in &d.events {
        out.push(Line::from(vec![
            Span::styled(
                format!(
                    "  {:>4} ago ",
                    e.last_seen.map(|s| age(m.now, s)).unwrap_or_default()
                ),
                t.ui.dim,
            ),
            Span::styled(format!("{:<18}", e.reason), t.status.warn),
            Span::styled(
                format!(" {}/{} ×{} ", e.object_kind, e.object_name, e.count),
                Style::default(),
            ),
            Span::raw(e.message.clone()),
        ]));
    }
    out
}

/// What changed in this workload within the timeline's window (`:since`).
fn history_lines(ctx: &Ctx) -> Vec<Line<'static>> {
    const SHOWN: usize = 8;
    let (t, m) = (ctx.theme, ctx.model);
    let window = crate::basics::duration::words(ctx.app.since_secs);
    let mut out = vec![Line::from(Span::styled(
        format!("HISTORY (last {window}; all of it in Changes, 3)"),
        t.table.header,
    ))];
    if m.history.is_empty() {
        out.push(Line::from(Span::styled("  no change seen", t.ui.dim)));
    }
    for c in m.history.iter().take(SHOWN) {
        out.push(Line::from(vec![
            Span::styled(format!("  {:>4} ago ", age(m.now, c.time)), t.ui.dim),
            Span::styled(format!("{:<9}", c.kind.word()), t.ui.title),
            Span::raw(format!(" {}", c.summary)),
            Span::styled(
                c.by.as_ref()
                    .map(|b| format!("  by {b}"))
                    .unwrap_or_default(),
                t.ui.dim,
            ),
        ]));
    }
    if m.history.len() > SHOWN {
        let more = m.history.len() - SHOWN;
        out.push(Line::from(Span::styled(
            format!("  … {more} older"),
            t.ui.dim,
        )));
    }
    out
}
