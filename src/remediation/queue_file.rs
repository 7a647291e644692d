//! The queue on disk: `remediations.json` in the data dir, 0600. A console
//! and a CLI may decide at the same moment, so every read-modify-write
//! holds an exclusive lock (`remediations.lock`), and the new queue goes
//! to a temporary file of its own before it replaces the old one (a crash
//! leaves one or the other, never half). Values that the journal would
//! mask — credentials, env values with a credential's name — are masked
//! here too: the queue is as easy to paste into a ticket.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::queue::{File, Queue};
use crate::journal::redact::{redact, REDACTED};
use crate::ops::apply::Change;

const FILE: &str = "remediations.json";
const LOCK: &str = "remediations.lock";

impl Queue {
    /// `<data dir>/remediations.json`; a missing file is an empty queue, a
    /// broken one an error naming it (never silently emptied).
    pub fn load(data_dir: &Path) -> Result<Queue, String> {
        let path = data_dir.join(FILE);
        let entries = match fs::read_to_string(&path) {
            Ok(text) => {
                serde_json::from_str::<File>(&text)
                    .map_err(|e| format!("{}:{}: {e}", path.display(), e.line()))?
                    .entries
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        Ok(Queue { path, entries })
    }

    /// Reads the queue, lets `f` change it and writes it back, all under
    /// the queue's exclusive lock. Nothing is written when `f` fails.
    pub fn update<R>(
        data_dir: &Path,
        f: impl FnOnce(&mut Queue) -> Result<R, String>,
    ) -> Result<R, String> {
        fs::create_dir_all(data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
        let lock_path = data_dir.join(LOCK);
        let lock = private(OpenOptions::new().create(true).truncate(false).write(true))
            .open(&lock_path)
            .map_err(|e| format!("{}: {e}", lock_path.display()))?;
        // flock(2): released when `lock` is dropped, also if the process dies.
        lock.lock()
            .map_err(|e| format!("{}: {e}", lock_path.display()))?;
        let mut q = Queue::load(data_dir)?;
        let r = f(&mut q)?;
        q.save()?;
        Ok(r)
    }

    fn save(&self) -> Result<(), String> {
        let mut entries = self.entries.clone();
        for e in entries.values_mut() {
            for c in &mut e.proposal.changes {
                mask(c);
            }
        }
        let text = serde_json::to_string_pretty(&File { entries }).map_err(|e| e.to_string())?;
        let tmp = unique_tmp(&self.path);
        let written = private(OpenOptions::new().create_new(true).write(true))
            .open(&tmp)
            .and_then(|mut f| {
                f.write_all(text.as_bytes())?;
                f.sync_all()
            });
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(format!("{}: {e}", tmp.display()));
        }
        fs::rename(&tmp, &self.path).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            format!("{}: {e}", self.path.display())
        })
    }
}

/// `remediations.json.<pid>.<n>.tmp`: never shared by two writers.
fn unique_tmp(path: &Path) -> std::path::PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let mut s = path.as_os_str().to_owned();
    s.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    s.into()
}

fn private(o: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// A change's values as the journal would keep them: whole when the path
/// names a credential (`…env[name=DB_PASSWORD].value`, `…token`), else
/// with any credential inside masked.
fn mask(c: &mut Change) {
    if sensitive_path(&c.path) {
        for v in [&mut c.live, &mut c.desired] {
            if !v.is_null() {
                *v = Value::String(REDACTED.into());
            }
        }
        return;
    }
    redact(&mut c.live);
    redact(&mut c.desired);
}

fn sensitive_path(path: &str) -> bool {
    // Every `[name=X]` selector and every plain key along the path.
    let mut parts = Vec::new();
    for seg in path.split('.') {
        match seg.split_once('[') {
            Some((key, sel)) => {
                parts.push(key.to_string());
                if let Some(name) = sel.strip_prefix("name=") {
                    parts.push(name.trim_end_matches(']').to_string());
                }
            }
            None => parts.push(seg.to_string()),
        }
    }
    parts.iter().any(|p| {
        let mut probe = serde_json::json!({ p.as_str(): "x" });
        redact(&mut probe);
        probe[p.as_str()] == REDACTED
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remediation::queue::{Decision, Entry, Proposal, Risk, Source};
    use serde_json::json;

    fn entry(id: &str, env_value: &str) -> Entry {
        Entry {
            proposal: Proposal {
                id: id.into(),
                source: Source::Drift,
                context: "c".into(),
                object: "ns/deployment/web".into(),
                target: None,
                summary: String::new(),
                changes: vec![Change {
                    path: "spec.template.spec.containers[name=web].env[name=DB_PASSWORD].value"
                        .into(),
                    live: json!(env_value),
                    desired: json!("desired-pw"),
                    manager: None,
                }],
                op: None,
                risk: Risk {
                    pods: 1,
                    production: false,
                    slo: None,
                },
                found: chrono::Utc::now(),
                preflight: None,
            },
            decision: Decision::Pending,
        }
    }

    /// A console and a CLI writing at once: without the lock one's entries
    /// would be lost (each read the queue before the other wrote).
    #[test]
    fn concurrent_writers_lose_nothing_and_the_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let d = dir.path().to_path_buf();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        Queue::update(&d, |q| {
                            let id = format!("d-{w}-{i}");
                            q.entries.insert(id.clone(), entry(&id, "hunter2"));
                            Ok(())
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let q = Queue::load(dir.path()).unwrap();
        assert_eq!(q.entries.len(), 100);
        let text = fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(!text.contains("hunter2") && !text.contains("desired-pw"));
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn credential_paths_are_masked_and_plain_ones_kept() {
        let change = |path: &str, live: Value, desired: Value| Change {
            path: path.into(),
            live,
            desired,
            manager: None,
        };
        let mut c = change(
            "spec.template.spec.containers[name=web].env[name=DB_PASSWORD].value",
            json!("hunter2"),
            json!("hunter3"),
        );
        mask(&mut c);
        assert_eq!((c.live, c.desired), (json!(REDACTED), json!(REDACTED)));
        let mut c = change(
            "spec.template.spec.containers[name=web].env",
            json!([{"name": "API_TOKEN", "value": "abc"}, {"name": "LOG", "value": "debug"}]),
            Value::Null,
        );
        mask(&mut c);
        assert_eq!(c.live[0]["value"], json!(REDACTED));
        assert_eq!(c.live[1]["value"], json!("debug"));
        assert_eq!(c.desired, Value::Null);
        let mut c = change(
            "spec.template.spec.containers[name=web].image",
            json!("web:1"),
            json!("web:2"),
        );
        mask(&mut c);
        assert_eq!((c.live, c.desired), (json!("web:1"), json!("web:2")));
    }
}
