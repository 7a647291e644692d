//! The local action journal against real files: chain and head, tampering
//! (every byte of every record, every line), torn writes, concurrent writers
//! (threads and processes), redaction, unfinished intents.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use sha2::{Digest, Sha256};

use fleetdeck::journal::{Journal, NewRecord, ProblemKind, Record, RecordKind, Target, Verify};

fn target() -> Target {
    Target {
        namespace: "shop".into(),
        kind: "Deployment".into(),
        name: "web".into(),
    }
}

fn new(kind: RecordKind, id: &str) -> NewRecord {
    NewRecord {
        kind,
        id: id.into(),
        operator: "alice".into(),
        identity: Some("system:admin".into()),
        context: "lab-a".into(),
        target: target(),
        action: "scale".into(),
        reason: "traffic spike".into(),
        request: Some(
            json!({"patch_type": "merge", "subresource": "scale", "body": {"spec": {"replicas": 5}}}),
        ),
        rv_before: Some("1234".into()),
        ..NewRecord::default()
    }
}

fn hex(line: &[u8]) -> String {
    Sha256::digest(line)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn lines(path: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(path).unwrap();
    let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
    body.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A journal with `n` records (intent/outcome pairs), and its directory.
fn journal(n: usize) -> (tempfile::TempDir, Journal) {
    let tmp = tempfile::tempdir().unwrap();
    let j = Journal::open(&tmp.path().join("journal")).unwrap();
    for i in 0..n {
        let kind = if i % 2 == 0 {
            RecordKind::Intent
        } else {
            RecordKind::Outcome
        };
        let mut r = new(kind, &format!("act-{}", i / 2));
        if kind == RecordKind::Outcome {
            r.result = Some("ok".into());
            r.rv_after = Some(format!("{}", 1300 + i));
        }
        j.append(r).unwrap();
    }
    (tmp, j)
}

/// Verify a copy of the journal whose `journal.jsonl` is `bytes` (same head).
fn verify_variant(original: &Journal, scratch: &Path, bytes: &[u8]) -> Verify {
    fs::create_dir_all(scratch).unwrap();
    fs::copy(original.dir().join("head.json"), scratch.join("head.json")).unwrap();
    fs::write(scratch.join("journal.jsonl"), bytes).unwrap();
    Journal::open(scratch).unwrap().verify()
}

#[test]
fn three_appends_chain_to_each_other_and_the_head() {
    let (_tmp, j) = journal(3);
    let v = j.verify();
    assert!(v.ok(), "{v}");
    assert_eq!(v.records, 3);

    let raw = lines(j.path());
    let recs = j.read().unwrap();
    assert_eq!(recs.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(recs[0].prev, "0".repeat(64));
    assert_eq!(recs[1].prev, hex(&raw[0]));
    assert_eq!(recs[2].prev, hex(&raw[1]));
    let head: serde_json::Value =
        serde_json::from_slice(&fs::read(j.dir().join("head.json")).unwrap()).unwrap();
    assert_eq!(head, json!({"seq": 3, "hash": hex(&raw[2])}));

    // Stable field names: the on-disk format.
    let first: serde_json::Value = serde_json::from_slice(&raw[0]).unwrap();
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "seq",
        "ts",
        "kind",
        "id",
        "operator",
        "identity",
        "context",
        "target",
        "action",
        "reason",
        "request",
        "rv_before",
        "rv_after",
        "result",
        "error",
        "detail",
        "prev",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    assert_eq!(first["kind"], "intent");
    assert_eq!(
        first["target"],
        json!({"namespace": "shop", "kind": "Deployment", "name": "web"})
    );

    assert_eq!(mode(j.path()), 0o600);
    assert_eq!(mode(&j.dir().join("head.json")), 0o600);
    assert_eq!(mode(j.dir()), 0o700);
}

#[test]
fn open_tightens_modes_of_an_existing_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("j");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(dir.join("journal.jsonl"), b"").unwrap();
    fs::set_permissions(dir.join("journal.jsonl"), fs::Permissions::from_mode(0o644)).unwrap();
    let j = Journal::open(&dir).unwrap();
    assert_eq!(mode(j.dir()), 0o700);
    assert_eq!(mode(j.path()), 0o600);
    assert!(
        j.verify().ok(),
        "an empty journal without a head file is fine"
    );
}

#[test]
fn flipping_any_byte_of_any_record_names_that_record() {
    let (tmp, j) = journal(4);
    let original = fs::read(j.path()).unwrap();
    let raw = lines(j.path());
    let scratch = tmp.path().join("scratch");
    let mut start = 0;
    let mut checked = 0;
    for (i, line) in raw.iter().enumerate() {
        let line_no = i as u64 + 1;
        for k in 0..line.len() {
            let mut bytes = original.clone();
            bytes[start + k] ^= 0x01;
            let v = verify_variant(&j, &scratch, &bytes);
            let first = v
                .problems
                .first()
                .unwrap_or_else(|| panic!("line {line_no} byte {k}: not detected"));
            assert_eq!(first.line, Some(line_no), "line {line_no} byte {k}: {v}");
            assert_eq!(
                first.kind,
                ProblemKind::Edited,
                "line {line_no} byte {k}: {v}"
            );
            assert!(v.tampered());
            checked += 1;
        }
        start += line.len() + 1;
    }
    assert!(checked > 1000, "{checked}");
    // The message names the record, e.g. for a change inside record 2's reason:
    let mut bytes = original.clone();
    let at = raw[0].len() + 1 + find(&raw[1], b"traffic");
    bytes[at] = b'T';
    let v = verify_variant(&j, &scratch, &bytes);
    assert_eq!(v.problems.len(), 1, "{v}");
    assert!(
        v.problems[0]
            .message
            .starts_with("record 2 (line 2): contents changed"),
        "{v}"
    );
    assert_eq!(v.problems[0].seq, Some(2));
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

#[test]
fn deleting_any_line_including_the_last_is_detected() {
    let (tmp, j) = journal(4);
    let raw = lines(j.path());
    let scratch = tmp.path().join("scratch");
    for del in 0..raw.len() {
        let mut bytes = Vec::new();
        for (_, l) in raw.iter().enumerate().filter(|(i, _)| *i != del) {
            bytes.extend_from_slice(l);
            bytes.push(b'\n');
        }
        let v = verify_variant(&j, &scratch, &bytes);
        assert_eq!(v.problems.len(), 1, "deleted line {}: {v}", del + 1);
        let p = &v.problems[0];
        assert_eq!(p.kind, ProblemKind::Missing, "{v}");
        if del + 1 < raw.len() {
            // Named: the record after the gap, now on the deleted line's number.
            let seq = del as u64 + 2;
            assert_eq!((p.line, p.seq), (Some(del as u64 + 1), Some(seq)), "{v}");
            assert!(
                p.message.starts_with(&format!(
                    "record {seq} (line {}): prev hash does not match",
                    del + 1
                )),
                "{v}"
            );
            assert!(p.message.contains("1 record(s) missing before it"), "{v}");
        } else {
            assert_eq!((p.line, p.seq), (Some(4), Some(4)), "{v}");
            assert!(p.message.contains("last record(s) removed?"), "{v}");
        }
    }
    // Everything deleted: the head file still knows.
    let v = verify_variant(&j, &scratch, b"");
    assert_eq!(v.problems.len(), 1, "{v}");
    assert_eq!(v.problems[0].kind, ProblemKind::Missing);
}

#[test]
fn deleting_the_last_line_stays_detected_after_the_next_append() {
    let (_tmp, j) = journal(3);
    let raw = lines(j.path());
    fs::write(j.path(), [&raw[0][..], b"\n", &raw[1][..], b"\n"].concat()).unwrap();
    let r = j.append(new(RecordKind::Intent, "later")).unwrap();
    // Chained to the head (the removed record), not re-sealed over the gap.
    assert_eq!(r.seq, 4);
    assert_eq!(r.prev, hex(&raw[2]));
    let v = j.verify();
    assert!(v.tampered(), "{v}");
    assert_eq!(v.problems[0].seq, Some(4), "{v}");
    assert_eq!(v.problems[0].kind, ProblemKind::Missing, "{v}");
}

#[test]
fn torn_last_line_is_reported_kept_and_appended_after() {
    let (_tmp, j) = journal(3);
    let original = fs::read(j.path()).unwrap();
    let raw = lines(j.path());
    // Cut the last line mid-way (and its newline): a crash mid-write.
    let keep = original.len() - 1 - raw[2].len() / 2;
    fs::write(j.path(), &original[..keep]).unwrap();
    let torn_len = keep - (raw[0].len() + raw[1].len() + 2);

    let v = j.verify();
    assert_eq!(v.records, 2);
    assert_eq!(v.problems.len(), 1, "{v}");
    let p = &v.problems[0];
    assert_eq!((p.kind, p.line), (ProblemKind::Torn, Some(3)));
    assert!(
        p.message.starts_with(&format!(
            "line 3: torn (incomplete) last record, {torn_len} bytes, kept"
        )),
        "{v}"
    );
    assert!(!v.tampered());
    assert_eq!(j.read().unwrap().len(), 2);

    let r = j.append(new(RecordKind::Outcome, "act-1")).unwrap();
    let after = fs::read(j.path()).unwrap();
    assert_eq!(&after[..keep], &original[..keep], "torn bytes kept");
    assert_eq!(after[keep], b'\n', "torn fragment closed");
    assert_eq!(
        (r.seq, r.prev.clone()),
        (3, hex(&raw[1])),
        "chained to the last valid record"
    );
    assert_eq!(lines(j.path())[3], serde_json::to_vec(&r).unwrap());

    let v = j.verify();
    assert_eq!(v.records, 3);
    assert_eq!(v.problems.len(), 1, "only the torn line: {v}");
    let p = &v.problems[0];
    assert_eq!((p.kind, p.line), (ProblemKind::Torn, Some(3)));
    assert_eq!(
        p.message,
        format!("line 3: torn (incomplete) record, {torn_len} bytes, kept")
    );
    assert_eq!(
        j.read().unwrap().iter().map(|r| r.seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );

    // And the chain goes on normally from there.
    j.append(new(RecordKind::Intent, "act-9")).unwrap();
    let v = j.verify();
    assert_eq!((v.records, v.problems.len()), (4, 1), "{v}");
}

const WRITER_DIR: &str = "FLEETDECK_JOURNAL_TEST_WRITER_DIR";
const WRITER_TAG: &str = "FLEETDECK_JOURNAL_TEST_WRITER_TAG";
const WRITER_START: &str = "FLEETDECK_JOURNAL_TEST_WRITER_START_MS";
const PER_WRITER: usize = 25;

/// Not a test on its own: the child-process writer of
/// `threads_and_processes_appending_at_once`, which re-runs this test binary
/// with `--exact child_writer` and the environment above. Without it, a no-op.
#[test]
fn child_writer() {
    let Ok(dir) = std::env::var(WRITER_DIR) else {
        return;
    };
    let tag = std::env::var(WRITER_TAG).unwrap();
    let start: u64 = std::env::var(WRITER_START).unwrap().parse().unwrap();
    write_records(Path::new(&dir), &tag, start);
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Wait for a common start so every writer is really contending.
fn write_records(dir: &Path, tag: &str, start_ms: u64) {
    let j = Journal::open(dir).unwrap();
    std::thread::sleep(Duration::from_millis(start_ms.saturating_sub(now_ms())));
    for i in 0..PER_WRITER {
        j.append(new(RecordKind::Intent, &format!("{tag}-{i}")))
            .unwrap();
    }
}

#[test]
fn threads_and_processes_appending_at_once() {
    const THREADS: usize = 4;
    const PROCESSES: usize = 3;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("journal");
    let j = Journal::open(&dir).unwrap();
    let start = now_ms() + 1500;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|p| {
            Command::new(&exe)
                .args(["--exact", "child_writer", "--test-threads=1"])
                .env(WRITER_DIR, &dir)
                .env(WRITER_TAG, format!("proc{p}"))
                .env(WRITER_START, start.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let dir = dir.clone();
            std::thread::spawn(move || write_records(&dir, &format!("thread{t}"), start))
        })
        .collect();
    // Readers meanwhile: verify (under its shared lock) never sees a half
    // append — a line without its head, or a head ahead of the lines.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (j, done) = (j.clone(), done.clone());
        std::thread::spawn(move || {
            let mut checks = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let v = j.verify();
                assert!(v.ok(), "mid-append: {v}");
                checks += 1;
            }
            checks
        })
    };
    for t in threads {
        t.join().unwrap();
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child writer failed:\n{text}");
        assert!(
            text.contains("1 passed"),
            "the child did not run the writer:\n{text}"
        );
    }

    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);

    let total = (THREADS + PROCESSES) * PER_WRITER;
    let v = j.verify();
    assert!(v.ok(), "{v}");
    assert_eq!(v.records, total as u64);
    let recs = j.read().unwrap();
    assert_eq!(
        recs.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=total as u64).collect::<Vec<_>>()
    );
    let ids: HashSet<&str> = recs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), total);
    for p in 0..PROCESSES {
        assert!(ids.contains(format!("proc{p}-{}", PER_WRITER - 1).as_str()));
    }
    // Interleaved, not one writer after the other: the lock was contended.
    let switches = recs
        .windows(2)
        .filter(|w| w[0].id.split('-').next() != w[1].id.split('-').next())
        .count();
    assert!(switches > THREADS + PROCESSES, "{switches} writer switches");
}

