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
    app.query = Some(QueryRun::new(id, text.clone(), phrase, QueryState::Running));
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
    q.answered_at = Some(chrono::Utc::now());
    q.asking = false;
}

/// Seconds between the Query view's askings while it is on screen.
pub const REASK_SECS: i64 = 5;

/// The Query view's answer is live like every other view: asked again
/// every few seconds while on screen (the old answer shown meanwhile), not
/// once and left to go stale during an incident.
pub fn tick(app: &mut App, now: chrono::DateTime<chrono::Utc>) -> Vec<Effect> {
    if app.screen().view != View::Query {
        return Vec::new();
    }
    let Some(q) = app.query.as_mut() else {
        return Vec::new();
    };
    let live = matches!(&q.state, QueryState::Done(a) if a.kind != "fields");
    let due = q
        .answered_at
        .is_some_and(|t| (now - t).num_seconds() >= REASK_SECS);
    if !live || q.asking || !due {
        return Vec::new();
    }
    q.asking = true;
    vec![Effect::Query {
        id: q.id,
        text: q.text.clone(),
    }]
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
    app.query = Some(QueryRun::new(
        id,
        format!("help fields {kind}"),
        None,
        QueryState::Done(std::sync::Arc::new(answer)),
    ));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::query_state::QueryRun;
    use chrono::{Duration, Utc};

    fn on_screen(kind: &'static str) -> App {
        let mut app = App::new(false, false);
        let answer = crate::query::run::fields("pods").map(|mut a| {
            a.kind = kind;
            std::sync::Arc::new(a)
        });
        let mut q = QueryRun::new(7, "pods".into(), None, QueryState::Done(answer.unwrap()));
        q.answered_at = Some(Utc::now() - Duration::seconds(REASK_SECS));
        app.query = Some(q);
        app.push(View::Query);
        app
    }

    #[test]
    fn an_answer_on_screen_is_asked_again_when_due_and_once() {
        let mut app = on_screen("pods");
        let now = Utc::now();
        match tick(&mut app, now).as_slice() {
            [Effect::Query { id: 7, text }] => assert_eq!(text, "pods"),
            other => panic!("{other:?}"),
        }
        assert!(tick(&mut app, now).is_empty(), "not while asking");
        answered(&mut app, 7, Err("gone".into()));
        assert!(tick(&mut app, now).is_empty(), "not an error");
        let mut app = on_screen("pods");
        app.query.as_mut().unwrap().answered_at = Some(now);
        assert!(tick(&mut app, now).is_empty(), "not before it is due");
        app.screens.truncate(1);
        assert!(
            tick(&mut app, now + Duration::seconds(60)).is_empty(),
            "not off screen"
        );
        let mut fields = on_screen("fields");
        assert!(tick(&mut fields, now).is_empty(), "help never changes");
    }
}
