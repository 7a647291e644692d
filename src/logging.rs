//! fleetdeck's own log: `fleetdeck.log` in the logs dir (`fleetdeck paths`),
//! so an on-call engineer can find out afterwards why it did something.
//!
//! The dir is 0700 and the files 0600 (a log names clusters and objects);
//! the file rolls over at [`MAX_BYTES`] keeping [`KEEP`] older ones, so the
//! log never grows without bound. Several processes (a console and a CLI)
//! append to the same file; each line carries the writer's pid. Panics of
//! background tasks are logged and queued for the console's footer
//! ([`take_faults`]) instead of tearing the screen down.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

pub const FILE: &str = "fleetdeck.log";
/// One file's size before it rolls over.
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Rolled-over files kept (`fleetdeck.log.1` … `.KEEP`).
pub const KEEP: usize = 2;

/// The filter for a level word (`info`, `debug`…): that level for
/// fleetdeck, warnings from the libraries under it (hyper at debug logs
/// every byte). Anything else is taken as `EnvFilter` directives as is.
pub fn filter(spec: &str) -> Result<EnvFilter, String> {
    let spec = spec.trim();
    let directives = match spec.to_ascii_lowercase().as_str() {
        // kube's watcher warns of each failed attempt; fleetdeck logs those itself.
        w @ ("error" | "warn" | "info" | "debug") => {
            format!("warn,kube_runtime=error,fleetdeck={w}")
        }
        "trace" => "warn,kube=debug,fleetdeck=trace".to_string(),
        "off" => "off".to_string(),
        _ => spec.to_string(),
    };
    EnvFilter::try_new(&directives).map_err(|e| format!("log level {spec:?}: {e}"))
}

/// The level from the command line and the environment, most explicit
/// first: `--log-level`, `-v` (debug) / `-vv` (trace), `FLEETDECK_LOG`, info.
pub fn level(flag: Option<&str>, verbose: u8, env: Option<String>) -> String {
    match (flag, verbose) {
        (Some(l), _) => l.to_string(),
        (None, 1) => "debug".into(),
        (None, v) if v > 1 => "trace".into(),
        _ => env
            .filter(|e| !e.trim().is_empty())
            .unwrap_or("info".into()),
    }
}

/// Starts logging to `dir/fleetdeck.log`; returns the file's path. Fails
/// (and the caller goes on without a log) when the dir cannot be made
/// private or the file opened.
pub fn init(dir: &Path, spec: &str) -> Result<PathBuf, String> {
    let filter = filter(spec)?;
    let path = dir.join(FILE);
    let file = Rolling::open(&path).map_err(|e| format!("log {}: {e}", path.display()))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(file)
        .try_init()
        .map_err(|e| format!("log {}: {e}", path.display()))?;
    tracing::info!(
        "fleetdeck {} started (pid {})",
        env!("CARGO_PKG_VERSION"),
        std::process::id()
    );
    Ok(path)
}

/// The log file, shared by every event; rolls over by size.
#[derive(Clone)]
struct Rolling(Arc<Mutex<Inner>>);

struct Inner {
    path: PathBuf,
    file: File,
    written: u64,
    pid: String,
}

impl Rolling {
    fn open(path: &Path) -> io::Result<Rolling> {
        if let Some(dir) = path.parent() {
            private_dir(dir)?;
        }
        let file = open_private(path)?;
        let written = file.metadata()?.len();
        Ok(Rolling(Arc::new(Mutex::new(Inner {
            path: path.to_path_buf(),
            file,
            written,
            pid: format!("[{}] ", std::process::id()),
        }))))
    }
}

impl Inner {
    fn write_line(&mut self, buf: &[u8]) -> io::Result<()> {
        if self.written + buf.len() as u64 > MAX_BYTES {
            self.roll()?;
        }
        let mut line = Vec::with_capacity(self.pid.len() + buf.len());
        line.extend_from_slice(self.pid.as_bytes());
        line.extend_from_slice(buf);
        // One write with O_APPEND: lines of several processes do not mix.
        self.file.write_all(&line)?;
        self.written += line.len() as u64;
        Ok(())
    }

