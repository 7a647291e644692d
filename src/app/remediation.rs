//! The Remediations view's state and keys: the queue as last scanned, the
//! marked proposals, and the prompt for a reject, a snooze or a batch
//! approval. Approving one proposal re-validates it, then opens the usual
//! action dialog (plan, dry-run diff, reason) on its fix.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use super::msg::Effect;
use super::state::App;
use crate::keymap::action::Action;
use crate::remediation::apply::Revalidated;
use crate::remediation::queue::Entry;

pub use super::remediation_state::{Event, Prompt, PromptKind, RemState};

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
        Event::BatchEnded => st.batch = None,
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
                        until: crate::basics::duration::until(&p.second, now).ok(),
                    },
                    PromptKind::Batch(ids) => {
                        app.remediation.marked.clear();
                        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                        app.remediation.batch = Some(stop.clone());
                        Effect::RemBatch {
                            ids: ids.clone(),
                            reason,
                            stop,
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
