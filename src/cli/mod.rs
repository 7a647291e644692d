//! The command line: every subcommand's flags (`Cli`), what a command loads
//! once (`load`), and the dispatch. One file per family: `act` (scale,
//! restart, and the plan/confirm/report every action shares), `release`
//! (rollout, canary, bluegreen) and `wave`, `failover`, `remediation`,
//! `journal`, `changes` (the timeline), `reports` (snapshot, slo, cost, paths),
//! `check` (`config check`), `shell` (completions, man), `console` (the TUI).

pub mod act;
mod backups;
mod changes;
mod chaos;
mod check;
mod clusters;
mod console;
mod deps;
pub mod failover;
mod journal;
mod query;
pub mod release;
pub mod remediation;
mod reports;
mod shell;
pub mod wave;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::ops::action::Operation;
use crate::startup::{self, Options, Startup};
use act::ActionArgs;

/// `fleetdeck 0.1.0 (a1b2c3d4e5f6)`: the commit it was built from (build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("FLEETDECK_COMMIT"),
    ")"
);

/// A terminal console for operating fleets of Kubernetes clusters.
#[derive(Debug, Parser)]
#[command(name = "fleetdeck", version = VERSION, about)]
pub struct Cli {
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
    /// The console's only, so not in the subcommands' help.
    #[arg(long)]
    theme: Option<String>,
    /// Keymap name (default, vim, or a file in the config dir).
    #[arg(long)]
    keymap: Option<String>,
    /// A simulated fleet: no cluster needed (the console, and the snapshot,
    /// cost, changes and journal subcommands, which take it too).
    #[arg(long)]
    demo: bool,
    /// What goes to the log file (`fleetdeck paths`): error, warn, info,
    /// debug (every request), trace, or tracing directives [env: FLEETDECK_LOG].
    #[arg(long, global = true)]
    log_level: Option<String>,
    /// More in the log: -v debug (every request sent), -vv trace.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Args)]
pub struct ActionFlags {
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
pub enum JournalCommand {
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
pub enum ConfigCommand {
    /// Config, failover plans, SLO files, the desired-state tree, prices,
    /// themes and keymaps: every problem as file:line, exit 1 if any.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The local journal of actions.
    Journal {
        /// The demo's journal.
        #[arg(long, global = true)]
        demo: bool,
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
        command: release::RolloutCommand,
    },
    /// A route canary (HTTPRoute / VirtualService weights): step forward or back.
    Canary {
        #[command(subcommand)]
        command: release::CanaryCommand,
    },
    /// A Service selector blue/green: flip, flip back.
    Bluegreen {
        #[command(subcommand)]
        command: release::BlueGreenCommand,
    },
    /// Promote or flip across a group of clusters, one at a time.
    Wave {
        #[command(subcommand)]
        command: release::WaveCommand,
    },
    /// Failover plans: list, plan (pre-flight), run, resume, rollback.
    Failover {
        #[command(subcommand)]
        command: failover::FailoverCommand,
    },
    /// Proposed fixes (drift from the desired state, …): list, show, approve, reject, snooze.
    Remediation {
        #[command(subcommand)]
        command: remediation::RemediationCommand,
    },
    /// What each cluster, namespace and workload costs per hour (OpenCost model).
    Cost {
        /// The demo fleet's costs.
        #[arg(long)]
        demo: bool,
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
    /// What changed across the fleet, newest first: revisions, scales, hand
    /// edits, warning Events, nodes, clusters, SLO alerts, fleetdeck actions.
    Changes {
        /// The demo fleet's changes.
        #[arg(long)]
        demo: bool,
        /// RFC 3339 time, or an age such as 30m, 2h, 7d.
        #[arg(long, default_value = "1h")]
        since: String,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Seconds to wait for every cluster to settle.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
    },
    /// Every cluster: where it came from (kubeconfig or a [[discovery]]
    /// source), the contexts that reach it, its lifecycle. Nothing is watched.
    Clusters {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Backups (Velero): per cluster and schedule, the last successful backup
    /// against the recovery-point objective, failures, storage locations
    /// not available, restores under way (read-only); `backups now` creates a
    /// Backup from a schedule through the pipeline.
    Backups {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        command: Option<backups::BackupsCommand>,
    },
    /// Chaos experiments (Chaos Mesh, LitmusChaos) across the fleet, active
    /// first, with the workloads each hits (read-only); `chaos pause|resume|
    /// stop|start` act through the pipeline.
    Chaos {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        command: Option<chaos::ChaosCommand>,
    },
    /// What a workload calls and who calls it, in every selected cluster:
    /// the mesh's traffic (Istio) and declared dependencies, rates, error
    /// ratios and the dependencies failing now (read-only). JSON: one
    /// object per cluster, one per line.
    Deps {
        /// NAMESPACE/NAME of the workload.
        workload: String,
        /// JSON instead of a tree.
        #[arg(long)]
        json: bool,
    },
    /// Ask the fleet: KIND [where CEL] [order by FIELD [desc]] [limit N],
    /// once the clusters have synced; e.g. 'pods where restarts > 5'.
    /// Plain phrases work too ('failing pods'). Exit 2 on a query that
    /// does not parse (the column is said), 1 if a cluster was unreachable.
    Query {
        /// The question, quoted.
        text: String,
        /// The demo fleet.
        #[arg(long)]
        demo: bool,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Seconds to wait for every cluster to settle.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
    },
    /// Print every config, data and log path in use.
    Paths,
    /// Validate the files fleetdeck reads, without contacting a cluster.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print a shell completion script: `source <(fleetdeck completions bash)`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `fleetdeck man | man -l -`.
    Man,
    /// Print the fleet state once and exit (non-zero if a cluster is unreachable).
    Snapshot {
        /// The demo fleet.
        #[arg(long)]
        demo: bool,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Seconds to wait for every cluster to settle.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
    },
}

impl Command {
    /// Whether `--demo` means something to it.
    fn has_demo(&self) -> bool {
        matches!(
            self,
            Command::Journal { .. }
                | Command::Cost { .. }
                | Command::Changes { .. }
                | Command::Query { .. }
                | Command::Snapshot { .. }
                | Command::Paths
                | Command::Config { .. }
                | Command::Completions { .. }
                | Command::Man
        )
    }

    fn name(&self) -> String {
        let debug = format!("{self:?}");
        let word = debug.split([' ', '{', '(']).next().unwrap_or_default();
        word.to_lowercase()
    }
}

/// What every command that reads the fleet loads, once per process: the
/// paths, the config with its SLO files and failover plans, the kubeconfig
/// and the contexts to show. A bad SLO or plan file costs its SLOs or plans
/// (a warning), not the command.
pub fn load(opts: &Options) -> anyhow::Result<Startup> {
    let mut st = startup::start(opts)?;
    for f in st.config.slo_files.clone() {
        let path = match st.paths.config_file.parent() {
            Some(dir) if f.is_relative() => dir.join(&f),
            _ => f,
        };
        match crate::slo::import::load(&path) {
            Ok(slos) => st.config.slos.extend(slos),
            Err(e) => st.warnings.push(e),
        }
    }
    let all: Vec<String> = st
        .kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.clone())
        .collect();
    // Plans are checked against every context; a bad plan costs itself (a
    // file whose TOML is broken, its plans), not the console or other plans.
    let (plans, errors) =
        crate::failover::plan::check_all(&st.paths.config_file, &st.paths.plans_dir(), Some(&all));
    st.config.failover = plans;
    st.warnings.extend(errors);
    if let Err(e) = crate::ksm::inventory::add(&mut st.metas, &st.config, opts.contexts) {
        st.warnings.push(format!("metrics discovery: {e}"));
    }
    if st.metas.is_empty() {
        anyhow::bail!(
            "no cluster matches {:?}{}",
            opts.contexts,
            st.warnings
                .first()
                .map(|w| format!("; {w}"))
                .unwrap_or_default()
        );
    }
    Ok(st)
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    start_log(&cli);
    let opts = Options {
        config_file: cli.config.as_deref(),
        kubeconfig: &cli.kubeconfig,
        contexts: &cli.context,
        read_only: cli.read_only,
    };
    if cli.demo {
        if let Some(sub) = cli.command.as_ref().filter(|c| !c.has_demo()) {
            anyhow::bail!(
                "--demo: `{}` has no demo and would act on the real clusters; the demo is the console's, and snapshot, cost, changes and journal's",
                sub.name()
            );
        }
    }
    let demo = cli.demo;
    match cli.command {
        Some(Command::Journal { demo: d, command }) => journal::run(&opts, demo || d, command),
        Some(Command::Scale { action, replicas }) => {
            act(&opts, Operation::Scale { replicas }, action)
        }
        Some(Command::Restart { action }) => act(&opts, Operation::Restart, action),
        Some(Command::Rollout { command }) => {
            on_runtime(&opts, async |st| release::rollout(st, command).await)
        }
        Some(Command::Canary { command }) => {
            on_runtime(&opts, async |st| release::canary(st, command).await)
        }
        Some(Command::Bluegreen { command }) => {
            on_runtime(&opts, async |st| release::bluegreen(st, command).await)
        }
        Some(Command::Wave { command }) => {
            on_runtime(&opts, async |st| release::wave(st, command).await)
        }
        Some(Command::Failover { command }) => {
            on_runtime(&opts, async |st| failover::command(st, command).await)
        }
        Some(Command::Remediation { command }) => {
            on_runtime(&opts, async |st| remediation::command(st, command).await)
        }
        Some(Command::Cost {
            demo: d,
            json,
            timeout,
        }) => reports::cost(&opts, demo || d, json, timeout),
        Some(Command::Slo { json }) => reports::slo(&opts, json),
        Some(Command::Paths) => reports::paths(&opts),
        Some(Command::Clusters { json }) => clusters::run(&opts, json),
        Some(Command::Backups {
            command: Some(command),
            ..
        }) => on_runtime(&opts, async |st| backups::command(st, command).await),
        Some(Command::Backups {
            json,
            command: None,
        }) => backups::run(&opts, json),
        Some(Command::Chaos {
            command: Some(command),
            ..
        }) => on_runtime(&opts, async |st| chaos::command(st, command).await),
        Some(Command::Chaos {
            json,
            command: None,
        }) => chaos::run(&opts, json),
        Some(Command::Deps { workload, json }) => deps::run(&opts, &workload, json),
        Some(Command::Config {
            command: ConfigCommand::Check,
        }) => check::run(&opts),
        Some(Command::Completions { shell }) => shell::completions(shell),
        Some(Command::Man) => shell::man(),
        Some(Command::Changes {
            demo: d,
            since,
            json,
            timeout,
        }) => changes::run(&opts, demo || d, &since, json, timeout),
        Some(Command::Snapshot {
            demo: d,
            json,
            timeout,
        }) => reports::snapshot(&opts, demo || d, json, timeout),
        Some(Command::Query {
            text,
            demo: d,
            json,
            timeout,
        }) => query::run(&opts, demo || d, &text, json, timeout),
        None => console::run(&opts, demo, cli.theme, cli.keymap),
    }
}

/// The log file; without one (an unwritable dir, a bad level) fleetdeck
/// says so once and goes on.
fn start_log(cli: &Cli) {
    let dir = match crate::paths::Paths::resolve(cli.config.as_deref()) {
        Ok(p) => p.log_dir,
        Err(_) => return,
    };
    let level = crate::logging::level(
        cli.log_level.as_deref(),
        cli.verbose,
        std::env::var("FLEETDECK_LOG").ok(),
    );
    if let Err(e) = crate::logging::init(&dir, &level) {
        errln!("fleetdeck: {e}; no log file this run");
    }
}

fn act(opts: &Options, op: Operation, a: ActionFlags) -> anyhow::Result<ExitCode> {
    let st = load(opts)?;
    let args = ActionArgs {
        target: a.target,
        reason: a.reason,
        yes: a.yes,
        force: a.force,
        override_gate: a.override_gate,
    };
    let rt = tokio::runtime::Runtime::new()?;
    let code = rt.block_on(act::run(&st, op, &args))?;
    Ok(ExitCode::from(code as u8))
}

/// Runs one of the release commands on a fresh runtime; its exit code.
fn on_runtime<F>(opts: &Options, f: F) -> anyhow::Result<ExitCode>
where
    F: AsyncFnOnce(&Startup) -> anyhow::Result<i32>,
{
    let st = load(opts)?;
    let rt = tokio::runtime::Runtime::new()?;
    let code = rt.block_on(f(&st))?;
    Ok(ExitCode::from(code as u8))
}
