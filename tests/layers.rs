//! The layer table of docs/architecture.md, enforced: every module of
//! `lib.rs` has a place in one order, bottom first, and may use only the
//! modules before it. Every `crate::` path in `src/` counts (not only `use`
//! lines), and so does a `super::` that climbs out of a top-level module.
//! Comments do not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom first: a module may use the modules listed before it, never one
/// after it (so no circles either). `(layer, module)`.
const ORDER: &[(&str, &str)] = &[
    ("0 basics", "basics"),
    ("0 basics", "output"),
    ("0 basics", "logging"),
    ("0 basics", "paths"),
    ("1 data", "config"),
    ("1 data", "journal"),
    ("1 data", "fleet"),
    ("1 data", "discovery"),
    ("1 data", "startup"),
    ("1 data", "theme"),
    ("1 data", "keymap"),
    ("2 domain", "verdict"),
    ("2 domain", "slo"),
    ("2 domain", "ksm"),
    ("2 domain", "cost"),
    ("2 domain", "forecast"),
    ("2 domain", "chaos"),
    ("2 domain", "deps"),
    ("2 domain", "ops"),
    ("2 domain", "backups"),
    ("2 domain", "remediation"),
    ("2 domain", "failover"),
    ("2 domain", "snapshot"),
    ("2 domain", "timeline"),
    ("2 domain", "query"),
    ("3 console", "console"),
    ("3 console", "demo"),
    ("3 console", "app"),
    ("4 drawing", "ui"),
    ("5 shells", "tui"),
    ("5 shells", "cli"),
];

/// Known breaks of the table, `(from, to)`, while one is being moved: none
/// now. The check fails on any other break, and on an entry here that is no
/// longer needed, so this list only shrinks.
const NOT_YET: &[(&str, &str)] = &[];

/// Inside `app`, file by file, bottom first: each view's plain state, the
/// App holding them, messages, each view's keys, then the reducer.
const APP_ORDER: &[&str] = &[
    "dialog",
    "failover_state",
    "remediation_state",
    "query_state",
    "state",
    "timeline",
    "msg",
    "quit",
    "failover",
    "remediation",
    "model",
    "order",
    "fleet_list",
    "navigate",
    "launch",
    "query",
    "actions",
    "palette",
    "update",
    "tests",
];

fn rank(module: &str) -> Option<usize> {
    ORDER.iter().position(|(_, m)| *m == module)
}

/// The identifier `text` starts with, if any.
fn ident(text: &str) -> Option<String> {
    let name: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The module path of a source file: `src/ops/cli.rs` → `[ops, cli]`,
/// `src/ops/mod.rs` → `[ops]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The top-level modules a file's code names: `crate::X…`, and `super::…`
/// chains that leave the file's top-level module.
fn references(rel: &Path, text: &str) -> BTreeSet<(String, usize)> {
    let here = module_path(rel);
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().last();
            let tail = &rest[at + "crate::".len()..];
            rest = tail;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            if let Some(name) = ident(tail) {
                out.insert((name, i + 1));
            }
        }
        let mut rest = code;
        while let Some(at) = rest.find("super::") {
            let before = rest[..at].chars().last();
            let mut tail = &rest[at..];
            rest = &rest[at + "super::".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut ups = 0;
            while let Some(t) = tail.strip_prefix("super::") {
                ups += 1;
                tail = t;
            }
            // `super` from `src/ops/verify.rs` (ops::verify) is `ops`; from
            // `src/ops/mod.rs` or `src/snapshot.rs` it is the crate root.
            let mut base = here.clone();
            for _ in 0..ups {
                base.pop();
            }
            if let Some(name) = ident(tail).filter(|_| base.is_empty()) {
                out.insert((name, i + 1));
            }
        }
    }
    out
}

/// Every reference from a module to one at or above its place, as
/// `file:line: from → to`, keyed by `(from, to)`.
fn violations(files: &[(PathBuf, String)]) -> BTreeMap<(String, String), Vec<String>> {
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (rel, text) in files {
        let here = module_path(rel);
        let Some(top) = here.first() else { continue };
        let from = rank(top).unwrap_or_else(|| {
            panic!(
                "src/{}: module {top} is not in the layer table",
                rel.display()
            )
        });
        for (to, line) in references(rel, text) {
            if &to == top {
                continue;
            }
            let Some(r) = rank(&to) else { continue };
            if r > from {
                out.entry((top.clone(), to.clone()))
                    .or_default()
                    .push(format!(
                        "src/{}:{line}: {top} ({}) uses {to} ({})",
                        rel.display(),
                        ORDER[from].0,
                        ORDER[r].0
                    ));
            }
        }
    }
    out
}

fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(&root).unwrap().to_path_buf();
                if rel == Path::new("lib.rs") || rel == Path::new("main.rs") {
                    continue;
                }
                files.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// `app`'s files that use a file at or above their place in [`APP_ORDER`].
fn app_violations(files: &[(PathBuf, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (rel, text) in files {
        let here = module_path(rel);
        let [top, file] = &here[..] else { continue };
        if top != "app" {
            continue;
        }
        let at = APP_ORDER
            .iter()
            .position(|m| m == file)
            .unwrap_or_else(|| panic!("src/{}: not in APP_ORDER", rel.display()));
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for prefix in ["super::", "crate::app::"] {
                for (pos, _) in code.match_indices(prefix) {
                    if prefix == "super::" && code[..pos].ends_with("::") {
                        continue;
                    }
                    let name = ident(&code[pos + prefix.len()..]).unwrap_or_default();
                    let Some(to) = APP_ORDER.iter().position(|m| *m == name) else {
                        continue;
                    };
                    if to >= at && name != *file {
                        out.push(format!(
                            "src/{}:{}: app::{file} uses app::{name}, which sits above it",
                            rel.display(),
                            i + 1
                        ));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn app_files_depend_one_way() {
    let found = app_violations(&sources());
    assert!(found.is_empty(), "app circles:\n{}", found.join("\n"));
    let wrong = vec![(
        PathBuf::from("app/state.rs"),
        "use super::update::Effect;\n".to_string(),
    )];
    assert_eq!(
        app_violations(&wrong),
        vec!["src/app/state.rs:1: app::state uses app::update, which sits above it"]
    );
}

#[test]
fn every_lib_module_is_in_the_table() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';'))
        .collect();
    for m in &declared {
        assert!(
            rank(m).is_some(),
            "lib.rs module {m} has no place in the layer table"
        );
    }
    for (_, m) in ORDER {
        assert!(
            declared.contains(m),
            "the table names {m}, which lib.rs does not declare"
        );
    }
}

#[test]
fn dependencies_point_down() {
    let found = violations(&sources());
    let mut report = Vec::new();
    for (pair, lines) in &found {
        if !NOT_YET.contains(&(pair.0.as_str(), pair.1.as_str())) {
            report.extend(lines.iter().cloned());
        }
    }
    for (from, to) in NOT_YET {
        if !found.contains_key(&(from.to_string(), to.to_string())) {
            report.push(format!("{from} → {to} is fixed: take it off NOT_YET"));
        }
    }
    assert!(report.is_empty(), "layer breaks:\n{}", report.join("\n"));
}

/// The check itself can fail: a data module reaching the drawing layer, by
/// `use` and by a path in code, and a `super::` out of a top-level file.
#[test]
fn the_check_catches_a_wrong_import() {
    let files = vec![
        (
            PathBuf::from("config/mod.rs"),
            "use crate::ui::draw;\n// crate::tui in a comment is fine\n".to_string(),
        ),
        (
            PathBuf::from("journal/render.rs"),
            "fn f() { let x = crate::app::state::App::new(true, false); }\n".to_string(),
        ),
        (
            PathBuf::from("snapshot.rs"),
            "use super::tui::run;\nuse super::fleet::Fleet;\n".to_string(),
        ),
        (
            PathBuf::from("ops/cli.rs"),
            "use super::pipeline::Plan;\nuse crate::fleet::x;\n".to_string(),
        ),
    ];
    let found = violations(&files);
    let pairs: Vec<(&str, &str)> = found
        .keys()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![("config", "ui"), ("journal", "app"), ("snapshot", "tui")]
    );
    assert_eq!(
        found[&("config".into(), "ui".into())],
        vec!["src/config/mod.rs:1: config (1 data) uses ui (4 drawing)"]
    );
}
