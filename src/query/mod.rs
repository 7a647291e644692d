//! Questions to the fleet: `KIND [where PREDICATE] [order by FIELD [desc]]
//! [limit N]` over everything fleetdeck holds, the predicate in CEL (the
//! expression language of Kubernetes validation rules and admission
//! policies). Deterministic, evaluated off the UI thread; errors point at
//! the column of the mistake.

pub mod complete;
pub mod kinds;
pub mod run;
pub mod shortcuts;
pub mod text;
pub mod value;

use std::collections::BTreeSet;

pub use kinds::{Drill, Kind, Sources};
pub use run::{run, Answer, Hit};

/// What is wrong with a query, and where (1-based, in characters).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl QueryError {
    /// The text with a caret under the column (for a terminal).
    pub fn pointed(&self, text: &str) -> String {
        format!(
            "{text}\n{}^ {}",
            " ".repeat(self.column.saturating_sub(1)),
            self.message
        )
    }
}

pub struct Query {
    pub text: String,
    pub kind: &'static Kind,
    pub program: Option<cel::Program>,
    /// The fields the predicate names, in the order of the kind's fields.
    pub vars: Vec<&'static str>,
    /// Reserved words rewritten in the predicate (`namespace`): their bound
    /// names, by field.
    pub renamed: Vec<(&'static str, &'static str)>,
    pub order: Option<(&'static str, bool)>,
    pub limit: Option<usize>,
}

impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Query({:?})", self.text)
    }
}

/// Identifiers a macro binds (`images.exists(i, …)`): not fields.
fn bound(predicate: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for m in ["exists(", "all(", "exists_one(", "map(", "filter("] {
        let mut rest = predicate;
        while let Some(i) = rest.find(m) {
            rest = &rest[i + m.len()..];
            if let Some((name, _)) = rest.split_once(',') {
                let name = name.trim();
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    out.insert(name.to_string());
                }
            }
        }
    }
    out
}

/// CEL reserves `namespace` (and more), but fields are named as
/// Kubernetes names them: such a word, outside strings and not after a
/// dot, is bound under a name of the same length, so columns still match.
const RESERVED: &[(&str, &str)] = &[("namespace", "namespac_")];

fn rewrite(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut word = String::new();
    let mut before_word = ' ';
    let flush = |out: &mut String, word: &mut String, before: char| {
        let bound = RESERVED
            .iter()
            .find(|(w, _)| *w == word.as_str() && before != '.')
            .map(|(_, b)| *b);
        out.push_str(bound.unwrap_or(word));
        word.clear();
    };
    for c in p.chars() {
        if let Some(q) = quote {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, x) if x == q => quote = None,
                _ => {}
            }
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            if word.is_empty() {
                before_word = out
                    .chars()
                    .rev()
                    .find(|c| !c.is_whitespace())
                    .unwrap_or(' ');
            }
            word.push(c);
            continue;
        }
        flush(&mut out, &mut word, before_word);
        if c == '"' || c == '\'' {
            quote = Some(c);
        }
        out.push(c);
    }
    flush(&mut out, &mut word, before_word);
    out
}

/// Column (1-based, chars) of the first whole-word `name` in `text` from
/// `offset` (chars), or the offset itself.
fn column_of(text: &str, offset: usize, name: &str) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    (offset..chars.len().saturating_sub(n.len()) + 1)
        .find(|&i| {
            chars[i..].starts_with(&n)
                && (i == 0 || !word(chars[i - 1]))
                && chars.get(i + n.len()).is_none_or(|c| !word(*c))
        })
        .map_or(offset + 1, |i| i + 1)
}

fn compile(source: &str) -> Result<cel::Program, cel::ParseErrors> {
    // The caps in `text` bound the parser's depth; a panic in it is still
    // an error here, never the console's end.
    match std::panic::catch_unwind(|| cel::Program::compile(source)) {
        Ok(r) => r,
        Err(_) => Err(cel::ParseErrors {
            errors: vec![cel::ParseError {
                source: None,
                pos: (0, 0),
                msg: "the expression could not be parsed".into(),
                expr_id: 0,
                source_info: None,
            }],
        }),
    }
}

/// The CEL parser recurses a dozen frames per bracket: parsing (and
/// evaluating) runs on a thread with this much stack, never on the caller's.
pub const STACK: usize = 64 << 20;

/// [`parse`] on a thread of its own with a large stack.
pub fn parse_guarded(input: &str) -> Result<Query, QueryError> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("query-parse".into())
            .stack_size(STACK)
            .spawn_scoped(s, || parse(input))
            .ok()
            .and_then(|h| h.join().ok())
    })
    .unwrap_or_else(|| {
        Err(QueryError {
            column: 1,
            message: "the query could not be parsed".into(),
        })
    })
}

/// Call through [`parse_guarded`] unless on a thread with [`STACK`].
pub fn parse(input: &str) -> Result<Query, QueryError> {
    let c = text::split(input)?;
    let kind = kinds::kind(c.kind).ok_or_else(|| QueryError {
        column: 1,
        message: format!(
            "no kind {:?}: {}",
            c.kind,
            kinds::KINDS
                .iter()
                .map(|k| k.name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })?;
    let (program, vars) = match c.predicate {
        None => (None, Vec::new()),
        Some((p, offset)) => {
            let p = &rewrite(p);
            let program = compile(p).map_err(|e| {
                let first = e.errors.first();
                let col = first.map_or(0, |e| e.pos.1.max(0) as usize);
                QueryError {
                    column: offset + col + 1,
                    message: first.map_or("cannot parse".into(), |e| e.msg.clone()),
                }
            })?;
            let bound = bound(p);
            let refs = program.references();
            let mut named: Vec<&str> = refs
                .variables()
                .into_iter()
                .map(|v| {
                    RESERVED
                        .iter()
                        .find(|(_, b)| *b == v)
                        .map_or(v, |(w, _)| *w)
                })
                .collect();
            named.sort();
            if let Some(bad) = named
                .iter()
                .find(|v| kind.field(v).is_none() && !bound.contains(**v))
            {
                return Err(QueryError {
                    column: column_of(input, offset, bad),
                    message: format!(
                        "{} has no field {bad:?} (:help fields {})",
                        kind.name, kind.name
                    ),
                });
            }
            let vars = kind
                .fields
                .iter()
                .map(|f| f.name)
                .filter(|f| named.contains(f))
                .collect();
            (Some(program), vars)
        }
    };
    let order = match c.order {
        None => None,
        Some((name, desc, col)) => match kind.field(name) {
            Some(f) => Some((f.name, desc)),
            None => {
                return Err(QueryError {
                    column: col + 1,
                    message: format!("{} has no field {name:?} to order by", kind.name),
                })
            }
        },
    };
    let limit = match c.limit {
        None => None,
        Some((n, col)) => Some(n.parse::<usize>().map_err(|_| QueryError {
            column: col,
            message: format!("limit {n:?}: expected a whole number"),
        })?),
    };
    let renamed = RESERVED
        .iter()
        .filter(|(w, _)| vars.contains(w))
        .filter_map(|(w, b)| Some((kind.field(w)?.name, *b)))
        .collect();
    Ok(Query {
        text: input.to_string(),
        kind,
        program,
        vars,
        renamed,
        order,
        limit,
    })
}
