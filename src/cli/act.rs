//! The headless face of the pipeline: `fleetdeck scale|restart|rollout|canary|
//! bluegreen …`. Same plan, pre-flight, gate, confirmation rules and journal
//! as the TUI.

use std::io::{BufRead, IsTerminal};

use kube::Client;
use serde_json::Value;

use crate::fleet::kubeconfig::client_for;
use crate::fleet::summary::ClusterMeta;
use crate::journal::Journal;
use crate::ops::action::Operation;
use crate::ops::diff::diff;
use crate::ops::journaled::{self, Executed};
use crate::ops::pipeline::{plan, plan_checked, whoami, Outcome, Plan, Preflight};
use crate::ops::target::{ObjectKind, Target};
use crate::startup::Startup;
use crate::verdict::Verdict;

#[derive(Debug, Clone, Default)]
pub struct ActionArgs {
    pub target: String,
    pub reason: Option<String>,
    pub yes: bool,
    /// Skip the pre-flight and let the API server decide (it will say 403).
    pub force: bool,
    /// Act although the gate says stop (journaled with the reason).
    pub override_gate: bool,
}

/// Exit codes: 0 done, 1 error, 2 conflict, 3 denied, unavailable or stopped
/// by the gate, 4 applied but not verified, 5 not confirmed.
pub async fn run(st: &Startup, op: Operation, args: &ActionArgs) -> anyhow::Result<i32> {
    let target = Target::parse(&args.target).map_err(anyhow::Error::msg)?;
    run_on(st, target, op, args).await
}

/// The same, for a target whose kind the command gave.
pub async fn run_on(
    st: &Startup,
    target: Target,
    op: Operation,
    args: &ActionArgs,
) -> anyhow::Result<i32> {
    let cx = Cluster::open(st, &target.context).await?;
    Ok(cx.act(st, &target, op, args, None).await?.0)
}

/// One cluster's client, journal and identity for a CLI action.
pub struct Cluster {
    pub client: Client,
    pub meta: ClusterMeta,
    pub journal: Journal,
    pub identity: Option<String>,
}

impl Cluster {
    pub async fn open(st: &Startup, context: &str) -> anyhow::Result<Cluster> {
        let meta = st.config.meta_for(context);
        if !st.kubeconfig.contexts.iter().any(|c| c.name == context) {
            anyhow::bail!("no context {context:?} in the kubeconfig");
        }
        let journal = Journal::open(&st.paths.journal_dir)
            .map_err(|e| anyhow::anyhow!("journal {}: {e}", st.paths.journal_dir.display()))?;
        let client = client_for(&st.kubeconfig, context, meta.read_only)
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
            errln!("fleetdeck: {line}");
        }
        let identity = whoami(&client).await;
        Ok(Cluster {
            client,
            meta,
            journal,
            identity,
        })
    }

    /// Plan, pre-flight, gate, confirm, execute, report. Returns the exit code
    /// and the plan when one was made.
    pub async fn act(
        &self,
        st: &Startup,
        target: &Target,
        op: Operation,
        args: &ActionArgs,
        group: Option<&str>,
    ) -> anyhow::Result<(i32, Option<Plan>)> {
        let reason = args.reason.clone().unwrap_or_default();
        let prom = crate::slo::sources::PromClient::new(&st.config.prometheus);
        let declared = crate::ops::declared::judged(&st.config, &prom, target, &op, &self.meta);
        let read_only = self.meta.read_only;
        let planned = if args.force && !read_only {
            plan(&self.client, target, op, &declared)
                .await
                .map(|p| (p, None))
        } else {
            plan_checked(&self.client, target, op, &declared, read_only)
                .await
                .map(|(p, pf)| (p, Some(pf)))
        };
        let (mut plan, pf) = match planned {
            Ok(p) => p,
            Err(e) => {
                errln!("fleetdeck: {e}");
                return Ok((1, None));
            }
        };
        plan.group = group.map(String::from);
        print_plan(&plan);
        match pf {
            Some(Preflight::Ready { after }) => print_diff(&plan, &after),
            Some(Preflight::Unavailable(why)) => {
                journaled::denied(&self.journal, &plan, &reason, self.identity.clone(), &why)?;
                errln!("fleetdeck: {}: unavailable: {why}", plan.target);
                return Ok((3, Some(plan)));
            }
            Some(Preflight::Stale) | None => {}
        }
        if plan.gate.as_ref().is_some_and(Verdict::blocks) {
            if !args.override_gate {
                let why = crate::ops::pipeline::gate_refusal(&plan);
                journaled::denied(&self.journal, &plan, &reason, self.identity.clone(), &why)?;
                errln!(
                    "fleetdeck: {}: the gate says stop; nothing was sent (--override to act anyway; the override is journaled with your reason)",
                    plan.target
                );
                return Ok((3, Some(plan)));
            }
            plan.overridden = true;
            outln!("override: acting against the gate's stop verdict");
        }
        let Some(reason) = confirm(&plan, &self.meta, args)? else {
            errln!("fleetdeck: not confirmed; nothing was sent");
            return Ok((5, Some(plan)));
        };
        let Executed {
            id,
            outcome,
            warnings,
            replanned,
        } = journaled::run(
            &self.client,
            &self.journal,
            &plan,
            &reason,
            self.identity.clone(),
        )
        .await?;
        for (i, moved) in replanned.iter().enumerate() {
            outln!(
                "re-plan:  attempt {} after a conflict: {moved}; sent again",
                i + 2
            );
        }
        for w in &warnings {
            errln!("fleetdeck: warning: {w}");
        }
        Ok((report(&plan, &id, &outcome), Some(plan)))
    }
}

