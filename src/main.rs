//! The fleetdeck binary: parse the command line, run it, exit with its status.

use std::process::ExitCode;

use clap::Parser;

use fleetdeck::cli::Cli;
use fleetdeck::errln;

fn main() -> ExitCode {
    // SIGPIPE stays ignored (Rust's default): a cluster closing its
    // connection is an error to handle, never process death. A closed stdout
    // (`fleetdeck … | head`) only stops printing (see `output`).
    let code = match fleetdeck::cli::run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            errln!("fleetdeck: {e:#}");
            ExitCode::FAILURE
        }
    };
    match fleetdeck::output::stdout_error() {
        Some(e) => {
            errln!("fleetdeck: writing standard output: {e}");
            ExitCode::FAILURE
        }
        None => code,
    }
}
