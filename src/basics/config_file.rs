//! What theme and keymap files share: the one-line `path:line:col: message`
//! error, parsing into a located TOML tree, and the "built-in preset +
//! optional user file" lookup.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::toml_tree::{Entry, Node};

/// A problem in a theme or keymap file. `line` and `column` are 1-based;
/// 0 means the problem is about the file as a whole (missing, unreadable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFileError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ConfigFileError {
    /// An error about the whole file rather than a place in it.
    pub fn whole_file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ConfigFileError {
            path: path.into(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }

    /// An error at byte `offset` of `text`.
    pub fn at(path: &Path, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_col(text, offset);
        ConfigFileError {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            let (path, line, col) = (self.path.display(), self.line, self.column);
            write!(f, "{path}:{line}:{col}: {}", self.message)
        }
    }
}

impl std::error::Error for ConfigFileError {}

/// Convert a `toml` error into a one-line [`ConfigFileError`]; the crate's own
/// `Display` is a multi-line snippet, which does not fit a status line.
pub fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> ConfigFileError {
    let message = one_line(err.message());
    match err.span() {
        Some(span) => ConfigFileError::at(path, text, span.start, message),
        // Rare (custom errors); better no position than a made-up one.
        None => ConfigFileError::whole_file(path, message),
    }
}

fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("; ")
}

/// 1-based line and column (in characters) of byte `offset`; offsets past the
/// end or inside a multi-byte character are clamped rather than panicking.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// One file being interpreted: parses it and builds located errors.
pub(crate) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    /// The file's top-level table, keys in document order.
    pub(crate) fn parse(&self) -> Result<Vec<Entry>, ConfigFileError> {
        match toml::from_str::<Node>(self.text) {
            Ok(Node::Table(entries)) => Ok(entries),
            // A TOML document is always a table; keep the type total anyway.
            Ok(other) => Err(self.error(0..0, format!("expected a table, found {}", other.kind()))),
            Err(err) => Err(toml_error(self.path, self.text, &err)),
        }
    }

    pub(crate) fn error(&self, span: Range<usize>, message: impl Into<String>) -> ConfigFileError {
        ConfigFileError::at(self.path, self.text, span.start, message)
    }
}

/// One layer of a theme or keymap: a built-in preset or a user's file.
pub(crate) struct Layer {
    pub path: PathBuf,
    pub text: String,
}

/// The kind of file being looked up, for paths and messages.
pub(crate) struct Catalogue {
    /// Singular noun for messages ("theme").
    pub noun: &'static str,
    /// Directory name under `<builtin>` ("themes").
    pub dir: &'static str,
    /// `(name, text)` of the embedded presets.
    pub presets: &'static [(&'static str, &'static str)],
    /// The preset a user file with a new name is laid over.
    pub fallback: &'static str,
}

impl Catalogue {
    pub(crate) fn builtin_path(&self, name: &str) -> PathBuf {
        PathBuf::from(format!("<builtin>/{}/{name}.toml", self.dir))
    }

    pub(crate) fn preset(&self, name: &str) -> Option<Layer> {
        let (name, text) = self.presets.iter().find(|(n, _)| *n == name)?;
        Some(Layer {
            path: self.builtin_path(name),
            text: (*text).to_owned(),
        })
    }

    /// Preset names plus the stems of `*.toml` files in `user_dir`, sorted.
    pub(crate) fn available(&self, user_dir: Option<&Path>) -> Vec<String> {
        let mut names: Vec<String> = self.presets.iter().map(|(n, _)| n.to_string()).collect();
        let entries = user_dir.and_then(|dir| std::fs::read_dir(dir).ok());
        for entry in entries.into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                    names.push(stem.to_owned());
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// The layers for `name`, bottom first: the preset of that name (or the
    /// fallback preset when only a user file exists), then the user's file.
    pub(crate) fn layers(
        &self,
        name: &str,
        user_dir: Option<&Path>,
    ) -> Result<Vec<Layer>, ConfigFileError> {
        let user_path = user_dir.map(|dir| dir.join(format!("{name}.toml")));
        let where_ = || user_path.clone().unwrap_or_else(|| self.builtin_path(name));
        // The name becomes a file name: keep it from escaping `user_dir`.
        if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']) {
            let message = format!("invalid {} name {name:?}", self.noun);
            return Err(ConfigFileError::whole_file(where_(), message));
        }
        let user = match &user_path {
            Some(path) => match std::fs::read_to_string(path) {
                Ok(text) => Some(Layer {
                    path: path.clone(),
                    text,
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    let message = format!("cannot read {} file: {e}", self.noun);
                    return Err(ConfigFileError::whole_file(path, message));
                }
            },
            None => None,
        };
        let base = match (self.preset(name), &user) {
            (Some(preset), _) => preset,
            (None, Some(_)) => self.preset(self.fallback).ok_or_else(|| {
                ConfigFileError::whole_file(where_(), format!("no built-in {}", self.fallback))
            })?,
            (None, None) => {
                let available = self.available(user_dir).join(", ");
                let message = format!("no {} named {name:?} (available: {available})", self.noun);
                return Err(ConfigFileError::whole_file(where_(), message));
            }
        };
        Ok(std::iter::once(base).chain(user).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_and_counts_chars() {
        let text = "ab\nçd = 1\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        // 'd' follows a two-byte 'ç': byte 5, second character.
        assert_eq!(line_col(text, 5), (2, 2));
        // Inside 'ç' and past the end are clamped, not a panic.
        assert_eq!(line_col(text, 4), (2, 1));
        assert_eq!(line_col(text, 999), (3, 1));
    }

    #[test]
    fn toml_syntax_error_is_one_line_with_position() {
        let text = "[ui]\nbase = { fg = }\n";
        let err = toml::from_str::<Node>(text).unwrap_err();
        let err = toml_error(Path::new("t.toml"), text, &err);
        let shown = err.to_string();
        assert!(shown.starts_with("t.toml:2:15: "), "{shown}");
        assert!(!shown.contains('\n'), "{shown}");
    }

    #[test]
    fn parse_accepts_any_toml_document_shape() {
        let parse = |text: &str| {
            let path = Path::new("t.toml");
            Source { path, text }.parse().map(|entries| entries.len())
        };
        assert_eq!(parse(""), Ok(0));
        assert_eq!(parse("\u{feff}a = 1\n"), Ok(1));
        assert_eq!(parse("a.b.c = 1\n[x.y]\nz = 2\n"), Ok(2));
        assert_eq!(parse("[[a]]\nb = 1\n"), Ok(1));
        assert_eq!(parse("a = 1979-05-27T07:32:00Z\n"), Ok(1));
        let err = parse("a = 18446744073709551615\n").unwrap_err();
        assert_eq!((err.line, err.column), (1, 5), "{err}");
    }
}
