//! Key chords as written in keymap files: `q`, `G`, `ctrl-d`, `alt-enter`, `f5`.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// One key with its modifiers, normalised so that equal keys compare equal:
/// for characters SHIFT is folded into the character (`shift-g` is `G`), and
/// `shift-tab` is `backtab`, because terminals report these inconsistently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

/// Why a chord string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChordParseError(pub String);

impl fmt::Display for ChordParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ChordParseError {}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("space", KeyCode::Char(' ')),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    // Aliases last, so `Display` finds the canonical name first.
    ("escape", KeyCode::Esc),
    ("return", KeyCode::Enter),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("del", KeyCode::Delete),
];

const MODIFIERS: &[(&str, KeyModifiers)] = &[
    ("ctrl-", KeyModifiers::CONTROL),
    ("alt-", KeyModifiers::ALT),
    ("shift-", KeyModifiers::SHIFT),
];

impl Chord {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Chord {
        let (code, mods) = normalise(code, mods);
        Chord { code, mods }
    }

    /// Whether a key press is this chord. Key releases never match (terminals
    /// with the kitty protocol report them, and acting twice would be wrong).
    pub fn matches(&self, key: &KeyEvent) -> bool {
        key.kind != KeyEventKind::Release
            && normalise(key.code, key.modifiers) == normalise(self.code, self.mods)
    }
}

fn normalise(code: KeyCode, mut mods: KeyModifiers) -> (KeyCode, KeyModifiers) {
    let shift = mods.contains(KeyModifiers::SHIFT);
    let code = match code {
        KeyCode::Char(c) => {
            mods.remove(KeyModifiers::SHIFT);
            let mut upper = c.to_uppercase();
            match (shift, upper.next(), upper.next()) {
                (true, Some(u), None) => KeyCode::Char(u),
                _ => KeyCode::Char(c),
            }
        }
        KeyCode::Tab if shift => {
            mods.remove(KeyModifiers::SHIFT);
            KeyCode::BackTab
        }
        KeyCode::BackTab => {
            mods.remove(KeyModifiers::SHIFT);
            KeyCode::BackTab
        }
        other => other,
    };
    (code, mods)
}

impl FromStr for Chord {
    type Err = ChordParseError;

    fn from_str(s: &str) -> Result<Chord, ChordParseError> {
        let err = |why: String| ChordParseError(format!("invalid chord {s:?}: {why}"));
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        // A lone "-" (or the "-" in "ctrl--") is the key itself, not a separator.
        'prefixes: while rest.chars().count() > 1 {
            for (prefix, m) in MODIFIERS {
                let head = rest.get(..prefix.len());
                if head.is_some_and(|h| h.eq_ignore_ascii_case(prefix)) {
                    if mods.contains(*m) {
                        return Err(err(format!("{prefix} given twice")));
                    }
                    mods |= *m;
                    rest = &rest[prefix.len()..];
                    continue 'prefixes;
                }
            }
            break;
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) if mods.is_empty() => return Err(err("empty chord".into())),
            (None, _) => return Err(err("missing key after the modifier".into())),
            (Some(c), None) => {
                // "shift-1" means different keys on different layouts.
                if mods.contains(KeyModifiers::SHIFT) && !c.is_alphabetic() {
                    let why = "shift- only combines with letters and named keys; \
                               write the shifted character itself";
                    return Err(err(why.into()));
                }
                KeyCode::Char(c)
            }
            _ => named(rest).ok_or_else(|| err(format!("unknown key {rest:?}")))?,
        };
        if code == KeyCode::Char(' ') && mods.contains(KeyModifiers::SHIFT) {
            return Err(err("shift-space is not a distinct key".into()));
        }
        Ok(Chord::new(code, mods))
    }
}

