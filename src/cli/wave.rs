//! Waves: the same promote or flip across a group of clusters, one cluster
//! at a time, each waiting to be healthy before the next starts, stopping at
//! the first failure. One journal group for the whole wave.

use std::time::{Duration, Instant};

use kube::api::{Api, DynamicObject};
use serde_json::Value;

use super::act::{ask_confirmation, ActionArgs, Cluster};
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

pub async fn run(
    st: &Startup,
    op: WaveOp,
    group: &str,
    ns_name: &str,
    timeout: Duration,
    args: &ActionArgs,
) -> anyhow::Result<i32> {
    let (ns, name) = ns_name
        .split_once('/')
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .ok_or_else(|| anyhow::anyhow!("{ns_name:?}: expected NAMESPACE/NAME"))?;
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
    outln!(
        "wave: {} {ns}/{name} across {} cluster(s), one at a time: {}",
        operation.name(),
        clusters.len(),
        clusters.join(" → ")
    );
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
    for (i, ctx) in clusters.iter().enumerate() {
        outln!("\n[{}/{}] {ctx}", i + 1, clusters.len());
        let t = Target::new(ctx, ns, kind, name);
        let code = match Cluster::open(st, ctx).await {
            Ok(cx) => {
                let (code, _) = cx
                    .act(st, &t, operation.clone(), &step_args, Some(&wave_id))
                    .await?;
                if code == 0 {
                    match wait_healthy(&cx, &t, op, timeout).await {
                        Ok(()) => 0,
                        Err(why) => {
                            errln!("fleetdeck: {t}: not healthy: {why}");
                            4
                        }
                    }
                } else {
                    code
                }
            }
            Err(e) => {
                errln!("fleetdeck: {ctx}: {e}");
                1
            }
        };
        if code != 0 {
            let rest = &clusters[i + 1..];
            errln!(
                "fleetdeck: wave {wave_id} stopped at {ctx}; not touched: {}",
                if rest.is_empty() {
                    "none".into()
                } else {
                    rest.join(", ")
                }
            );
            return Ok(code);
        }
        outln!("{ctx}: healthy");
    }
    outln!("\nwave {wave_id}: done on {} cluster(s)", clusters.len());
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
