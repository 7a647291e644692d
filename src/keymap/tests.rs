use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c), KeyModifiers::NONE)
}

fn chords(list: &[&str]) -> Vec<Chord> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

fn user_dir(file: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file), text).unwrap();
    dir
}

#[test]
fn presets_load_without_conflicts_and_bind_every_action() {
    for name in Keymap::presets() {
        let km = Keymap::load(name, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(km.conflicts(), Vec::<String>::new(), "keymap {name}");
        for &action in Action::ALL {
            let bound = Mode::ALL
                .iter()
                .any(|&m| !km.chords_for(m, action).is_empty());
            assert!(bound, "keymap {name} leaves {} unbound", action.name());
        }
    }
}

#[test]
fn default_keymap_resolves_mode_then_global() {
    let km = Keymap::default();
    assert_eq!(km.name, "default");
    assert_eq!(km.action(Mode::Table, &ch('j')), Some(Action::Down));
    assert_eq!(km.action(Mode::Detail, &ch('j')), Some(Action::Down));
    assert_eq!(km.action(Mode::Global, &ch('j')), None);
    assert_eq!(km.action(Mode::Table, &ch('q')), Some(Action::Quit));
    let ctrl_c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(km.action(Mode::Detail, &ctrl_c), Some(Action::Quit));
    let shift_g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
    assert_eq!(km.action(Mode::Table, &shift_g), Some(Action::Bottom));
    assert_eq!(km.action(Mode::Table, &ch('g')), Some(Action::Top));
    assert_eq!(km.action(Mode::Table, &ch('O')), Some(Action::SortReverse));
    assert_eq!(km.action(Mode::Table, &ch('s')), Some(Action::Scale));
    assert_eq!(
        km.action(Mode::Detail, &ch('o')),
        None,
        "no sorting in a detail pane"
    );
    let enter = key(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(km.action(Mode::Table, &enter), Some(Action::Select));
    assert_eq!(km.action(Mode::Table, &ch('?')), Some(Action::Help));
}

#[test]
fn vim_keymap_is_hjkl() {
    let km = Keymap::load("vim", None).unwrap();
    assert_eq!(km.action(Mode::Table, &ch('l')), Some(Action::Select));
    assert_eq!(km.action(Mode::Table, &ch('h')), Some(Action::Back));
    let ctrl_d = key(KeyCode::Char('d'), KeyModifiers::CONTROL);
    assert_eq!(km.action(Mode::Detail, &ctrl_d), Some(Action::PageDown));
    let ctrl_u = key(KeyCode::Char('u'), KeyModifiers::CONTROL);
    assert_eq!(km.action(Mode::Table, &ctrl_u), Some(Action::PageUp));
}

#[test]
fn bindings_and_chords_for() {
    let km = Keymap::default();
    let global = km.bindings(Mode::Global);
    assert_eq!(global[0], (Action::Quit, chords(&["q", "ctrl-c"])));
    assert!(global.iter().all(|(a, _)| *a != Action::Down));
    assert_eq!(
        km.chords_for(Mode::Table, Action::Down),
        chords(&["down", "j"])
    );
    // Not bound in [table] itself: the global chords are what works there.
    assert_eq!(
        km.chords_for(Mode::Table, Action::Quit),
        chords(&["q", "ctrl-c"])
    );
    assert!(km.chords_for(Mode::Global, Action::Down).is_empty());
    assert!(km.chords_for(Mode::Detail, Action::Select).is_empty());
}

#[test]
fn user_file_replaces_only_the_actions_it_names() {
    let dir = user_dir("default.toml", "[table]\ndown = [\"J\", \"ctrl-n\"]\n");
    let km = Keymap::load("default", Some(dir.path())).unwrap();
    assert_eq!(
        km.chords_for(Mode::Table, Action::Down),
        chords(&["J", "ctrl-n"])
    );
    assert_eq!(km.action(Mode::Table, &ch('j')), None);

    let mut expected = Keymap::default();
    expected.modes[Mode::Table.index()].insert(Action::Down, chords(&["J", "ctrl-n"]));
    assert_eq!(km, expected);
}

#[test]
fn empty_list_unbinds_and_single_string_is_one_chord() {
    let dir = user_dir("default.toml", "[global]\nquit = []\nhelp = \"f1\"\n");
    let km = Keymap::load("default", Some(dir.path())).unwrap();
    assert_eq!(km.action(Mode::Table, &ch('q')), None);
    assert!(km
        .bindings(Mode::Global)
        .iter()
        .all(|(a, _)| *a != Action::Quit));
    let f1 = key(KeyCode::F(1), KeyModifiers::NONE);
    assert_eq!(km.action(Mode::Table, &f1), Some(Action::Help));
}

#[test]
fn a_new_user_keymap_starts_from_default() {
    let dir = user_dir("mine.toml", "[detail]\nback = [\"backspace\"]\n");
    let km = Keymap::load("mine", Some(dir.path())).unwrap();
    assert_eq!(km.name, "mine");
    let bs = key(KeyCode::Backspace, KeyModifiers::NONE);
    assert_eq!(km.action(Mode::Detail, &bs), Some(Action::Back));
    assert_eq!(km.action(Mode::Table, &ch('j')), Some(Action::Down));
    assert_eq!(
        Keymap::available(Some(dir.path())),
        ["default", "mine", "vim"]
    );
}

#[test]
fn conflicts_introduced_by_the_user_point_at_the_user_line() {
    let dir = user_dir("default.toml", "[table]\n\nselect = [\"enter\", \"j\"]\n");
    let err = Keymap::load("default", Some(dir.path())).unwrap_err();
    let path = dir.path().join("default.toml");
    assert_eq!(
        err.to_string(),
        format!(
            "{}:3:1: chord \"j\" is bound to both down and select in [table]",
            path.display()
        )
    );

    let dir = user_dir("vim.toml", "[detail]\nyaml = [\"h\"]\n");
    let err = Keymap::load("vim", Some(dir.path())).unwrap_err();
    assert_eq!(err.line, 2);
    assert_eq!(
        err.message,
        "chord \"h\" is bound to back in [global] and to yaml in [detail]"
    );
}

#[test]
fn conflicts_lists_every_clash() {
    let mut km = Keymap::default();
    km.modes[Mode::Table.index()].insert(Action::Describe, chords(&["j", "shift-g"]));
    km.modes[Mode::Detail.index()].insert(Action::Describe, chords(&["esc"]));
    // Same action in a mode and globally is redundant, not a conflict.
    km.modes[Mode::Table.index()].insert(Action::Back, chords(&["esc"]));
    assert_eq!(
        km.conflicts(),
        [
            "chord \"j\" is bound to both down and describe in [table]",
            "chord \"G\" is bound to both bottom and describe in [table]",
            "chord \"esc\" is bound to back in [global] and to describe in [detail]",
        ]
    );
}

#[test]
fn unknown_keymap_name() {
    let err = Keymap::load("emacs", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "<builtin>/keymaps/emacs.toml: no keymap named \"emacs\" (available: default, vim)"
    );
}

#[test]
fn bad_entries_are_located_errors() {
    let cases = [
        ("[global]\nquit = 3\n", "t.toml:2:8: quit must be a chord or a list of chords, found an integer"),
        ("[global]\nquit = [\"q\", 3]\n", "t.toml:2:14: a chord must be a string, found an integer"),
        ("global = 1\n", "t.toml:1:10: [global] must be a table of action = [\"chord\", …], found an integer"),
        ("[table]\nup = [\"shift-1\"]\n", "t.toml:2:7: invalid chord \"shift-1\": shift- only combines with letters and named keys; write the shifted character itself"),
    ];
    for (text, expected) in cases {
        let source = Source {
            path: Path::new("t.toml"),
            text,
        };
        let err = parse::parse_keymap(&source).unwrap_err();
        assert_eq!(err.to_string(), expected, "for {text:?}");
    }
}