fn named(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
        return (1..=12).contains(&n).then_some(KeyCode::F(n));
    }
    NAMED
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, code)| *code)
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (prefix, m) in MODIFIERS {
            if self.mods.contains(*m) {
                f.write_str(prefix)?;
            }
        }
        match self.code {
            KeyCode::F(n) => write!(f, "f{n}"),
            code => match NAMED.iter().find(|(_, c)| *c == code) {
                Some((name, _)) => f.write_str(name),
                None => match code {
                    KeyCode::Char(c) => write!(f, "{c}"),
                    other => write!(f, "{}", format!("{other:?}").to_lowercase()),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(s: &str) -> Chord {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn parse_display_round_trip() {
        for s in [
            "q",
            "G",
            "?",
            "/",
            ":",
            "-",
            "1",
            "ctrl-c",
            "ctrl-d",
            "alt-enter",
            "ctrl-alt-x",
            "ctrl--",
            "alt-G",
            "shift-up",
            "enter",
            "esc",
            "tab",
            "backtab",
            "backspace",
            "up",
            "down",
            "left",
            "right",
            "home",
            "end",
            "pgup",
            "pgdn",
            "space",
            "delete",
            "insert",
            "f1",
            "f12",
            "ctrl-f5",
        ] {
            let c = chord(s);
            assert_eq!(c.to_string(), s, "display of {s:?}");
            assert_eq!(chord(&c.to_string()), c, "reparse of {s:?}");
        }
    }

    #[test]
    fn spellings_normalise_to_one_chord() {
        let same = [
            ("shift-g", "G"),
            ("SHIFT-G", "G"),
            ("Ctrl-d", "ctrl-d"),
            ("ctrl-shift-d", "ctrl-D"),
            ("alt-ctrl-x", "ctrl-alt-x"),
            ("shift-tab", "backtab"),
            ("Escape", "esc"),
            ("return", "enter"),
            ("PageDown", "pgdn"),
            ("F5", "f5"),
            (" ", "space"),
        ];
        for (a, b) in same {
            assert_eq!(chord(a), chord(b), "{a:?} vs {b:?}");
        }
        assert_eq!(chord("shift-g").to_string(), "G");
        assert_ne!(chord("g"), chord("G"));
        assert_ne!(chord("ctrl-d"), chord("ctrl-D"));
    }

    #[test]
    fn bad_chords_are_rejected() {
        for (s, why) in [
            ("", "empty chord"),
            ("ctrl-", "missing key"),
            ("foo", "unknown key \"foo\""),
            ("ctrl-foo", "unknown key \"foo\""),
            ("f0", "unknown key"),
            ("f13", "unknown key"),
            ("ctrl-ctrl-a", "ctrl- given twice"),
            ("shift-1", "shift- only combines"),
            ("shift-space", "shift-space"),
            ("super-a", "unknown key"),
        ] {
            let err = s.parse::<Chord>().unwrap_err().to_string();
            assert!(err.starts_with(&format!("invalid chord {s:?}: ")), "{err}");
            assert!(err.contains(why), "{s:?}: {err}");
        }
    }

    #[test]
    fn uppercase_matches_with_or_without_shift() {
        let g = chord("G");
        assert!(g.matches(&key(KeyCode::Char('G'), KeyModifiers::NONE)));
        assert!(g.matches(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)));
        // Some terminals (kitty protocol) report the base key plus SHIFT.
        assert!(g.matches(&key(KeyCode::Char('g'), KeyModifiers::SHIFT)));
        assert!(!g.matches(&key(KeyCode::Char('g'), KeyModifiers::NONE)));
        assert!(!chord("g").matches(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)));
        assert!(!g.matches(&key(KeyCode::Char('G'), KeyModifiers::CONTROL)));
    }

    #[test]
    fn shifted_symbols_and_modifiers_match() {
        assert!(chord("?").matches(&key(KeyCode::Char('?'), KeyModifiers::SHIFT)));
        assert!(chord("?").matches(&key(KeyCode::Char('?'), KeyModifiers::NONE)));
        let ctrl_d = chord("ctrl-d");
        assert!(ctrl_d.matches(&key(KeyCode::Char('d'), KeyModifiers::CONTROL)));
        assert!(!ctrl_d.matches(&key(KeyCode::Char('d'), KeyModifiers::NONE)));
        assert!(!ctrl_d.matches(&key(KeyCode::Char('d'), KeyModifiers::ALT)));
        assert!(chord("backtab").matches(&key(KeyCode::BackTab, KeyModifiers::SHIFT)));
        assert!(chord("shift-tab").matches(&key(KeyCode::Tab, KeyModifiers::SHIFT)));
        assert!(!chord("tab").matches(&key(KeyCode::Tab, KeyModifiers::SHIFT)));
        assert!(chord("shift-up").matches(&key(KeyCode::Up, KeyModifiers::SHIFT)));
        assert!(!chord("up").matches(&key(KeyCode::Up, KeyModifiers::SHIFT)));
    }

    #[test]
    fn releases_never_match() {
        let mut ev = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert!(chord("q").matches(&ev));
        ev.kind = KeyEventKind::Release;
        assert!(!chord("q").matches(&ev));
    }
}
