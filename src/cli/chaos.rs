//! `fleetdeck chaos`: every experiment in the fleet, active first, with what
//! it hits (read-only); `chaos pause|resume|stop|start` act through the one
//! pipeline, journaled.

use std::process::ExitCode;

use crate::chaos::fleet::{FleetChaos, Found};
use crate::chaos::{read, ChaosKind};
use crate::fleet::kubeconfig::client_for;
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;
use crate::startup::{Options, Startup};

#[derive(Debug, clap::Subcommand)]
pub enum ChaosCommand {
    /// Pause a Chaos Mesh experiment, Schedule or Workflow (its pause
    /// annotation, as Chaos Mesh's dashboard sets it). TARGET is
    /// CONTEXT/NAMESPACE/KIND/NAME, KIND as `networkchaos`.
    Pause {
        #[command(flatten)]
        flags: super::release::Flags,
    },
    /// Resume a paused Chaos Mesh experiment (TARGET as for pause).
    Resume {
        #[command(flatten)]
        flags: super::release::Flags,
    },
    /// Stop a LitmusChaos engine (`engineState: stop`); TARGET is
    /// CONTEXT/NAMESPACE/ENGINE.
    Stop {
        #[command(flatten)]
        flags: super::release::Flags,
    },
    /// Start an `[[experiment]]` from the config on one cluster: TARGET is
    /// CONTEXT/EXPERIMENT. Held while an SLO of its service pages
    /// (--override to start anyway; journaled).
    Start {
        #[command(flatten)]
        flags: super::release::Flags,
    },
}

fn chaos_target(text: &str) -> anyhow::Result<Target> {
    let t = Target::parse(text).map_err(anyhow::Error::msg)?;
    match t.kind {
        ObjectKind::Chaos(k) if !k.litmus() => Ok(t),
        _ => anyhow::bail!("{text:?}: not a Chaos Mesh kind (networkchaos, podchaos, …, schedule.chaos-mesh.org, workflow.chaos-mesh.org)"),
    }
}

pub async fn command(st: &Startup, cmd: ChaosCommand) -> anyhow::Result<i32> {
    let (flags, target, op) = match cmd {
        ChaosCommand::Pause { flags } => {
            let t = chaos_target(&flags.target)?;
            (flags, t, Operation::Pause)
        }
        ChaosCommand::Resume { flags } => {
            let t = chaos_target(&flags.target)?;
            (flags, t, Operation::Resume)
        }
        ChaosCommand::Stop { flags } => {
            let t = Target::parse_named(&flags.target, ObjectKind::Chaos(ChaosKind::ChaosEngine))
                .map_err(anyhow::Error::msg)?;
            (flags, t, Operation::Stop)
        }
        ChaosCommand::Start { flags } => {
            let (t, op) = declared(st, &flags.target)?;
            (flags, t, op)
        }
    };
    super::act::run_on(st, target, op, &flags.args()).await
}

/// `CONTEXT/EXPERIMENT` → the object the `[[experiment]]` declares, on that
/// context, if it may run there.
fn declared(st: &Startup, text: &str) -> anyhow::Result<(Target, Operation)> {
    let Some((context, name)) = text.rsplit_once('/') else {
        anyhow::bail!("{text:?}: expected CONTEXT/EXPERIMENT");
    };
    let cfg = &st.config;
    let group = cfg.meta_for(context).group;
    crate::ops::chaos::declared(
        &cfg.experiments,
        &cfg.services,
        context,
        group.as_deref(),
        name,
    )
    .map_err(anyhow::Error::msg)
}

pub fn run(opts: &Options, json: bool) -> anyhow::Result<ExitCode> {
    let st = super::load(opts)?;
    for w in &st.warnings {
        errln!("fleetdeck: {w}");
    }
    let rt = tokio::runtime::Runtime::new()?;
    let found: Vec<Found> = rt.block_on(async {
        let reads = st.metas.iter().filter(|m| !m.context.is_empty()).map(|m| {
            let kc = &st.kubeconfig;
            async move {
                let read = match client_for(kc, &m.context, true).await {
                    Ok(c) => Ok(read::cluster(&c, &m.context).await),
                    Err(e) => Err(e.message),
                };
                Found::of(&m.context, read)
            }
        });
        futures::future::join_all(reads).await
    });
    let fleet = FleetChaos {
        at: Some(chrono::Utc::now()),
        clusters: found,
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&fleet.report())?);
    } else {
        out!("{}", text(&fleet));
    }
    // A cluster that could not be read may be running anything.
    let unread = fleet.clusters.iter().any(|c| c.note.is_some());
    Ok(if unread {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn text(fleet: &FleetChaos) -> String {
    let now = chrono::Utc::now();
    let mut out = format!(
        "{:<20} {:<14} {:<28} {:<9} {:>10}  {}\n",
        "CONTEXT", "KIND", "NAMESPACE/NAME", "STATE", "FOR", "HITS"
    );
    for e in fleet.rows() {
        let age = e
            .since
            .filter(|_| e.phase.active())
            .map(|t| crate::chaos::minutes((now - t).num_seconds()))
            .unwrap_or_else(|| "-".into());
        let verdict = e
            .results
            .iter()
            .map(|r| {
                format!(
                    " [{} {}]",
                    r.experiment,
                    r.verdict.as_deref().unwrap_or("-")
                )
            })
            .collect::<String>();
        out.push_str(&format!(
            "{:<20} {:<14} {:<28} {:<9} {:>10}  {}{verdict}\n",
            e.context,
            e.kind.name(),
            format!("{}/{}", e.namespace, e.name),
            e.phase.as_str(),
            age,
            e.reach(),
        ));
    }
    for c in &fleet.clusters {
        if let Some(n) = &c.note {
            out.push_str(&format!("{}: {n}\n", c.context));
        }
    }
    out
}
