//! The command line in the shell: completion scripts that load, a man page,
//! and a version that names the commit. No cluster needed.

use std::process::Command;

fn fleetdeck(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .args(args)
        .output()
        .expect("fleetdeck runs")
}

fn stdout(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn bash_completions_load_and_name_the_subcommands() {
    let script = stdout(&fleetdeck(&["completions", "bash"]));
    for word in ["changes", "snapshot", "failover", "--read-only"] {
        assert!(script.contains(word), "{word} missing");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleetdeck.bash");
    std::fs::write(&file, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // Sourced into a shell, it registers the completion function.
    let loaded = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p fleetdeck",
            file.display()
        ))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&loaded.stdout).contains("fleetdeck"),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
}

#[test]
fn zsh_and_fish_completions_and_the_man_page_come_from_the_same_definition() {
    for shell in ["zsh", "fish"] {
        let script = stdout(&fleetdeck(&["completions", shell]));
        assert!(
            script.contains("changes") && script.contains("remediation"),
            "{shell}"
        );
    }
    let man = stdout(&fleetdeck(&["man"]));
    assert!(
        man.starts_with(".ie") || man.starts_with(".TH"),
        "{}",
        &man[..man.len().min(200)]
    );
    assert!(man.contains("fleetdeck") && man.contains("changes"));
    let bad = fleetdeck(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let v = stdout(&fleetdeck(&["--version"]));
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let want = head.unwrap_or_else(|| "commit unknown".into());
    assert_eq!(
        v.trim(),
        format!("fleetdeck {} ({want})", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn the_console_only_flags_stay_out_of_the_headless_subcommands() {
    let top = stdout(&fleetdeck(&["--help"]));
    assert!(top.contains("--theme") && top.contains("--keymap"));
    for sub in ["snapshot", "changes", "scale"] {
        let help = stdout(&fleetdeck(&[sub, "--help"]));
        assert!(
            !help.contains("--theme") && !help.contains("--keymap"),
            "{sub}: {help}"
        );
        assert!(help.contains("--read-only"), "{sub}");
    }
}

/// `--demo` belongs to what has a demo: on `scale` or `failover` it would
/// have been silently dropped and the command sent to the real clusters.
#[test]
fn demo_is_refused_where_there_is_no_demo() {
    for args in [
        &["--demo", "scale", "ctx/ns/deploy/web", "--replicas", "2"][..],
        &[
            "--demo", "failover", "resume", "p", "--yes", "--reason", "r",
        ],
    ] {
        let out = fleetdeck(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("has no demo and would act on the real clusters"),
            "{err}"
        );
    }
    for sub in ["scale", "failover", "remediation"] {
        assert!(
            !stdout(&fleetdeck(&[sub, "--help"])).contains("--demo"),
            "{sub}"
        );
    }
    for sub in ["snapshot", "cost", "changes", "journal"] {
        assert!(
            stdout(&fleetdeck(&[sub, "--help"])).contains("--demo"),
            "{sub}"
        );
    }
}
