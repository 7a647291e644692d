//! The local action journal: append-only JSON Lines (`journal.jsonl`) with a
//! SHA-256 hash chain and an fsynced head file.
//!
//! Layout, in the directory the caller gives (`<data dir>/journal/`, the
//! demo's `<data dir>/demo/`), created 0700, files 0600:
//! - `journal.jsonl`: one [`Record`] per line; each line's `prev` is the hex
//!   SHA-256 of the previous record's line exactly as stored (without `\n`),
//!   64 zeros for the first.
//! - `head.json`: `{"seq", "hash"}` of the last committed record, so that
//!   removing the last record(s) is detected, which the chain alone cannot do.
//!
//! Appends take an exclusive `flock` on `journal.jsonl` (a TUI and a CLI
//! writing at once queue up; each append opens its own descriptor, so
//! threads of one process exclude each other too). Under the lock: read the
//! head and the end of the file, write the line, fsync it, then replace the
//! head file (temp + fsync + rename + directory fsync). An intent is thus on
//! disk before `append` returns, i.e. before the request is sent.
//!
//! Which record a new one chains to: the head file's, not the file's last
//! line — otherwise deleting the last line and appending would silently
//! re-seal the chain. Exceptions, where the last valid record in the file is
//! used: no (readable) head file (the head is rebuilt); the file one record
//! ahead of the head and chained to it (a crash between the two fsyncs); and
//! a torn last line, below.
//!
//! Torn lines (a file not ending in `\n`: a crash mid-write) are never
//! dropped or overwritten: the next append first writes `\n` to close the
//! fragment, then a record chained to the last valid record before it, so
//! the chain stays intact around the fragment. `read` skips such lines;
//! `verify` keeps reporting each one as [`ProblemKind::Torn`] (distinct from
//! tampering) while the records around it verify. The fragment's bytes stay
//! in the file for good, so a truncation cannot pass unnoticed either.
//!
//! The head file defends against truncation and casual edits, not against
//! someone who rewrites the whole chain and the head: that needs a copy
//! elsewhere (such as the Events fleetdeck leaves in the clusters).

mod chain;
mod record;
pub mod redact;
mod render;
mod verify;

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;

pub use record::{local_operator, NewRecord, Record, RecordKind, Target};
pub use redact::{redact, redact_secret_body, REDACTED};
pub use render::{render_json, render_markdown, render_text, Filter};
pub use verify::{Problem, ProblemKind, Verify};

use chain::{Head, ZERO};

pub const JOURNAL_FILE: &str = "journal.jsonl";
pub const HEAD_FILE: &str = "head.json";

#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
    file: PathBuf,
    head: PathBuf,
}

impl Journal {
    /// Open the journal in `dir`, creating the directory (0700) and an empty
    /// journal file (0600) as needed; tightens the modes of existing ones.
    pub fn open(dir: &Path) -> io::Result<Journal> {
        create_private_dir(dir)?;
        let j = Journal {
            dir: dir.to_path_buf(),
            file: dir.join(JOURNAL_FILE),
            head: dir.join(HEAD_FILE),
        };
        let f = chain::create_private(&j.file, false)?;
        restrict(&f, 0o600)?;
        if let Ok(h) = File::open(&j.head) {
            restrict(&h, 0o600)?;
        }
        Ok(j)
    }

