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