#[test]
fn secrets_never_reach_the_file() {
    let (_tmp, j) = journal(0);
    let mut r = new(RecordKind::Intent, "s1");
    r.target.kind = "Secret".into();
    r.request = Some(
        json!({"patch_type": "merge", "subresource": null, "body": {"data": {"pw": "c2VjcmV0LXB3"}, "stringData": {"k": "plain-secret"}}}),
    );
    j.append(r).unwrap();
    let mut r = new(RecordKind::Outcome, "s1");
    r.detail = Some(json!({
        "object": {"kind": "Secret", "metadata": {"name": "db"}, "data": {"pw": "c2VjcmV0LXB3"}},
        "kubeconfig": {"users": [{"user": {"token": "eyJhbGciOi-lab-token", "client-key-data": "LS0tLS1CRUdJTi1rZXk="}}]},
        "headers": {"Authorization": "Bearer eyJhbGciOi-lab-token"}
    }));
    let stored = j.append(r).unwrap();
    let text = String::from_utf8(fs::read(j.path()).unwrap()).unwrap();
    for secret in [
        "c2VjcmV0LXB3",
        "plain-secret",
        "eyJhbGciOi",
        "LS0tLS1CRUdJTi",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains("<redacted>"));
    // Key names and the rest stay, for the postmortem.
    let back = j.read().unwrap();
    assert_eq!(
        back[0].request.as_ref().unwrap()["body"]["data"],
        json!({"pw": "<redacted>"})
    );
    assert_eq!(
        back[1].detail.as_ref().unwrap()["object"]["metadata"]["name"],
        "db"
    );
    assert_eq!(back[1], stored, "append returns the record as stored");
    assert!(j.verify().ok());
}