fn print_plan(plan: &Plan) {
    outln!("target:   {}", plan.target);
    if let Some(s) = &plan.summary {
        outln!("now:      {s}");
    }
    for (i, r) in plan.requests.iter().enumerate() {
        let label = if i == 0 { "request: " } else { "then:    " };
        let fallback = if r.fallback_main {
            " (on 404: the main resource)"
        } else {
            ""
        };
        outln!("{label} {}{fallback}", r.describe(plan.target.kind));
        outln!("body:     {}", r.body);
    }
    outln!("guard:    resourceVersion {}", plan.rv_before);
    outln!("affects:  {} pod(s) in 1 cluster", plan.pods);
    if let Some(g) = &plan.gate {
        outln!("gate:     {}", g.state.as_str());
        for c in &g.checks {
            outln!("          {} {}: {}", c.state.as_str(), c.name, c.detail);
        }
    }
}

fn print_diff(plan: &Plan, after: &Value) {
    let d = diff(&plan.before_view, after);
    if d.trim().is_empty() {
        outln!("diff:     (no change)");
    } else {
        outln!("diff (server-side dry-run):\n{d}");
    }
}

/// The reason is required; protected clusters and destructive actions also
/// need the target's name typed. `--yes` confirms for scripts.
pub fn confirm(
    plan: &Plan,
    meta: &ClusterMeta,
    args: &ActionArgs,
) -> anyhow::Result<Option<String>> {
    let must_type = meta.protected || plan.destructive;
    ask_confirmation(&plan.target.name, must_type, args)
}

/// `--yes --reason` for scripts; otherwise ask on the terminal.
pub fn ask_confirmation(
    name: &str,
    must_type: bool,
    args: &ActionArgs,
) -> anyhow::Result<Option<String>> {
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
        out!("{prompt}");
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
        ask(&format!("type {name} to confirm: "))? == name
    } else {
        matches!(ask("proceed? [y/N] ")?.as_str(), "y" | "Y" | "yes")
    };
    Ok(ok.then_some(reason))
}

