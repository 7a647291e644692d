//! The Remediations view: the queue (open proposals first) with source,
//! cluster, object, risk and state; the selected proposal's changes with
//! who made them and its fix; the reject / snooze / batch prompt.

use chrono::Utc;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Wrap};
use ratatui::Frame;

use super::widgets::{table, window, TableSpec};
use super::Ctx;
use crate::app::order::order;
use crate::app::remediation::Prompt;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let st = &ctx.app.remediation;
    let now = ctx.model.now;
    let ord = order(ctx.app, ctx.model);
    let [list, detail] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, list.height);
    let rows: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| st.entries.get(*i))
        .map(|e| {
            let p = &e.proposal;
            let word = e.decision.word(now);
            let style = match word {
                "pending" => t.status.warn,
                "approved" | "resolved" => t.status.ok,
                "rejected" => t.status.error,
                _ => t.ui.dim,
            };
            let mark = if st.marked.contains(&p.id) {
                "●"
            } else {
                " "
            };
            let risk = format!(
                "{}{}",
                p.risk.pods,
                if p.risk.production { " prod" } else { "" }
            );
            let check = match p.preflight.as_deref() {
                Some("ok") => Span::styled("ok", t.status.ok),
                Some(_) => Span::styled("✗", t.status.error),
                None => Span::styled("-", t.ui.dim),
            };
            let slo = slo_state(ctx, &p.context);
            Row::new(vec![
                Cell::from(mark),
                Cell::from(p.id.clone()),
                Cell::from(Span::styled(word, style)),
                Cell::from(p.source.as_str()),
                Cell::from(p.context.clone()),
                Cell::from(p.object.clone()),
                Cell::from(risk),
                Cell::from(slo),
                Cell::from(check),
                Cell::from(p.summary.clone()),
            ])
        })
        .collect();
    let state = if st.scanning {
        "scanning…".to_string()
    } else {
        st.scanned_at
            .map(|at| format!("scanned {}s ago", (now - at).num_seconds().max(0)))
            .unwrap_or_else(|| "not scanned yet".into())
    };
    let title = Line::from(vec![
        Span::styled(format!(" Remediations [{}] ", ord.len()), t.ui.title),
        Span::styled(
            format!("{state} · A approve · D reject · z snooze · space mark · c rescan "),
            t.ui.dim,
        ),
    ]);
    table(
        frame,
        list,
        t,
        TableSpec {
            title,
            header: vec![
                "", "ID", "STATE", "SOURCE", "CLUSTER", "OBJECT", "RISK", "SLO", "CHECK", "SUMMARY",
            ],
            widths: vec![
                Constraint::Length(1),
                Constraint::Length(14),
                Constraint::Length(9),
                Constraint::Length(12),
                Constraint::Length(16),
                Constraint::Length(34),
                Constraint::Length(8),
                Constraint::Length(6),
                Constraint::Length(5),
                Constraint::Fill(1),
            ],
            rows,
            selected,
        },
    );
    let sel = crate::app::order::selected(ctx.app, &ord).and_then(|i| st.entries.get(i));
    let mut lines: Vec<Line> = Vec::new();
    match sel {
        None => lines.push(Line::from(Span::styled(
            "no proposals: drift ([drift] dir), Argo CD OutOfSync, crash loops after a rollout, canaries failing their SLO gate and Gatekeeper violations are found here",
            t.ui.dim,
        ))),
        Some(e) => {
            let p = &e.proposal;
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", p.id), t.ui.title),
                Span::raw(format!("{}/{} · {}", p.context, p.object, p.summary)),
            ]));
            for c in &p.changes {
                let who = c
                    .manager
                    .as_ref()
                    .map(|m| format!("  ← {} ({}, {})", m.name, m.operation, m.time.as_deref().unwrap_or("?")))
                    .unwrap_or_default();
                lines.push(Line::from(vec![
                    Span::raw(format!("  {}: ", c.path)),
                    Span::styled(format!("{}", c.live), t.status.error),
                    Span::raw(" → "),
                    Span::styled(format!("{}", c.desired), t.status.ok),
                    Span::styled(who, t.ui.dim),
                ]));
            }
            if let Some(pf) = &p.preflight {
                let style = if pf == "ok" { t.status.ok } else { t.status.error };
                lines.push(Line::from(vec![
                    Span::styled("pre-flight: ", t.ui.dim),
                    Span::styled(pf.clone(), style),
                ]));
            }
            let fix = match &p.op {
                Some(op) => format!("fix: {} {}", op.name(), p.target.as_ref().map(|t| t.short()).unwrap_or_default()),
                None => "no fix to apply: reject or snooze records an exception".into(),
            };
            lines.push(Line::from(Span::styled(fix, t.ui.dim)));
            lines.push(Line::from(Span::styled(
                format!("decision: {:?}", e.decision),
                t.ui.dim,
            )));
        }
    }
    for n in st.notes.iter().take(3) {
        lines.push(Line::from(Span::styled(n.clone(), t.status.warn)));
    }
    for l in st.log.iter().rev().take(4).rev() {
        lines.push(Line::from(l.clone()));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.ui.border)
        .title(Span::styled(" proposal ", t.ui.title));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        detail,
    );
    if let Some(p) = &ctx.app.rem_prompt {
        draw_prompt(frame, area, t, p);
    }
}

/// The cluster's worst SLO state now (risk: acting on a burning cluster).
fn slo_state(ctx: &Ctx, context: &str) -> String {
    use crate::slo::eval::SloState;
    let rank = |s: SloState| match s {
        SloState::Page => 4,
        SloState::Ticket => 3,
        SloState::Error => 2,
        SloState::NoData => 1,
        SloState::Ok => 0,
    };
    ctx.model
        .slos
        .iter()
        .filter(|(r, _)| r.context == context)
        .map(|(r, _)| r.state)
        .max_by_key(|s| rank(*s))
        .map_or("-".into(), |s| s.as_str().to_string())
}

fn draw_prompt(frame: &mut Frame, area: Rect, t: &Theme, p: &Prompt) {
    use crate::app::remediation::PromptKind;
    let title = match &p.kind {
        PromptKind::Reject(id) => format!("reject {id}"),
        PromptKind::Snooze(id) => format!("snooze {id}"),
        PromptKind::Batch(ids) => format!("approve {} proposals", ids.len()),
    };
    super::prompt::draw(
        frame,
        area,
        t,
        super::prompt::PromptView {
            title,
            reason: &p.reason,
            label: p.second_label(),
            second: &p.second,
            on_second: p.on_second,
            missing: p.missing(Utc::now()),
        },
    );
}
