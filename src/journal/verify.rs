//! `journal verify`: walk the chain and say where it breaks.
//!
//! A link joins a record to the next (`prev` = hash of the line before,
//! `seq` one more), the first record to zeros, and the last record to
//! `head.json`. Editing a record's content breaks one link (the next one: its
//! hash changed); editing its `prev` or `seq` breaks two (its own and the
//! next). So a lone broken link blames the record before it, two in a row
//! the record between them. A seq gap across a broken link means lines were
//! removed; a head file ahead of the journal means the last lines were.
//!
//! Lines that are not records: an unterminated last line, or lines the chain
//! runs intact across (a torn line closed by a later append), or lines past
//! the last record the head file covers, are torn writes — a crash
//! mid-append — kept and reported as `Torn`; otherwise they are committed
//! records that no longer parse (`Edited`).

use std::fmt::{self, Write};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use super::chain::{self, Hash, Head, ZERO};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verify {
    /// Lines that parse as records.
    pub records: u64,
    pub problems: Vec<Problem>,
}

impl Verify {
    /// No problems at all.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Any problem other than a torn (crash-interrupted) line: evidence of
    /// editing or removal, or a missing/unreadable head file.
    pub fn tampered(&self) -> bool {
        self.problems.iter().any(|p| p.kind != ProblemKind::Torn)
    }
}

impl fmt::Display for Verify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ok() {
            return write!(f, "{} records, chain intact", self.records);
        }
        write!(
            f,
            "{} records, {} problem(s):",
            self.records,
            self.problems.len()
        )?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in `journal.jsonl`; `None` for the head file or I/O.
    pub line: Option<u64>,
    /// The record's seq as stored, or the seq expected there.
    pub seq: Option<u64>,
    pub kind: ProblemKind,
    /// One line, naming the place.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// An incomplete line from a crash mid-write; kept, not evidence of tampering.
    Torn,
    /// A record changed (or a committed line no longer parses).
    Edited,
    /// Records removed (a seq gap, or fewer records than the head file says).
    Missing,
    /// The head file is missing, unreadable, or behind the journal.
    Head,
    /// The journal could not be read.
    Io,
}

struct Rec {
    line: u64,
    seq: u64,
    prev: Option<Hash>,
    hash: Hash,
}

struct Bad {
    line: u64,
    len: usize,
    error: String,
    /// Index in `recs` of the first record after it (`recs.len()` at the end).
    before: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Link {
    prev_ok: bool,
    seq_ok: bool,
}

impl Link {
    fn ok(self) -> bool {
        self.prev_ok && self.seq_ok
    }
}

pub fn verify(journal: &Path, head_path: &Path) -> Verify {
    let scan = match scan(journal) {
        Ok(s) => s,
        Err(e) => {
            return Verify {
                records: 0,
                problems: vec![Problem {
                    line: None,
                    seq: None,
                    kind: ProblemKind::Io,
                    message: format!("{}: {e}", journal.display()),
                }],
            }
        }
    };
    let head = chain::read_head(head_path);
    let n = scan.recs.len();
    let mut c = Checker {
        w: Walk {
            recs: &scan.recs,
            head: head.as_ref().ok().copied().flatten(),
        },
        scan: &scan,
        explained: vec![false; n + 1],
        blamed: vec![false; n],
        problems: Vec::new(),
    };
    c.non_records();
    c.links();
    c.head_end(head);
    let mut problems = c.problems;
    problems.sort_by_key(|p| p.line.unwrap_or(u64::MAX));
    Verify {
        records: n as u64,
        problems,
    }
}

struct Checker<'a> {
    scan: &'a Scan,
    w: Walk<'a>,
    /// Link `i` is broken for a reason already reported.
    explained: Vec<bool>,
    /// Record `i` is reported as edited (which breaks the link after it).
    blamed: Vec<bool>,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    /// Lines that are not records, in groups between the same two records:
    /// torn writes, or committed records that no longer parse.
    fn non_records(&mut self) {
        let (recs, bad) = (&self.scan.recs, &self.scan.bad);
        let n = recs.len();
        let last_seq = self.w.last_seq();
        let mut g = 0;
        while g < bad.len() {
            let at = bad[g].before;
            let end = bad[g..]
                .iter()
                .position(|b| b.before != at)
                .map_or(bad.len(), |k| g + k);
            let group = &bad[g..end];
            g = end;
            let is_open = |b: &Bad| b.line == self.scan.lines && self.scan.open_end;
            // The head file counts one more record than there are, and the
            // file ends mid-line: that line is the committed record, cut short.
            let cut_short = at == n
                && group.last().is_some_and(is_open)
                && self
                    .w
                    .head
                    .is_some_and(|h| Some(h.seq) == last_seq.checked_add(1));
            for (k, b) in group.iter().enumerate() {
                let open = is_open(b);
                let torn = if at < n {
                    // Torn if the chain runs intact across the group.
                    self.w.link(at).ok()
                } else {
                    // Past the last record: an unterminated last line is a
                    // torn write; complete lines are torn unless the head file
                    // says a committed record should be there.
                    open || cut_short || self.w.head.is_none_or(|h| h.seq <= last_seq)
                };
                if torn {
                    let what = if open { "last record" } else { "record" };
                    let mut message = format!(
                        "line {}: torn (incomplete) {what}, {} bytes, kept",
                        b.line, b.len
                    );
                    if open && cut_short {
                        // Only truncation after the fact does this: the head
                        // is written after the line is complete and fsynced.
                        self.explained[at] = true;
                        let _ = write!(
                            message,
                            " (the head file says record {} was complete: truncated since?)",
                            last_seq.saturating_add(1)
                        );
                    }
                    self.push(Some(b.line), None, ProblemKind::Torn, message);
                } else {
                    self.explained[at] = true;
                    let expected = if at == 0 {
                        1
                    } else {
                        recs[at - 1].seq.saturating_add(1)
                    };
                    let seq = (k == 0).then_some(expected);
                    let who = seq.map_or(String::new(), |s| format!(" — record {s} edited?"));
                    let message = format!("line {}: not a valid record ({}){who}", b.line, b.error);
                    self.push(Some(b.line), seq, ProblemKind::Edited, message);
                }
            }
        }
    }

