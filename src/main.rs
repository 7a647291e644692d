use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use fleetdeck::app::state::App;
use fleetdeck::app::update::Msg;
use fleetdeck::console::Console;
use fleetdeck::fleet::handles::Fleet;
use fleetdeck::keymap::Keymap;
use fleetdeck::ops::action::Operation;
use fleetdeck::ops::cli::ActionArgs;
use fleetdeck::ops::commands;
use fleetdeck::paths::Paths;
use fleetdeck::snapshot;
use fleetdeck::startup::{self, Options};
use fleetdeck::theme::Theme;
use fleetdeck::{errln, out, outln};

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

#[derive(Debug, clap::Args)]
struct ActionFlags {
    /// CONTEXT/NAMESPACE/KIND/NAME (parsed from the right: contexts may contain '/').
    target: String,
    /// Why: required, journaled, and put on the object's Event.
    #[arg(long)]
    reason: Option<String>,
    /// Do not ask for confirmation (needs --reason).
    #[arg(long)]
    yes: bool,
    /// Skip the pre-flight checks and let the API server decide.
    #[arg(long)]
    force: bool,
    /// Act although the gate says stop; journaled with the reason.
    #[arg(long = "override")]
    override_gate: bool,
}

#[derive(Debug, Subcommand)]
enum JournalCommand {
    /// The journal, oldest first (filtered by --since and --context).
    Show {
        /// RFC 3339 time, or an age such as 30m, 2h, 7d.
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Walk the hash chain; names the first bad record.
    Verify,
    /// The journal for a postmortem.
    Export {
        #[arg(long, value_parser = ["json", "markdown"], default_value = "markdown")]
        format: String,
        #[arg(long)]
        since: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The local journal of actions.
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
    /// Scale a Deployment, StatefulSet or Rollout.
    Scale {
        #[command(flatten)]
        action: ActionFlags,
        #[arg(long)]
        replicas: i32,
    },
    /// Restart a Deployment, StatefulSet, DaemonSet or Rollout, as `kubectl rollout restart` does.
    Restart {
        #[command(flatten)]
        action: ActionFlags,
    },
    /// Argo Rollouts: promote, abort, retry, pause, resume, undo, restart.
    Rollout {
        #[command(subcommand)]
        command: commands::RolloutCommand,
    },
    /// A route canary (HTTPRoute / VirtualService weights): step forward or back.
    Canary {
        #[command(subcommand)]
        command: commands::CanaryCommand,
    },
    /// A Service selector blue/green: flip, flip back.
    Bluegreen {
        #[command(subcommand)]
        command: commands::BlueGreenCommand,
    },
    /// Promote or flip across a group of clusters, one at a time.
    Wave {
        #[command(subcommand)]
        command: commands::WaveCommand,
    },
    /// Failover plans: list, plan (pre-flight), run, resume, rollback.
    Failover {
        #[command(subcommand)]
        command: fleetdeck::failover::cli::FailoverCommand,
    },
    /// Proposed fixes (drift from the desired state, …): list, show, approve, reject, snooze.
    Remediation {
        #[command(subcommand)]
        command: fleetdeck::remediation::cli::RemediationCommand,
    },
    /// What each cluster, namespace and workload costs per hour (OpenCost model).
    Cost {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Seconds to wait for every cluster to settle.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
    },
    /// Every SLO on every cluster it applies to: budget, burn per window pair, alerts.
    Slo {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
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
/// The fleet, warnings, the kubeconfig (for reconciling the journal) or the
/// demo's control handle.
type Connected = (
    Console,
    Vec<String>,
    Option<kube::config::Kubeconfig>,
    Option<fleetdeck::demo::DemoControl>,
);

fn connect(opts: &Options, demo: bool) -> anyhow::Result<Connected> {
    if demo {
        let (fleet, sim) = fleetdeck::demo::start(7);
        let (_, control) = fleetdeck::demo::spawn_controlled(sim);
        return Ok((fleet, Vec::new(), None, Some(control)));
    }
    let st = startup::start(opts)?;
    for w in &st.warnings {
        errln!("fleetdeck: {w}");
    }
    let mut warnings = st.warnings.clone();
    let mut fleet = Console::new(Fleet::connect(
        st.metas.clone(),
        st.kubeconfig.clone(),
        st.config.policy(),
    ));
    match fleetdeck::slo::report::pairs(&st.config, &st.metas) {
        Ok(pairs) => fleet.slo = fleetdeck::slo::monitor::Monitor::new(pairs),
        Err(e) => warnings.push(format!("SLOs: {e}")),
    }
    Ok((fleet, warnings, Some(st.kubeconfig), None))
}

/// After a crash, unfinished intents are checked against live state in the
/// background (the first frame never waits on the network); the finding
/// shows in the footer and is journaled.
fn reconcile_in_background(
    journal: std::sync::Arc<fleetdeck::journal::Journal>,
    kubeconfig: kube::config::Kubeconfig,
    read_only: bool,
    tx: tokio::sync::mpsc::UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        let found = fleetdeck::ops::journaled::reconcile(&journal, |ctx: String| {
            let kubeconfig = kubeconfig.clone();
            async move {
                fleetdeck::fleet::kubeconfig::client_for(&kubeconfig, &ctx, read_only)
                    .await
                    .ok()
            }
        })
        .await;
        let notice = match found {
            Ok(lines) if lines.is_empty() => return,
            Ok(lines) => format!(
                "{} unfinished action(s) reconciled: {}",
                lines.len(),
                lines.join("; ")
            ),
            Err(e) => format!("journal {}: {e}", journal.path().display()),
        };
        let _ = tx.send(Msg::Notice(notice));
    });
}

fn act(opts: &Options, op: Operation, a: ActionFlags) -> anyhow::Result<ExitCode> {
    let st = startup::start(opts)?;
    let args = ActionArgs {
        target: a.target,
        reason: a.reason,
        yes: a.yes,
        force: a.force,
        override_gate: a.override_gate,
    };
    let rt = tokio::runtime::Runtime::new()?;
    let code = rt.block_on(fleetdeck::ops::cli::run(&st, op, &args))?;
    Ok(ExitCode::from(code as u8))
}

/// Runs one of the release commands on a fresh runtime; its exit code.
fn release<F>(opts: &Options, f: F) -> anyhow::Result<ExitCode>
where
    F: AsyncFnOnce(&startup::Startup) -> anyhow::Result<i32>,
{
    let st = startup::start(opts)?;
    let rt = tokio::runtime::Runtime::new()?;
    let code = rt.block_on(f(&st))?;
    Ok(ExitCode::from(code as u8))
}

fn since(text: Option<&str>) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
    let Some(t) = text else { return Ok(None) };
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(Some(at.with_timezone(&chrono::Utc)));
    }
    fleetdeck::basics::duration::parse(t)
        .and_then(|d| chrono::Utc::now().checked_sub_signed(chrono::Duration::from_std(d).ok()?))
        .map(Some)
        .ok_or_else(|| {
            anyhow::anyhow!("--since {t:?}: expected RFC 3339 or an age like 30m, 2h, 7d")
        })
}

