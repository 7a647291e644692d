//! Multi-document YAML files named by line: where each document starts, and
//! a parse error as one `path:line:col: message` line (serde-saphyr's own
//! rendering draws a snippet over several lines).

use std::path::Path;

/// `path:line:col: message` for a YAML parse error.
pub fn error(path: &Path, e: &serde_saphyr::Error) -> String {
    let plain = e.without_snippet().to_string();
    let first = plain.lines().next().unwrap_or_default();
    match e.location() {
        Some(at) => {
            let suffix = format!(" at line {}, column {}", at.line(), at.column());
            let message = first.strip_suffix(&suffix).unwrap_or(first);
            format!(
                "{}:{}:{}: {message}",
                path.display(),
                at.line(),
                at.column()
            )
        }
        None => format!("{}: {first}", path.display()),
    }
}

fn is_separator(line: &str) -> bool {
    line == "---" || line.starts_with("--- ")
}

fn is_content(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#') && !t.starts_with('%')
}

/// The 1-based line each document of `text` starts on, in order: its
/// `---`, or line 1 for a first document without one.
pub fn document_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut content_before_first = false;
    for (i, line) in text.lines().enumerate() {
        if is_separator(line) {
            if starts.is_empty() && content_before_first {
                starts.push(1);
            }
            starts.push(i + 1);
        } else if starts.is_empty() && is_content(line) {
            content_before_first = true;
        }
    }
    if starts.is_empty() {
        starts.push(1);
    }
    starts
}

/// The line document `index` (0-based) starts on; 1 if out of range.
pub fn document_line(text: &str, index: usize) -> usize {
    document_lines(text).get(index).copied().unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_start_at_their_separator_or_line_one() {
        assert_eq!(document_lines("a: 1\n---\nb: 2\n---\nc: 3\n"), [1, 2, 4]);
        assert_eq!(document_lines("# c\n---\na: 1\n---\nb: 2\n"), [2, 4]);
        assert_eq!(document_lines("a: 1\n"), [1]);
        assert_eq!(document_lines(""), [1]);
        assert_eq!(document_line("a: 1\n--- # x\nb: 2\n", 1), 2);
    }

    #[test]
    fn a_parse_error_is_one_line_with_its_position() {
        let text = "a: 1\n---\nb: [1, 2\n";
        let e = serde_saphyr::from_multiple::<serde_json::Value>(text).unwrap_err();
        let shown = error(Path::new("slo/x.yaml"), &e);
        assert_eq!(shown, "slo/x.yaml:3:4: unclosed bracket '['");
    }
}
