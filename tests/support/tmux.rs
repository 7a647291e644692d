//! The real binary in a real terminal: a detached tmux session, its screen
//! captured as text, keys sent as a person would type them.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    session: String,
}

impl Tmux {
    pub fn start(cmd: &str, w: u16, h: u16) -> Tmux {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let session = format!("fd-e2e-{}-{n}", std::process::id());
        // Two sessions started at once with no tmux server running can race
        // the server's start ("server exited unexpectedly"): try again.
        let mut last = String::new();
        for attempt in 0..4 {
            let out = Command::new("tmux")
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
                .output()
                .expect("tmux is installed (.ci/run installs it)");
            if out.status.success() {
                return Tmux { session };
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
            std::thread::sleep(Duration::from_millis(200 * (attempt + 1)));
        }
        panic!("tmux new-session failed: {last}");
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen with its SGR escape sequences (colours, bold, reverse).
    pub fn screen_styled(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-e", "-t", &self.session])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    /// Waits for the screen to satisfy `f`; the timeout only guards a hang.
    pub fn wait_for(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        self.wait_within(what, Duration::from_secs(60), f)
    }

    /// Waits at most `limit` for the screen to satisfy `f`.
    pub fn wait_within(&self, what: &str, limit: Duration, f: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
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

/// The shell command a tmux session runs: fleetdeck on one lab context with
/// its own config/data dir, the pane kept open 30 s after it exits.
pub fn fleetdeck_on(home: &std::path::Path, kubeconfig: &std::path::Path, context: &str) -> String {
    format!(
        "FLEETDECK_CONFIG_DIR={d} FLEETDECK_DATA_DIR={d} {bin} --kubeconfig {kc} --context {context}; sleep 30",
        d = home.display(),
        bin = env!("CARGO_BIN_EXE_fleetdeck"),
        kc = kubeconfig.display(),
    )
}

/// The real binary run so a test can tell it is alive: the shell writes its
/// pid (kept by `exec`) and, once it ends, its exit status (141 = SIGPIPE).
pub struct Tracked {
    dir: std::path::PathBuf,
}

impl Tracked {
    pub fn new(dir: &std::path::Path) -> Tracked {
        Tracked {
            dir: dir.to_path_buf(),
        }
    }

    /// The tmux command: fleetdeck with `args`, its own config/data dir.
    pub fn command(&self, args: &str) -> String {
        format!(
            "sh -c 'echo $$ > {d}/pid; exec env FLEETDECK_CONFIG_DIR={d} FLEETDECK_DATA_DIR={d} {bin} {args}'; echo $? > {d}/rc; sleep 60",
            d = self.dir.display(),
            bin = env!("CARGO_BIN_EXE_fleetdeck"),
        )
    }

    /// `Ok` while the process runs; its exit status once it has ended.
    pub fn alive(&self) -> Result<(), String> {
        if let Ok(rc) = std::fs::read_to_string(self.dir.join("rc")) {
            return Err(format!("fleetdeck exited with status {}", rc.trim()));
        }
        // Not written yet: the shell has not started it (so it has not died either).
        let pid = std::fs::read_to_string(self.dir.join("pid")).unwrap_or_default();
        if pid.trim().is_empty() {
            return Ok(());
        }
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
            .map_err(|e| format!("pid {} gone: {e}", pid.trim()))?;
        // The state follows the parenthesised command name.
        match stat.rsplit_once(") ").map(|(_, rest)| &rest[..1]) {
            Some("Z") | Some("X") | None => Err(format!("pid {} is dead: {stat}", pid.trim())),
            Some(_) => Ok(()),
        }
    }

    /// Waits at most `limit` for `t`'s screen to satisfy `f`, failing at
    /// once (with the exit status) if the process dies meanwhile.
    pub fn wait(&self, t: &Tmux, what: &str, limit: Duration, f: impl Fn(&str) -> bool) -> String {
        t.wait_within(what, limit, |s| {
            if let Err(e) = self.alive() {
                panic!("{e} while waiting for {what}; screen:\n{s}");
            }
            f(s)
        })
    }

    /// Fails the test, with the screen, unless the process is alive.
    pub fn assert_alive(&self, t: &Tmux) {
        if let Err(e) = self.alive() {
            panic!("{e}\n{}", t.screen());
        }
    }

    /// Quits with `q` and asserts a clean exit (status 0).
    pub fn quit(&self, t: &Tmux) {
        t.keys(&["q"]);
        assert_eq!(
            self.exit_status(Duration::from_secs(20)).as_deref(),
            Some("0"),
            "a clean exit on q"
        );
    }

    /// The exit status, once the process has ended (waits up to `within`).
    pub fn exit_status(&self, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(rc) = std::fs::read_to_string(self.dir.join("rc")) {
                return Some(rc.trim().to_string());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

/// The STATE column of `cluster`'s row in the Fleet view (`ok`, `degraded`,
/// `unreachable 9s`, …), if the row is on screen. Found by the header's
/// position: wider terminals show more columns before it.
pub fn fleet_state(screen: &str, cluster: &str) -> Option<String> {
    let chars = |l: &str| l.chars().collect::<Vec<char>>();
    let header = screen.lines().find(|l| l.contains("│CLUSTER "))?;
    let h = chars(header);
    let col = (0..h.len()).find(|&i| h[i..].starts_with(&['S', 'T', 'A', 'T', 'E']))?;
    let line = screen
        .lines()
        .find(|l| l.contains(&format!("│{cluster} ")))?;
    let rest: String = chars(line).into_iter().skip(col).collect();
    let mut words = rest.split_whitespace();
    let first = words.next()?.to_string();
    Some(match first.as_str() {
        "unreachable" | "syncing" => format!("{first} {}", words.next().unwrap_or_default()),
        _ => first,
    })
}