fn journal(opts: &Options, demo: bool, cmd: JournalCommand) -> anyhow::Result<ExitCode> {
    use fleetdeck::journal::{render_json, render_markdown, render_text, Filter, Journal};
    let paths = Paths::resolve(opts.config_file)?;
    let dir = if demo {
        &paths.demo_dir
    } else {
        &paths.journal_dir
    };
    let j = Journal::open(dir).map_err(|e| anyhow::anyhow!("journal {}: {e}", dir.display()))?;
    let filter = |s: Option<String>| -> anyhow::Result<Filter> {
        Ok(Filter {
            since: since(s.as_deref())?,
            context: opts.contexts.first().cloned(),
        })
    };
    let read = |f: &Filter| -> anyhow::Result<Vec<fleetdeck::journal::Record>> {
        Ok(j.read()?.into_iter().filter(|r| f.keep(r)).collect())
    };
    match cmd {
        JournalCommand::Show { since, json } => {
            let records = read(&filter(since)?)?;
            if json {
                outln!("{}", render_json(&records)?);
            } else {
                out!("{}", render_text(&records));
            }
        }
        JournalCommand::Export { format, since } => {
            let records = read(&filter(since)?)?;
            if format == "json" {
                outln!("{}", render_json(&records)?);
            } else {
                out!("{}", render_markdown(&records));
            }
        }
        JournalCommand::Verify => {
            let v = j.verify();
            if v.ok() {
                outln!("{}: {v}", j.path().display());
            } else {
                errln!("fleetdeck: {}: {v}", j.path().display());
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    // SIGPIPE stays ignored (Rust's default): a cluster closing its
    // connection is an error to handle, never process death. A closed stdout
    // (`fleetdeck … | head`) only stops printing (see `output`).
    let cli = Cli::parse();
    let code = match run(cli) {
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

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let opts = Options {
        config_file: cli.config.as_deref(),
        kubeconfig: &cli.kubeconfig,
        contexts: &cli.context,
        read_only: cli.read_only,
    };
    match cli.command {
        Some(Command::Journal { command }) => journal(&opts, cli.demo, command),
        Some(Command::Scale { action, replicas }) => {
            act(&opts, Operation::Scale { replicas }, action)
        }
        Some(Command::Restart { action }) => act(&opts, Operation::Restart, action),
        Some(Command::Rollout { command }) => {
            release(&opts, async |st| commands::rollout(st, command).await)
        }
        Some(Command::Canary { command }) => {
            release(&opts, async |st| commands::canary(st, command).await)
        }
        Some(Command::Bluegreen { command }) => {
            release(&opts, async |st| commands::bluegreen(st, command).await)
        }
        Some(Command::Wave { command }) => {
            release(&opts, async |st| commands::wave(st, command).await)
        }
        Some(Command::Failover { command }) => release(&opts, async |st| {
            fleetdeck::failover::cli::command(st, command).await
        }),
        Some(Command::Remediation { command }) => release(&opts, async |st| {
            fleetdeck::remediation::cli::command(st, command).await
        }),
        Some(Command::Cost { json, timeout }) => {
            let paths = Paths::resolve(opts.config_file)?;
            let catalog =
                fleetdeck::cost::catalog::Catalog::load(Some(&paths.config_dir.join("prices.csv")))
                    .map_err(anyhow::Error::msg)?;
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let (fleet, _, _, _) = connect(&opts, cli.demo)?;
                snapshot::settle(&fleet, Duration::from_secs(timeout)).await;
                let config = fleetdeck::config::Config::load(&paths.config_file)?;
                let costs = fleetdeck::cost::fleet::costs(&fleet, &catalog, &config).await;
                for note in &costs.notes {
                    errln!("fleetdeck: {note}");
                }
                if json {
                    outln!(
                        "{}",
                        serde_json::to_string_pretty(&fleetdeck::cost::report::to_json(&costs))?
                    );
                } else {
                    out!("{}", fleetdeck::cost::report::to_text(&costs));
                }
                Ok(ExitCode::SUCCESS)
            })
        }
        Some(Command::Slo { json }) => {
            let st = startup::start(&opts)?;
            for w in &st.warnings {
                errln!("fleetdeck: {w}");
            }
            let rt = tokio::runtime::Runtime::new()?;
            let rows = rt
                .block_on(fleetdeck::slo::report::rows(&st))
                .map_err(anyhow::Error::msg)?;
            if json {
                let v = fleetdeck::slo::report::to_json(&rows);
                outln!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                out!("{}", fleetdeck::slo::report::to_text(&rows));
            }
            let failed: Vec<_> = rows
                .iter()
                .filter_map(|r| r.error.as_ref().map(|e| (r, e)))
                .collect();
            for (r, e) in &failed {
                errln!("fleetdeck: {} on {}: {e}", r.name, r.context);
            }
            Ok(if failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some(Command::Paths) => {
            let paths = Paths::resolve(opts.config_file)?;
            for (label, path) in paths.entries() {
                outln!("{label:<13} {}", path.display());
            }
            let sources = fleetdeck::fleet::kubeconfig::Sources::from_env(opts.kubeconfig);
            for file in sources.files {
                outln!("{:<13} {}", "kubeconfig", file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Snapshot { json, timeout }) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let (fleet, _, _, _) = connect(&opts, cli.demo)?;
                snapshot::settle(&fleet, Duration::from_secs(timeout)).await;
                let now = chrono::Utc::now();
                let rows = fleet.rows(now);
                if json {
                    outln!(
                        "{}",
                        serde_json::to_string_pretty(&snapshot::to_json(&rows))?
                    );
                } else {
                    out!("{}", snapshot::to_text(&rows, now));
                }
                let bad = snapshot::unreachable_reasons(&rows);
                for line in &bad {
                    errln!("fleetdeck: {line}");
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
            let dir = if cli.demo {
                &paths.demo_dir
            } else {
                &paths.journal_dir
            };
            let journal = fleetdeck::journal::Journal::open(dir)
                .map_err(|e| anyhow::anyhow!("journal {}: {e}", dir.display()))?;
            let journal = std::sync::Arc::new(journal);
            let read_only = config.read_only || cli.read_only;
            rt.block_on(async {
                let (fleet, warnings, kubeconfig, demo) = connect(&opts, cli.demo)?;
                let mut warnings = warnings;
                // The demo computes its own costs (with simulated usage).
                if !cli.demo {
                    let catalog = fleetdeck::cost::catalog::Catalog::load(Some(
                        &paths.config_dir.join("prices.csv"),
                    ));
                    match catalog {
                        Ok(catalog) => fleet.cost.spawn(
                            fleet.stores(),
                            std::sync::Arc::new(config.clone()),
                            std::sync::Arc::new(catalog),
                            Duration::from_secs(30),
                            fleet.notify.clone(),
                        ),
                        // Shown in the footer; the rest of the console works.
                        Err(e) => warnings.insert(0, format!("prices: {e}; no cost figures")),
                    }
                }
                let every = match cli.demo {
                    true => Duration::from_secs(5),
                    false => Duration::from_secs(config.prometheus.refresh_seconds.max(5)),
                };
                fleet.slo.spawn(every, fleet.notify.clone());
                let mut app = App::new(read_only, cli.demo);
                app.message = warnings.first().cloned();
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                // Failover plans are checked against the contexts fleetdeck knows.
                let mut config = config;
                let known: Vec<String> = match &kubeconfig {
                    Some(kc) => kc.contexts.iter().map(|c| c.name.clone()).collect(),
                    None => fleet
                        .clusters
                        .iter()
                        .map(|c| c.meta.context.clone())
                        .collect(),
                };
                if let Some(kc) = kubeconfig {
                    reconcile_in_background(journal.clone(), kc, read_only, tx.clone());
                }
                if cli.demo {
                    fleetdeck::demo::failover_config(&mut config);
                } else {
                    match fleetdeck::failover::plan::load_all(
                        &paths.config_file,
                        &paths.plans_dir(),
                        &known,
                    ) {
                        Ok(plans) => config.failover = plans,
                        Err(e) => {
                            config.failover.clear();
                            app.message = Some(e);
                        }
                    }
                }
                let catalog = fleetdeck::cost::catalog::Catalog::load(Some(
                    &paths.config_dir.join("prices.csv"),
                ))
                .unwrap_or_default();
                let actions = fleetdeck::tui::Actions {
                    journal: Some(journal),
                    demo,
                    data_dir: if cli.demo {
                        paths.demo_dir.clone()
                    } else {
                        paths.data_dir.clone()
                    },
                    drift_dir: config.drift.dir.as_ref().map(|d| {
                        match paths.config_file.parent() {
                            Some(base) if d.is_relative() => base.join(d),
                            _ => d.clone(),
                        }
                    }),
                    config: std::sync::Arc::new(config),
                    catalog: std::sync::Arc::new(catalog),
                };
                fleetdeck::tui::run(fleet, app, theme, keymap, actions, (tx, rx)).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
