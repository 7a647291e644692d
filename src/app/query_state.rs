//! The query on screen: its text, and its answer once the worker has it.

use std::sync::Arc;

use crate::query::{Answer, QueryError};

#[derive(Debug, Clone)]
pub enum QueryState {
    Running,
    Done(Arc<Answer>),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct QueryRun {
    /// Names the run: an answer to an older query is dropped.
    pub id: u64,
    pub text: String,
    /// Set when a plain phrase stood for it (`failing pods`).
    pub phrase: Option<String>,
    pub state: QueryState,
    /// When the answer on screen was given; the view asks again after a
    /// few seconds, keeping this answer until the next arrives.
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub asking: bool,
}

impl QueryRun {
    pub fn new(id: u64, text: String, phrase: Option<String>, state: QueryState) -> QueryRun {
        QueryRun {
            id,
            text,
            phrase,
            state,
            answered_at: None,
            asking: false,
        }
    }
}

/// A query that does not parse, said with a caret under its column.
pub fn explain(text: &str, e: &QueryError) -> String {
    format!("{e} in {text:?}")
}
