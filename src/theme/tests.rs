use std::collections::BTreeSet;
use std::path::Path;

use ratatui::style::{Color, Modifier};

use super::*;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn every_preset_defines_every_slot() {
    let all: BTreeSet<(&str, &str)> = SLOTS
        .iter()
        .flat_map(|(section, slots)| slots.iter().map(move |slot| (*section, *slot)))
        .collect();
    assert!(all.len() >= 18, "slot table shrank: {all:?}");
    for (name, text) in CATALOGUE.presets {
        let path = CATALOGUE.builtin_path(name);
        let sets = parse::parse_theme(&Source { path: &path, text })
            .unwrap_or_else(|e| panic!("preset {name}: {e}"));
        let defined: BTreeSet<_> = sets.iter().map(|s| (s.section, s.slot)).collect();
        let missing: Vec<_> = all.difference(&defined).collect();
        assert!(missing.is_empty(), "preset {name} misses {missing:?}");
        assert!(Theme::load(name, None).is_ok());
    }
}

#[test]
fn presets_differ_and_status_slots_are_distinct() {
    let themes: Vec<Theme> = Theme::presets()
        .into_iter()
        .map(|n| Theme::load(n, None).unwrap())
        .collect();
    assert_ne!(themes[0], themes[1]);
    assert_ne!(themes[1], themes[2]);
    for t in &themes {
        let s = &t.status;
        let styles = [s.ok, s.warn, s.error, s.excluded, s.unknown];
        for (i, a) in styles.iter().enumerate() {
            for b in &styles[i + 1..] {
                assert_ne!(a, b, "theme {}: two status slots look the same", t.name);
            }
        }
    }
}

#[test]
fn dark_preset_has_the_documented_values() {
    let t = Theme::load("dark", None).unwrap();
    assert_eq!(t.name, "dark");
    assert_eq!(t.table.header.fg, Some(Color::Cyan));
    assert!(t.table.header.add_modifier.contains(Modifier::BOLD));
    assert_eq!(t.ui.border.fg, Some(Color::Indexed(240)));
    assert_eq!(t.ui.base.bg, Some(Color::Reset));
    assert_eq!(Theme::default(), t);
}

#[test]
fn user_file_overrides_only_the_fields_it_names() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "dark.toml",
        "[status]\nerror = { fg = \"#ff0000\" }\nok = { bold = false }\n",
    );
    let base = Theme::load("dark", None).unwrap();
    let user = Theme::load("dark", Some(dir.path())).unwrap();

    assert_eq!(user.status.error.fg, Some(Color::Rgb(255, 0, 0)));
    // The preset's bold survives an fg-only override.
    assert_eq!(
        user.status.error.add_modifier,
        base.status.error.add_modifier
    );
    assert!(user.status.ok.sub_modifier.contains(Modifier::BOLD));
    assert_eq!(user.status.ok.fg, base.status.ok.fg);

    let mut expected = base.clone();
    expected.status.error = user.status.error;
    expected.status.ok = user.status.ok;
    assert_eq!(user, expected);
}

#[test]
fn a_new_user_theme_starts_from_dark() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mine.toml", "[table]\nrow = { fg = 42 }\n");
    let mine = Theme::load("mine", Some(dir.path())).unwrap();
    let dark = Theme::load("dark", None).unwrap();
    assert_eq!(mine.name, "mine");
    assert_eq!(mine.table.row.fg, Some(Color::Indexed(42)));
    assert_eq!(mine.status, dark.status);
    assert!(Theme::available(Some(dir.path())).contains(&"mine".to_owned()));
}

#[test]
fn unknown_theme_lists_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mine.toml", "");
    let err = Theme::load("nope", Some(dir.path())).unwrap_err();
    assert_eq!(err.path, dir.path().join("nope.toml"));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no theme named \"nope\" (available: dark, high-contrast, light, mine)",
            dir.path().join("nope.toml").display()
        )
    );
    let err = Theme::load("nope", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "<builtin>/themes/nope.toml: no theme named \"nope\" (available: dark, high-contrast, light)"
    );
}

