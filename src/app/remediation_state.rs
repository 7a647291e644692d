//! The Remediations view's state types: the queue as this console holds it,
//! the reject/snooze/batch prompt, and what the loop reports. Plain data,
//! below `state` (which holds them) and the view's keys (`remediation`).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use tui_textarea::TextArea;

use crate::remediation::apply::Revalidated;
use crate::remediation::queue::Entry;

#[derive(Debug, Clone, Default)]
pub struct RemState {
    /// Every entry of the queue, open ones first.
    pub entries: Vec<Entry>,
    pub marked: BTreeSet<String>,
    pub scanning: bool,
    /// A batch approval running: set to stop it before its next proposal.
    pub batch: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
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
    pub(super) fn new(kind: PromptKind) -> Prompt {
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
            PromptKind::Snooze(_) => crate::basics::duration::until(&self.second, now).err(),
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
    /// The batch approval ended (done or stopped).
    BatchEnded,
}