    /// `journal.jsonl`.
    pub fn path(&self) -> &Path {
        &self.file
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Append one record (see the module docs for the locking and fsync
    /// order); returns it as stored, with `seq`, `ts` and `prev` assigned and
    /// `request`/`detail` redacted.
    pub fn append(&self, r: NewRecord) -> io::Result<Record> {
        let mut out = self.append_all([r])?;
        out.pop()
            .ok_or_else(|| io::Error::other("nothing appended"))
    }

    /// Append several records under one lock with one fsync (e.g. the
    /// reconciliations at start-up); all or, after a crash, a prefix of them.
    pub fn append_all(&self, rs: impl IntoIterator<Item = NewRecord>) -> io::Result<Vec<Record>> {
        let mut file = chain::create_private(&self.file, false)?;
        // File::lock is flock(2) on Unix: released when `file` is dropped,
        // also if the process dies.
        file.lock()?;
        let tail = chain::tail(&mut file)?;
        let (mut seq, mut prev) = self.chain_point(&tail);

        let mut buf = Vec::new();
        if tail.open_line {
            buf.push(b'\n');
        }
        let mut stored = Vec::new();
        for r in rs {
            let next = seq
                .checked_add(1)
                .ok_or_else(|| io::Error::other("journal seq at its maximum"))?;
            let rec = seal(r, next, chain::to_hex(&prev));
            let line = serde_json::to_vec(&rec)?;
            prev = chain::sha256(&line);
            seq = rec.seq;
            buf.extend_from_slice(&line);
            buf.push(b'\n');
            stored.push(rec);
        }
        if stored.is_empty() {
            return Ok(stored);
        }
        // One write: with O_APPEND it lands at the end as a unit unless the
        // process dies mid-way (then it is a torn line, handled above).
        file.write_all(&buf)?;
        file.sync_data()?;
        chain::write_head(&self.dir, &self.head, Head { seq, hash: prev })?;
        Ok(stored)
    }

    /// The (seq, hash) the next record chains to; see the module docs.
    fn chain_point(&self, tail: &chain::Tail) -> (u64, chain::Hash) {
        let from_file = tail.last.as_ref().map_or((0, ZERO), |(s, _, h)| (*s, *h));
        if tail.open_line {
            // A torn write at the end: its bytes stay (and `verify` keeps
            // reporting them); the chain goes on from the last valid record.
            return from_file;
        }
        match chain::read_head(&self.head) {
            Ok(Some(h)) => match &tail.last {
                Some((s, p, _))
                    if h.seq.checked_add(1) == Some(*s) && chain::from_hex(p) == Some(h.hash) =>
                {
                    from_file
                }
                _ => (h.seq, h.hash),
            },
            Ok(None) | Err(_) => from_file,
        }
    }

    /// Every line that parses as a record, in file order. Torn or otherwise
    /// unreadable lines are skipped here; `verify` reports them.
    pub fn read(&self) -> io::Result<Vec<Record>> {
        let mut bytes = Vec::new();
        match File::open(&self.file) {
            Ok(mut f) => {
                lock_shared(&f);
                f.read_to_end(&mut bytes)?
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(bytes
            .split(|b| *b == b'\n')
            .filter_map(|l| serde_json::from_slice(l).ok())
            .collect())
    }

    /// Walk the chain and compare its end with the head file; never panics
    /// or fails on a malformed journal — everything wrong is a [`Problem`].
    pub fn verify(&self) -> Verify {
        // Held while the journal and then the head are read, so an append in
        // between cannot look like a removed record.
        let guard = File::open(&self.file).ok();
        if let Some(f) = &guard {
            lock_shared(f);
        }
        verify::verify(&self.file, &self.head)
    }

    /// Intents with no outcome, reconcile or denied record of the same id:
    /// actions interrupted (e.g. by a crash) between request and outcome.
    pub fn unfinished(&self) -> io::Result<Vec<Record>> {
        Ok(unfinished(self.read()?))
    }
}

/// Intents among `records` that nothing closed; in journal order.
pub fn unfinished(records: Vec<Record>) -> Vec<Record> {
    let closed: std::collections::HashSet<String> = records
        .iter()
        .filter(|r| r.kind != RecordKind::Intent)
        .map(|r| r.id.clone())
        .collect();
    records
        .into_iter()
        .filter(|r| r.kind == RecordKind::Intent && !closed.contains(&r.id))
        .collect()
}

fn seal(r: NewRecord, seq: u64, prev: String) -> Record {
    let secret = r.target.kind == "Secret";
    let clean = |v: Option<serde_json::Value>| {
        v.map(|mut v| {
            if secret {
                redact_secret_body(&mut v);
            } else {
                redact(&mut v);
            }
            v
        })
    };
    Record {
        seq,
        ts: Utc::now(),
        kind: r.kind,
        id: r.id,
        operator: r.operator,
        identity: r.identity,
        context: r.context,
        target: r.target,
        action: r.action,
        reason: r.reason,
        request: clean(r.request),
        rv_before: r.rv_before,
        rv_after: r.rv_after,
        result: r.result,
        error: r.error,
        detail: clean(r.detail),
        prev,
    }
}

/// Best effort: a reader that cannot lock still reads (a torn-looking last
/// line then is at worst an append in progress, reported as such).
fn lock_shared(f: &File) {
    let _ = f.lock_shared();
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)?;
    restrict(&File::open(dir)?, 0o700)
}

/// Drop group/other permission bits (a journal names clusters, objects and
/// people; umask or an older version may have left it readable).
fn restrict(f: &File, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perm = f.metadata()?.permissions();
        if perm.mode() & 0o077 != 0 {
            f.set_permissions(fs::Permissions::from_mode(perm.mode() & mode))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (f, mode);
    Ok(())
}

#[cfg(test)]
mod tests;
