//! The hash chain and the files that carry it: line hashing, the head file,
//! and finding the last valid record at the end of the journal.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::record::Record;

pub type Hash = [u8; 32];

pub const ZERO: Hash = [0; 32];

pub fn sha256(line: &[u8]) -> Hash {
    Sha256::digest(line).into()
}

pub fn to_hex(h: &Hash) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in h {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

/// Strict: 64 lowercase hex digits, exactly as `to_hex` writes them, so any
/// other spelling of the same hash counts as a mismatch.
pub fn from_hex(s: &str) -> Option<Hash> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut h = ZERO;
    for (i, pair) in b.chunks(2).enumerate() {
        h[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(h)
}

/// A line parsed as a record, with the hash the next record must chain to.
pub fn parse_line(line: &[u8]) -> Option<(Record, Hash)> {
    let rec: Record = serde_json::from_slice(line).ok()?;
    Some((rec, sha256(line)))
}

/// `head.json`: the last committed record's seq and line hash. Rewritten
/// (atomically, fsynced) after every append, so a journal that lost its last
/// lines no longer matches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: Hash,
}

#[derive(Serialize, Deserialize)]
struct HeadFile {
    seq: u64,
    hash: String,
}

/// `Ok(None)`: no head file. `Err`: present but unreadable or malformed.
pub fn read_head(path: &Path) -> Result<Option<Head>, String> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let f: HeadFile = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let hash = from_hex(&f.hash).ok_or("hash is not 64 lowercase hex digits")?;
    Ok(Some(Head { seq: f.seq, hash }))
}

/// Write `head.json` via a fsynced temporary file and a rename, then fsync
/// the directory so the rename itself survives a crash. Callers hold the lock.
pub fn write_head(dir: &Path, path: &Path, head: Head) -> io::Result<()> {
    let tmp = dir.join("head.json.tmp");
    let body = serde_json::to_vec(&HeadFile {
        seq: head.seq,
        hash: to_hex(&head.hash),
    })?;
    let mut f = create_private(&tmp, true)?;
    f.write_all(&body)?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path)?;
    sync_dir(dir)
}

pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Open (creating 0600) for writing; `truncate` for the head's temp file,
/// else append-only for the journal.
pub fn create_private(path: &Path, truncate: bool) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).create(true);
    if truncate {
        o.write(true).truncate(true);
    } else {
        o.append(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// The end of the journal as `append` needs it.
#[derive(Debug, Default)]
pub struct Tail {
    pub len: u64,
    /// The file is non-empty and does not end in `\n`: a torn write to close.
    pub open_line: bool,
    /// The last line that parses as a record: (seq, prev, hash of its line).
    pub last: Option<(u64, String, Hash)>,
}

/// Scan back from the end for the last valid record, reading a growing
/// window so an append costs a small read, not a pass over the file. Lines
/// that are not records (torn writes) are skipped.
pub fn tail(file: &mut File) -> io::Result<Tail> {
    let len = file.seek(SeekFrom::End(0))?;
    let mut t = Tail {
        len,
        ..Tail::default()
    };
    if len == 0 {
        return Ok(t);
    }
    let mut window: u64 = 16 * 1024;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity((len - start) as usize);
        Read::take(&mut *file, len - start).read_to_end(&mut buf)?;
        if start + (buf.len() as u64) < len {
            // Shrunk under us (only possible without the lock): use what exists.
            t.len = start + buf.len() as u64;
        }
        t.open_line = buf.last().is_some_and(|b| *b != b'\n');
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let mut lines: Vec<&[u8]> = body.split(|b| *b == b'\n').collect();
        if start > 0 {
            // The first piece may start mid-line; it is read whole next round.
            lines.remove(0);
        }
        for line in lines.iter().rev() {
            if let Some((rec, hash)) = parse_line(line) {
                t.last = Some((rec.seq, rec.prev, hash));
                return Ok(t);
            }
        }
        if start == 0 {
            return Ok(t);
        }
        window = window.saturating_mul(4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_strictness() {
        let h = sha256(b"abc");
        let s = to_hex(&h);
        assert_eq!(
            s,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(from_hex(&s), Some(h));
        assert_eq!(from_hex(&s.to_uppercase()), None);
        assert_eq!(from_hex(&s[1..]), None);
        assert_eq!(from_hex("zz"), None);
        assert_eq!(to_hex(&ZERO), "0".repeat(64));
    }

    #[test]
    fn head_file_malformed_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("head.json");
        assert_eq!(read_head(&p), Ok(None));
        fs::write(&p, b"{\"seq\":1").unwrap();
        assert!(read_head(&p).is_err());
        fs::write(&p, b"{\"seq\":1,\"hash\":\"xyz\"}").unwrap();
        assert!(read_head(&p).is_err());
        let head = Head {
            seq: 7,
            hash: sha256(b"x"),
        };
        write_head(dir.path(), &p, head).unwrap();
        assert_eq!(read_head(&p), Ok(Some(head)));
    }
}
