//! Where fleetdeck keeps its config, data and logs (XDG via `directories`).
//!
//! Passed down explicitly rather than held in a global, so tests can point
//! everything at a temporary directory.

use std::path::{Path, PathBuf};

use directories::ProjectDirs;

/// Every path fleetdeck reads or writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    pub journal_dir: PathBuf,
    pub demo_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    /// Resolve from the environment: `FLEETDECK_CONFIG_DIR` and `FLEETDECK_DATA_DIR`
    /// override the platform directories; `--config` overrides the config file.
    pub fn resolve(config_file: Option<&Path>) -> anyhow::Result<Self> {
        let dirs = ProjectDirs::from("io", "fleetdeck", "fleetdeck");
        let env_dir = |var: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let config_dir = env_dir("FLEETDECK_CONFIG_DIR")
            .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_path_buf()))
            .ok_or_else(|| anyhow::anyhow!("no home directory: set FLEETDECK_CONFIG_DIR"))?;
        let data_dir = env_dir("FLEETDECK_DATA_DIR")
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
            .ok_or_else(|| anyhow::anyhow!("no home directory: set FLEETDECK_DATA_DIR"))?;
        let log_dir = env_dir("FLEETDECK_DATA_DIR")
            .map(|d| d.join("log"))
            .or_else(|| {
                dirs.as_ref()
                    .map(|d| d.state_dir().unwrap_or(d.data_local_dir()).join("log"))
            })
            .unwrap_or_else(|| data_dir.join("log"));
        Ok(Self::from_dirs(config_dir, data_dir, log_dir, config_file))
    }

    pub fn from_dirs(
        config_dir: PathBuf,
        data_dir: PathBuf,
        log_dir: PathBuf,
        config_file: Option<&Path>,
    ) -> Self {
        Paths {
            config_file: config_file
                .map(Path::to_path_buf)
                .unwrap_or_else(|| config_dir.join("config.toml")),
            journal_dir: data_dir.join("journal"),
            demo_dir: data_dir.join("demo"),
            config_dir,
            data_dir,
            log_dir,
        }
    }

    /// Failover plans beside the config file (`plans/*.toml`).
    pub fn plans_dir(&self) -> PathBuf {
        match self.config_file.parent() {
            Some(dir) => dir.join("plans"),
            None => self.config_dir.join("plans"),
        }
    }

    /// `(label, path)` pairs, in the order `fleetdeck paths` prints them.
    pub fn entries(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("config dir", self.config_dir.clone()),
            ("config file", self.config_file.clone()),
            ("themes", self.config_dir.join("themes")),
            ("keymaps", self.config_dir.join("keymaps")),
            ("failover plans", self.plans_dir()),
            ("data dir", self.data_dir.clone()),
            ("journal", self.journal_dir.clone()),
            ("demo journal", self.demo_dir.clone()),
            ("logs", self.log_dir.clone()),
        ]
    }
}
