//! A query's clauses, found in its text: `KIND [where PREDICATE]
//! [order by FIELD [desc]] [limit N]`. Words inside string literals and
//! brackets are the predicate's own; the text is capped in length and
//! nesting before anything parses it, so no input can exhaust the stack.

use super::QueryError;

/// Longer than any question typed in a palette.
pub const MAX_LEN: usize = 1024;
/// Brackets within brackets, and `!`/`-` in a row.
pub const MAX_DEPTH: usize = 24;
/// Operators and member accesses in all (each is a level of the tree).
pub const MAX_OPERATORS: usize = 160;

#[derive(Debug, Clone, PartialEq)]
pub struct Clauses<'a> {
    pub kind: &'a str,
    /// The predicate and its offset (in chars) into the text.
    pub predicate: Option<(&'a str, usize)>,
    pub order: Option<(&'a str, bool, usize)>,
    pub limit: Option<(&'a str, usize)>,
}

/// A word outside strings and brackets: its byte range.
#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
}

fn chars_before(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}

fn err(text: &str, byte: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        column: chars_before(text, byte) + 1,
        message: message.into(),
    }
}

/// Checks the caps and lists the top-level words.
fn words(text: &str) -> Result<Vec<Word>, QueryError> {
    if text.chars().count() > MAX_LEN {
        return Err(err(
            text,
            text.char_indices().nth(MAX_LEN).map_or(0, |(i, _)| i),
            format!("a query is at most {MAX_LEN} characters"),
        ));
    }
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut unary = 0usize;
    let mut operators = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut start: Option<usize> = None;
    let mut prev = ' ';
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, x) if x == q => quote = None,
                _ => {}
            }
            continue;
        }
        let word_char = c.is_alphanumeric() || c == '_';
        if depth == 0 && word_char && start.is_none() {
            start = Some(i);
        }
        if !word_char {
            if let Some(s) = start.take() {
                out.push(Word { start: s, end: i });
            }
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(err(text, i, format!("nested deeper than {MAX_DEPTH}")));
                }
            }
            ')' | ']' | '}' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| err(text, i, "unmatched closing bracket"))?;
            }
            _ => {}
        }
        if matches!(c, '!' | '-') && !prev.is_alphanumeric() && !matches!(prev, ')' | ']') {
            unary += 1;
            if unary > MAX_DEPTH {
                return Err(err(
                    text,
                    i,
                    format!("more than {MAX_DEPTH} ! or - in a row"),
                ));
            }
        } else if !c.is_whitespace() {
            unary = 0;
        }
        if matches!(
            c,
            '.' | '&' | '|' | '+' | '-' | '*' | '/' | '%' | '<' | '>' | '=' | '!' | '?' | '['
        ) {
            operators += 1;
            if operators > MAX_OPERATORS {
                return Err(err(text, i, format!("more than {MAX_OPERATORS} operators")));
            }
        }
        if !c.is_whitespace() {
            prev = c;
        }
    }
    if let Some(q) = quote {
        let at = text.rfind(q).unwrap_or(0);
        return Err(err(text, at, "unterminated string"));
    }
    if depth > 0 {
        let at = text.rfind(['(', '[', '{']).unwrap_or(0);
        return Err(err(text, at, "unclosed bracket"));
    }
    if let Some(s) = start {
        out.push(Word {
            start: s,
            end: text.len(),
        });
    }
    Ok(out)
}

/// Whether a palette line is a query: its second word is a clause.
pub fn is_query(text: &str) -> bool {
    let mut w = text.split_whitespace();
    w.next().is_some() && matches!(w.next(), Some("where" | "order" | "limit"))
}

pub fn split(text: &str) -> Result<Clauses<'_>, QueryError> {
    let ws = words(text)?;
    let word = |w: &Word| &text[w.start..w.end];
    let Some(first) = ws.first() else {
        return Err(err(
            text,
            0,
            "empty query: KIND [where …] [order by …] [limit N]",
        ));
    };
    if !text[..first.start].trim().is_empty() {
        return Err(err(
            text,
            0,
            "a query starts with a KIND (pods, workloads, …)",
        ));
    }
    let kind = word(first);
    let rest = &ws[1..];
    let at = |name: &str| rest.iter().position(|w| word(w) == name);
    let order_at = rest
        .iter()
        .enumerate()
        .rev()
        .find(|(i, w)| word(w) == "order" && rest.get(i + 1).is_some_and(|b| word(b) == "by"))
        .map(|(i, _)| i);
    let limit_at = rest.iter().rposition(|w| word(w) == "limit");
    let where_at = at("where").filter(|i| *i == 0);
    // The first clause must follow the kind directly.
    let first_clause = [where_at, order_at, limit_at].into_iter().flatten().min();
    match (rest.first(), first_clause) {
        (None, _) => {}
        (Some(_), Some(0)) => {}
        (Some(w), _) => {
            return Err(err(
                text,
                w.start,
                format!("expected where, order by or limit after {kind:?}"),
            ))
        }
    }
    if let (Some(o), Some(l)) = (order_at, limit_at) {
        if l < o {
            return Err(err(text, rest[o].start, "order by comes before limit"));
        }
    }
    let end_of_predicate = [order_at, limit_at]
        .into_iter()
        .flatten()
        .min()
        .map_or(text.len(), |i| rest[i].start);
    let predicate = where_at.map(|i| {
        let s = rest[i].end;
        let p = &text[s..end_of_predicate];
        let lead = p.len() - p.trim_start().len();
        (p.trim(), chars_before(text, s + lead))
    });
    if let Some((p, col)) = predicate {
        if p.is_empty() {
            return Err(QueryError {
                column: col + 1,
                message: "where needs a condition, e.g. restarts > 5".into(),
            });
        }
    }
    let order = match order_at {
        None => None,
        Some(o) => {
            let end = limit_at.map_or(text.len(), |l| rest[l].start);
            let after_by = rest[o + 1].end;
            let spec: Vec<&str> = text[after_by..end].split_whitespace().collect();
            let col = chars_before(text, after_by) + 1;
            match spec.as_slice() {
                [f] => Some((*f, false, col)),
                [f, "desc"] => Some((*f, true, col)),
                [f, "asc"] => Some((*f, false, col)),
                _ => {
                    return Err(QueryError {
                        column: col + 1,
                        message: "order by FIELD [desc]".into(),
                    })
                }
            }
        }
    };
    let limit = limit_at.map(|l| {
        let s = rest[l].end;
        let v = text[s..].trim();
        (v, chars_before(text, s) + 2)
    });
    Ok(Clauses {
        kind,
        predicate,
        order,
        limit,
    })
}
