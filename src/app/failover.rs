//! The Failover view's state and keys: the plans with both sides' live
//! state, a plan's steps as the runner reports them, its pre-flight, and the
//! confirm prompt (a reason, and the plan's name typed: a failover moves a
//! service). The runner itself runs in the loop's task (`tui.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};

use super::msg::Effect;
use super::state::{App, View};
use crate::failover::plan::Plan;
use crate::failover::run::Progress;
use crate::failover::runlog::RunState;
use crate::fleet::summary::ClusterRow;
use crate::keymap::action::Action;

pub use super::failover_state::{Event, Mode, PlanRow, PlanState, Prompt};

const LOG_LINES: usize = 200;

pub fn on_event(app: &mut App, plan: &str, ev: Event) {
    let st = app.failover.entry(plan.to_string()).or_default();
    match ev {
        Event::Checked(r) => {
            st.checking = false;
            st.check = Some(r);
        }
        Event::Progress(Progress::Step { index, state }) => {
            st.steps.insert(index, state);
        }
        Event::Progress(Progress::Line(l)) => {
            st.log.push(l);
            let extra = st.log.len().saturating_sub(LOG_LINES);
            st.log.drain(..extra);
        }
        Event::Ended(r) => {
            st.running = None;
            app.message = Some(match &r {
                Ok(m) => format!("failover {plan}: {m}"),
                Err(e) => format!("failover {plan}: {e}"),
            });
            st.ended = Some(r);
        }
    }
}

pub fn rows(
    plans: &[Plan],
    fleet: &[ClusterRow],
    runs: impl Fn(&str) -> Option<RunState>,
) -> Vec<PlanRow> {
    let side = |ctx: &str| {
        let r = fleet.iter().find(|r| r.meta.reaches(ctx));
        (
            ctx.to_string(),
            r.map_or("not shown".to_string(), |r| r.state.word().to_string()),
            r.and_then(|r| r.excluded.clone()),
        )
    };
    plans
        .iter()
        .map(|p| PlanRow {
            sides: std::iter::once(&p.primary)
                .chain(p.standbys.iter())
                .map(|c| side(c))
                .collect(),
            last_run: runs(&p.name),
            plan: p.clone(),
        })
        .collect()
}

/// For the Fleet view: a primary that is excluded (or pages on an SLO), and
/// the plan that moves its service.
pub fn hint(
    plans: &[Plan],
    fleet: &[ClusterRow],
    slos: &[crate::slo::eval::SloRow],
) -> Option<String> {
    plans.iter().find_map(|p| {
        let r = fleet.iter().find(|r| r.meta.reaches(&p.primary))?;
        let why = match &r.excluded {
            Some(why) => format!("excluded ({why})"),
            None => {
                let paging = slos.iter().find(|s| {
                    s.context == p.primary && s.state == crate::slo::eval::SloState::Page
                })?;
                format!("pages (SLO {})", paging.name)
            }
        };
        Some(format!(
            "{} {why}: failover plan {} → {} (:fo {})",
            r.meta.name,
            p.name,
            p.standbys.join(" / "),
            p.name
        ))
    })
}

/// The plan the Failover view is on (the open one, or the selected row).
pub fn current(app: &App, plans: &[PlanRow], selected: Option<usize>) -> Option<String> {
    match &app.screen().view {
        View::Failover { plan: Some(name) } => Some(name.clone()),
        View::Failover { plan: None } => selected
            .and_then(|i| plans.get(i))
            .map(|r| r.plan.name.clone()),
        _ => None,
    }
}

/// The Failover view's own keys; `None` lets the common handling have it.
pub fn on_action(app: &mut App, action: Action, plan: Option<String>) -> Option<Vec<Effect>> {
    let mode = match action {
        Action::FailoverCheck => None,
        Action::FailoverRun => Some(Mode::Run { one: false }),
        Action::FailoverStep => Some(Mode::Run { one: true }),
        Action::FailoverRollback => Some(Mode::Rollback),
        Action::Abort => {
            let running = plan
                .as_ref()
                .and_then(|p| app.failover.get(p)?.running.clone());
            app.message = Some(match running {
                Some(flag) => {
                    flag.store(true, Ordering::SeqCst);
                    "stopping after the current action; the run stays resumable".into()
                }
                None => "no failover is running".into(),
            });
            return Some(Vec::new());
        }
        _ => return None,
    };
    let Some(plan) = plan else {
        app.message = Some("select a plan first".into());
        return Some(Vec::new());
    };
    if app.read_only {
        app.message = Some("read-only: fleetdeck makes no changes".into());
        return Some(Vec::new());
    }
    match mode {
        None => {
            let st = app.failover.entry(plan.clone()).or_default();
            st.checking = true;
            Some(vec![Effect::FailoverCheck { plan }])
        }
        Some(m) => {
            if app.failover.get(&plan).is_some_and(|s| s.running.is_some()) {
                app.message = Some(format!("{plan} is running; `a` stops it"));
                return Some(Vec::new());
            }
            app.prompt = Some(Prompt::new(&plan, m));
            Some(Vec::new())
        }
    }
}

/// Keys while the prompt is open.
pub fn on_prompt_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(p) = app.prompt.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => app.prompt = None,
        KeyCode::Tab | KeyCode::BackTab => p.on_name = !p.on_name,
        KeyCode::Enter => {
            if p.missing().is_none() {
                let reason = p.reason_text();
                let (plan, mode) = (p.plan.clone(), p.mode);
                app.prompt = None;
                let abort = Arc::new(AtomicBool::new(false));
                let st = app.failover.entry(plan.clone()).or_default();
                st.running = Some(abort.clone());
                st.ended = None;
                st.log.clear();
                return vec![Effect::Failover {
                    plan,
                    mode,
                    reason,
                    abort,
                }];
            }
            p.on_name = !p.on_name;
        }
        KeyCode::Backspace if p.on_name => {
            p.typed.pop();
        }
        KeyCode::Char(c) if p.on_name => p.typed.push(c),
        _ if !p.on_name => {
            p.reason.input(key);
        }
        _ => {}
    }
    Vec::new()
}
