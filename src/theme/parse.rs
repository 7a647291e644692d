//! Theme files: `[section] slot = { fg = "…", bg = "…", bold = true, … }`.
//! Every key is checked, so a typo is an error rather than a silently ignored
//! setting.

use std::str::FromStr;

use super::SLOTS;
use crate::basics::config_file::{ConfigFileError, Source};
use crate::basics::toml_tree::{Entry, Located, Node};
use ratatui::style::{Color, Modifier, Style};

const FIELDS: &str = "fg, bg, bold, italic, underlined, reversed, dim";

/// The style fields one file sets for one slot; unset fields are left alone
/// so a user file can change, say, only the foreground of a preset's slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct StylePatch {
    pub fg: Option<Color>,
    pub bg: Option<Color>,
    pub on: Modifier,
    pub off: Modifier,
}

impl StylePatch {
    pub(crate) fn apply(&self, style: Style) -> Style {
        Style {
            fg: self.fg.or(style.fg),
            bg: self.bg.or(style.bg),
            ..style
        }
        // `bold = false` removes bold, also from whatever the style is drawn over.
        .add_modifier(self.on)
        .remove_modifier(self.off)
    }
}

/// One `section.slot` set by a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SlotPatch {
    pub section: &'static str,
    pub slot: &'static str,
    pub patch: StylePatch,
}

pub(crate) fn parse_theme(src: &Source) -> Result<Vec<SlotPatch>, ConfigFileError> {
    let mut out = Vec::new();
    for (section_key, section) in src.parse()? {
        let Some((section_name, slots)) = SLOTS.iter().find(|(s, _)| s == section_key.get_ref())
        else {
            let expected = SLOTS.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ");
            let message = format!(
                "unknown section {:?} (expected one of: {expected})",
                section_key.get_ref()
            );
            return Err(src.error(section_key.span(), message));
        };
        let entries = expect_table(src, &section, &format!("[{section_name}]"))?;
        for (slot_key, value) in entries {
            let Some(slot_name) = slots.iter().find(|s| *s == slot_key.get_ref()) else {
                let message = format!(
                    "unknown slot \"{section_name}.{}\" (expected one of: {})",
                    slot_key.get_ref(),
                    slots.join(", ")
                );
                return Err(src.error(slot_key.span(), message));
            };
            let what = format!("slot {section_name}.{slot_name}");
            out.push(SlotPatch {
                section: section_name,
                slot: slot_name,
                patch: parse_style(src, value, &what)?,
            });
        }
    }
    Ok(out)
}

fn expect_table<'n>(
    src: &Source,
    node: &'n Located<Node>,
    what: &str,
) -> Result<&'n [Entry], ConfigFileError> {
    match node.get_ref() {
        Node::Table(entries) => Ok(entries),
        other => {
            let message = format!("{what} must be a table, found {}", other.kind());
            Err(src.error(node.span(), message))
        }
    }
}

fn parse_style(
    src: &Source,
    node: &Located<Node>,
    what: &str,
) -> Result<StylePatch, ConfigFileError> {
    let mut patch = StylePatch::default();
    for (key, value) in expect_table(src, node, what)? {
        let modifier = match key.get_ref().as_str() {
            "fg" => {
                patch.fg = Some(parse_colour(src, value)?);
                continue;
            }
            "bg" => {
                patch.bg = Some(parse_colour(src, value)?);
                continue;
            }
            "bold" => Modifier::BOLD,
            "italic" => Modifier::ITALIC,
            "underlined" => Modifier::UNDERLINED,
            "reversed" => Modifier::REVERSED,
            "dim" => Modifier::DIM,
            other => {
                let message = format!("unknown style field {other:?} (expected one of: {FIELDS})");
                return Err(src.error(key.span(), message));
            }
        };
        match value.get_ref() {
            Node::Bool(true) => patch.on |= modifier,
            Node::Bool(false) => patch.off |= modifier,
            other => {
                let message = format!(
                    "{} must be true or false, found {}",
                    key.get_ref(),
                    other.kind()
                );
                return Err(src.error(value.span(), message));
            }
        }
    }
    Ok(patch)
}

/// A ratatui colour name, `#rrggbb`, or a 256-colour index (as a number or a string).
fn parse_colour(src: &Source, node: &Located<Node>) -> Result<Color, ConfigFileError> {
    match node.get_ref() {
        Node::Str(s) => {
            Color::from_str(s).map_err(|_| src.error(node.span(), format!("unknown colour {s:?}")))
        }
        Node::Int(i) => u8::try_from(*i).map(Color::Indexed).map_err(|_| {
            src.error(
                node.span(),
                format!("colour index {i} is out of range 0-255"),
            )
        }),
        other => {
            let message = format!("a colour must be a string or 0-255, found {}", other.kind());
            Err(src.error(node.span(), message))
        }
    }
}
