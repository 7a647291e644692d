//! Tab in a query: the kinds at the start, then the kind's fields for the
//! word being typed (after `order by` too). Candidates are whole lines, in
//! a stable order, so Tab again steps to the next.

use super::kinds::{kind, KINDS};

fn word_start(text: &str) -> usize {
    text.char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// Every completion of `text` (the whole line each), best first.
pub fn candidates(text: &str) -> Vec<String> {
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
