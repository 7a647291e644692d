use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use fleetdeck::paths::Paths;

/// A terminal console for operating fleets of Kubernetes clusters.
#[derive(Debug, Parser)]
#[command(name = "fleetdeck", version, about)]
struct Cli {
    /// Kubeconfig file (repeatable; replaces $KUBECONFIG, merged in order).
    #[arg(long, global = true)]
    kubeconfig: Vec<PathBuf>,
    /// Config file (default: config.toml in the config dir).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every config, data and log path in use.
    Paths,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fleetdeck: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let paths = Paths::resolve(cli.config.as_deref())?;
    match cli.command {
        Some(Command::Paths) => {
            for (label, path) in paths.entries() {
                println!("{label:<13} {}", path.display());
            }
            let sources = fleetdeck::fleet::kubeconfig::Sources::from_env(&cli.kubeconfig);
            for file in sources.files {
                println!("{:<13} {}", "kubeconfig", file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("fleetdeck: the terminal console is not built yet; try `fleetdeck paths`");
            Ok(ExitCode::from(2))
        }
    }
}
