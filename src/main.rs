use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use fleetdeck::app::state::App;
use fleetdeck::fleet::handles::Fleet;
use fleetdeck::keymap::Keymap;
use fleetdeck::paths::Paths;
use fleetdeck::snapshot;
use fleetdeck::startup::{self, Options};
use fleetdeck::theme::Theme;

/// A terminal console for operating fleets of Kubernetes clusters.
#[derive(Debug, Parser)]
#[command(name = "fleetdeck", version, about)]
struct Cli {
    /// Kubeconfig file (repeatable; replaces $KUBECONFIG, merged in order).
    #[arg(long, global = true)]
    kubeconfig: Vec<PathBuf>,
    /// Context name or glob to include (repeatable; default: all contexts).
    #[arg(long, global = true)]
    context: Vec<String>,
    /// Config file (default: config.toml in the config dir).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Never send a mutating request to any cluster.
    #[arg(long, global = true)]
    read_only: bool,
    /// Theme name (dark, light, high-contrast, or a file in the config dir).
    #[arg(long, global = true)]
    theme: Option<String>,
    /// Keymap name (default, vim, or a file in the config dir).
    #[arg(long, global = true)]
    keymap: Option<String>,
    /// A simulated fleet: no cluster needed.
    #[arg(long, global = true)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every config, data and log path in use.
    Paths,
    /// Print the fleet state once and exit (non-zero if a cluster is unreachable).
    Snapshot {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Seconds to wait for every cluster to settle.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
    },
}

/// The live fleet from the kubeconfig, or the simulated one; plus warnings
/// about files that could not be read. Must run inside the runtime.
fn connect(opts: &Options, demo: bool) -> anyhow::Result<(Fleet, Vec<String>)> {
    if demo {
        let (fleet, sim) = fleetdeck::demo::start(7);
        fleetdeck::demo::spawn(sim);
        return Ok((fleet, Vec::new()));
    }
    let st = startup::start(opts)?;
    for w in &st.warnings {
        eprintln!("fleetdeck: {w}");
    }
    let fleet = Fleet::connect(st.metas, st.kubeconfig, st.config.policy());
    Ok((fleet, st.warnings))
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
    let opts = Options {
        config_file: cli.config.as_deref(),
        kubeconfig: &cli.kubeconfig,
        contexts: &cli.context,
        read_only: cli.read_only,
    };
    match cli.command {
        Some(Command::Paths) => {
            let paths = Paths::resolve(opts.config_file)?;
            for (label, path) in paths.entries() {
                println!("{label:<13} {}", path.display());
            }
            let sources = fleetdeck::fleet::kubeconfig::Sources::from_env(opts.kubeconfig);
            for file in sources.files {
                println!("{:<13} {}", "kubeconfig", file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Snapshot { json, timeout }) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let (fleet, _) = connect(&opts, cli.demo)?;
                snapshot::settle(&fleet, Duration::from_secs(timeout)).await;
                let now = chrono::Utc::now();
                let rows = fleet.rows(now);
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&snapshot::to_json(&rows))?
                    );
                } else {
                    print!("{}", snapshot::to_text(&rows, now));
                }
                let bad = snapshot::unreachable_reasons(&rows);
                for line in &bad {
                    eprintln!("fleetdeck: {line}");
                }
                Ok(if bad.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                })
            })
        }
        None => {
            let paths = Paths::resolve(opts.config_file)?;
            let config = fleetdeck::config::Config::load(&paths.config_file)?;
            let theme_name = cli.theme.or(config.theme.clone()).unwrap_or("dark".into());
            let keymap_name = cli
                .keymap
                .or(config.keymap.clone())
                .unwrap_or("default".into());
            // Bad theme or keymap files stop here, before the terminal is taken over.
            let theme = Theme::load(&theme_name, Some(&paths.config_dir.join("themes")))?;
            let keymap = Keymap::load(&keymap_name, Some(&paths.config_dir.join("keymaps")))?;
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let (fleet, warnings) = connect(&opts, cli.demo)?;
                let mut app = App::new(config.read_only || cli.read_only, cli.demo);
                app.message = warnings.first().cloned();
                fleetdeck::tui::run(fleet, app, theme, keymap).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