fn report(plan: &Plan, id: &str, outcome: &Outcome) -> i32 {
    let t = &plan.target;
    match outcome {
        Outcome::Done { rv_after } => {
            outln!(
                "done: {} {t} (resourceVersion {rv_after}; journal {id})",
                plan.op.name()
            );
            0
        }
        Outcome::Unverified { rv_after } => {
            errln!("fleetdeck: {t}: applied (resourceVersion {rv_after}) but the expected state did not appear in time; journal {id}");
            4
        }
        Outcome::Conflict(e) => {
            errln!("fleetdeck: {t}: conflict: {e}");
            2
        }
        Outcome::Denied(e) => {
            errln!("fleetdeck: {t}: denied: {e}");
            3
        }
        Outcome::Failed(e) => {
            errln!("fleetdeck: {t}: failed: {e}");
            1
        }
    }
}

/// `canary step CONTEXT/NS/NAME`: the kind from the config's declaration,
/// else whichever of HTTPRoute / VirtualService exists by that name.
pub async fn route_target(st: &Startup, text: &str) -> anyhow::Result<Target> {
    if let Ok(t) = Target::parse(text) {
        if matches!(t.kind, ObjectKind::HttpRoute | ObjectKind::VirtualService) {
            return Ok(t);
        }
    }
    let t = Target::parse_named(text, ObjectKind::HttpRoute).map_err(anyhow::Error::msg)?;
    if let Some(kind) =
        crate::ops::declared::route_kind(&st.config, &t.context, &t.namespace, &t.name)
    {
        return Ok(Target { kind, ..t });
    }
    let meta = st.config.meta_for(&t.context);
    let client = client_for(&st.kubeconfig, &t.context, meta.read_only)
        .await
        .map_err(anyhow::Error::msg)?;
    for kind in [ObjectKind::HttpRoute, ObjectKind::VirtualService] {
        let api: kube::Api<kube::api::DynamicObject> =
            kube::Api::namespaced_with(client.clone(), &t.namespace, &kind.api_resource());
        if let Ok(Some(_)) = api.get_opt(&t.name).await {
            return Ok(Target { kind, ..t });
        }
    }
    anyhow::bail!("{text}: no HTTPRoute or VirtualService of that name (name the kind: CONTEXT/NS/httproute/NAME)")
}

/// `bluegreen flip … --scale-down-old`: after a verified flip, scale the
/// side that no longer gets traffic to zero — each its own confirmed,
/// journaled action in the flip's group.
pub async fn bluegreen(
    st: &Startup,
    target: Target,
    back: bool,
    scale_down_old: bool,
    args: &ActionArgs,
) -> anyhow::Result<i32> {
    let cx = Cluster::open(st, &target.context).await?;
    let group = scale_down_old.then(journaled::new_id);
    let (code, plan) = cx
        .act(
            st,
            &target,
            Operation::Flip { back },
            args,
            group.as_deref(),
        )
        .await?;
    let (0, Some(plan), true) = (code, plan, scale_down_old) else {
        return Ok(code);
    };
    let svc = serde_json::to_value(&plan.before).unwrap_or(Value::Null);
    let spec = crate::ops::traffic::declared(
        &svc,
        crate::ops::traffic::BLUEGREEN_ANNOTATION,
        crate::ops::declared::declared(&st.config, &target).bluegreen,
    )
    .map_err(anyhow::Error::msg)?;
    let old = svc
        .pointer("/spec/selector")
        .and_then(|s| s.get(&spec.label))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let api: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        cx.client.clone(),
        &target.namespace,
        &ObjectKind::Deployment.api_resource(),
    );
    let deps: Vec<Value> = api
        .list(&Default::default())
        .await?
        .items
        .into_iter()
        .filter_map(|d| serde_json::to_value(d).ok())
        .collect();
    let sel = crate::ops::traffic::selector_for(&svc, &spec.label, &old);
    let mut worst = 0;
    for d in crate::ops::traffic::selected(&sel, &deps) {
        let name = d
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        outln!(
            "\nscale down the old side ({}={old}): deployment {name}",
            spec.label
        );
        let t = target.sibling(ObjectKind::Deployment, name);
        let (c, _) = cx
            .act(
                st,
                &t,
                Operation::Scale { replicas: 0 },
                args,
                group.as_deref(),
            )
            .await?;
        worst = worst.max(c);
    }
    Ok(worst)
}
