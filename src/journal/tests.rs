//! Edge cases of the chain point and of `verify` (the main flows are in
//! tests/journal.rs).

use std::fs;

use serde_json::json;

use super::chain::{sha256, to_hex};
use super::*;

fn rec(id: &str) -> NewRecord {
    NewRecord {
        id: id.into(),
        operator: "bob".into(),
        context: "lab-b".into(),
        target: Target {
            namespace: "ns".into(),
            kind: "Rollout".into(),
            name: "api".into(),
        },
        action: "restart".into(),
        reason: "stuck".into(),
        ..NewRecord::default()
    }
}

fn setup(n: usize) -> (tempfile::TempDir, Journal) {
    let tmp = tempfile::tempdir().unwrap();
    let j = Journal::open(tmp.path()).unwrap();
    for i in 0..n {
        j.append(rec(&format!("a{i}"))).unwrap();
    }
    (tmp, j)
}

fn raw_lines(j: &Journal) -> Vec<Vec<u8>> {
    let bytes = fs::read(j.path()).unwrap();
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn kinds(v: &Verify) -> Vec<(ProblemKind, Option<u64>)> {
    v.problems.iter().map(|p| (p.kind, p.line)).collect()
}

#[test]
fn missing_head_is_reported_then_rebuilt() {
    let (tmp, j) = setup(2);
    assert!(Journal::open(&tmp.path().join("empty"))
        .unwrap()
        .verify()
        .ok());
    fs::remove_file(tmp.path().join(HEAD_FILE)).unwrap();
    let v = j.verify();
    assert_eq!(kinds(&v), [(ProblemKind::Head, None)], "{v}");
    assert!(v.problems[0].message.starts_with("no head file"));
    let r = j.append(rec("a2")).unwrap();
    assert_eq!(
        (r.seq, r.prev.as_str()),
        (3, to_hex(&sha256(&raw_lines(&j)[1])).as_str())
    );
    assert!(j.verify().ok(), "{}", j.verify());
}

#[test]
fn unreadable_head_is_reported_then_rebuilt() {
    let (tmp, j) = setup(2);
    fs::write(tmp.path().join(HEAD_FILE), b"{\"seq\": \"two\"}").unwrap();
    let v = j.verify();
    assert_eq!(kinds(&v), [(ProblemKind::Head, None)], "{v}");
    assert!(v.problems[0].message.starts_with("head file unreadable"));
    assert_eq!(j.append(rec("a2")).unwrap().seq, 3);
    assert!(j.verify().ok());
}

#[test]
fn crash_between_line_and_head_update_is_not_a_problem() {
    let (tmp, j) = setup(1);
    let head_after_1 = fs::read(tmp.path().join(HEAD_FILE)).unwrap();
    j.append(rec("a1")).unwrap();
    // The line was fsynced, the head rewrite never happened.
    fs::write(tmp.path().join(HEAD_FILE), head_after_1).unwrap();
    assert!(j.verify().ok(), "{}", j.verify());
    let r = j.append(rec("a2")).unwrap();
    assert_eq!(
        (r.seq, r.prev.as_str()),
        (3, to_hex(&sha256(&raw_lines(&j)[1])).as_str())
    );
    assert!(j.verify().ok(), "{}", j.verify());
}

#[test]
fn torn_by_a_real_crash_has_no_truncation_note() {
    let (tmp, j) = setup(2);
    let head_after_2 = fs::read(tmp.path().join(HEAD_FILE)).unwrap();
    j.append(rec("a2")).unwrap();
    let bytes = fs::read(j.path()).unwrap();
    fs::write(j.path(), &bytes[..bytes.len() - 40]).unwrap();
    fs::write(tmp.path().join(HEAD_FILE), &head_after_2).unwrap();
    let v = j.verify();
    assert_eq!(kinds(&v), [(ProblemKind::Torn, Some(3))], "{v}");
    assert!(v.problems[0].message.ends_with("bytes, kept"), "{v}");

    // The same cut after the head was written: truncated since, said so.
    j.append(rec("a3")).unwrap();
    let bytes = fs::read(j.path()).unwrap();
    fs::write(j.path(), &bytes[..bytes.len() - 40]).unwrap();
    let v = j.verify();
    assert_eq!(
        kinds(&v),
        [(ProblemKind::Torn, Some(3)), (ProblemKind::Torn, Some(4))],
        "{v}"
    );
    assert!(
        v.problems[1]
            .message
            .contains("the head file says record 3 was complete"),
        "{v}"
    );
}

#[test]
fn complete_last_record_without_newline_is_a_record() {
    let (_tmp, j) = setup(2);
    let bytes = fs::read(j.path()).unwrap();
    fs::write(j.path(), &bytes[..bytes.len() - 1]).unwrap();
    assert!(j.verify().ok(), "{}", j.verify());
    assert_eq!(j.read().unwrap().len(), 2);
    let r = j.append(rec("a2")).unwrap();
    assert_eq!(r.seq, 3);
    assert_eq!(raw_lines(&j).len(), 3);
    assert!(j.verify().ok(), "{}", j.verify());
}

#[test]
fn crash_during_the_very_first_append() {
    let (tmp, j) = setup(0);
    fs::write(j.path(), b"{\"seq\":1,\"ts\":\"2026-").unwrap();
    let v = j.verify();
    assert_eq!(
        kinds(&v),
        [(ProblemKind::Torn, Some(1)), (ProblemKind::Head, None)],
        "{v}"
    );
    let r = j.append(rec("a0")).unwrap();
    assert_eq!((r.seq, r.prev), (1, "0".repeat(64)));
    let v = j.verify();
    assert_eq!(kinds(&v), [(ProblemKind::Torn, Some(1))], "{v}");
    assert!(tmp.path().join(HEAD_FILE).exists());
}

#[test]
fn edited_seq_is_blamed_on_its_record() {
    let (_tmp, j) = setup(3);
    let text = fs::read_to_string(j.path()).unwrap();
    fs::write(j.path(), text.replacen("{\"seq\":2,", "{\"seq\":7,", 1)).unwrap();
    let v = j.verify();
    assert_eq!(v.problems.len(), 1, "{v}");
    assert_eq!((v.problems[0].line, v.problems[0].seq), (Some(2), Some(7)));
    assert!(
        v.problems[0]
            .message
            .starts_with("record 7 (line 2): seq does not follow record 1"),
        "{v}"
    );
}

#[test]
fn an_edited_unparseable_record_stays_evident_after_appends() {
    let (_tmp, j) = setup(3);
    let text = fs::read_to_string(j.path()).unwrap();
    fs::write(
        j.path(),
        text.replacen("\"kind\":\"intent\"", "\"kind\":\"INTENT\"", 2),
    )
    .unwrap();
    // Records 1 and 2 no longer parse; 3 chains to neither.
    let v = j.verify();
    assert_eq!(
        kinds(&v),
        [
            (ProblemKind::Edited, Some(1)),
            (ProblemKind::Edited, Some(2))
        ],
        "{v}"
    );
    assert!(v.problems[0].message.contains("record 1 edited?"), "{v}");
    j.append(rec("a3")).unwrap();
    let v = j.verify();
    assert_eq!(
        kinds(&v),
        [
            (ProblemKind::Edited, Some(1)),
            (ProblemKind::Edited, Some(2))
        ],
        "{v}"
    );
}

#[test]
fn garbage_is_reported_never_a_panic() {
    let (_tmp, j) = setup(2);
    let mut bytes = fs::read(j.path()).unwrap();
    bytes.extend_from_slice(b"\n\xff\xfe\x00garbage\n[1,2]\n{\"seq\":18446744073709551615}\n\n");
    fs::write(j.path(), &bytes).unwrap();
    let v = j.verify();
    assert_eq!(v.records, 2);
    assert!(!v.problems.is_empty());
    assert_eq!(j.read().unwrap().len(), 2);
    assert!(j.unfinished().is_ok());
    // Appending after it still works, and verify still names the junk.
    j.append(rec("a2")).unwrap();
    let v = j.verify();
    assert!(
        v.problems
            .iter()
            .all(|p| p.line.is_some_and(|l| (3..=7).contains(&l))),
        "{v}"
    );

    fs::write(j.path(), b"\n").unwrap();
    let v = j.verify();
    assert!(!v.ok(), "an emptied journal with a head file: {v}");
}

#[test]
fn append_all_is_one_chain_under_one_lock() {
    let (_tmp, j) = setup(1);
    let out = j.append_all((0..5).map(|i| rec(&format!("b{i}")))).unwrap();
    assert_eq!(
        out.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [2, 3, 4, 5, 6]
    );
    assert!(j.append_all([]).unwrap().is_empty());
    let v = j.verify();
    assert!(v.ok() && v.records == 6, "{v}");
}

#[test]
fn big_records_and_big_torn_tails_cross_the_tail_window() {
    let (_tmp, j) = setup(1);
    let mut big = rec("big");
    big.detail = Some(json!({"log": "x".repeat(200_000)}));
    j.append(big).unwrap();
    let r = j.append(rec("after")).unwrap();
    assert_eq!(r.prev, to_hex(&sha256(&raw_lines(&j)[1])));
    // A torn write larger than the first window.
    let mut bytes = fs::read(j.path()).unwrap();
    bytes.extend_from_slice(&b"{\"seq\":4,\"detail\":\"".repeat(5_000));
    fs::write(j.path(), &bytes).unwrap();
    let r = j.append(rec("after-torn")).unwrap();
    assert_eq!(
        (r.seq, r.prev.clone()),
        (4, to_hex(&sha256(&raw_lines(&j)[2])))
    );
    let v = j.verify();
    assert_eq!(kinds(&v), [(ProblemKind::Torn, Some(4))], "{v}");
}

#[test]
fn local_operator_is_never_empty() {
    assert!(!local_operator().is_empty());
    let r = NewRecord::new(RecordKind::Intent, "x", "ctx", Target::default(), "scale");
    assert_eq!(r.operator, local_operator());
}

#[test]
fn extreme_seqs_are_errors_not_overflows() {
    let (tmp, j) = setup(1);
    let mut line: serde_json::Value = serde_json::from_slice(&raw_lines(&j)[0]).unwrap();
    line["seq"] = json!(u64::MAX);
    fs::write(j.path(), format!("{line}\n")).unwrap();
    let hash = to_hex(&sha256(line.to_string().as_bytes()));
    let head = json!({"seq": u64::MAX, "hash": hash}).to_string();
    fs::write(tmp.path().join(HEAD_FILE), head).unwrap();
    let v = j.verify();
    assert_eq!(kinds(&v), [(ProblemKind::Edited, Some(1))], "{v}");
    assert!(j.append(rec("x")).is_err());
    // Cut short under such a head: still no overflow.
    fs::write(j.path(), &line.to_string().as_bytes()[..30]).unwrap();
    assert!(!j.verify().ok());
}
