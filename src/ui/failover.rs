//! The Failover view: plans with both sides' state and their last run; a
//! plan's steps with their state, the pre-flight and the run's log; the
//! confirm prompt.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Wrap};
use ratatui::Frame;

use super::widgets::{table, window, TableSpec};
use super::Ctx;
use crate::app::failover::{PlanRow, PlanState, Prompt};
use crate::app::order::order;
use crate::failover::preflight::State;
use crate::failover::resolve::{resolve, Action};
use crate::failover::run::StepState;
use crate::theme::Theme;

fn side_style(t: &Theme, state: &str, excluded: bool) -> Style {
    match (state, excluded) {
        (_, true) | ("unreachable", _) => t.status.error,
        ("ok", _) => t.status.ok,
        _ => t.status.warn,
    }
}

fn sides(r: &PlanRow, t: &Theme) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    for (i, (ctx, state, excluded)) in r.sides.iter().enumerate() {
        if i > 0 {
            out.push(Span::styled(if i == 1 { " → " } else { " / " }, t.ui.dim));
        }
        let word = if excluded.is_some() {
            "excluded"
        } else {
            state.as_str()
        };
        out.push(Span::raw(format!("{ctx} ")));
        out.push(Span::styled(
            word.to_string(),
            side_style(t, state, excluded.is_some()),
        ));
    }
    out
}

