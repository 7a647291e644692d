//! The action dialog overlay: replicas prompt, the plan with the dry-run diff,
//! the reason box and the typed-name check, then the outcome.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::Ctx;
use crate::app::dialog::{Dialog, Stage};

pub fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx, d: &Dialog) {
    let t = ctx.theme;
    let w = area.width.saturating_sub(4).min(100);
    let h = match d.stage {
        Stage::Confirm(_) => area.height.saturating_sub(2),
        _ => 9.min(area.height),
    };
    let box_ = super::prompt::centred(area, w, h);
    frame.render_widget(Clear, box_);
    // Where several contexts reach the cluster, the one acting is named,
    // and ctrl-o picks another.
    let acting = match &d.stage {
        Stage::Confirm(c) => c.plan.target.context.clone(),
        _ => d.via.clone().unwrap_or_else(|| d.target.context.clone()),
    };
    let title = if d.contexts.len() > 1 {
        format!(
            " {} {} — as {acting} · ctrl-o: another of its {} contexts ",
            d.op.name(),
            d.target.short(),
            d.contexts.len()
        )
    } else {
        format!(" {} {} — {acting} ", d.op.name(), d.target.short())
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.status.warn)
        .title(Span::styled(title, t.ui.title));
    let inner = block.inner(box_);
    frame.render_widget(block, box_);
    let line = |s: String, st: Style| Line::from(Span::styled(s, st));
    match &d.stage {
        Stage::Replicas(text) => {
            let lines = vec![
                line("replicas:".into(), t.ui.dim),
                Line::from(vec![
                    Span::styled(format!(" {text}"), t.ui.filter),
                    Span::styled("█", t.ui.filter),
                ]),
                Line::from(""),
                line("enter: plan and pre-flight · esc: cancel".into(), t.ui.dim),
            ];
            frame.render_widget(Paragraph::new(lines), inner);
        }
        Stage::Checking => frame.render_widget(
            Paragraph::new(line(
                "planning · access review · server-side dry-run …".into(),
                t.ui.dim,
            )),
            inner,
        ),
        Stage::Running => frame.render_widget(
            Paragraph::new(line(
                "journaled intent · sending · verifying …".into(),
                t.ui.dim,
            )),
            inner,
        ),
        Stage::Unavailable(why) => frame.render_widget(
            Paragraph::new(vec![
                line("unavailable".into(), t.status.error),
                Line::from(why.clone()),
                Line::from(""),
                line("esc: close".into(), t.ui.dim),
            ])
            .wrap(Wrap { trim: false }),
            inner,
        ),
        Stage::Finished { ok, message } => frame.render_widget(
            Paragraph::new(vec![
                line(
                    if *ok { "done" } else { "failed" }.into(),
                    if *ok { t.status.ok } else { t.status.error },
                ),
                Line::from(message.clone()),
                Line::from(""),
                line("esc: close".into(), t.ui.dim),
            ])
            .wrap(Wrap { trim: false }),
            inner,
        ),
        Stage::Confirm(c) => {
            let mut head = confirm_head(&c.plan, t);
            if let Some(delta) = cost_delta(&c.plan, ctx.model) {
                head.insert(0, Line::from(Span::styled(delta, t.status.warn)));
            }
            let name_rows = if c.must_type.is_some() { 2 } else { 0 };
            let [summary, diff, reason, name, hint] = Layout::vertical([
                Constraint::Length(head.len() as u16),
                Constraint::Min(3),
                Constraint::Length(4),
                Constraint::Length(name_rows),
                Constraint::Length(1),
            ])
            .areas(inner);
            frame.render_widget(Paragraph::new(head), summary);
            let diff_lines: Vec<Line> = c
                .diff
                .lines()
                .map(|l| match l.chars().next() {
                    Some('+') => line(l.to_string(), t.status.ok),
                    Some('-') => line(l.to_string(), t.status.error),
                    _ => line(l.to_string(), t.ui.dim),
                })
                .collect();
            frame.render_widget(Paragraph::new(diff_lines), diff);
            let mut area = c.reason.clone();
            area.set_block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(if c.on_name {
                        t.ui.border
                    } else {
                        t.ui.key_hint
                    })
                    .title(" reason "),
            );
            frame.render_widget(&area, reason);
            if let Some(must) = &c.must_type {
                frame.render_widget(
                    Paragraph::new(vec![
                        line(
                            format!(
                                "type {must} to confirm (protected cluster or destructive action):"
                            ),
                            t.status.warn,
                        ),
                        Line::from(Span::styled(
                            format!(" {}{}", c.typed, if c.on_name { "█" } else { "" }),
                            t.ui.filter,
                        )),
                    ]),
                    name,
                );
            }
            let hint_text = match c.missing() {
                Some(m) => format!("{m} · tab: switch field · esc: cancel"),
                None => "enter: execute (journaled) · esc: cancel".into(),
            };
            let st = if c.missing().is_some() {
                t.ui.dim
            } else {
                t.ui.key_hint
            };
            frame.render_widget(Paragraph::new(line(hint_text, st)), hint);
        }
    }
}

