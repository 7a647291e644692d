//! `fleetdeck backups`: how much data a failover would lose, per cluster and
//! Velero schedule, worst first. Reads each cluster once (read-only).

use std::process::ExitCode;

use serde_json::json;

use crate::backups::fleet::{FleetBackups, Found};
use crate::backups::{read, Objectives, Row, State};
use crate::fleet::kubeconfig::client_for;
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;
use crate::startup::{Options, Startup};

#[derive(Debug, clap::Subcommand)]
pub enum BackupsCommand {
    /// Back up now: a Backup from a schedule's template, as `velero backup
    /// create --from-schedule` makes it (TARGET is CONTEXT/NAMESPACE/SCHEDULE).
    Now {
        #[command(flatten)]
        flags: super::release::Flags,
    },
}

/// `fleetdeck backups now …`: through the one pipeline, journaled.
pub async fn command(st: &Startup, cmd: BackupsCommand) -> anyhow::Result<i32> {
    let BackupsCommand::Now { flags } = cmd;
    let t = Target::parse_named(&flags.target, ObjectKind::VeleroSchedule)
        .map_err(anyhow::Error::msg)?;
    super::act::run_on(st, t, Operation::BackupNow, &flags.args()).await
}

pub fn run(opts: &Options, json: bool) -> anyhow::Result<ExitCode> {
    let st = super::load(opts)?;
    for w in &st.warnings {
        errln!("fleetdeck: {w}");
    }
    let rt = tokio::runtime::Runtime::new()?;
    let now = chrono::Utc::now();
    let found: Vec<Found> = rt.block_on(async {
        let reads = st.metas.iter().filter(|m| !m.context.is_empty()).map(|m| {
            let (kc, cfg) = (&st.kubeconfig, &st.config);
            async move {
                let held = match client_for(kc, &m.context, true).await {
                    Ok(c) => read::holdings(&c).await,
                    Err(e) => Err(e.message),
                };
                let objectives = Objectives {
                    services: &cfg.services,
                    cluster: cfg.cluster_rpo(&m.context),
                };
                Found::of(&m.context, m.group.as_deref(), held, objectives, now)
            }
        });
        futures::future::join_all(reads).await
    });
    let fleet = FleetBackups {
        at: Some(now),
        clusters: found,
    };
    let rows = fleet.worst_first();
    let found = &fleet.clusters;
    if json {
        let v = json!({
            "backups": rows,
            "locations": found.iter().flat_map(|f| f.locations.iter().map(move |l| json!({
                "context": f.context, "name": l.name, "phase": l.phase,
            }))).collect::<Vec<_>>(),
            "restores": found.iter().flat_map(|f| f.restores.iter().map(move |r| json!({
                "context": f.context, "name": r.name, "phase": r.phase, "backup": r.backup,
            }))).collect::<Vec<_>>(),
            "notes": found.iter().filter_map(|f| f.note.as_ref().map(|n| json!({
                "context": f.context, "note": n,
            }))).collect::<Vec<_>>(),
        });
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        out!("{}", text(&rows, found));
    }
    // A cluster that could not be read is not "no backups to worry about".
    let bad = found.iter().any(Found::unread)
        || rows
            .iter()
            .any(|r| matches!(r.state, State::Failing | State::Late));
    Ok(if bad {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn text(rows: &[&Row], found: &[Found]) -> String {
    let age = |s: Option<i64>| s.map_or("-".to_string(), |s| format!("{:.1}h", s as f64 / 3600.0));
    let mut out = format!(
        "{:<20} {:<28} {:<8} {:>8} {:>8}  {}\n",
        "CONTEXT", "SCHEDULE", "STATE", "AGE", "RPO", "WHY"
    );
    for r in rows {
        let why = r
            .last_error
            .clone()
            .or_else(|| r.warning.clone())
            .or_else(|| r.rpo_from.clone().map(|f| format!("objective from {f}")))
            .unwrap_or_default();
        out.push_str(&format!(
            "{:<20} {:<28} {:<8} {:>8} {:>8}  {why}\n",
            r.context,
            r.schedule,
            serde_json::to_value(r.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            age(r.age_seconds),
            age(r.rpo_seconds),
        ));
    }
    for f in found {
        for l in &f.locations {
            out.push_str(&format!(
                "{}: storage location {} is {}\n",
                f.context,
                l.name,
                l.phase.as_deref().unwrap_or("not validated")
            ));
        }
        for r in &f.restores {
            out.push_str(&format!("{}: restore {} {}\n", f.context, r.name, r.phase));
        }
        if let Some(n) = &f.note {
            out.push_str(&format!("{}: {n}\n", f.context));
        }
    }
    out
}
