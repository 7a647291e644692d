//! Tab in a query: the kinds at the start, then the kind's fields for the
//! word being typed (after `order by` too), and inside a string compared
//! with a field whose values the caller knows (`cluster == "pr`), those
//! values. Candidates are whole lines, in a stable order, so Tab again
//! steps to the next.

use super::kinds::{kind, KINDS};

fn word_start(text: &str) -> usize {
    text.char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// The field a string being typed is compared with, and where the string
/// starts: `cluster == "pr` and `cluster.startsWith("pr` give `cluster`.
fn string_of(text: &str) -> Option<(&str, usize)> {
    if text.matches('"').count().is_multiple_of(2) {
        return None;
    }
    let quote = text.rfind('"')?;
    let before = text[..quote].trim_end();
    let lhs = match before.strip_suffix('(') {
        Some(call) => call.rsplit_once('.')?.0,
        None => before
            .strip_suffix("==")
            .or_else(|| before.strip_suffix("!="))?
            .trim_end(),
    };
    let field = &lhs[word_start(lhs)..];
    (!field.is_empty()).then_some((field, quote + 1))
}

/// Every completion of `text` (the whole line each), best first.
pub fn candidates(text: &str) -> Vec<String> {
    candidates_with(text, |_| Vec::new())
}

/// The same, with `values(field)`: the values a field takes, where known.
pub fn candidates_with(text: &str, values: impl Fn(&str) -> Vec<String>) -> Vec<String> {
    if let Some((field, at)) = string_of(text) {
        let partial = &text[at..];
        let mut found: Vec<String> = values(field)
            .into_iter()
            .filter(|v| v.starts_with(partial) && v != partial)
            .map(|v| format!("{}{v}\"", &text[..at]))
            .collect();
        found.sort();
        found.dedup();
        return found;
    }
    let start = word_start(text);
    let (head, partial) = text.split_at(start);
    if head.trim().is_empty() {
        return KINDS
            .iter()
            .filter(|k| k.name.starts_with(partial))
            .map(|k| format!("{} where ", k.name))
            .collect();
    }
    let Some(k) = text.split_whitespace().next().and_then(kind) else {
        return Vec::new();
    };
    // Inside a string literal nothing completes.
    if head.matches('"').count() % 2 == 1 || head.matches('\'').count() % 2 == 1 {
        return Vec::new();
    }
    k.fields
        .iter()
        .filter(|f| f.name.starts_with(partial) && f.name != partial)
        .map(|f| format!("{head}{}", f.name))
        .collect()
}
