//! Waves: the same promote or flip across a group of clusters, one cluster
//! at a time, each waiting to be healthy before the next starts, stopping at
//! the first failure. Several targets go in dependency order within each
//! cluster (what is called before its callers), each verified healthy before
//! the next. One journal group for the whole wave.

use std::time::{Duration, Instant};

use kube::api::{Api, DynamicObject};
use serde_json::Value;

use super::act::{ask_confirmation, ActionArgs, Cluster};
use crate::deps::graph::{show_cycle, Node};
use crate::deps::read;
use crate::fleet::rollout::{rollout_info, Phase};
use crate::ops::journaled::new_id;
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;
use crate::startup::Startup;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveOp {
    /// `promote --full` on a Rollout, then wait for Healthy.
    Promote,
    /// Flip a blue/green Service, then wait for the new side to stay ready.
    Flip,
}

/// One context per cluster of the group, in kubeconfig order. Where several
/// contexts reach one cluster it is stepped once, through the context the
/// config puts in the group (else the first of them).
pub fn members(st: &Startup, group: &str) -> Vec<String> {
    let in_group = |c: &str| st.config.meta_for(c).group.as_deref() == Some(group);
    let own = |c: &str| st.config.own_meta(c).group.as_deref() == Some(group);
    let mut picked: Vec<String> = Vec::new();
    for ctx in st.kubeconfig.contexts.iter().map(|c| c.name.as_str()) {
        if !in_group(ctx) {
            continue;
        }
        let same = st.config.merged.iter().find(|g| g.iter().any(|c| c == ctx));
        let earlier = same.and_then(|g| picked.iter().position(|p| g.contains(p)));
        match earlier {
            Some(i) if own(ctx) && !own(&picked[i]) => picked[i] = ctx.to_string(),
            Some(_) => {}
            None => picked.push(ctx.to_string()),
        }
    }
    picked
}

/// NAMESPACE/NAME → a node.
fn parse_target(text: &str) -> anyhow::Result<Node> {
    text.split_once('/')
        .filter(|(a, b)| !a.is_empty() && !b.is_empty() && !b.contains('/'))
        .map(|(ns, name)| Node::new(ns, name))
        .ok_or_else(|| anyhow::anyhow!("{text:?}: expected NAMESPACE/NAME"))
}

/// One cluster of the wave: its connection and the order its targets take
/// (dependencies first), or why it cannot be stepped.
struct Leg {
    context: String,
    plan: Result<(Cluster, Vec<Node>), String>,
}

/// Opens each cluster and, for several targets, orders them by the
/// cluster's dependency graph. A cycle among them refuses the whole wave.
async fn plan(st: &Startup, clusters: &[String], targets: &[Node]) -> anyhow::Result<Vec<Leg>> {
    let prom = crate::slo::sources::PromClient::new(&st.config.prometheus);
    let mut legs = Vec::new();
    for ctx in clusters {
        let plan = match Cluster::open(st, ctx).await {
            Err(e) => Err(e.to_string()),
            Ok(cx) if targets.len() == 1 => Ok((cx, targets.to_vec())),
            Ok(cx) => match read::graph(&cx.client, &st.config, &prom, &cx.meta).await {
                Err(e) => Err(format!("its dependencies could not be read: {e}")),
                Ok(d) => {
                    if let Some(e) = &d.traffic_error {
                        errln!("fleetdeck: {ctx}: {e}; ordered by declared dependencies only");
                    }
                    match d.graph.release_order(targets) {
                        Ok(order) => Ok((cx, order)),
                        Err(c) => anyhow::bail!(
                            "{ctx}: the targets' dependencies form a cycle: {}; no order to release them in, nothing was sent",
                            show_cycle(&c)
                        ),
                    }
                }
            },
        };
        legs.push(Leg {
            context: ctx.clone(),
            plan,
        });
    }
    Ok(legs)
}

