//! Each cluster's last-known state on disk: its row's counts and its
//! workloads' compact rows (never full objects, never Secrets), so a cluster
//! unreachable at start is shown at once, marked stale, until it answers.
//! Written atomically (a temporary file renamed over), mode 0600, within a
//! size cap; a corrupt or truncated file is reported and ignored.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::summary::{Known, Ratio, RolloutCounts, WorkloadCounts};
use super::tally::PodCounts;
use super::workloads::WorkloadRow;

const FORMAT: u32 = 1;

/// The file's name in the data dir.
pub const FILE: &str = "last-known.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LastKnown {
    pub format: u32,
    /// By context (the key of the cluster's journal records and config).
    pub clusters: BTreeMap<String, Saved>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Saved {
    /// When these figures were live.
    pub at: DateTime<Utc>,
    pub version: Option<String>,
    pub nodes: Option<Ratio>,
    pub pods: Option<PodCounts>,
    pub workloads: Option<WorkloadCounts>,
    pub rollouts: Option<RolloutCounts>,
    pub warnings: Option<usize>,
    /// The Cluster view's rows; dropped first when the file is too big.
    pub rows: Vec<WorkloadRow>,
}

impl Saved {
    pub fn known<T: Copy>(v: Option<T>) -> Known<T> {
        v.map_or(Known::Missing, Known::Value)
    }
}