fn last_run(r: &PlanRow, st: Option<&PlanState>) -> String {
    if st.is_some_and(|s| s.running.is_some()) {
        return "running".into();
    }
    match &r.last_run {
        Some(run) => format!(
            "{} ({} of {} done, standby {})",
            run.ended.as_deref().unwrap_or("interrupted"),
            run.done.len(),
            r.plan.steps.len(),
            run.standby
        ),
        None => "never run".into(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx, plan: Option<&str>) {
    match plan.and_then(|p| ctx.model.plans.iter().find(|r| r.plan.name == p)) {
        Some(r) => draw_plan(frame, area, ctx, r),
        None => draw_list(frame, area, ctx),
    }
    if let Some(p) = &ctx.app.prompt {
        draw_prompt(frame, area, ctx.theme, p);
    }
}

fn draw_list(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let m = ctx.model;
    let ord = order(ctx.app, m);
    let (range, selected) = window(ord.len(), ctx.app.screen().selected, area.height);
    let rows: Vec<Row> = ord[range]
        .iter()
        .filter_map(|i| m.plans.get(*i))
        .map(|r| {
            Row::new(vec![
                Cell::from(r.plan.name.clone()),
                Cell::from(r.plan.service.clone()),
                Cell::from(Line::from(sides(r, t))),
                Cell::from(r.plan.policy.clone().unwrap_or_else(|| "-".into())),
                Cell::from(r.plan.steps.len().to_string()),
                Cell::from(last_run(r, ctx.app.failover.get(&r.plan.name))),
            ])
        })
        .collect();
    let title = Line::from(vec![
        Span::styled(format!(" Failover plans [{}] ", ord.len()), t.ui.title),
        Span::styled(
            "enter: steps · c: pre-flight · e: run · n: next step · b: roll back ",
            t.ui.dim,
        ),
    ]);
    table(
        frame,
        area,
        t,
        TableSpec {
            title,
            header: vec![
                "PLAN",
                "SERVICE",
                "PRIMARY → STANDBYS",
                "POLICY",
                "STEPS",
                "LAST RUN",
            ],
            widths: vec![
                Constraint::Length(18),
                Constraint::Length(14),
                Constraint::Fill(2),
                Constraint::Length(10),
                Constraint::Length(5),
                Constraint::Fill(1),
            ],
            rows,
            selected,
        },
    );
}

fn step_state(i: usize, st: Option<&PlanState>, r: &PlanRow) -> StepState {
    if let Some(s) = st.and_then(|s| s.steps.get(&i)) {
        return s.clone();
    }
    let Some(run) = &r.last_run else {
        return StepState::Pending;
    };
    if let Some((pos, why)) = &run.failed {
        if pos.0 == i {
            return StepState::Failed(why.clone());
        }
    }
    if let Some((_, why)) = run.skipped.iter().find(|((s, _), _)| *s == i) {
        return StepState::Skipped(why.clone());
    }
    if run.done.iter().any(|(s, _)| *s == i) {
        StepState::Done
    } else {
        StepState::Pending
    }
}

fn draw_plan(frame: &mut Frame, area: Rect, ctx: &Ctx, r: &PlanRow) {
    let t = ctx.theme;
    let st = ctx.app.failover.get(&r.plan.name);
    let standby = r
        .last_run
        .as_ref()
        .filter(|x| x.open())
        .map(|x| x.standby.clone())
        .or_else(|| st.and_then(|s| s.check.as_ref()?.as_ref().ok().map(|c| c.standby.clone())))
        .unwrap_or_else(|| r.plan.standbys[0].clone());
    let mut lines = vec![
        Line::from(
            vec![Span::styled(
                format!("service {}: ", r.plan.service),
                t.ui.title,
            )]
            .into_iter()
            .chain(sides(r, t))
            .collect::<Vec<_>>(),
        ),
        Line::from(vec![
            Span::styled("last run: ", t.ui.dim),
            Span::raw(last_run(r, st)),
            Span::styled(
                r.plan
                    .policy
                    .as_ref()
                    .map(|p| format!("   policy: {p}"))
                    .unwrap_or_default(),
                t.ui.dim,
            ),
        ]),
        Line::from(""),
        Line::from(Span::styled(
            format!("steps (standby {standby})"),
            t.ui.title,
        )),
    ];
    let resolved = resolve(&r.plan, &standby).unwrap_or_default();
    for s in &resolved {
        let state = step_state(s.index, st, r);
        let style = match &state {
            StepState::Done => t.status.ok,
            StepState::Running => t.status.warn,
            StepState::Skipped(_) => t.status.unknown,
            StepState::Failed(_) => t.status.error,
            StepState::Pending => t.ui.dim,
        };
        let what: Vec<String> = s.actions.iter().map(Action::describe).collect();
        let mut spans = vec![
            Span::styled(format!(" {:<8}", state.label()), style),
            Span::raw(format!("{}. {}", s.index + 1, what.join("; "))),
        ];
        if let StepState::Skipped(why) | StepState::Failed(why) = &state {
            spans.push(Span::styled(format!(" — {why}"), style));
        }
        lines.push(Line::from(spans));
    }
    let [top, bottom] = Layout::vertical([
        Constraint::Length(lines.len() as u16 + 2),
        Constraint::Min(0),
    ])
    .areas(area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.ui.border)
        .title(Span::styled(
            format!(
                " {} · c: pre-flight · e: run all · n: next step · a: stop · b: roll back ",
                r.plan.name
            ),
            t.ui.title,
        ));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        top,
    );
    let [checks, log] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(bottom);
    let mut cl = Vec::new();
    match st.and_then(|s| if s.checking { None } else { s.check.as_ref() }) {
        _ if st.is_some_and(|s| s.checking) => cl.push(Line::from("checking…")),
        None => cl.push(Line::from(Span::styled("c: run the pre-flight", t.ui.dim))),
        Some(Err(e)) => cl.push(Line::from(Span::styled(e.clone(), t.status.error))),
        Some(Ok(rep)) => {
            for c in &rep.checks {
                let style = match c.state {
                    State::Ok => t.status.ok,
                    State::Stop => t.status.error,
                    State::Skip | State::Warn => t.status.warn,
                };
                cl.push(Line::from(vec![
                    Span::styled(format!("{:<4} ", c.state.as_str()), style),
                    Span::raw(format!("{} {}: {}", c.cluster, c.name, c.detail)),
                ]));
            }
            if let Some(c) = rep.cost_per_hour {
                cl.push(Line::from(format!("cost change: {c:+.4} $/h")));
            }
            cl.push(Line::from(format!(
                "{} write(s), each dry-run first; standby {}",
                rep.previews.len(),
                rep.standby
            )));
        }
    }
    let pane = |title: &str| {
        Block::default()
            .borders(Borders::ALL)
            .border_style(t.ui.border)
            .title(Span::styled(format!(" {title} "), t.ui.title))
    };
    frame.render_widget(
        Paragraph::new(cl)
            .block(pane("pre-flight"))
            .wrap(Wrap { trim: false }),
        checks,
    );
    let mut ll: Vec<Line> = st
        .map(|s| s.log.iter().map(|l| Line::from(l.clone())).collect())
        .unwrap_or_default();
    if let Some(end) = st.and_then(|s| s.ended.as_ref()) {
        ll.push(match end {
            Ok(m) => Line::from(Span::styled(m.clone(), t.status.ok)),
            Err(e) => Line::from(Span::styled(e.clone(), t.status.error)),
        });
    }
    let keep = log.height.saturating_sub(2) as usize;
    let skip = ll.len().saturating_sub(keep);
    frame.render_widget(
        Paragraph::new(ll.split_off(skip))
            .block(pane("run"))
            .wrap(Wrap { trim: false }),
        log,
    );
}

fn draw_prompt(frame: &mut Frame, area: Rect, t: &Theme, p: &Prompt) {
    super::prompt::draw(
        frame,
        area,
        t,
        super::prompt::PromptView {
            title: format!("{} {}", p.mode.word(), p.plan),
            reason: &p.reason,
            label: format!("type {} to confirm: ", p.plan),
            second: &p.typed,
            on_second: p.on_name,
            missing: p.missing(),
        },
    );
}
