//! Evaluating a query over the sources: each object's named fields bound in
//! a child scope of one CEL context, the predicate run, the matches kept
//! with their cells, then ordered and cut.

use std::time::{Duration, Instant};

use super::kinds::{Drill, Item, Sources};
use super::value::V;
use super::Query;

#[derive(Debug, Clone)]
pub struct Hit {
    pub cells: Vec<V>,
    pub drill: Drill,
    /// The `order by` field's value.
    key: V,
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub kind: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Hit>,
    /// Objects looked at, and how many matched (before `limit`).
    pub scanned: usize,
    pub matched: usize,
    /// Objects the predicate could not be evaluated on (a null compared
    /// with a number…): left out, counted, the first said.
    pub errors: usize,
    pub first_error: Option<String>,
    /// Clusters whose objects of the kind are not known, and why.
    pub unknown: Vec<String>,
    pub took: Duration,
    /// Each row's cells as one line, made once for the `/` filter (which
    /// otherwise formats every cell of every row each frame).
    texts: std::sync::OnceLock<Vec<String>>,
}

/// The columns: the kind's, then fields the query names that it lacks.
fn columns(q: &Query) -> Vec<&'static str> {
    let mut cols: Vec<&'static str> = q.kind.columns.to_vec();
    let extra = q.vars.iter().copied().chain(q.order.map(|(f, _)| f));
    for f in extra {
        if !cols.contains(&f) && cols.len() < q.kind.columns.len() + 3 {
            cols.push(f);
        }
    }
    cols
}

pub fn run(q: &Query, src: &Sources) -> Answer {
    let started = Instant::now();
    let columns = columns(q);
    let root = cel::Context::default();
    let mut rows = Vec::new();
    let (mut scanned, mut matched, mut errors) = (0, 0, 0);
    let mut first_error = None;
    // Without an order, the scan stops at the limit.
    let stop_at = match q.order {
        None => q.limit,
        Some(_) => None,
    };
    let mut visit = |item: &dyn Item| -> bool {
        scanned += 1;
        let keep = match &q.program {
            None => true,
            Some(p) => {
                let mut scope = root.new_inner_scope();
                for v in &q.vars {
                    let name = q
                        .renamed
                        .iter()
                        .find(|(f, _)| f == v)
                        .map_or(*v, |(_, b)| *b);
                    scope.add_variable_from_value(name, item.get(v).to_cel());
                }
                match p.execute(&scope) {
                    Ok(cel::Value::Bool(b)) => b,
                    Ok(other) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| {
                            format!("the condition gave {other:?}, not true or false")
                        });
                        false
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| e.to_string());
                        false
                    }
                }
            }
        };
        if keep {
            matched += 1;
            rows.push(Hit {
                cells: columns.iter().map(|c| item.get(c)).collect(),
                drill: item.drill(),
                key: q.order.map_or(V::Null, |(f, _)| item.get(f)),
            });
        }
        stop_at.is_none_or(|n| rows.len() < n)
    };
    (q.kind.scan)(src, &mut visit);
    let unknown = (q.kind.unknown)(src);
    if let Some((_, desc)) = q.order {
        rows.sort_by(|a, b| {
            let o = match (&a.key, &b.key) {
                (V::Null, V::Null) => std::cmp::Ordering::Equal,
                (V::Null, _) => std::cmp::Ordering::Greater,
                (_, V::Null) => std::cmp::Ordering::Less,
                (x, y) if desc => y.order(x),
                (x, y) => x.order(y),
            };
            o.then_with(|| {
                a.cells.first().map_or(std::cmp::Ordering::Equal, |c| {
                    b.cells
                        .first()
                        .map_or(std::cmp::Ordering::Equal, |d| c.order(d))
                })
            })
        });
    }
    if let Some(n) = q.limit {
        rows.truncate(n);
    }
    Answer {
        kind: q.kind.name,
        columns,
        rows,
        scanned,
        matched,
        errors,
        first_error,
        unknown,
        took: started.elapsed(),
        texts: Default::default(),
    }
}

