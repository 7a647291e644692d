//! Queries from the palette: parsed here (a mistake is said at once, with
//! its column), run by the loop off the UI thread, answered into the Query
//! view; Enter drills into the object as everywhere else.

use super::model::Model;
use super::msg::Effect;
use super::query_state::{explain, QueryRun, QueryState};
use super::state::{App, View};
use crate::query::{shortcuts, Drill};

/// How many past queries are kept.
pub const HISTORY: usize = 200;

/// Whether a palette line is a query (or a phrase standing for one, or a
/// saved one's name, or a bare kind like `pods`).
pub fn recognise(app: &App, text: &str) -> Option<(String, Option<String>)> {
    let t = text.trim();
    if crate::query::text::is_query(t) {
        return Some((t.to_string(), None));
    }
    if let Some(q) = shortcuts::expand(t) {
        return Some((q.to_string(), Some(t.to_string())));
    }
    if let Some((name, q)) = app.saved_queries.iter().find(|(n, _)| n == t) {
        return Some((q.clone(), Some(name.clone())));
    }
    // A bare kind the palette has no view for: its whole table.
    match t {
        "pods" | "po" | "nodes" | "no" | "clusters" | "experiments" => Some((t.to_string(), None)),
        _ => None,
    }
}

/// Parses and, when it parses, asks the loop to run it.
pub fn start(app: &mut App, text: String, phrase: Option<String>) -> Vec<Effect> {
    if let Err(e) = crate::query::parse_guarded(&text) {
        app.message = Some(explain(&text, &e));
        return Vec::new();
    }
    let id = app.query.as_ref().map_or(1, |q| q.id + 1);
    app.history.retain(|h| h != &text);
    app.history.push(text.clone());
    let over = app.history.len().saturating_sub(HISTORY);
    app.history.drain(..over);
    if let Some(p) = &phrase {
        app.message = Some(format!("{p}: {text}"));
    }
    app.query = Some(QueryRun {
        id,
        text: text.clone(),
        phrase,
        state: QueryState::Running,
    });
    if app.screen().view == View::Query {
        app.screen_mut().selected = 0;
    } else {
        app.push(View::Query);
    }
    vec![Effect::Query { id, text }]
}

/// The worker's answer, kept when it answers the query on screen.
pub fn answered(
    app: &mut App,
    id: u64,
    answer: Result<std::sync::Arc<crate::query::Answer>, String>,
) {
    let Some(q) = app.query.as_mut().filter(|q| q.id == id) else {
        return;
    };
    q.state = match answer {
        Ok(a) => QueryState::Done(a),
        Err(e) => QueryState::Failed(e),
    };
}

/// `:help fields KIND`: the kind's fields as a table.
pub fn fields(app: &mut App, kind: &str) -> Vec<Effect> {
    let Some(answer) = crate::query::run::fields(kind) else {
        app.message = Some(format!(
            "no kind {kind:?}: {}",
            crate::query::kinds::KINDS
                .iter()
                .map(|k| k.name)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return Vec::new();
    };
    let id = app.query.as_ref().map_or(1, |q| q.id + 1);
    app.query = Some(QueryRun {
        id,
        text: format!("help fields {kind}"),
        phrase: None,
        state: QueryState::Done(std::sync::Arc::new(answer)),
    });
    if app.screen().view != View::Query {
        app.push(View::Query);
    }
    Vec::new()
}

/// Enter on a result row: the view that shows that object.
pub fn drill(app: &mut App, model: &Model, index: usize) {
    let Some(QueryState::Done(a)) = app.query.as_ref().map(|q| &q.state) else {
        return;
    };
    let Some(hit) = a.rows.get(index) else {
        return;
    };
    let cluster = |ctx: &str| model.rows.iter().position(|r| r.meta.context == ctx);
    let view = match &hit.drill {
        Drill::Workload {
            context,
            kind,
            namespace,
            name,
        } => cluster(context).map(|cluster| View::Detail {
            cluster,
            kind: *kind,
            namespace: namespace.clone(),
            name: name.clone(),
            yaml: false,
        }),
        Drill::Cluster { context } => cluster(context).map(|cluster| View::Cluster { cluster }),
        Drill::Slo => Some(View::Slo),
        Drill::Cost { context } => Some(View::Cost {
            context: Some(context.clone()),
            namespace: None,
        }),
        Drill::Changes => Some(View::Journal),
        Drill::Backups => Some(View::Backups),
        Drill::Chaos => Some(View::Chaos),
        Drill::Remediations => Some(View::Remediations),
        Drill::Nothing => None,
    };
    match view {
        Some(v) => app.push(v),
        None => app.message = Some("nothing to open for this row".into()),
    }
}
