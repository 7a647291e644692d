//! The action dialog: ask what is needed (replicas), show the plan and the
//! server's dry-run diff and the gate's verdict, take the required reason (a
//! tui-textarea) and, for protected clusters and destructive actions, the
//! target's name typed out — or `override` against a gate's stop.

use crossterm::event::{KeyCode, KeyEvent};
use tui_textarea::TextArea;

use crate::ops::action::Operation;
use crate::ops::pipeline::Plan;
use crate::ops::target::Target;

#[derive(Debug, Clone)]
pub struct Dialog {
    pub cluster: usize,
    pub target: Target,
    pub op: Operation,
    pub stage: Stage,
    /// The confirmed plan, handed to the executor when the operator confirms.
    pub last_plan: Option<Box<Plan>>,
    /// The remediation proposal this action approves, if any.
    pub proposal: Option<String>,
    /// The reason it was executed with (recorded with the proposal).
    pub reason: Option<String>,
    /// Every context that reaches the cluster (more than one: the operator
    /// may pick which to act through).
    pub contexts: Vec<String>,
    /// The context picked with ctrl-o; `None`: the first that may.
    pub via: Option<String>,
}

impl Dialog {
    pub fn new(cluster: usize, target: Target, op: Operation, stage: Stage) -> Dialog {
        Dialog {
            cluster,
            contexts: vec![target.context.clone()],
            target,
            op,
            stage,
            last_plan: None,
            proposal: None,
            reason: None,
            via: None,
        }
    }

    /// The next of the cluster's contexts to act through, if it has several.
    fn next_context(&mut self) -> Option<String> {
        if self.contexts.len() < 2 {
            return None;
        }
        let now = self
            .last_plan
            .as_ref()
            .map(|p| p.target.context.clone())
            .or_else(|| match &self.stage {
                Stage::Confirm(c) => Some(c.plan.target.context.clone()),
                _ => None,
            })
            .or_else(|| self.via.clone())
            .unwrap_or_else(|| self.target.context.clone());
        let i = self.contexts.iter().position(|c| *c == now).unwrap_or(0);
        let next = self.contexts[(i + 1) % self.contexts.len()].clone();
        self.via = Some(next.clone());
        Some(next)
    }
}

#[derive(Debug, Clone)]
pub enum Stage {
    /// Typing the replica count for a scale.
    Replicas(String),
    /// Plan and pre-flight are running.
    Checking,
    Unavailable(String),
    Confirm(Box<Confirm>),
    Running,
    Finished {
        ok: bool,
        message: String,
    },
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub plan: Plan,
    pub diff: String,
    /// The name to type (protected cluster or destructive action).
    pub must_type: Option<String>,
    pub reason: TextArea<'static>,
    pub typed: String,
    /// Focus on the name field rather than the reason.
    pub on_name: bool,
}

impl Confirm {
    pub fn new(plan: Plan, diff: String, protected: bool) -> Confirm {
        let name = (protected || plan.destructive).then(|| plan.target.name.clone());
        // A stop from the gate is passed only by typing `override`; the
        // override is journaled with the reason.
        let must_type = match (plan.gate.as_ref().is_some_and(|g| g.blocks()), name) {
            (true, Some(n)) => Some(format!("override {n}")),
            (true, None) => Some("override".into()),
            (false, n) => n,
        };
        let mut reason = TextArea::default();
        reason.set_placeholder_text("why (required; journaled and put on the object's Event)");
        Confirm {
            plan,
            diff,
            must_type,
            reason,
            typed: String::new(),
            on_name: false,
        }
    }

    pub fn reason_text(&self) -> String {
        self.reason.lines().join("\n").trim().to_string()
    }

    /// What still stands between the operator and Enter, if anything.
    pub fn missing(&self) -> Option<String> {
        if self.reason_text().is_empty() {
            return Some("a reason is required".into());
        }
        match &self.must_type {
            Some(name) if &self.typed != name => Some(format!("type {name} to confirm")),
            _ => None,
        }
    }
}

/// What a key in the dialog asks the loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogKey {
    Nothing,
    Close,
    /// Replicas entered: plan and pre-flight.
    Plan,
    /// Confirmed: execute with this reason.
    Execute(String),
}

pub fn on_key(d: &mut Dialog, key: KeyEvent) -> DialogKey {
    if key.code == KeyCode::Esc {
        return match d.stage {
            Stage::Running => DialogKey::Nothing,
            _ => DialogKey::Close,
        };
    }
    // ctrl-o: act through the cluster's next context (planned again).
    let other = key.code == KeyCode::Char('o')
        && key
            .modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL);
    let replannable = matches!(d.stage, Stage::Confirm(_) | Stage::Unavailable(_));
    if other && replannable && d.next_context().is_some() {
        d.stage = Stage::Checking;
        return DialogKey::Plan;
    }
    match &mut d.stage {
        Stage::Replicas(text) => match key.code {
            KeyCode::Char(c) if c.is_ascii_digit() && text.len() < 6 => {
                text.push(c);
                DialogKey::Nothing
            }
            KeyCode::Backspace => {
                text.pop();
                DialogKey::Nothing
            }
            KeyCode::Enter => match text.parse::<i32>() {
                Ok(n) => {
                    d.op = Operation::Scale { replicas: n };
                    d.stage = Stage::Checking;
                    DialogKey::Plan
                }
                Err(_) => DialogKey::Nothing,
            },
            _ => DialogKey::Nothing,
        },
        Stage::Confirm(c) => match key.code {
            KeyCode::Tab | KeyCode::BackTab if c.must_type.is_some() => {
                c.on_name = !c.on_name;
                DialogKey::Nothing
            }
            KeyCode::Enter => match c.missing() {
                None => {
                    let reason = c.reason_text();
                    let mut plan = c.plan.clone();
                    plan.overridden = plan.gate.as_ref().is_some_and(|g| g.blocks());
                    d.last_plan = Some(Box::new(plan));
                    d.stage = Stage::Running;
                    DialogKey::Execute(reason)
                }
                // Enter in the reason box with nothing missing elsewhere is
                // a submit; otherwise it moves on to what is missing.
                Some(_) if !c.reason_text().is_empty() && c.must_type.is_some() => {
                    c.on_name = true;
                    DialogKey::Nothing
                }
                Some(_) => DialogKey::Nothing,
            },
            _ if c.on_name => {
                match key.code {
                    KeyCode::Char(ch) => c.typed.push(ch),
                    KeyCode::Backspace => {
                        c.typed.pop();
                    }
                    _ => {}
                }
                DialogKey::Nothing
            }
            _ => {
                c.reason.input(key);
                DialogKey::Nothing
            }
        },
        Stage::Unavailable(_) | Stage::Finished { .. } => match key.code {
            KeyCode::Enter | KeyCode::Char('q') => DialogKey::Close,
            _ => DialogKey::Nothing,
        },
        Stage::Checking | Stage::Running => DialogKey::Nothing,
    }
}
