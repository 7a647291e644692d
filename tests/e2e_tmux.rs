//! The real binary in a real terminal (tmux) against the lab: start, wait for
//! the three clusters, drill into one, filter, quit cleanly.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    session: String,
}

impl Tmux {
    fn start(cmd: &str, w: u16, h: u16) -> Tmux {
        let session = format!("fd-e2e-{}", std::process::id());
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
                cmd,
            ])
            .status()
            .expect("tmux is installed (.ci/run installs it)")
            .success();
        assert!(ok, "tmux new-session failed");
        Tmux { session }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    /// Waits for the screen to satisfy `f`; the timeout only guards a hang.
    fn wait_for(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.screen();
            if f(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

fn row_ok(screen: &str, cluster: &str) -> bool {
    screen
        .lines()
        .any(|l| l.contains(&format!("│{cluster} ")) && l.contains(" ok ") && l.contains("3/3"))
}

#[test]
fn start_drill_filter_quit_in_tmux() {
    let Some(lab) = support::lab() else { return };
    let dir = tempfile::tempdir().unwrap();
    let rc = dir.path().join("rc");
    let bin = env!("CARGO_BIN_EXE_fleetdeck");
    // Its own config and data dirs, so a developer's files do not leak in.
    let cmd = format!(
        "FLEETDECK_CONFIG_DIR={d} FLEETDECK_DATA_DIR={d} {bin} --kubeconfig {kc} --context lab-a --context lab-b --context lab-c; echo $? > {rc}; sleep 30",
        d = dir.path().display(),
        kc = lab.kubeconfig.display(),
        rc = rc.display()
    );
    let tmux = Tmux::start(&cmd, 150, 30);
    tmux.wait_for("three clusters ok", |s| {
        row_ok(s, "lab-a") && row_ok(s, "lab-b") && row_ok(s, "lab-c")
    });
    // Drill into the first cluster (lab-a, sorted by name).
    tmux.keys(&["Enter"]);
    tmux.wait_for("lab-a's workloads", |s| s.contains("Workloads — lab-a"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("back on the fleet", |s| s.contains("Fleet [3]"));
    // Filter to one cluster.
    tmux.keys(&["/", "l", "a", "b", "-", "b", "Enter"]);
    let s = tmux.wait_for("filtered to lab-b", |s| s.contains("Fleet [1]"));
    assert!(row_ok(&s, "lab-b"), "{s}");
    assert!(!s.contains("│lab-a "), "{s}");
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !Path::new(&rc).exists() {
        assert!(Instant::now() < deadline, "fleetdeck did not exit on q");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        std::fs::read_to_string(&rc).unwrap().trim(),
        "0",
        "clean exit"
    );
    // The alternate screen is gone: the shell's screen is back.
    let s = tmux.screen();
    assert!(!s.contains("Fleet [1]"), "terminal restored:\n{s}");
}
