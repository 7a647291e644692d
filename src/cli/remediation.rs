//! `fleetdeck remediation list|show|approve|reject|snooze`. Approving
//! re-validates the proposal against live state first: a drift someone else
//! already fixed is dropped, not applied again. Exit codes: 0 done, 1 error,
//! 2 already applied / changed since proposed / conflict, 3 denied or
//! unavailable, 5 not confirmed.

use chrono::Utc;
use clap::Subcommand;

use super::act::{ask_confirmation, ActionArgs, Cluster};
use crate::journal::Journal;
use crate::remediation::queue::{Decision, Entry, Queue};
use crate::remediation::scan::{self, Found};
use crate::startup::Startup;

#[derive(Debug, Subcommand)]
pub enum RemediationCommand {
    /// Scan for proposals and list the open ones (pending, or snoozed past their time).
    List {
        #[arg(long)]
        json: bool,
        /// Include approved, rejected, snoozed and resolved ones.
        #[arg(long)]
        all: bool,
    },
    /// One proposal: its changes, who made them, the fix.
    Show { id: String },
    /// Re-validate and apply through the pipeline (several ids: one typed confirmation).
    Approve {
        #[arg(required = true)]
        ids: Vec<String>,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        yes: bool,
    },
    /// Decline a proposal for good (journaled).
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Hide a proposal until a time: a time-limited exception (journaled).
    Snooze {
        id: String,
        /// `2h`, `30m`, `7d` or RFC 3339.
        #[arg(long)]
        until: String,
        #[arg(long)]
        reason: String,
    },
}

fn journal(st: &Startup) -> anyhow::Result<Journal> {
    Journal::open(&st.paths.journal_dir)
        .map_err(|e| anyhow::anyhow!("journal {}: {e}", st.paths.journal_dir.display()))
}

fn queue(st: &Startup) -> anyhow::Result<Queue> {
    Queue::load(&st.paths.data_dir).map_err(anyhow::Error::msg)
}

/// Scans (no lock held meanwhile), then merges into the queue on disk.
async fn scan_into(st: &Startup, q: &mut Queue) -> anyhow::Result<Found> {
    let found = scan::scan(st, None, None).await;
    *q = Queue::update(&st.paths.data_dir, |disk| {
        disk.merge(&found.scanned, found.proposals.clone());
        Ok(disk.clone())
    })
    .map_err(anyhow::Error::msg)?;
    Ok(found)
}

pub async fn command(st: &Startup, cmd: RemediationCommand) -> anyhow::Result<i32> {
    let now = Utc::now();
    let mut q = queue(st)?;
    match cmd {
        RemediationCommand::List { json, all } => {
            let found = scan_into(st, &mut q).await?;
            for e in &found.errors {
                errln!("fleetdeck: {e}");
            }
            for f in &found.forbidden {
                errln!("fleetdeck: not readable by this identity: {f}");
            }
            let shown: Vec<&Entry> = q
                .entries
                .values()
                .filter(|e| all || e.decision.word(now) == "pending")
                .collect();
            if json {
                outln!("{}", serde_json::to_string_pretty(&shown)?);
            } else {
                if shown.is_empty() {
                    outln!("no open proposals");
                }
                for e in shown {
                    let p = &e.proposal;
                    outln!(
                        "{:<14} {:<9} {:<12} {:<44} {}{} — {}",
                        p.id,
                        e.decision.word(now),
                        p.source.as_str(),
                        format!("{}/{}", p.context, p.object),
                        p.risk.pods,
                        if p.risk.production {
                            " pods, production"
                        } else {
                            " pods"
                        },
                        p.summary
                    );
                    if let Some(pf) = p.preflight.as_deref().filter(|pf| *pf != "ok") {
                        outln!("{:<14} pre-flight: {pf}", "");
                    }
                }
            }
            Ok(if found.errors.is_empty() { 0 } else { 1 })
        }
        RemediationCommand::Show { id } => {
            let e = q.find(&id).map_err(anyhow::Error::msg)?;
            let p = &e.proposal;
            outln!(
                "proposal: {} ({}, {})",
                p.id,
                p.source.as_str(),
                e.decision.word(now)
            );
            outln!("object:   {}/{}", p.context, p.object);
            outln!("found:    {}", p.found.to_rfc3339());
            outln!(
                "risk:     {} pod(s){}",
                p.risk.pods,
                if p.risk.production {
                    ", production"
                } else {
                    ""
                }
            );
            if let Some(pf) = &p.preflight {
                outln!("pre-flight: {pf}");
            }
            for c in &p.changes {
                let who = c
                    .manager
                    .as_ref()
                    .map(|m| {
                        format!(
                            "  [{} {} {}]",
                            m.name,
                            m.operation,
                            m.time.as_deref().unwrap_or("")
                        )
                    })
                    .unwrap_or_default();
                outln!("  {}: {} → {}{who}", c.path, c.live, c.desired);
            }
            if let Some(op) = &p.op {
                outln!("fix:      {}", serde_json::to_string(op)?);
            }
            Ok(0)
        }
        RemediationCommand::Reject { id, reason } => {
            let journal = journal(st)?;
            let line = Queue::update(&st.paths.data_dir, |q| {
                crate::remediation::apply::decide(q, &journal, &id, &reason, None)
            })
            .map_err(anyhow::Error::msg)?;
            outln!("{line}");
            Ok(0)
        }
        RemediationCommand::Snooze {
            id,
            until: u,
            reason,
        } => {
            let until = crate::basics::duration::until(&u, now).map_err(anyhow::Error::msg)?;
            let journal = journal(st)?;
            let line = Queue::update(&st.paths.data_dir, |q| {
                crate::remediation::apply::decide(q, &journal, &id, &reason, Some(until))
            })
            .map_err(anyhow::Error::msg)?;
            outln!("{line} until {}", until.to_rfc3339());
            Ok(0)
        }
        RemediationCommand::Approve { ids, reason, yes } => {
            let entries: Vec<Entry> = ids
                .iter()
                .map(|id| q.find(id).cloned())
                .collect::<Result<_, _>>()
                .map_err(anyhow::Error::msg)?;
            let args = ActionArgs {
                reason: reason.clone(),
                yes,
                ..ActionArgs::default()
            };
            // A batch is confirmed once, by typing how many.
            let args = if entries.len() > 1 {
                let word = format!("approve {}", entries.len());
                let Some(r) = ask_confirmation(&word, true, &args)? else {
                    errln!("fleetdeck: not confirmed; nothing was sent");
                    return Ok(5);
                };
                ActionArgs {
                    reason: Some(r),
                    yes: true,
                    ..args
                }
            } else {
                args
            };
            let mut worst = 0;
            for e in entries {
                let code = approve(st, &mut q, &e, &args).await?;
                // An approval takes a while: decisions made meanwhile (the
                // console saves its own) are kept; only this one is written.
                q = Queue::update(&st.paths.data_dir, |fresh| {
                    for (id, entry) in &q.entries {
                        if *id == e.proposal.id || !fresh.entries.contains_key(id) {
                            fresh.entries.insert(id.clone(), entry.clone());
                        }
                    }
                    Ok(fresh.clone())
                })
                .map_err(anyhow::Error::msg)?;
                worst = worst.max(code);
            }
            Ok(worst)
        }
    }
}