    /// Rolls `fleetdeck.log` to `.1` (and `.1` to `.2` …) unless another
    /// process already did; either way writes go on to a fresh file.
    fn roll(&mut self) -> io::Result<()> {
        if same_file(&self.file, &self.path) {
            for i in (1..KEEP).rev() {
                let _ = fs::rename(numbered(&self.path, i), numbered(&self.path, i + 1));
            }
            fs::rename(&self.path, numbered(&self.path, 1))?;
        }
        self.file = open_private(&self.path)?;
        self.written = self.file.metadata()?.len();
        Ok(())
    }
}

fn numbered(path: &Path, i: usize) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{i}"));
    PathBuf::from(s)
}

#[cfg(unix)]
fn same_file(f: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

fn open_private(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let f = o.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

fn private_dir(dir: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        b.mode(0o700);
        b.create(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    b.create(dir)
}

/// One event's writer: the whole formatted line arrives in one `write`.
pub struct LineWriter(Rolling);

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut inner = self.0 .0.lock().unwrap_or_else(|p| p.into_inner());
        // A full disk costs the log line, never the console.
        let _ = inner.write_line(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Rolling {
    type Writer = LineWriter;
    fn make_writer(&'a self) -> LineWriter {
        LineWriter(self.clone())
    }
}

static FAULTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Background failures not yet shown (each is shown once, then dropped).
pub fn take_faults() -> Vec<String> {
    std::mem::take(&mut *FAULTS.lock().unwrap_or_else(|p| p.into_inner()))
}

/// Queues a background task's failure for the footer (and logs it).
pub fn fault(what: String) {
    tracing::error!("{what}");
    let mut q = FAULTS.lock().unwrap_or_else(|p| p.into_inner());
    if q.len() < 16 {
        q.push(what);
    }
}

/// For the console, installed after the terminal's own hook. A panic on the
/// main thread (the event loop) is fatal: the hooks before this one (the
/// terminal restored, the message printed) run. A panic in a
/// background task kills only that task: it is logged and shown in the
/// footer, and the screen stays as it is.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("unnamed");
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if name == "main" {
            tracing::error!("panic on the main thread{at}: {msg}");
            previous(info);
        } else {
            fault(format!("a background task failed{at}: {msg}"));
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_explicit_level_wins() {
        assert_eq!(level(Some("warn"), 2, Some("trace".into())), "warn");
        assert_eq!(level(None, 1, Some("warn".into())), "debug");
        assert_eq!(level(None, 2, None), "trace");
        assert_eq!(level(None, 0, Some("error".into())), "error");
        assert_eq!(level(None, 0, Some(" ".into())), "info");
        assert_eq!(level(None, 0, None), "info");
    }

    #[test]
    fn level_words_and_directives_parse_and_nonsense_is_named() {
        for ok in [
            "info",
            "DEBUG",
            "trace",
            "off",
            "fleetdeck::fleet=debug,warn",
        ] {
            assert!(filter(ok).is_ok(), "{ok}");
        }
        let e = filter("fleetdeck=loud").unwrap_err();
        assert!(e.starts_with("log level \"fleetdeck=loud\": "), "{e}");
    }

    #[test]
    fn the_file_rolls_over_and_older_files_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log").join(FILE);
        let r = Rolling::open(&path).unwrap();
        let line = vec![b'x'; 1024 * 1024];
        for _ in 0..(MAX_BYTES / line.len() as u64 + 1) * (KEEP as u64 + 2) {
            r.make_writer().write_all(&line).unwrap();
        }
        let mut names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["fleetdeck.log", "fleetdeck.log.1", "fleetdeck.log.2"]
        );
        for n in &names {
            let len = fs::metadata(path.parent().unwrap().join(n)).unwrap().len();
            assert!(len <= MAX_BYTES + 64, "{n}: {len}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(path.parent().unwrap()), 0o700);
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&numbered(&path, 1)), 0o600);
        }
    }
}
