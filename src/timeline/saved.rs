//! The observed lines kept in the data dir (`timeline.jsonl`), so a restart
//! does not forget that a cluster went unreachable an hour ago: one JSON
//! line per change, appended; pruned by age and count when read. A torn or
//! corrupt line is reported once and the file rewritten without it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use super::change::Change;

/// Older lines are dropped when the file is read.
pub const KEEP_HOURS: i64 = 24;
/// At most this many lines are kept (the newest).
pub const MAX_LINES: usize = 5_000;

/// The kept lines (oldest first) and, if the file had unreadable lines or
/// could not be read, a one-line report naming the file and line.
pub fn load(path: &Path, now: DateTime<Utc>) -> (Vec<Change>, Option<String>) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Vec::new(), None),
        Err(e) => return (Vec::new(), Some(format!("{}: {e}", path.display()))),
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = Vec::new();
    let mut bad: Vec<(usize, String)> = Vec::new();
    let mut total = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        total += 1;
        match serde_json::from_str::<Change>(line) {
            Ok(c) => lines.push(c),
            Err(e) => bad.push((n + 1, e.to_string())),
        }
    }
    let kept = prune(lines, now);
    let mut report = None;
    if let Some((n, e)) = bad.first() {
        report = Some(format!(
            "{}:{n}: not a timeline entry ({e}); {} unreadable line{} dropped and the file rewritten",
            path.display(),
            bad.len(),
            if bad.len() == 1 { "" } else { "s" }
        ));
    }
    if kept.len() != total {
        if let Err(e) = rewrite(path, &kept) {
            report = Some(format!("{}: could not rewrite: {e}", path.display()));
        }
    }
    (kept, report)
}

/// Oldest first, nothing older than [`KEEP_HOURS`], at most [`MAX_LINES`].
pub fn prune(mut lines: Vec<Change>, now: DateTime<Utc>) -> Vec<Change> {
    let cutoff = now - Duration::hours(KEEP_HOURS);
    lines.retain(|c| c.time >= cutoff);
    lines.sort_by_key(|c| c.time);
    let extra = lines.len().saturating_sub(MAX_LINES);
    lines.drain(..extra);
    lines
}

pub fn append(path: &Path, lines: &[Change]) -> std::io::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut buf = Vec::new();
    for c in lines {
        serde_json::to_writer(&mut buf, c)?;
        buf.push(b'\n');
    }
    // One write: lines from two consoles never interleave mid-line.
    open(path, OpenOptions::new().create(true).append(true))?.write_all(&buf)
}

/// Through a temporary file and a rename: a crash leaves the old file or the new.
pub fn rewrite(path: &Path, lines: &[Change]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut f = open(
        &tmp,
        OpenOptions::new().create(true).write(true).truncate(true),
    )?;
    for c in lines {
        serde_json::to_writer(&mut f, c)?;
        f.write_all(b"\n")?;
    }
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

fn open(path: &Path, opts: &mut OpenOptions) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::change::{ChangeKind, ObjectRef};

    fn line(at: DateTime<Utc>, s: &str) -> Change {
        Change::new(
            at,
            "prod",
            ChangeKind::Cluster,
            ObjectRef::new("Cluster", "", "prod"),
            s.into(),
        )
    }

    #[test]
    fn old_lines_are_pruned_and_the_rest_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.jsonl");
        let now = Utc::now();
        append(
            &path,
            &[line(now - Duration::hours(30), "ok → unreachable")],
        )
        .unwrap();
        append(
            &path,
            &[line(now - Duration::minutes(5), "unreachable → ok")],
        )
        .unwrap();
        let (kept, report) = load(&path, now);
        assert_eq!(report, None);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].summary, "unreachable → ok");
        // The pruned file holds only what was kept.
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_torn_or_corrupt_file_is_reported_and_replaced_never_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timeline.jsonl");
        let now = Utc::now();
        append(&path, &[line(now, "ok → unreachable")]).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"time\":\"2026-12-03T10:00:00Z\",\"cont")
            .unwrap(); // torn
        f.write_all(b"\n\xff\xfe garbage\n").unwrap();
        drop(f);
        let (kept, report) = load(&path, now);
        assert_eq!(kept.len(), 1);
        let report = report.unwrap();
        assert!(report.contains("timeline.jsonl:2:"), "{report}");
        assert!(report.contains("2 unreadable lines dropped"), "{report}");
        // Replaced: a second read is clean.
        assert_eq!(load(&path, now), (kept, None));
    }

    #[test]
    fn at_most_max_lines_the_newest() {
        let now = Utc::now();
        let lines: Vec<Change> = (0..MAX_LINES + 10)
            .map(|i| line(now - Duration::seconds(i as i64), &i.to_string()))
            .collect();
        let kept = prune(lines, now);
        assert_eq!(kept.len(), MAX_LINES);
        assert_eq!(kept.last().unwrap().summary, "0");
    }
}