pub async fn run(
    st: &Startup,
    op: WaveOp,
    group: &str,
    targets: &[String],
    timeout: Duration,
    args: &ActionArgs,
) -> anyhow::Result<i32> {
    let targets: Vec<Node> = targets
        .iter()
        .map(|t| parse_target(t))
        .collect::<anyhow::Result<_>>()?;
    if targets.is_empty() {
        anyhow::bail!("no target: give NAMESPACE/NAME (several are released in dependency order)");
    }
    let clusters = members(st, group);
    if clusters.is_empty() {
        anyhow::bail!(
            "no cluster is in group {group:?} (set `group` in the config's [[cluster]] entries)"
        );
    }
    let (kind, operation) = match op {
        WaveOp::Promote => (ObjectKind::Rollout, Operation::Promote { full: true }),
        WaveOp::Flip => (ObjectKind::Service, Operation::Flip { back: false }),
    };
    let legs = plan(st, &clusters, &targets).await?;
    let names = |v: &[Node]| {
        v.iter()
            .map(Node::to_string)
            .collect::<Vec<_>>()
            .join(" → ")
    };
    outln!(
        "wave: {} {} across {} cluster(s), one at a time: {}",
        operation.name(),
        names(&targets),
        clusters.len(),
        clusters.join(" → ")
    );
    if targets.len() > 1 {
        for leg in &legs {
            match &leg.plan {
                Ok((_, order)) => {
                    outln!("  {}: {} (dependencies first)", leg.context, names(order))
                }
                Err(e) => outln!("  {}: {e}", leg.context),
            }
        }
    }
    // One reason and one confirmation for the wave; each step is journaled.
    let Some(reason) = ask_confirmation(group, true, args)? else {
        errln!("fleetdeck: not confirmed; nothing was sent");
        return Ok(5);
    };
    let step_args = ActionArgs {
        reason: Some(reason),
        yes: true,
        ..args.clone()
    };
    let wave_id = format!("wave-{}", new_id());
    for (i, leg) in legs.iter().enumerate() {
        let ctx = &leg.context;
        outln!("\n[{}/{}] {ctx}", i + 1, legs.len());
        let stopped = |at: String, left: Vec<String>| {
            let rest: Vec<String> = left
                .into_iter()
                .chain(legs[i + 1..].iter().map(|l| l.context.clone()))
                .collect();
            errln!(
                "fleetdeck: wave {wave_id} stopped at {at}; not touched: {}",
                if rest.is_empty() {
                    "none".into()
                } else {
                    rest.join(", ")
                }
            );
        };
        let (cx, order) = match &leg.plan {
            Ok(p) => p,
            Err(e) => {
                errln!("fleetdeck: {ctx}: {e}");
                stopped(ctx.clone(), Vec::new());
                return Ok(1);
            }
        };
        for (j, node) in order.iter().enumerate() {
            let t = Target::new(ctx, &node.namespace, kind, &node.name);
            let (mut code, _) = cx
                .act(st, &t, operation.clone(), &step_args, Some(&wave_id))
                .await?;
            if code == 0 {
                if let Err(why) = wait_healthy(cx, &t, op, timeout).await {
                    errln!("fleetdeck: {t}: not healthy: {why}");
                    code = 4;
                }
            }
            if code != 0 {
                let left = order[j + 1..]
                    .iter()
                    .map(|n| format!("{ctx}/{n}"))
                    .collect();
                stopped(format!("{ctx} ({node})"), left);
                return Ok(code);
            }
            if order.len() > 1 {
                outln!("{ctx}: {node} healthy");
            }
        }
        outln!("{ctx}: healthy");
    }
    outln!("\nwave {wave_id}: done on {} cluster(s)", legs.len());
    Ok(0)
}

/// Healthy means: a Rollout Healthy with the new pods stable; a flipped
/// Service's new side with all its pods ready.
async fn wait_healthy(
    cx: &Cluster,
    t: &Target,
    op: WaveOp,
    timeout: Duration,
) -> Result<(), String> {
    let start = Instant::now();
    let api: Api<DynamicObject> =
        Api::namespaced_with(cx.client.clone(), &t.namespace, &t.api_resource());
    let deps: Api<DynamicObject> = Api::namespaced_with(
        cx.client.clone(),
        &t.namespace,
        &ObjectKind::Deployment.api_resource(),
    );
    let mut last = String::new();
    loop {
        let obj = api.get(&t.name).await.map_err(|e| e.to_string())?;
        let v = serde_json::to_value(&obj).unwrap_or(Value::Null);
        let ok = match op {
            WaveOp::Promote => match rollout_info(&v) {
                Some(i) => {
                    last = format!("{} {}", i.phase, i.message);
                    if i.phase == Phase::Degraded {
                        return Err(last);
                    }
                    i.phase == Phase::Healthy
                        && i.stable_rs.is_some()
                        && i.stable_rs == i.current_pod_hash
                }
                None => false,
            },
            WaveOp::Flip => {
                let sel = v
                    .pointer("/spec/selector")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let all: Vec<Value> = deps
                    .list(&Default::default())
                    .await
                    .map_err(|e| e.to_string())?
                    .items
                    .into_iter()
                    .filter_map(|d| serde_json::to_value(d).ok())
                    .collect();
                let verdict = crate::ops::traffic::side_ready("live side", &sel, &all);
                last = verdict.summary();
                !verdict.blocks()
            }
        };
        if ok {
            return Ok(());
        }
        if start.elapsed() > timeout {
            return Err(format!(
                "still not healthy after {}s: {last}",
                timeout.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
