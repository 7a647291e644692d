//! The release commands' command line (`rollout`, `canary`, `bluegreen`,
//! `wave`): clap definitions and the dispatch into the pipeline.

use std::time::Duration;

use clap::Subcommand;

use super::act::{self as cli, ActionArgs};
use super::wave::{self, WaveOp};
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;
use crate::startup::Startup;

#[derive(Debug, Clone, clap::Args)]
pub struct Flags {
    /// CONTEXT/NAMESPACE/NAME (parsed from the right: contexts may contain '/').
    pub target: String,
    /// Why: required, journaled, and put on the object's Event.
    #[arg(long)]
    pub reason: Option<String>,
    /// Do not ask for confirmation (needs --reason).
    #[arg(long)]
    pub yes: bool,
    /// Skip the pre-flight checks and let the API server decide.
    #[arg(long)]
    pub force: bool,
    /// Act although the gate says stop; journaled with the reason.
    #[arg(long = "override")]
    pub override_gate: bool,
}

impl Flags {
    pub fn args(&self) -> ActionArgs {
        ActionArgs {
            target: self.target.clone(),
            reason: self.reason.clone(),
            yes: self.yes,
            force: self.force,
            override_gate: self.override_gate,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum RolloutCommand {
    /// One step (as `kubectl argo rollouts promote`); --full skips the rest.
    Promote {
        #[command(flatten)]
        flags: Flags,
        #[arg(long)]
        full: bool,
    },
    /// Back to stable: canary weight 0, the stable ReplicaSet scaled up.
    Abort {
        #[command(flatten)]
        flags: Flags,
    },
    /// Resume an aborted rollout.
    Retry {
        #[command(flatten)]
        flags: Flags,
    },
    Pause {
        #[command(flatten)]
        flags: Flags,
    },
    /// Clear the pause (manual or a pause step).
    Resume {
        #[command(flatten)]
        flags: Flags,
    },
    /// Roll the pod template back to the previous (or a given) revision.
    Undo {
        #[command(flatten)]
        flags: Flags,
        #[arg(long)]
        to_revision: Option<i64>,
    },
    /// Restart the pods (`spec.restartAt`).
    Restart {
        #[command(flatten)]
        flags: Flags,
    },
}

#[derive(Debug, Subcommand)]
pub enum CanaryCommand {
    /// The route's canary weight to the next value of its schedule.
    Step {
        /// CONTEXT/NAMESPACE/NAME, or CONTEXT/NAMESPACE/httproute|vs/NAME.
        #[command(flatten)]
        flags: Flags,
    },
    /// The canary weight to the previous value (0 before the first).
    Back {
        #[command(flatten)]
        flags: Flags,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlueGreenCommand {
    /// Point the Service at the other side, if that side is ready.
    Flip {
        #[command(flatten)]
        flags: Flags,
        /// After the flip, scale the old side's Deployments to 0 (confirmed separately).
        #[arg(long)]
        scale_down_old: bool,
    },
    /// Undo fleetdeck's last flip of this Service.
    FlipBack {
        #[command(flatten)]
        flags: Flags,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct WaveFlags {
    /// Cluster group (`group` in the config's [[cluster]] entries).
    pub group: String,
    /// NAMESPACE/NAME of the Rollout (promote) or Service (flip); several
    /// are released in dependency order (dependencies first) in each cluster.
    #[arg(required = true, num_args = 1..)]
    pub targets: Vec<String>,
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub yes: bool,
    /// Act although a cluster's gate says stop; journaled with the reason.
    #[arg(long = "override")]
    pub override_gate: bool,
    /// Seconds each cluster may take to become healthy.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum WaveCommand {
    /// `rollout promote --full` on each cluster of the group in turn.
    Promote {
        #[command(flatten)]
        flags: WaveFlags,
    },
    /// `bluegreen flip` on each cluster of the group in turn.
    Flip {
        #[command(flatten)]
        flags: WaveFlags,
    },
}

fn named(flags: &Flags, kind: ObjectKind) -> anyhow::Result<Target> {
    Target::parse_named(&flags.target, kind).map_err(anyhow::Error::msg)
}

pub async fn rollout(st: &Startup, cmd: RolloutCommand) -> anyhow::Result<i32> {
    let (flags, op) = match cmd {
        RolloutCommand::Promote { flags, full } => (flags, Operation::Promote { full }),
        RolloutCommand::Abort { flags } => (flags, Operation::Abort),
        RolloutCommand::Retry { flags } => (flags, Operation::Retry),
        RolloutCommand::Pause { flags } => (flags, Operation::Pause),
        RolloutCommand::Resume { flags } => (flags, Operation::Resume),
        RolloutCommand::Undo { flags, to_revision } => (flags, Operation::Undo { to_revision }),
        RolloutCommand::Restart { flags } => (flags, Operation::Restart),
    };
    let t = named(&flags, ObjectKind::Rollout)?;
    cli::run_on(st, t, op, &flags.args()).await
}

pub async fn canary(st: &Startup, cmd: CanaryCommand) -> anyhow::Result<i32> {
    let (flags, back) = match cmd {
        CanaryCommand::Step { flags } => (flags, false),
        CanaryCommand::Back { flags } => (flags, true),
    };
    let t = cli::route_target(st, &flags.target).await?;
    cli::run_on(st, t, Operation::Step { back }, &flags.args()).await
}

pub async fn bluegreen(st: &Startup, cmd: BlueGreenCommand) -> anyhow::Result<i32> {
    let (flags, back, scale_down) = match cmd {
        BlueGreenCommand::Flip {
            flags,
            scale_down_old,
        } => (flags, false, scale_down_old),
        BlueGreenCommand::FlipBack { flags } => (flags, true, false),
    };
    let t = named(&flags, ObjectKind::Service)?;
    cli::bluegreen(st, t, back, scale_down, &flags.args()).await
}

pub async fn wave(st: &Startup, cmd: WaveCommand) -> anyhow::Result<i32> {
    let (flags, op) = match cmd {
        WaveCommand::Promote { flags } => (flags, WaveOp::Promote),
        WaveCommand::Flip { flags } => (flags, WaveOp::Flip),
    };
    let args = ActionArgs {
        target: flags.targets.join(" "),
        reason: flags.reason.clone(),
        yes: flags.yes,
        force: false,
        override_gate: flags.override_gate,
    };
    let timeout = Duration::from_secs(flags.timeout);
    wave::run(st, op, &flags.group, &flags.targets, timeout, &args).await
}
