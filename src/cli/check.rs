//! `fleetdeck config check`: every file fleetdeck reads at startup, read
//! the way it reads them, with no cluster contacted: the config, failover
//! plans, SLO files, the desired-state tree, prices, themes and keymaps.
//! Every problem is one `file:line: message` line (an editor's quickfix
//! format); exit 1 if there is any.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::config::Config;
use crate::keymap::Keymap;
use crate::paths::Paths;
use crate::startup::Options;
use crate::theme::Theme;

/// One kind of file: what was found, and its problems.
struct Section {
    name: &'static str,
    summary: String,
    errors: Vec<String>,
}

fn section(name: &'static str, summary: String, errors: Vec<String>) -> Section {
    Section {
        name,
        summary,
        errors,
    }
}

fn relative(base: &Path, dir: &Path) -> PathBuf {
    match base.parent() {
        Some(b) if dir.is_relative() => b.join(dir),
        _ => dir.to_path_buf(),
    }
}

fn toml_stems(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    v.sort();
    v
}

fn config(paths: &Paths) -> (Option<Config>, Section) {
    let file = &paths.config_file;
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let s = format!("{}: none, the defaults", file.display());
            return (Some(Config::default()), section("config", s, vec![]));
        }
        Err(e) => {
            let s = file.display().to_string();
            let e = format!("{s}: {e}");
            return (None, section("config", s, vec![e]));
        }
    };
    let (cfg, errors) = Config::check(file, &text);
    let errors = errors.iter().map(ToString::to_string).collect();
    (cfg, section("config", file.display().to_string(), errors))
}

fn kubeconfig(opts: &Options) -> (Vec<String>, Section) {
    let sources = crate::fleet::kubeconfig::Sources::from_env(opts.kubeconfig);
    let loaded = crate::fleet::kubeconfig::load(&sources);
    let contexts = loaded.contexts();
    let files: Vec<String> = loaded
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    let summary = if files.is_empty() {
        "none found ($KUBECONFIG, ~/.kube/config, --kubeconfig)".to_string()
    } else {
        format!("{} contexts in {}", contexts.len(), files.join(", "))
    };
    let errors = loaded.errors.iter().map(ToString::to_string).collect();
    (contexts, section("kubeconfig", summary, errors))
}

fn plans(paths: &Paths, contexts: &[String]) -> Section {
    // Without a kubeconfig the plans' cluster names cannot be checked.
    let known = (!contexts.is_empty()).then_some(contexts);
    let (plans, errors) =
        crate::failover::plan::check_all(&paths.config_file, &paths.plans_dir(), known);
    let mut summary = format!(
        "{} valid in {} and {}",
        plans.len(),
        paths.config_file.display(),
        paths.plans_dir().display()
    );
    if known.is_none() {
        summary.push_str(" (clusters not checked: no kubeconfig contexts)");
    }
    section("plans", summary, errors)
}

fn slo_files(paths: &Paths, config: &Config) -> Section {
    let (mut slos, mut errors) = (0, Vec::new());
    for f in &config.slo_files {
        let (s, e) = crate::slo::import::check(&relative(&paths.config_file, f));
        slos += s.len();
        errors.extend(e);
    }
    let summary = format!(
        "{slos} SLOs in {} file(s), {} in the config",
        config.slo_files.len(),
        config.slos.len()
    );
    section("slo files", summary, errors)
}

fn desired(paths: &Paths, config: &Config) -> Section {
    let Some(dir) = &config.drift.dir else {
        return section("desired", "none ([drift] dir not set)".into(), vec![]);
    };
    let dir = relative(&paths.config_file, dir);
    if !dir.is_dir() {
        let e = format!("{}: [drift] dir is not a directory", dir.display());
        return section("desired", dir.display().to_string(), vec![e]);
    }
    let (objects, errors) = crate::remediation::desired::check_tree(&dir);
    section(
        "desired",
        format!("{objects} objects under {}", dir.display()),
        errors,
    )
}

/// Every `[[query]]` parsed as the palette would: the mistake's column.
fn queries(paths: &Paths, cfg: &crate::config::Config) -> Section {
    let file = paths.config_file.display();
    let errors: Vec<String> = cfg
        .queries
        .iter()
        .filter_map(|q| {
            let e = crate::query::parse_guarded(&q.query).err()?;
            Some(format!("{file}: [[query]] {}: {e}", q.name))
        })
        .collect();
    section("queries", format!("{} saved", cfg.queries.len()), errors)
}

fn prices(paths: &Paths) -> Section {
    let file = paths.config_dir.join("prices.csv");
    match std::fs::read_to_string(&file) {
        Ok(text) => {
            let name = file.display().to_string();
            let (rows, errors) = crate::cost::catalog::check(&name, &text);
            section("prices", format!("{} rows in {name}", rows.len()), errors)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            section("prices", "the shipped catalog only".into(), vec![])
        }
        Err(e) => section(
            "prices",
            file.display().to_string(),
            vec![format!("{}: {e}", file.display())],
        ),
    }
}

/// The configured name (if any) and every file in `dir`, each loaded over
/// its preset as the console would.
fn named<T, E: ToString>(
    label: &'static str,
    configured: Option<&str>,
    dir: &Path,
    load: impl Fn(&str, Option<&Path>) -> Result<T, E>,
) -> Section {
    let mut names = toml_stems(dir);
    if let Some(c) = configured.filter(|c| !names.iter().any(|n| n == c)) {
        names.insert(0, c.to_string());
    }
    let errors: Vec<String> = names
        .iter()
        .filter_map(|n| load(n, Some(dir)).err().map(|e| e.to_string()))
        .collect();
    let summary = if names.is_empty() {
        "the shipped presets only".to_string()
    } else {
        names.join(", ")
    };
    section(label, summary, errors)
}

pub fn run(opts: &Options) -> anyhow::Result<ExitCode> {
    let paths = Paths::resolve(opts.config_file)?;
    let (cfg, config_section) = config(&paths);
    let (contexts, kube_section) = kubeconfig(opts);
    let mut sections = vec![config_section, kube_section, plans(&paths, &contexts)];
    // With a config that does not parse, what it names cannot be found.
    let cfg = cfg.unwrap_or_default();
    sections.push(slo_files(&paths, &cfg));
    sections.push(desired(&paths, &cfg));
    sections.push(prices(&paths));
    sections.push(queries(&paths, &cfg));
    let dir = |d: &str| paths.config_dir.join(d);
    sections.push(named(
        "themes",
        cfg.theme.as_deref(),
        &dir("themes"),
        Theme::load,
    ));
    sections.push(named(
        "keymaps",
        cfg.keymap.as_deref(),
        &dir("keymaps"),
        Keymap::load,
    ));

    for s in &sections {
        let state = if s.errors.is_empty() { "ok" } else { "FAIL" };
        outln!("{state:<4} {:<10} {}", s.name, s.summary);
    }
    let errors: Vec<&String> = sections.iter().flat_map(|s| &s.errors).collect();
    if errors.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    outln!();
    for e in &errors {
        outln!("{e}");
    }
    errln!(
        "fleetdeck: {} problem{} (nothing was contacted)",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    Ok(ExitCode::from(1))
}