#[test]
fn names_cannot_escape_the_user_dir() {
    for name in ["../dark", "a/b", "", ".hidden"] {
        let err = Theme::load(name, None).unwrap_err();
        assert!(err.message.starts_with("invalid theme name"), "{err}");
    }
}

#[test]
fn colour_forms() {
    let mut t = Theme::unstyled("t");
    let text = "[ui]\nbase = { fg = \"light-red\", bg = \"#102030\" }\nborder = { fg = \"17\", bg = 255 }\n";
    t.overlay(Path::new("t.toml"), text).unwrap();
    assert_eq!(t.ui.base.fg, Some(Color::LightRed));
    assert_eq!(t.ui.base.bg, Some(Color::Rgb(0x10, 0x20, 0x30)));
    assert_eq!(t.ui.border.fg, Some(Color::Indexed(17)));
    assert_eq!(t.ui.border.bg, Some(Color::Indexed(255)));
}

#[test]
fn dotted_keys_set_single_fields() {
    let mut t = Theme::unstyled("t");
    let text = "[status]\nok.fg = \"blue\"\nwarn.bold = true\n";
    t.overlay(Path::new("t.toml"), text).unwrap();
    assert_eq!(t.status.ok.fg, Some(Color::Blue));
    assert!(t.status.warn.add_modifier.contains(Modifier::BOLD));
    let err = t
        .overlay(Path::new("t.toml"), "[status]\nok.fgg = 1\n")
        .unwrap_err();
    assert_eq!((err.line, err.column), (2, 4), "{err}");
}

#[test]
fn bad_values_are_located_errors() {
    let cases = [
        ("[ui]\nbase = { fg = 256 }\n", "t.toml:2:15: colour index 256 is out of range 0-255"),
        ("[ui]\nbase = { fg = true }\n", "t.toml:2:15: a colour must be a string or 0-255, found a boolean"),
        ("[ui]\nbase = { bold = \"yes\" }\n", "t.toml:2:17: bold must be true or false, found a string"),
        ("[ui]\nbase = { blod = true }\n", "t.toml:2:10: unknown style field \"blod\" (expected one of: fg, bg, bold, italic, underlined, reversed, dim)"),
        ("[ui]\nbase = \"red\"\n", "t.toml:2:8: slot ui.base must be a table, found a string"),
        ("[ui]\nbase = { fg = 1979-05-27 }\n", "t.toml:2:15: a colour must be a string or 0-255, found a date-time"),
        ("ui = 3\n", "t.toml:1:6: [ui] must be a table, found an integer"),
        ("[ui]\nbase = {}\nbase = {}\n", "t.toml:3:1: duplicate key `base` in table `ui`"),
    ];
    for (text, expected) in cases {
        let err = Theme::unstyled("t")
            .overlay(Path::new("t.toml"), text)
            .unwrap_err();
        assert_eq!(err.to_string(), expected, "for {text:?}");
    }
}

#[test]
fn unreadable_user_file_is_an_error_not_a_fallback() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("dark.toml")).unwrap();
    let err = Theme::load("dark", Some(dir.path())).unwrap_err();
    assert_eq!(err.line, 0);
    assert!(err.message.starts_with("cannot read theme file"), "{err}");
}

#[test]
fn no_color_strips_every_colour_and_keeps_the_selection_visible() {
    for name in Theme::presets() {
        let t = Theme::load(name, None).unwrap().without_color();
        for (section, slots) in SLOTS {
            for slot in *slots {
                let mut t = t.clone();
                let s = *t.slot_mut(section, slot).unwrap();
                assert_eq!((s.fg, s.bg), (None, None), "{name} {section}.{slot}");
            }
        }
        assert!(
            t.table.selected.add_modifier.contains(Modifier::REVERSED),
            "{name}"
        );
    }
}