    /// Every record's link to the one before, blaming the record that changed.
    fn links(&mut self) {
        let recs = &self.scan.recs;
        for i in 0..recs.len() {
            let link = self.w.link(i);
            if link.ok() || self.explained[i] || (i > 0 && self.blamed[i - 1]) {
                continue;
            }
            let r = &recs[i];
            let (before, expected) = match i {
                0 => ("the start (zero hash)".to_string(), 1),
                _ => (
                    format!("record {}", recs[i - 1].seq),
                    recs[i - 1].seq.saturating_add(1),
                ),
            };
            let here = format!("record {} (line {})", r.seq, r.line);
            let (kind, blame, message) = if link.prev_ok {
                let msg = format!("{here}: seq does not follow {before} — edited?");
                (ProblemKind::Edited, Some(i), msg)
            } else if r.seq > expected {
                let gap = r.seq - expected;
                let msg = format!(
                    "{here}: prev hash does not match {before} — {gap} record(s) missing before it (removed?)"
                );
                (ProblemKind::Missing, None, msg)
            } else if r.seq < expected {
                let msg = format!("{here}: out of sequence after {before} — edited or reordered?");
                (ProblemKind::Edited, Some(i), msg)
            } else if i == 0 || (!self.w.link(i + 1).ok() && !self.explained[i + 1]) {
                // Its own hash no longer matches what follows either: this one changed.
                let msg = format!("{here}: prev hash does not match {before} — edited or removed?");
                (ProblemKind::Edited, Some(i), msg)
            } else {
                // Only this link broke: the record before changed content.
                let b = &recs[i - 1];
                let msg = format!(
                    "record {} (line {}): contents changed — {here} stores a different hash for it",
                    b.seq, b.line
                );
                (ProblemKind::Edited, Some(i - 1), msg)
            };
            let named = blame.map_or(r, |b| &recs[b]);
            if let Some(b) = blame {
                self.blamed[b] = true;
            }
            self.push(Some(named.line), Some(named.seq), kind, message);
        }
    }

    /// The end of the chain against the head file.
    fn head_end(&mut self, head: Result<Option<Head>, String>) {
        let recs = &self.scan.recs;
        let n = recs.len();
        let explained = self.explained[n] || (n > 0 && self.blamed[n - 1]);
        match head {
            Err(e) => self.push(None, None, ProblemKind::Head, format!("head file unreadable: {e}")),
            Ok(None) if self.scan.lines > 0 => self.push(
                None,
                None,
                ProblemKind::Head,
                "no head file: removal of the last record cannot be detected (rebuilt on the next append)".into(),
            ),
            Ok(Some(h)) if !explained && !self.w.link(n).ok() => {
                let p = head_mismatch(recs, h, self.scan.lines);
                self.problems.push(p);
            }
            Ok(_) => {}
        }
    }

