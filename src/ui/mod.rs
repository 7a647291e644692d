//! Drawing only: every function here reads the app state, the pulled model, the
//! theme and the keymap, and changes nothing.

mod backups;
mod change;
mod chaos;
mod cost;
mod detail;
mod dialog;
mod failover;
mod fleet;
mod fleet_group;
mod graph;
mod help;
mod journal;
mod prompt;
mod query;
mod remediation;
mod rollouts;
mod slo;
mod widgets;
mod workloads;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use crate::app::model::Model;
use crate::app::state::{App, InputKind, View};
use crate::keymap::{Keymap, Mode};
use crate::theme::Theme;

pub struct Ctx<'a> {
    pub app: &'a App,
    pub model: &'a Model,
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
}

pub fn draw(frame: &mut Frame, ctx: &Ctx) {
    let area = frame.area();
    frame.render_widget(Block::default().style(ctx.theme.ui.base), area);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, ctx);
    match &ctx.app.screen().view {
        View::Fleet => fleet::draw(frame, body, ctx),
        View::Cluster { cluster } => workloads::draw_cluster(frame, body, ctx, *cluster),
        View::Workloads => workloads::draw_fleet(frame, body, ctx),
        View::Journal => journal::draw(frame, body, ctx),
        View::Change { key } => change::draw(frame, body, ctx, key),
        View::Rollouts => rollouts::draw(frame, body, ctx),
        View::Slo => slo::draw(frame, body, ctx),
        View::Cost { .. } => cost::draw(frame, body, ctx),
        View::Backups => backups::draw(frame, body, ctx),
        View::Chaos => chaos::draw(frame, body, ctx),
        View::Failover { plan } => failover::draw(frame, body, ctx, plan.as_deref()),
        View::Remediations => remediation::draw(frame, body, ctx),
        View::Graph {
            cluster,
            namespace,
            name,
        } => graph::draw(
            frame,
            body,
            ctx,
            *cluster,
            &crate::deps::graph::Node::new(namespace, name),
        ),
        View::Query => query::draw(frame, body, ctx),
        View::Detail { yaml, .. } => detail::draw(frame, body, ctx, *yaml),
    }
    draw_footer(frame, footer, ctx);
    if ctx.app.help {
        help::draw(frame, body, ctx);
    }
    if matches!(&ctx.app.input, Some(i) if i.kind == InputKind::Command) {
        help::draw_palette(frame, body, ctx);
    }
    if let Some(d) = &ctx.app.dialog {
        dialog::draw(frame, body, ctx, d);
    }
}

fn draw_header(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let app = ctx.app;
    let mut title = vec![Span::styled(" fleetdeck ", t.ui.title)];
    for s in &app.screens {
        title.push(Span::styled("▸ ", t.ui.dim));
        title.push(Span::styled(format!("{} ", crumb(s, ctx)), t.ui.title));
    }
    if app.demo {
        title.push(Span::styled(" DEMO ", t.badge.demo));
        title.push(Span::raw(" "));
    }
    if app.read_only {
        title.push(Span::styled(" READ-ONLY ", t.badge.read_only));
    }
    let tot = &ctx.model.totals;
    let mut summary = vec![Span::styled(
        format!(
            " {} clusters · {} ok · {} excl{}",
            tot.clusters,
            tot.healthy_clusters,
            tot.excluded,
            if tot.listed > 0 {
                format!(" · {} listed", tot.listed)
            } else {
                String::new()
            }
        ),
        t.ui.dim,
    )];
    summary.push(Span::styled(
        format!(
            " │ nodes {}/{} │ pods {} run {} pend ",
            tot.nodes.ready, tot.nodes.total, tot.pods.running, tot.pods.pending
        ),
        t.ui.base,
    ));
    summary.push(Span::styled(
        format!("{} fail", tot.pods.failing),
        if tot.pods.failing > 0 {
            t.status.error
        } else {
            t.ui.base
        },
    ));
    summary.push(Span::styled(
        format!(
            " │ workloads {}/{} │ rollouts {}/{}/{} │ warnings {}",
            tot.workloads.healthy,
            tot.workloads.total,
            tot.rollouts.progressing,
            tot.rollouts.paused,
            tot.rollouts.degraded,
            tot.warnings
        ),
        t.ui.base,
    ));
    frame.render_widget(
        Paragraph::new(vec![Line::from(title), Line::from(summary)]),
        area,
    );
}

