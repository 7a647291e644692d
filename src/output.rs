//! Standard output and error for the headless commands.
//!
//! A reader that goes away (`fleetdeck journal show | head -1`) ends the
//! output, never the process: SIGPIPE stays ignored (Rust's default), so a
//! closed network connection is an error the caller handles, and a closed
//! stdout only stops further printing. The command finishes what it was doing
//! (a failover run piped into `head` still completes and journals every step)
//! and exits with its own status. Any other write error (a full disk behind
//! `> file`) is kept and reported once at exit, so output is never lost
//! silently.

use std::fmt;
use std::io::{self, ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static SCREEN_TAKEN: AtomicBool = AtomicBool::new(false);

/// While the console owns the terminal, anything printed would be drawn
/// over it: output goes to the log instead.
pub fn screen_taken(taken: bool) {
    SCREEN_TAKEN.store(taken, Ordering::Relaxed);
}

fn to_log(args: fmt::Arguments<'_>) -> bool {
    if !SCREEN_TAKEN.load(Ordering::Relaxed) {
        return false;
    }
    tracing::warn!(target: "fleetdeck::output", "{}", args.to_string().trim_end());
    true
}
static STDOUT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// What to do after a failed write to stdout.
fn stdout_failed(e: io::Error) {
    if e.kind() == ErrorKind::BrokenPipe {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        return;
    }
    let mut first = STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner());
    if first.is_none() {
        *first = Some(e.to_string());
    }
    STDOUT_CLOSED.store(true, Ordering::Relaxed);
}

/// Writes to stdout (flushed, so prompts and progress appear at once);
/// nothing once the reader has gone.
pub fn out(args: fmt::Arguments<'_>) {
    if to_log(args) || STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut w = io::stdout().lock();
    if let Err(e) = w.write_fmt(args).and_then(|_| w.flush()) {
        stdout_failed(e);
    }
}

/// Writes to stderr; a closed stderr leaves nowhere to complain, so errors
/// are dropped rather than turned into a panic as `eprintln!` would.
pub fn err(args: fmt::Arguments<'_>) {
    if to_log(args) {
        return;
    }
    let mut w = io::stderr().lock();
    let _ = w.write_fmt(args).and_then(|_| w.flush());
}

/// The write error other than a closed pipe, if any, to report at exit.
pub fn stdout_error() -> Option<String> {
    STDOUT_ERROR
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

/// `print!` that never panics and never kills the process.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::out(format_args!($($arg)*)) };
}

/// `println!` that never panics and never kills the process.
#[macro_export]
macro_rules! outln {
    () => { $crate::output::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` that never panics.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => { $crate::output::err(format_args!("{}\n", format_args!($($arg)*))) };
}
