//! The headless face of the pipeline: `fleetdeck scale` and `fleetdeck
//! restart`. Same plan, pre-flight, confirmation rules and journal as the TUI.

use std::io::{BufRead, IsTerminal, Write};

use serde_json::Value;

use super::action::Operation;
use super::journaled::{self, Executed};
use super::pipeline::{plan, plan_checked, whoami, Outcome, Plan, Preflight};
use super::target::Target;
use crate::fleet::kubeconfig::client_for;
use crate::journal::Journal;
use crate::startup::Startup;

pub struct ActionArgs {
    pub target: String,
    pub reason: Option<String>,
    pub yes: bool,
    /// Skip the pre-flight and let the API server decide (it will say 403).
    pub force: bool,
}

/// Exit codes: 0 done, 1 error, 2 conflict, 3 denied or unavailable,
/// 4 applied but not verified, 5 not confirmed.
pub async fn run(st: &Startup, op: Operation, args: &ActionArgs) -> anyhow::Result<i32> {
    let target = Target::parse(&args.target).map_err(anyhow::Error::msg)?;
    let meta = st.config.meta_for(&target.context);
    if !st
        .kubeconfig
        .contexts
        .iter()
        .any(|c| c.name == target.context)
    {
        anyhow::bail!("no context {:?} in the kubeconfig", target.context);
    }
    let journal = Journal::open(&st.paths.journal_dir)
        .map_err(|e| anyhow::anyhow!("journal {}: {e}", st.paths.journal_dir.display()))?;
    let client = client_for(&st.kubeconfig, &target.context, meta.read_only)
        .await
        .map_err(anyhow::Error::msg)?;
    let kubeconfig = st.kubeconfig.clone();
    let read_only = meta.read_only;
    for line in journaled::reconcile(&journal, |ctx: String| {
        let kubeconfig = kubeconfig.clone();
        async move { client_for(&kubeconfig, &ctx, read_only).await.ok() }
    })
    .await?
    {
        eprintln!("fleetdeck: {line}");
    }
    let identity = whoami(&client).await;
    let reason = args.reason.clone().unwrap_or_default();
    let plan = if args.force && !meta.read_only {
        let plan = plan(&client, &target, op).await?;
        print_plan(&plan);
        plan
    } else {
        let (plan, pf) = plan_checked(&client, &target, op, meta.read_only).await?;
        print_plan(&plan);
        match pf {
            Preflight::Ready { after } => print_diff(&plan, &after),
            Preflight::Unavailable(why) => {
                journaled::denied(&journal, &plan, &reason, identity, &why)?;
                eprintln!("fleetdeck: {}: unavailable: {why}", plan.target);
                return Ok(3);
            }
            Preflight::Stale => unreachable!("plan_checked resolves Stale"),
        }
        plan
    };
    let Some(reason) = confirm(&plan, &meta, args)? else {
        eprintln!("fleetdeck: not confirmed; nothing was sent");
        return Ok(5);
    };
    let Executed {
        id,
        outcome,
        warnings,
    } = journaled::run(&client, &journal, &plan, &reason, identity).await?;
    for w in &warnings {
        eprintln!("fleetdeck: warning: {w}");
    }
    Ok(report(&plan, &id, &outcome))
}

fn print_plan(plan: &Plan) {
    let r = &plan.request;
    println!("target:   {}", plan.target);
    println!(
        "request:  PATCH ({}) {}{}",
        serde_json::to_value(r.patch_type)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        plan.target.kind.name().to_lowercase(),
        r.subresource
            .as_ref()
            .map(|s| format!("/{s}"))
            .unwrap_or_default()
    );
    println!("body:     {}", r.body);
    println!("guard:    resourceVersion {}", plan.rv_before);
    println!("affects:  {} pod(s) in 1 cluster", plan.pods);
}

/// The object as it is and as the server's dry-run says it would be.
pub fn diff(before: &Value, after: &Value) -> String {
    let yaml = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("managedFields");
            m.remove("resourceVersion");
            m.remove("generation");
        }
        if let Some(o) = v.as_object_mut() {
            o.remove("status");
        }
        serde_saphyr::to_string(&v).unwrap_or_default()
    };
    let (a, b) = (yaml(before), yaml(after));
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(2)
        .header("live", "after")
        .to_string()
}

fn print_diff(plan: &Plan, after: &Value) {
    let d = diff(&plan.before_view, after);
    if d.trim().is_empty() {
        println!("diff:     (no change to the spec)");
    } else {
        println!("diff (server-side dry-run):\n{d}");
    }
}

/// The reason is required; protected clusters and destructive actions also
/// need the target's name typed. `--yes` confirms for scripts.
fn confirm(
    plan: &Plan,
    meta: &crate::fleet::summary::ClusterMeta,
    args: &ActionArgs,
) -> anyhow::Result<Option<String>> {
    let must_type = meta.protected || plan.destructive;
    if args.yes {
        let reason = args.reason.clone().filter(|r| !r.trim().is_empty());
        return reason.map(Some).ok_or_else(|| {
            anyhow::anyhow!("--yes needs --reason TEXT: every action is journaled with why")
        });
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        anyhow::bail!("no terminal to confirm on: pass --yes --reason TEXT");
    }
    let mut lines = stdin.lock().lines();
    let mut ask = |prompt: &str| -> anyhow::Result<String> {
        print!("{prompt}");
        std::io::stdout().flush()?;
        Ok(lines
            .next()
            .transpose()?
            .unwrap_or_default()
            .trim()
            .to_string())
    };
    let reason = match args.reason.clone().filter(|r| !r.trim().is_empty()) {
        Some(r) => r,
        None => ask("reason (required): ")?,
    };
    if reason.is_empty() {
        return Ok(None);
    }
    let ok = if must_type {
        ask(&format!("type {} to confirm: ", plan.target.name))? == plan.target.name
    } else {
        matches!(ask("proceed? [y/N] ")?.as_str(), "y" | "Y" | "yes")
    };
    Ok(ok.then_some(reason))
}

fn report(plan: &Plan, id: &str, outcome: &Outcome) -> i32 {
    let t = &plan.target;
    match outcome {
        Outcome::Done { rv_after } => {
            println!(
                "done: {} {t} (resourceVersion {rv_after}; journal {id})",
                plan.op.name()
            );
            0
        }
        Outcome::Unverified { rv_after } => {
            eprintln!("fleetdeck: {t}: applied (resourceVersion {rv_after}) but the expected state did not appear in time; journal {id}");
            4
        }
        Outcome::Conflict(e) => {
            eprintln!("fleetdeck: {t}: conflict: {e}");
            2
        }
        Outcome::Denied(e) => {
            eprintln!("fleetdeck: {t}: denied (403): {e}");
            3
        }
        Outcome::Failed(e) => {
            eprintln!("fleetdeck: {t}: failed: {e}");
            1
        }
    }
}