fn crumb(s: &crate::app::state::Screen, ctx: &Ctx) -> String {
    let cluster_name = |i: usize| {
        ctx.model
            .rows
            .get(i)
            .map(|r| r.meta.name.clone())
            .unwrap_or_default()
    };
    match &s.view {
        View::Cluster { cluster } => cluster_name(*cluster),
        View::Detail {
            cluster,
            kind,
            namespace,
            name,
            ..
        } => format!(
            "{} {}/{}/{}",
            cluster_name(*cluster),
            kind.short(),
            namespace,
            name
        ),
        View::Cost {
            context: Some(c),
            namespace,
        } => match namespace {
            Some(ns) => format!("{c}/{ns}"),
            None => c.clone(),
        },
        View::Failover { plan: Some(p) } => p.clone(),
        v => v.title().to_string(),
    }
}

fn draw_footer(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let line = if let Some(input) = &ctx.app.input {
        let prefix = match input.kind {
            InputKind::Filter => "/",
            InputKind::Command => ":",
        };
        Line::from(vec![
            Span::styled(format!("{prefix}{}", input.text), t.ui.filter),
            Span::styled("█", t.ui.filter),
        ])
    } else if let Some(msg) = &ctx.app.message {
        Line::from(Span::styled(msg.clone(), t.status.warn))
    } else {
        hints(ctx)
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Key hints generated from the active keymap, so they never lie.
fn hints(ctx: &Ctx) -> Line<'static> {
    use crate::keymap::action::Action;
    let t = ctx.theme;
    let mode = match ctx.app.screen().view {
        View::Detail { .. } => Mode::Detail,
        _ => Mode::Table,
    };
    let wanted: &[(Action, &str)] = match ctx.app.screen().view {
        View::Detail {
            kind: crate::fleet::objects::WorkloadKind::Rollout,
            ..
        }
        | View::Rollouts => &[
            (Action::Select, "open"),
            (Action::Promote, "promote"),
            (Action::PromoteFull, "full"),
            (Action::Abort, "abort"),
            (Action::Retry, "retry"),
            (Action::Undo, "undo"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        View::Detail { .. } => &[
            (Action::Yaml, "yaml"),
            (Action::Graph, "deps"),
            (Action::Scale, "scale"),
            (Action::Restart, "restart"),
            (Action::Back, "back"),
            (Action::Help, "help"),
            (Action::Quit, "quit"),
        ],
        View::Chaos => &[
            (Action::Pause, "pause"),
            (Action::Resume, "resume"),
            (Action::Abort, "stop engine"),
            (Action::Filter, "filter"),
            (Action::SortNext, "sort"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        View::Query => &[
            (Action::Select, "open"),
            (Action::Command, "ask again"),
            (Action::Filter, "filter"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        View::Graph { .. } => &[
            (Action::Select, "re-root"),
            (Action::Filter, "filter"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        View::Backups => &[
            (Action::BackupNow, "back up now"),
            (Action::Filter, "filter"),
            (Action::SortNext, "sort"),
            (Action::ViewFailover, "failover"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        // Actions only where a workload is selected.
        View::Cluster { .. } => &[
            (Action::Select, "open"),
            (Action::Graph, "deps"),
            (Action::Scale, "scale"),
            (Action::Restart, "restart"),
            (Action::Filter, "filter"),
            (Action::SortNext, "sort"),
            (Action::Command, "command"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        _ => &[
            (Action::Select, "open"),
            (Action::Filter, "filter"),
            (Action::SortNext, "sort"),
            (Action::Command, "command"),
            (Action::ViewWorkloads, "workloads"),
            (Action::ViewJournal, "changes"),
            (Action::ViewRollouts, "rollouts"),
            (Action::ViewSlo, "slo"),
            (Action::ViewCost, "cost"),
            (Action::Back, "back"),
            (Action::Help, "help"),
            (Action::Quit, "quit"),
        ],
    };
    let mut spans = Vec::new();
    let filter = &ctx.app.screen().filter;
    if !filter.is_empty() {
        spans.push(Span::styled(format!(" /{filter} "), t.ui.filter));
    }
    for (action, label) in wanted {
        let chords = ctx.keymap.chords_for(mode, *action);
        let chords = if chords.is_empty() {
            ctx.keymap.chords_for(Mode::Global, *action)
        } else {
            chords
        };
        if let Some(c) = chords.first() {
            spans.push(Span::styled(format!(" {c}"), t.ui.key_hint));
            spans.push(Span::styled(format!(" {label} "), t.ui.dim));
        }
    }
    Line::from(spans)
}
