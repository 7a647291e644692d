//! Keymap files: `[mode] action = ["chord", …]` (a single string is accepted
//! for one chord). Every mode, action and chord is checked.

use super::{Chord, Mode};
use crate::basics::config_file::{ConfigFileError, Source};
use crate::basics::toml_tree::{Located, Node};
use crate::keymap::action::Action;

/// One `[mode] action = …` line of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binding {
    pub mode: Mode,
    pub action: Action,
    pub chords: Vec<Chord>,
    /// Byte offset of the action's key, for errors found after parsing (conflicts).
    pub offset: usize,
}

pub(crate) fn parse_keymap(src: &Source) -> Result<Vec<Binding>, ConfigFileError> {
    let mut out = Vec::new();
    for (mode_key, table) in src.parse()? {
        let Some(mode) = Mode::from_name(mode_key.get_ref()) else {
            let expected = names(Mode::ALL.iter().map(|m| m.name()));
            let message = format!(
                "unknown mode {:?} (expected one of: {expected})",
                mode_key.get_ref()
            );
            return Err(src.error(mode_key.span(), message));
        };
        let Node::Table(entries) = table.get_ref() else {
            let message = format!(
                "[{}] must be a table of action = [\"chord\", …], found {}",
                mode.name(),
                table.get_ref().kind()
            );
            return Err(src.error(table.span(), message));
        };
        for (action_key, value) in entries {
            let Some(action) = Action::from_name(action_key.get_ref()) else {
                let expected = names(Action::ALL.iter().map(|a| a.name()));
                let message = format!(
                    "unknown action {:?} in [{}] (expected one of: {expected})",
                    action_key.get_ref(),
                    mode.name()
                );
                return Err(src.error(action_key.span(), message));
            };
            out.push(Binding {
                mode,
                action,
                chords: parse_chords(src, action, value)?,
                offset: action_key.span().start,
            });
        }
    }
    Ok(out)
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

fn parse_chords(
    src: &Source,
    action: Action,
    value: &Located<Node>,
) -> Result<Vec<Chord>, ConfigFileError> {
    let items = match value.get_ref() {
        Node::Str(_) => std::slice::from_ref(value),
        Node::Array(items) => items.as_slice(),
        other => {
            let message = format!(
                "{} must be a chord or a list of chords, found {}",
                action.name(),
                other.kind()
            );
            return Err(src.error(value.span(), message));
        }
    };
    let mut chords: Vec<Chord> = Vec::new();
    for item in items {
        let Node::Str(text) = item.get_ref() else {
            let message = format!("a chord must be a string, found {}", item.get_ref().kind());
            return Err(src.error(item.span(), message));
        };
        let chord: Chord = text
            .parse()
            .map_err(|e: super::ChordParseError| src.error(item.span(), e.0))?;
        // Listing a chord twice (e.g. "shift-g" and "G") is harmless; keep one.
        if !chords.contains(&chord) {
            chords.push(chord);
        }
    }
    Ok(chords)
}
