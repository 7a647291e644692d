//! Keymaps: per-mode bindings from key chords to [`Action`]s, loaded from TOML.
//!
//! Like themes, a keymap is a built-in preset with an optional user file laid
//! over it (`<user_dir>/<name>.toml`); the user file replaces the chord list
//! of each action it names, in that mode only. A keymap where one chord could
//! mean two actions is rejected when loaded.

pub mod action;
mod chord;
mod parse;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use crossterm::event::KeyEvent;

pub use chord::{Chord, ChordParseError};

use crate::basics::config_file::{Catalogue, ConfigFileError, Source};
use action::Action;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// Always active, unless a text input has focus.
    Global,
    /// List views.
    Table,
    /// A detail / YAML pane.
    Detail,
}

impl Mode {
    pub const ALL: &'static [Mode] = &[Mode::Global, Mode::Table, Mode::Detail];

    /// The table name used in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::Table => "table",
            Mode::Detail => "detail",
        }
    }

    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.iter().copied().find(|m| m.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

const CATALOGUE: Catalogue = Catalogue {
    noun: "keymap",
    dir: "keymaps",
    presets: &[
        ("default", include_str!("../../keymaps/default.toml")),
        ("vim", include_str!("../../keymaps/vim.toml")),
    ],
    fallback: "default",
};

/// Chord lists per mode and action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    pub name: String,
    modes: [BTreeMap<Action, Vec<Chord>>; 3],
}

/// One chord that could mean two actions.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Conflict {
    chord: Chord,
    first: (Mode, Action),
    second: (Mode, Action),
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ((m1, a1), (m2, a2)) = (self.first, self.second);
        let chord = self.chord.to_string();
        if m1 == m2 {
            let (a1, a2, m) = (a1.name(), a2.name(), m1.name());
            write!(f, "chord {chord:?} is bound to both {a1} and {a2} in [{m}]")
        } else {
            let (a1, a2, m1, m2) = (a1.name(), a2.name(), m1.name(), m2.name());
            write!(
                f,
                "chord {chord:?} is bound to {a1} in [{m1}] and to {a2} in [{m2}]"
            )
        }
    }
}

/// Which layer, and where in it (byte offset), last set a mode's action.
type Origins = HashMap<(Mode, Action), (usize, usize)>;

impl Keymap {
    /// Names of the built-in keymaps.
    pub fn presets() -> Vec<&'static str> {
        CATALOGUE.presets.iter().map(|(n, _)| *n).collect()
    }

    /// Built-in keymaps plus the `*.toml` files in `user_dir`, sorted.
    pub fn available(user_dir: Option<&Path>) -> Vec<String> {
        CATALOGUE.available(user_dir)
    }

    /// The keymap `name`: its preset (or `default` when only a user file has
    /// that name) overlaid with `<user_dir>/<name>.toml` if that file exists.
    /// Fails on any unknown mode, action or chord, and on conflicts.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Keymap, ConfigFileError> {
        let mut keymap = Keymap {
            name: name.to_owned(),
            modes: Default::default(),
        };
        let layers = CATALOGUE.layers(name, user_dir)?;
        let mut origins = Origins::new();
        for (i, layer) in layers.iter().enumerate() {
            let source = Source {
                path: &layer.path,
                text: &layer.text,
            };
            for b in parse::parse_keymap(&source)? {
                origins.insert((b.mode, b.action), (i, b.offset));
                keymap.modes[b.mode.index()].insert(b.action, b.chords);
            }
        }
        let Some(conflict) = keymap.conflict_list().into_iter().next() else {
            return Ok(keymap);
        };
        // Blame whichever of the two bindings was set last: usually the
        // user's line that introduced the clash.
        let blame = [conflict.first, conflict.second]
            .iter()
            .filter_map(|key| origins.get(key))
            .max();
        let message = conflict.to_string();
        Err(
            match blame.and_then(|&(i, offset)| Some((layers.get(i)?, offset))) {
                Some((layer, offset)) => {
                    ConfigFileError::at(&layer.path, &layer.text, offset, message)
                }
                None => ConfigFileError::whole_file(CATALOGUE.builtin_path(name), message),
            },
        )
    }

    /// The action `key` triggers in `mode`: the mode's own bindings first,
    /// then the global ones.
    pub fn action(&self, mode: Mode, key: &KeyEvent) -> Option<Action> {
        let find = |m: Mode| {
            self.modes[m.index()]
                .iter()
                .find(|(_, chords)| chords.iter().any(|c| c.matches(key)))
                .map(|(action, _)| *action)
        };
        match mode {
            Mode::Global => find(Mode::Global),
            _ => find(mode).or_else(|| find(Mode::Global)),
        }
    }

    /// The bindings of `mode` itself (not the global ones), in `Action`
    /// order, for the help overlay and the key-hint bar.
    pub fn bindings(&self, mode: Mode) -> Vec<(Action, Vec<Chord>)> {
        self.modes[mode.index()]
            .iter()
            .filter(|(_, chords)| !chords.is_empty())
            .map(|(action, chords)| (*action, chords.clone()))
            .collect()
    }

    /// The chords to show for `action` in `mode`: the mode's own binding if
    /// it has one, else the global one; empty when the action is unbound.
    pub fn chords_for(&self, mode: Mode, action: Action) -> &[Chord] {
        let own = self.modes[mode.index()].get(&action);
        let global = self.modes[Mode::Global.index()].get(&action);
        match (own, global) {
            (Some(chords), _) if !chords.is_empty() => chords,
            (_, Some(chords)) => chords,
            _ => &[],
        }
    }

    /// Every chord that could mean two actions, as one-line descriptions.
    pub fn conflicts(&self) -> Vec<String> {
        self.conflict_list().iter().map(|c| c.to_string()).collect()
    }

    fn conflict_list(&self) -> Vec<Conflict> {
        let mut out = Vec::new();
        let mut global: HashMap<Chord, Action> = HashMap::new();
        // Global comes first in `Mode::ALL`, so `global` is filled before
        // the other modes are checked against it.
        for &mode in Mode::ALL {
            let mut owners: HashMap<Chord, Action> = HashMap::new();
            for (&action, chords) in &self.modes[mode.index()] {
                for &chord in chords {
                    let mut clash = |first: (Mode, Action)| {
                        if first.1 != action {
                            let second = (mode, action);
                            out.push(Conflict {
                                chord,
                                first,
                                second,
                            });
                        }
                    };
                    match owners.get(&chord) {
                        Some(&other) => clash((mode, other)),
                        None => {
                            owners.insert(chord, action);
                        }
                    }
                    if let Some(&other) = global.get(&chord) {
                        clash((Mode::Global, other));
                    }
                }
            }
            if mode == Mode::Global {
                global = owners;
            }
        }
        out
    }
}

impl Default for Keymap {
    fn default() -> Self {
        // The shipped presets are checked by tests, so this cannot fail in practice.
        Keymap::load("default", None).expect("built-in default keymap is valid")
    }
}

#[cfg(test)]
mod tests;