    fn push(&mut self, line: Option<u64>, seq: Option<u64>, kind: ProblemKind, message: String) {
        self.problems.push(Problem {
            line,
            seq,
            kind,
            message,
        });
    }
}

/// The last record does not match the head file (and nothing else explains it).
fn head_mismatch(recs: &[Rec], h: Head, lines: u64) -> Problem {
    let Some(last) = recs.last() else {
        return Problem {
            line: Some(lines + 1),
            seq: Some(1),
            kind: ProblemKind::Missing,
            message: format!(
                "the journal has no records but the head file says it ends at record {} — removed?",
                h.seq
            ),
        };
    };
    if h.seq > last.seq {
        let missing = last.seq.saturating_add(1);
        Problem {
            line: Some(last.line + 1),
            seq: Some(missing),
            kind: ProblemKind::Missing,
            message: format!(
                "record {missing} (line {}): missing — the head file says the journal ends at record {}, it ends at record {} (line {}) — last record(s) removed?",
                last.line + 1,
                h.seq,
                last.seq,
                last.line
            ),
        }
    } else if h.seq == last.seq {
        Problem {
            line: Some(last.line),
            seq: Some(last.seq),
            kind: ProblemKind::Edited,
            message: format!(
                "record {} (line {}): contents changed — the head file stores a different hash for it",
                last.seq, last.line
            ),
        }
    } else {
        let first = recs.iter().find(|r| r.seq > h.seq).unwrap_or(last);
        Problem {
            line: Some(first.line),
            seq: Some(first.seq),
            kind: ProblemKind::Head,
            message: format!(
                "record {} (line {}): beyond the head file, which says the journal ends at record {} — appended outside fleetdeck, or the head file replaced?",
                first.seq, first.line, h.seq
            ),
        }
    }
}

struct Walk<'a> {
    recs: &'a [Rec],
    head: Option<Head>,
}

impl Walk<'_> {
    fn last_seq(&self) -> u64 {
        self.recs.last().map_or(0, |r| r.seq)
    }

    /// Link `i`: into record `i` from the one before (or from zeros), or for
    /// `i == len` from the last record to the head file. An absent head file
    /// counts as intact here; it is reported on its own.
    fn link(&self, i: usize) -> Link {
        let ok = Link {
            prev_ok: true,
            seq_ok: true,
        };
        if i == self.recs.len() {
            let Some(h) = self.head else { return ok };
            let Some(last) = self.recs.last() else {
                return Link {
                    prev_ok: h.seq == 0,
                    seq_ok: h.seq == 0,
                };
            };
            let same = h.seq == last.seq && h.hash == last.hash;
            // A crash after the line was fsynced, before the head was
            // rewritten: the journal is one record ahead, chained to it.
            let one_ahead = h.seq.checked_add(1) == Some(last.seq) && last.prev == Some(h.hash);
            return Link {
                prev_ok: same || one_ahead,
                seq_ok: same || one_ahead,
            };
        }
        let r = &self.recs[i];
        let (prev, seq) = match i {
            0 => (ZERO, 1),
            _ => (
                self.recs[i - 1].hash,
                self.recs[i - 1].seq.saturating_add(1),
            ),
        };
        Link {
            prev_ok: r.prev == Some(prev),
            seq_ok: r.seq == seq,
        }
    }
}

/// What `verify` keeps of the journal: small per line, for 100,000s of lines.
struct Scan {
    recs: Vec<Rec>,
    bad: Vec<Bad>,
    /// Line count.
    lines: u64,
    /// The last line lacks its `\n`.
    open_end: bool,
}

/// Read the journal line by line (it may be large: keep only what the walk needs).
fn scan(path: &Path) -> io::Result<Scan> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Scan {
                recs: Vec::new(),
                bad: Vec::new(),
                lines: 0,
                open_end: false,
            })
        }
        Err(e) => return Err(e),
    };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let (mut recs, mut bad) = (Vec::new(), Vec::new());
    let mut buf = Vec::new();
    let mut line = 0u64;
    let mut open_end = false;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line += 1;
        open_end = buf.last() != Some(&b'\n');
        let text = buf.strip_suffix(b"\n").unwrap_or(&buf);
        match serde_json::from_slice::<super::Record>(text) {
            Ok(r) => recs.push(Rec {
                line,
                seq: r.seq,
                prev: chain::from_hex(&r.prev),
                hash: chain::sha256(text),
            }),
            Err(e) => bad.push(Bad {
                line,
                len: text.len(),
                error: e.to_string(),
                before: recs.len(),
            }),
        }
    }
    Ok(Scan {
        recs,
        bad,
        lines: line,
        open_end,
    })
}
