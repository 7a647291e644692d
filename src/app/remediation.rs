//! The Remediations view's state and keys: the queue as last scanned, the
//! marked proposals, and the prompt for a reject, a snooze or a batch
//! approval. Approving one proposal re-validates it, then opens the usual
//! action dialog (plan, dry-run diff, reason) on its fix.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use tui_textarea::TextArea;

use super::state::App;
use super::update::Effect;
use crate::keymap::action::Action;
use crate::remediation::apply::Revalidated;
use crate::remediation::queue::Entry;

#[derive(Debug, Clone, Default)]
pub struct RemState {
    /// Every entry of the queue, open ones first.
    pub entries: Vec<Entry>,
    pub marked: BTreeSet<String>,
    pub scanning: bool,
    pub scanned_at: Option<DateTime<Utc>>,
    /// Clusters or sources that could not be read, and notes.
    pub notes: Vec<String>,
    pub log: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PromptKind {
    Reject(String),
    Snooze(String),
    /// Approve these, confirmed by typing `approve N`.
    Batch(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub reason: TextArea<'static>,
    /// The snooze's `until`, or the batch's typed confirmation.
    pub second: String,
    pub on_second: bool,
}

impl Prompt {
    fn new(kind: PromptKind) -> Prompt {
        let mut reason = TextArea::default();
        reason.set_placeholder_text("why (required; journaled)");
        let second = match kind {
            PromptKind::Snooze(_) => "2h".into(),
            _ => String::new(),
        };
        Prompt {
            kind,
            reason,
            second,
            on_second: false,
        }
    }

    pub fn reason_text(&self) -> String {
        self.reason.lines().join("\n").trim().to_string()
    }

    /// What the second field asks for.
    pub fn second_label(&self) -> String {
        match &self.kind {
            PromptKind::Reject(_) => String::new(),
            PromptKind::Snooze(_) => "until (30m, 2h, 7d or RFC 3339): ".into(),
            PromptKind::Batch(ids) => format!("type approve {} to confirm: ", ids.len()),
        }
    }

    pub fn missing(&self, now: DateTime<Utc>) -> Option<String> {
        if self.reason_text().is_empty() {
            return Some("a reason is required".into());
        }
        match &self.kind {
            PromptKind::Reject(_) => None,
            PromptKind::Snooze(_) => crate::remediation::cli::until(&self.second, now)
                .err()
                .map(|e| e.to_string()),
            PromptKind::Batch(ids) => {
                let want = format!("approve {}", ids.len());
                (self.second != want).then(|| format!("type {want} to confirm"))
            }
        }
    }
}

/// What the loop reports back.
#[derive(Debug, Clone)]
pub enum Event {
    Scanned {
        entries: Vec<Entry>,
        notes: Vec<String>,
    },
    /// Re-validation of the proposal about to be approved.
    Revalidated(String, Result<Revalidated, String>),
    Log(String),
}

/// Open proposals first (pending, or snoozed past their time), then by id.
pub fn sorted(mut entries: Vec<Entry>, now: DateTime<Utc>) -> Vec<Entry> {
    entries.sort_by_key(|e| (e.decision.word(now) != "pending", e.proposal.id.clone()));
    entries
}

pub fn on_event(app: &mut App, ev: Event, now: DateTime<Utc>) -> Vec<Effect> {
    let st = &mut app.remediation;
    match ev {
        Event::Scanned { entries, notes } => {
            st.scanning = false;
            st.scanned_at = Some(now);
            st.entries = sorted(entries, now);
            st.notes = notes;
            let ids: BTreeSet<&String> = st.entries.iter().map(|e| &e.proposal.id).collect();
            st.marked.retain(|m| ids.contains(m));
        }
        Event::Log(line) => {
            app.message = Some(line.clone());
            st.log.push(line);
        }
        Event::Revalidated(id, r) => {
            return match r {
                // Opened by `update`, which knows the clusters.
                Ok(Revalidated::Same(_)) => Vec::new(),
                Ok(Revalidated::Changed(p)) => {
                    app.message = Some(format!(
                        "{id} changed since it was proposed (now {}); rescanning",
                        p.id
                    ));
                    vec![Effect::RemScan]
                }
                Ok(Revalidated::Gone) => {
                    app.message = Some(format!(
                        "{id}: no longer found (fixed elsewhere); nothing to apply"
                    ));
                    vec![Effect::RemScan]
                }
                Err(e) => {
                    app.message = Some(format!("{id}: {e}"));
                    Vec::new()
                }
            };
        }
    }
    Vec::new()
}

/// How old a scan may be before the open view rescans on its own.
pub const RESCAN_AFTER: i64 = 60;

/// A rescan when the last one is older than `RESCAN_AFTER` and none runs.
pub fn tick(app: &mut App, now: DateTime<Utc>) -> Vec<Effect> {
    let st = &mut app.remediation;
    let due = st
        .scanned_at
        .is_none_or(|at| (now - at).num_seconds() >= RESCAN_AFTER);
    if st.scanning || !due {
        return Vec::new();
    }
    st.scanning = true;
    vec![Effect::RemScan]
}

/// The Remediations view's keys; `None` lets the common handling have it.
pub fn on_action(app: &mut App, action: Action, selected: Option<Entry>) -> Option<Vec<Effect>> {
    let now = Utc::now();
    match action {
        Action::FailoverCheck => {
            app.remediation.scanning = true;
            return Some(vec![Effect::RemScan]);
        }
        Action::RemMark => {
            if let Some(e) = selected {
                if e.decision.word(Utc::now()) != "pending" || e.proposal.op.is_none() {
                    app.message = Some(format!(
                        "{}: only open proposals with a fix can be marked",
                        e.proposal.id
                    ));
                    return Some(Vec::new());
                }
                let id = e.proposal.id;
                if !app.remediation.marked.remove(&id) {
                    app.remediation.marked.insert(id);
                }
            }
            return Some(Vec::new());
        }
        Action::RemApprove | Action::RemReject | Action::RemSnooze => {}
        _ => return None,
    }
    if app.read_only && action == Action::RemApprove {
        app.message = Some("read-only: fleetdeck makes no changes".into());
        return Some(Vec::new());
    }
    let marked: Vec<String> = app.remediation.marked.iter().cloned().collect();
    if action == Action::RemApprove && !marked.is_empty() {
        app.rem_prompt = Some(Prompt::new(PromptKind::Batch(marked)));
        return Some(Vec::new());
    }
    let Some(e) = selected else {
        app.message = Some("select a proposal first".into());
        return Some(Vec::new());
    };
    let id = e.proposal.id.clone();
    match action {
        Action::RemApprove => {
            if e.proposal.op.is_none() {
                app.message = Some(format!(
                    "{id}: nothing to apply; reject or snooze it to record an exception"
                ));
                return Some(Vec::new());
            }
            if e.decision.word(now) != "pending" {
                app.message = Some(format!("{id} is {}", e.decision.word(now)));
                return Some(Vec::new());
            }
            app.message = Some(format!("{id}: re-validating against the cluster…"));
            Some(vec![Effect::RemRevalidate {
                proposal: Box::new(e.proposal),
            }])
        }
        _ if !matches!(e.decision.word(now), "pending" | "snoozed") => {
            app.message = Some(format!(
                "{id} is {}: nothing to decide",
                e.decision.word(now)
            ));
            Some(Vec::new())
        }
        Action::RemReject => {
            app.rem_prompt = Some(Prompt::new(PromptKind::Reject(id)));
            Some(Vec::new())
        }
        _ => {
            app.rem_prompt = Some(Prompt::new(PromptKind::Snooze(id)));
            Some(Vec::new())
        }
    }
}

pub fn on_prompt_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let now = Utc::now();
    let Some(p) = app.rem_prompt.as_mut() else {
        return Vec::new();
    };
    let has_second = !matches!(p.kind, PromptKind::Reject(_));
    match key.code {
        KeyCode::Esc => app.rem_prompt = None,
        KeyCode::Tab | KeyCode::BackTab if has_second => p.on_second = !p.on_second,
        KeyCode::Enter => {
            if p.missing(now).is_none() {
                let reason = p.reason_text();
                let effect = match &p.kind {
                    PromptKind::Reject(id) => Effect::RemDecide {
                        id: id.clone(),
                        reason,
                        until: None,
                    },
                    PromptKind::Snooze(id) => Effect::RemDecide {
                        id: id.clone(),
                        reason,
                        until: crate::remediation::cli::until(&p.second, now).ok(),
                    },
                    PromptKind::Batch(ids) => {
                        app.remediation.marked.clear();
                        Effect::RemBatch {
                            ids: ids.clone(),
                            reason,
                        }
                    }
                };
                app.rem_prompt = None;
                return vec![effect];
            }
            if has_second {
                p.on_second = !p.on_second;
            }
        }
        KeyCode::Backspace if p.on_second => {
            p.second.pop();
        }
        KeyCode::Char(c) if p.on_second => p.second.push(c),
        _ if !p.on_second => {
            p.reason.input(key);
        }
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_view_rescans_once_a_minute_never_twice_at_once() {
        let now = Utc::now();
        let mut app = App::new(false, false);
        app.remediation.scanned_at = Some(now - chrono::Duration::seconds(30));
        assert!(tick(&mut app, now).is_empty());
        app.remediation.scanned_at = Some(now - chrono::Duration::seconds(61));
        assert!(matches!(tick(&mut app, now).as_slice(), [Effect::RemScan]));
        assert!(app.remediation.scanning);
        assert!(tick(&mut app, now).is_empty(), "one scan at a time");
    }
}
