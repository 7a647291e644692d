//! `fleetdeck config check` reads every file fleetdeck reads at startup and
//! lists every problem as file:line, contacting nothing (the kubeconfig's
//! server is a closed port).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn check(config_dir: &Path) -> Output {
    let kubeconfig =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/config_check/kubeconfig.yaml");
    check_with(config_dir, &kubeconfig)
}

fn check_with(config_dir: &Path, kubeconfig: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .env("FLEETDECK_CONFIG_DIR", config_dir)
        .env("FLEETDECK_DATA_DIR", config_dir)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["config", "check"])
        .output()
        .expect("fleetdeck runs")
}

fn bad() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/config_check/bad")
}

/// The problems it printed: the lines after the summary's blank line.
fn problems(o: &Output) -> Vec<String> {
    let out = String::from_utf8_lossy(&o.stdout);
    out.split_once("\n\n")
        .map(|(_, p)| p.lines().map(String::from).collect())
        .unwrap_or_default()
}

const EXPECTED: &[&str] = &[
    "config.toml:10:1: health.min_ready_nodes must be between 0 and 1, got 1.5",
    "config.toml:14:1: [[canary]] httproute/web: weights must increase, e.g. [5, 25, 50, 100]",
    "config.toml:23: plan checkout: unknown cluster \"lab-z\" (standby)",
    "config.toml:25: plan checkout: step 1: scaling shop/deploy/checkout on standby up has no wait step for it after: traffic would move to pods that are not ready",
    "plans/a.toml:2: invalid basic string",
    "plans/b.toml:7: plan payments: step 1: cluster \"lab-c\" is not in this plan (primary, standby or one of its clusters)",
    "slo/bad.yaml:21: document 2 (by-reference): only inline indicators with ratioMetric are read (not indicatorRef or thresholdMetric)",
    "slo/missing.yaml: No such file or directory (os error 2)",
    "desired/web/a.yaml:5: document 2: needs apiVersion, kind and metadata.name",
    "desired/web/overlays/eu/b.yaml:3:11: unclosed bracket '{'",
    "prices.csv:3: capacity \"reserved\" must be on-demand or spot",
    "prices.csv:4: usd_per_hour \"-1\" is not a non-negative number",
    "config.toml: [[query]] typo: column 12: pods has no field \"restrats\"",
    "themes/mine.toml:3:13: unknown colour \"gren\"",
    "keymaps/mine.toml:2:1: unknown action \"qiut\" in [global]",
];

#[test]
fn every_problem_in_every_file_is_listed_with_its_line() {
    let o = check(&bad());
    assert_eq!(o.status.code(), Some(1));
    let got = problems(&o);
    assert_eq!(got.len(), EXPECTED.len(), "{got:#?}");
    for (line, want) in got.iter().zip(EXPECTED) {
        let want = format!("{}/{want}", bad().display());
        assert!(line.starts_with(&want), "{line}\nwanted {want}");
    }
    assert!(String::from_utf8_lossy(&o.stderr).contains("15 problems (nothing was contacted)"));
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(summary.contains("ok   kubeconfig 2 contexts"), "{summary}");
}

#[test]
fn a_config_that_does_not_parse_still_leaves_the_other_files_checked() {
    let dir = tempfile::tempdir().unwrap();
    let copy = Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", bad().display()))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(copy.success());
    std::fs::write(dir.path().join("config.toml"), "[[cluster]\n").unwrap();
    let o = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let got = problems(&o);
    let at = |f: &str| {
        got.iter()
            .any(|l| l.starts_with(&format!("{}/{f}", dir.path().display())))
    };
    assert!(at("config.toml:1:"), "{got:#?}");
    // The plans directory, prices and the theme and keymap files are read
    // without the config; what only the config names (SLO files, the
    // desired tree, the configured theme) cannot be found.
    for f in [
        "plans/a.toml:2:",
        "plans/b.toml:7:",
        "prices.csv:3:",
        "themes/mine.toml:3:13:",
    ] {
        assert!(at(f), "{f}: {got:#?}");
    }
    assert!(!at("slo/"), "{got:#?}");
}

#[test]
fn the_shipped_examples_pass() {
    let dir = tempfile::tempdir().unwrap();
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    for f in ["config.toml", "openslo.yaml", "plans", "desired"] {
        let ok = Command::new("cp")
            .arg("-r")
            .arg(examples.join(f))
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(ok.success());
    }
    // The contexts the example plan names.
    let kubeconfig = dir.path().join("kubeconfig.yaml");
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/config_check/kubeconfig.yaml"),
    )
    .unwrap()
    .replace("lab-a", "prod-eu-west")
    .replace("lab-b", "prod-eu-standby")
        + "- {name: prod-us-east, context: {cluster: nowhere, user: nobody}}\n";
    std::fs::write(&kubeconfig, text).unwrap();
    let o = check_with(dir.path(), &kubeconfig);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("4 SLOs in 1 file(s)"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
}