#[test]
fn unfinished_intents_are_those_nothing_closed() {
    let (tmp, j) = journal(0);
    let closers = [
        (None, "a"),
        (Some(RecordKind::Outcome), "b"),
        (Some(RecordKind::Denied), "c"),
        (Some(RecordKind::Reconcile), "d"),
    ];
    for (_, id) in closers {
        j.append(new(RecordKind::Intent, id)).unwrap();
    }
    for (kind, id) in closers {
        if let Some(kind) = kind {
            j.append(new(kind, id)).unwrap();
        }
    }
    let open: Vec<Record> = j.unfinished().unwrap();
    assert_eq!(
        open.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["a"]
    );

    // As a fresh start (another process) sees it; then reconciled.
    let again = Journal::open(&tmp.path().join("journal")).unwrap();
    assert_eq!(again.unfinished().unwrap().len(), 1);
    let mut rec = NewRecord::follow_up(&open[0], RecordKind::Reconcile);
    rec.result = Some("not_applied".into());
    again.append(rec).unwrap();
    assert!(again.unfinished().unwrap().is_empty());
    assert!(again.verify().ok());
}

/// `fleetdeck journal show | head -1`: the reader leaves after one line of
/// far more than a pipe holds; fleetdeck ends quietly with status 0 (no
/// panic, no "broken pipe", not killed by SIGPIPE), and the pipeline too.
#[test]
fn journal_show_into_head_ends_quietly() {
    let home = tempfile::tempdir().unwrap();
    let j = Journal::open(&home.path().join("journal")).unwrap();
    j.append_all((0..1500).map(|i| new(RecordKind::Intent, &format!("act-{i}"))))
        .unwrap();
    for (cmd, most) in [
        ("journal show | head -1", 200),
        ("journal show --json | head -c 10", 10),
    ] {
        let out = Command::new("bash")
            .args([
                "-o",
                "pipefail",
                "-c",
                &format!("{} {cmd}", env!("CARGO_BIN_EXE_fleetdeck")),
            ])
            .env("FLEETDECK_CONFIG_DIR", home.path())
            .env("FLEETDECK_DATA_DIR", home.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(0), "{cmd}: {stdout}\n{stderr}");
        assert_eq!(stderr, "", "{cmd}");
        assert!(
            !stdout.is_empty() && stdout.len() <= most,
            "{cmd}: {stdout}"
        );
    }
}

/// Output that cannot be written for another reason than a closed pipe (a
/// full disk) is not lost silently: one line on stderr, status 1.
#[test]
fn journal_show_into_a_full_disk_says_so() {
    let home = tempfile::tempdir().unwrap();
    let j = Journal::open(&home.path().join("journal")).unwrap();
    j.append(new(RecordKind::Intent, "act-1")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .args(["journal", "show"])
        .env("FLEETDECK_CONFIG_DIR", home.path())
        .env("FLEETDECK_DATA_DIR", home.path())
        .stdin(Stdio::null())
        .stdout(fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "fleetdeck: writing standard output: No space left on device (os error 28)"
    );
}