/// Reads the file; `Ok(None)` when there is none yet.
pub fn read(path: &Path) -> Result<Option<LastKnown>, String> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let lk: LastKnown = serde_json::from_slice(&text).map_err(|e| {
        format!(
            "{}:{}:{}: {e} (ignored; rewritten at the next save)",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    if lk.format != FORMAT {
        return Err(format!(
            "{}: format {} (this fleetdeck writes {FORMAT}; ignored)",
            path.display(),
            lk.format
        ));
    }
    Ok(Some(lk))
}

/// Writes `lk` within `max_bytes`: the biggest clusters' workload rows go
/// first; the counts always fit (or nothing is written).
pub fn write(path: &Path, lk: &LastKnown, max_bytes: u64) -> Result<u64, String> {
    let mut lk = LastKnown {
        format: FORMAT,
        clusters: lk.clusters.clone(),
    };
    let mut bytes = serde_json::to_vec(&lk).map_err(|e| e.to_string())?;
    while bytes.len() as u64 > max_bytes {
        let biggest = lk
            .clusters
            .iter_mut()
            .filter(|(_, s)| !s.rows.is_empty())
            .max_by_key(|(_, s)| s.rows.len());
        match biggest {
            Some((_, s)) => s.rows.clear(),
            None => {
                return Err(format!(
                    "{}: {} bytes of counts alone exceed the cap of {max_bytes}",
                    path.display(),
                    bytes.len()
                ))
            }
        }
        bytes = serde_json::to_vec(&lk).map_err(|e| e.to_string())?;
    }
    let tmp = path.with_extension("json.tmp");
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = private_file(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(bytes.len() as u64)
}

#[cfg(unix)]
fn private_file(p: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(p)
}

#[cfg(not(unix))]
fn private_file(p: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(p)
}

/// Each cluster's meta and store, as `Fleet::stores` gives them: cheap to
/// clone, so the save can run off the console's loop.
pub type Stores = Vec<(super::summary::ClusterMeta, super::live::SharedData)>;

/// What to write now: each cluster that answers, as it is; one that does
/// not keeps what the file had for it (a dead link must not erase it).
pub fn collect(
    stores: &Stores,
    policy: &super::summary::HealthPolicy,
    now: DateTime<Utc>,
) -> LastKnown {
    use super::summary::{cluster_row, ClusterState};
    let mut out = LastKnown {
        format: FORMAT,
        ..Default::default()
    };
    for (meta, data) in stores {
        let saved = super::handles::with_data(data, |d| {
            let row = cluster_row(meta, d, policy, now);
            let live = row.stale.is_none()
                && !row.summarised
                && matches!(row.state, ClusterState::Ok | ClusterState::Degraded { .. });
            match live {
                true => Some(Saved {
                    at: now,
                    version: row.version.clone(),
                    nodes: row.nodes.value(),
                    pods: row.pods.value(),
                    workloads: row.workloads.value(),
                    rollouts: row.rollouts.value(),
                    warnings: row.warnings.value(),
                    rows: super::workloads::cluster_workloads(d),
                }),
                false => d.last_known.clone(),
            }
        });
        if let Some(s) = saved {
            out.clusters.insert(meta.context.clone(), s);
        }
    }
    out
}

/// Gives each cluster its last-known figures (before it first answers).
pub fn load(fleet: &super::handles::Fleet, lk: LastKnown) {
    let mut clusters = lk.clusters;
    for c in &fleet.clusters {
        if let Some(s) = clusters.remove(&c.meta.context) {
            if let Ok(mut d) = c.data.lock() {
                d.last_known = Some(s);
                d.touch(true);
            }
        }
    }
    fleet.notify.notify_one();
}

/// Where and how big (`[edge]`), and a save that logs rather than fails:
/// losing one save must not take the console down.
#[derive(Debug, Clone)]
pub struct Store {
    pub path: std::path::PathBuf,
    pub max_bytes: u64,
}

impl Store {
    pub fn save(&self, fleet: &super::handles::Fleet) {
        self.save_stores(&fleet.stores(), &fleet.policy)
    }

    /// Gathers and writes; blocking (the console runs it on a blocking thread).
    pub fn save_stores(&self, stores: &Stores, policy: &super::summary::HealthPolicy) {
        match write(
            &self.path,
            &collect(stores, policy, Utc::now()),
            self.max_bytes,
        ) {
            Ok(n) => tracing::debug!(bytes = n, "last-known state saved"),
            Err(e) => tracing::warn!("last-known state: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: usize) -> WorkloadRow {
        WorkloadRow {
            kind: crate::fleet::objects::WorkloadKind::Deployment,
            namespace: "shop".into(),
            name: format!("w{i}"),
            ready: 2,
            desired: 2,
            updated: 2,
            available: 2,
            images: vec!["registry/app:1.4.2".into()],
            healthy: true,
            status: "Available".into(),
            pods_running: 2,
            pods_total: 2,
            restarts: 0,
            created: None,
        }
    }

    fn saved(rows: usize) -> Saved {
        Saved {
            at: Utc::now(),
            nodes: Some(Ratio { ready: 3, total: 3 }),
            rows: (0..rows).map(row).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn round_trips_privately_and_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let lk = LastKnown {
            format: FORMAT,
            clusters: [("a".to_string(), saved(3))].into(),
        };
        write(&path, &lk, 1 << 20).unwrap();
        assert_eq!(read(&path).unwrap(), Some(lk));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!path.with_extension("json.tmp").exists());
    }

    #[test]
    fn over_the_cap_the_biggest_rows_go_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let lk = LastKnown {
            format: FORMAT,
            clusters: [("a".into(), saved(2)), ("b".into(), saved(400))].into(),
        };
        let full = serde_json::to_vec(&lk).unwrap().len() as u64;
        write(&path, &lk, full - 10).unwrap();
        let back = read(&path).unwrap().unwrap();
        assert_eq!(back.clusters["a"].rows.len(), 2);
        assert!(back.clusters["b"].rows.is_empty());
        assert!(write(&path, &lk, 10).is_err(), "counts alone too big");
    }

    #[test]
    fn corrupt_or_truncated_files_are_errors_naming_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        assert_eq!(read(&path).unwrap(), None);
        let lk = LastKnown {
            format: FORMAT,
            clusters: [("a".into(), saved(5))].into(),
        };
        write(&path, &lk, 1 << 20).unwrap();
        let text = std::fs::read(&path).unwrap();
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        let e = read(&path).unwrap_err();
        assert!(e.contains(FILE) && e.contains("ignored"), "{e}");
        std::fs::write(&path, b"\xff\x00garbage").unwrap();
        assert!(read(&path).is_err());
    }
}