/// Re-validate one proposal (its source, on its cluster, now), then apply
/// its fix through the pipeline.
async fn approve(st: &Startup, q: &mut Queue, e: &Entry, args: &ActionArgs) -> anyhow::Result<i32> {
    let now = Utc::now();
    let p = &e.proposal;
    match &e.decision {
        Decision::Approved { at, by, .. } => {
            errln!(
                "fleetdeck: {}: already approved by {by} at {}",
                p.id,
                at.to_rfc3339()
            );
            return Ok(2);
        }
        Decision::Rejected { by, .. } => {
            errln!("fleetdeck: {}: rejected by {by}; not applied", p.id);
            return Ok(2);
        }
        _ => {}
    }
    if p.op.is_none() {
        errln!(
            "fleetdeck: {}: a {} finding has no fix to apply (reject or snooze it to record an exception)",
            p.id,
            p.source.as_str()
        );
        return Ok(1);
    }
    let fresh = scan::scan(st, Some(&p.context), Some(p.source)).await;
    if let Some(err) = fresh.errors.first() {
        errln!("fleetdeck: {}: cannot re-validate: {err}", p.id);
        return Ok(1);
    }
    let same = fresh.proposals.iter().find(|f| f.id == p.id).cloned();
    let entry = q.entries.get_mut(&p.id).expect("found");
    let Some(fresh_p) = same else {
        let other = fresh
            .proposals
            .iter()
            .find(|f| f.object == p.object)
            .cloned();
        return Ok(match other {
            Some(o) => {
                errln!(
                    "fleetdeck: {}: changed since it was proposed (now {}: {}); nothing applied",
                    p.id,
                    o.id,
                    o.summary
                );
                q.merge(&[], vec![o]);
                2
            }
            None => {
                let note = "no longer found (fixed elsewhere); nothing applied".to_string();
                errln!("fleetdeck: {}: already applied: {note}", p.id);
                entry.decision = Decision::Resolved { at: now, note };
                2
            }
        });
    };
    let (Some(op), Some(target)) = (fresh_p.op.clone(), fresh_p.target.clone()) else {
        return Ok(1);
    };
    let Some(meta) = st.metas.iter().find(|m| m.context == p.context) else {
        anyhow::bail!("{}: context {} is not selected", p.id, p.context);
    };
    outln!("approve {}: {}", p.id, fresh_p.summary);
    let cx = Cluster::open(st, &meta.context).await?;
    let by = cx
        .identity
        .clone()
        .unwrap_or_else(crate::journal::local_operator);
    let group = format!("remediation-{}", p.id);
    let (code, _) = cx.act(st, &target, op, args, Some(&group)).await?;
    let outcome = match code {
        0 => "applied",
        4 => "unverified",
        5 => return Ok(5),
        _ => return Ok(code),
    };
    q.entries.get_mut(&p.id).expect("found").decision = Decision::Approved {
        by,
        reason: args.reason.clone().unwrap_or_default(),
        at: now,
        outcome: outcome.into(),
    };
    Ok(code)
}
