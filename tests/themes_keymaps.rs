//! Bad config, theme and keymap files under `tests/invalid_configs/` must fail to load
//! with a one-line `path:line:col: message` error. Each fixture is loaded the
//! way a user's file is: as `<user_dir>/<name>.toml` laid over a preset.

use std::collections::BTreeSet;
use std::path::PathBuf;

use fleetdeck::keymap::Keymap;
use fleetdeck::theme::Theme;

/// Fixture name → expected error after `path:`.
const EXPECTED: &[(&str, &str)] = &[
    ("theme-bad-colour", "3:13: unknown colour \"gren\""),
    (
        "theme-unknown-section",
        "2:2: unknown section \"tabel\" (expected one of: ui, table, status, badge)",
    ),
    (
        "theme-unknown-slot",
        "3:1: unknown slot \"table.headr\" (expected one of: header, row, row_alt, selected, skew)",
    ),
    (
        "theme-unknown-field",
        "2:25: unknown style field \"blod\" (expected one of: fg, bg, bold, italic, underlined, reversed, dim)",
    ),
    ("theme-colour-index", "2:15: colour index 300 is out of range 0-255"),
    ("theme-syntax", "2:24: invalid inline table; expected `}`"),
    (
        "keymap-unknown-action",
        "2:1: unknown action \"qiut\" in [global] (expected one of: quit, back, help, command, \
         filter, up, down, top, bottom, page_up, page_down, select, sort_next, sort_reverse, \
         group_by, view_fleet, view_workloads, view_journal, yaml, describe, scale, restart, view_rollouts, promote, promote_full, abort, retry, pause, resume, undo, view_slo, view_cost, view_failover, failover_check, failover_run, failover_step, failover_rollback, view_remediations, view_backups, backup_now, view_chaos, graph, rem_approve, rem_reject, rem_snooze, rem_mark)",
    ),
    (
        "config-canary-weights",
        "3:1: [[canary]] httproute/web: weights must increase, e.g. [5, 25, 50, 100]",
    ),
    (
        "keymap-unknown-mode",
        "1:2: unknown mode \"tabel\" (expected one of: global, table, detail)",
    ),
    (
        "keymap-bad-chord",
        "2:22: invalid chord \"ctrl-\": missing key after the modifier",
    ),
    ("keymap-unknown-key", "2:7: invalid chord \"foo\": unknown key \"foo\""),
    (
        "keymap-conflict",
        "3:1: chord \"d\" is bound to both select and describe in [table]",
    ),
    (
        "keymap-conflict-global",
        "3:1: chord \"q\" is bound to quit in [global] and to sort_next in [table]",
    ),
    ("keymap-syntax", "3:1: invalid array; expected `]`"),
    ("config-bad-role", "5:8: unknown variant `leader`, expected `primary` or `standby`"),
    (
        "config-unknown-key",
        "2:1: unknown field `clustr`, expected one of `read_only`, `theme`, `keymap`, \
         `group_by`, `require_post_quantum`, `contexts`, `health`, `cluster`, `canary`, `bluegreen`, `cost`, `prometheus`, `failover`, `drift`, `policy`, `slo_files`, `slo`, `summary`, `edge`, `service`, `dependencies`, `experiment`, `discovery`, `forecast`, `query`",
    ),
    (
        "config-group-by",
        "2:12: unknown variant `zone`, expected one of `group`, `region`, `provider`",
    ),
    ("config-min-ready", "2:1: health.min_ready_nodes must be between 0 and 1, got 1.5"),
    ("config-syntax", "1:10: invalid table header; expected `.`, `]]`"),
];

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/invalid_configs")
}

fn load_error(name: &str) -> String {
    let dir = fixtures();
    let result = if name.starts_with("theme-") {
        Theme::load(name, Some(&dir)).map(|_| ())
    } else if name.starts_with("config-") {
        fleetdeck::config::Config::load(&dir.join(format!("{name}.toml"))).map(|_| ())
    } else {
        Keymap::load(name, Some(&dir)).map(|_| ())
    };
    match result {
        Ok(()) => panic!("{name}.toml loaded without error"),
        Err(err) => {
            assert_eq!(err.path, dir.join(format!("{name}.toml")));
            err.to_string()
        }
    }
}

#[test]
fn every_invalid_fixture_fails_with_its_message() {
    for (name, expected) in EXPECTED {
        let shown = load_error(name);
        let path = fixtures().join(format!("{name}.toml"));
        assert_eq!(
            shown,
            format!("{}:{expected}", path.display()),
            "fixture {name}"
        );
        assert!(
            !shown.contains('\n'),
            "multi-line error for {name}: {shown}"
        );
    }
}

#[test]
fn every_fixture_has_an_expectation() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let expected: BTreeSet<String> = EXPECTED.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, expected);
}

#[test]
fn shipped_presets_load_through_the_public_api() {
    for name in Theme::presets() {
        assert_eq!(Theme::load(name, None).unwrap().name, name);
    }
    for name in Keymap::presets() {
        let keymap = Keymap::load(name, None).unwrap();
        assert!(
            keymap.conflicts().is_empty(),
            "{name}: {:?}",
            keymap.conflicts()
        );
    }
}