/// `:help fields KIND`: one row per field.
pub fn fields(kind: &str) -> Option<Answer> {
    let k = super::kinds::kind(kind)?;
    Some(Answer {
        kind: "fields",
        columns: vec!["field", "type", "meaning"],
        rows: k
            .fields
            .iter()
            .map(|f| Hit {
                cells: vec![V::s(f.name), V::s(f.ty), V::s(f.doc)],
                drill: Drill::Nothing,
                key: V::Null,
            })
            .collect(),
        scanned: k.fields.len(),
        matched: k.fields.len(),
        errors: 0,
        first_error: None,
        unknown: Vec::new(),
        took: Duration::ZERO,
        texts: Default::default(),
    })
}

impl Answer {
    /// Each row as the filter sees it: its cells as shown at `now` the
    /// first time it is asked.
    pub fn row_texts(&self, now: chrono::DateTime<chrono::Utc>) -> &[String] {
        self.texts.get_or_init(|| {
            self.rows
                .iter()
                .map(|h| {
                    let cells: Vec<String> = h.cells.iter().map(|c| c.show(now)).collect();
                    cells.join(" ")
                })
                .collect()
        })
    }

    /// `12 of 4,000 pods · 3 ms`, and the first evaluation error.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} of {} {} · {} ms",
            self.matched,
            self.scanned,
            self.kind,
            self.took.as_millis()
        );
        if self.rows.len() < self.matched {
            s.push_str(&format!(" · first {} shown", self.rows.len()));
        }
        if let Some(e) = &self.first_error {
            s.push_str(&format!(" · {} not evaluated: {e}", self.errors));
        }
        if !self.unknown.is_empty() {
            s.push_str(&format!(
                " · not known on {}: {}",
                self.unknown.len(),
                self.unknown.join("; ")
            ));
        }
        s
    }

    pub fn to_json(&self) -> serde_json::Value {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|h| {
                serde_json::Value::Object(
                    self.columns
                        .iter()
                        .zip(&h.cells)
                        .map(|(c, v)| (c.to_string(), v.to_json()))
                        .collect(),
                )
            })
            .collect();
        serde_json::json!({
            "kind": self.kind,
            "matched": self.matched,
            "scanned": self.scanned,
            "not_evaluated": self.errors,
            "first_error": self.first_error,
            "unknown": self.unknown,
            "rows": rows,
        })
    }
}

/// What a query reads, owned: gathered where the data is (the console's
/// loop, a headless run), asked on a thread of its own.
pub struct Held {
    pub now: chrono::DateTime<chrono::Utc>,
    pub stores: Vec<(
        crate::fleet::summary::ClusterMeta,
        crate::fleet::live::SharedData,
    )>,
    pub rows: Vec<crate::fleet::summary::ClusterRow>,
    pub slos: Vec<crate::slo::eval::SloRow>,
    pub costs: Option<std::sync::Arc<crate::cost::report::Costs>>,
    pub changes: Vec<crate::timeline::Change>,
    pub backups: Option<std::sync::Arc<crate::backups::fleet::FleetBackups>>,
    pub chaos: Option<std::sync::Arc<crate::chaos::fleet::FleetChaos>>,
    pub forecast: Option<std::sync::Arc<crate::forecast::monitor::FleetForecast>>,
    pub remediations: Option<Vec<crate::remediation::queue::Entry>>,
}

impl Held {
    pub fn sources(&self) -> Sources<'_> {
        Sources {
            now: self.now,
            stores: &self.stores,
            rows: &self.rows,
            slos: &self.slos,
            costs: self.costs.as_deref(),
            changes: &self.changes,
            backups: self.backups.as_deref(),
            chaos: self.chaos.as_deref(),
            forecast: self.forecast.as_deref(),
            remediations: self.remediations.as_deref(),
        }
    }

    /// Parses and runs `text` on a thread with a large stack.
    pub fn ask(&self, text: &str) -> Result<Answer, String> {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("query".into())
                .stack_size(super::STACK)
                .spawn_scoped(s, || {
                    let q = super::parse(text).map_err(|e| e.to_string())?;
                    Ok(run(&q, &self.sources()))
                })
                .map_err(|e| format!("query thread: {e}"))?
                .join()
                .map_err(|_| "the evaluation failed".to_string())?
        })
    }
}