/// The plan's requests, what they mean, the gate's verdict, the guard.
/// What a scale changes in cost: the workload's cost per pod (from the
/// latest cost figures) times the change in replicas.
fn cost_delta(p: &crate::ops::pipeline::Plan, m: &crate::app::model::Model) -> Option<String> {
    let crate::ops::Operation::Scale { replicas } = p.op else {
        return None;
    };
    let now = p
        .before
        .data
        .pointer("/spec/replicas")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(1);
    let key = format!("{}/{}", p.target.kind.name().to_lowercase(), p.target.name);
    let w = m.costs.as_ref()?.workloads.iter().find(|w| {
        w.context == p.target.context && w.namespace == p.target.namespace && w.workload == key
    })?;
    if now <= 0 {
        return None;
    }
    let delta = w.cost_per_hour / now as f64 * (replicas as i64 - now) as f64;
    Some(format!(
        "cost: {}{:.4} $/h ({}{:.0} $/month) at today's cost per pod",
        if delta >= 0.0 { "+" } else { "" },
        delta,
        if delta >= 0.0 { "+" } else { "" },
        delta * 730.0
    ))
}

fn confirm_head(p: &crate::ops::pipeline::Plan, t: &crate::theme::Theme) -> Vec<Line<'static>> {
    use crate::verdict::GateState;
    let line = |s: String, st: Style| Line::from(Span::styled(s, st));
    let mut out = Vec::new();
    if let Some(s) = &p.summary {
        out.push(line(s.clone(), t.table.header));
    }
    for r in &p.requests {
        out.push(Line::from(format!(
            "{}  {}",
            r.describe(p.target.kind),
            r.body
        )));
    }
    if let Some(g) = &p.gate {
        let style = |s: GateState| match s {
            GateState::Go => t.status.ok,
            GateState::Unknown => t.status.warn,
            GateState::Stop => t.status.error,
        };
        out.push(line(format!("gate: {}", g.state.as_str()), style(g.state)));
        for c in &g.checks {
            out.push(line(
                format!("  {} {}: {}", c.state.as_str(), c.name, c.detail),
                style(c.state),
            ));
        }
    }
    out.push(line(
        format!("guard: resourceVersion {}", p.rv_before),
        t.ui.dim,
    ));
    out.push(line(
        format!("affects {} pod(s) in 1 cluster", p.pods),
        t.ui.dim,
    ));
    out.push(line("diff (server-side dry-run):".into(), t.table.header));
    out
}

#[cfg(test)]
mod tests {
    use super::cost_delta;
    use crate::app::model::Model;
    use crate::cost::report::{Costs, GroupCost};
    use crate::ops::action::{workload_request, Operation};
    use crate::ops::target::{ObjectKind, Target};

    #[test]
    fn scaling_shows_the_cost_change_at_todays_cost_per_pod() {
        let t = Target::new("prod", "shop", ObjectKind::Deployment, "web");
        let op = Operation::Scale { replicas: 5 };
        let mut before = kube::api::DynamicObject::new("web", &t.api_resource());
        before.data = serde_json::json!({"spec": {"replicas": 2}});
        let req = workload_request(&op, &t, chrono::Utc::now());
        let plan =
            crate::ops::pipeline::plan_from(&t, op, vec![req], before, serde_json::Value::Null);
        let mut m = Model::default();
        assert_eq!(cost_delta(&plan, &m), None, "no figures yet: nothing shown");
        m.costs = Some(std::sync::Arc::new(Costs {
            workloads: vec![GroupCost {
                context: "prod".into(),
                namespace: "shop".into(),
                workload: "deployment/web".into(),
                cost_per_hour: 0.08,
                cpu_cost_per_hour: 0.06,
                ram_cost_per_hour: 0.02,
                efficiency: None,
                basis: "requests".into(),
            }],
            ..Default::default()
        }));
        // $0.04 per pod today; 2 → 5 replicas: +$0.12/h, +$88/month.
        assert_eq!(
            cost_delta(&plan, &m).as_deref(),
            Some("cost: +0.1200 $/h (+88 $/month) at today's cost per pod")
        );
    }
}
