//! The fleetdeck binary run headless against the lab, with its own config
//! and data dirs (a fresh journal per `Cli`).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use fleetdeck::journal::Journal;

pub struct Cli {
    pub home: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

impl Cli {
    pub fn new(lab: &super::Lab) -> Cli {
        Cli {
            home: tempfile::tempdir().unwrap(),
            kubeconfig: lab.kubeconfig.clone(),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
        c.env("FLEETDECK_CONFIG_DIR", self.home.path())
            .env("FLEETDECK_DATA_DIR", self.home.path())
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run fleetdeck")
    }

    /// `snapshot --json` on one context: its row and stderr. Exit 1 when the
    /// cluster is unhealthy; the JSON is the answer either way (a panic is not).
    #[allow(dead_code)]
    pub fn snapshot_row(&self, context: &str) -> (serde_json::Value, String) {
        let out = self.run(&[
            "--context",
            context,
            "snapshot",
            "--json",
            "--timeout",
            "30",
        ]);
        assert_ne!(out.status.code(), Some(101), "a panic: {}", text(&out));
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
        (
            v["clusters"][0].clone(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn journal(&self) -> Journal {
        Journal::open(&self.home.path().join("journal")).unwrap()
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
