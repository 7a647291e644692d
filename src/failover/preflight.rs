//! Before a failover moves anything: the standby allowed (residency),
//! reachable and healthy; room for what is scaled up; RBAC and a
//! server-side dry-run of every write (the ops pipeline's own pre-flight);
//! the hourly cost change. Objects that do not exist are reported here.

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams};
use kube::Client;
use serde::Serialize;
use serde_json::Value;

use super::capacity::{self, Resources};
use super::clusters::Clusters;
use super::plan::Plan;
use super::policy::{self, Region};
use super::resolve::{resolve, Action, Resolved};
use crate::config::Config;
use crate::cost::catalog::Catalog;
use crate::fleet::kubeconfig::kube_message;
use crate::ops::action::PatchRequest;
use crate::ops::build::Declared;
use crate::ops::pipeline::{plan_checked, Preflight};
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Ok,
    /// The run must not start.
    Stop,
    /// Will be skipped when run (the primary is unreachable).
    Skip,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Stop => "STOP",
            State::Skip => "skip",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub state: State,
    pub cluster: String,
    pub name: String,
    pub detail: String,
}

/// One write as it would be sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    pub step: usize,
    pub target: String,
    pub requests: Vec<PatchRequest>,
    pub describe: Vec<String>,
    pub guard: String,
    pub diff: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub plan: String,
    pub standby: String,
    pub steps: Vec<String>,
    pub checks: Vec<Check>,
    pub previews: Vec<Preview>,
    /// Hourly cost change of the scale steps (standby up, primary down).
    pub cost_per_hour: Option<f64>,
}

impl Report {
    pub fn blocks(&self) -> bool {
        self.checks.iter().any(|c| c.state == State::Stop)
    }
}

fn check(state: State, cluster: &str, name: &str, detail: impl Into<String>) -> Check {
    Check {
        state,
        cluster: cluster.to_string(),
        name: name.to_string(),
        detail: detail.into(),
    }
}

async fn nodes(client: &Client) -> Result<Vec<Node>, String> {
    Api::<Node>::all(client.clone())
        .list(&ListParams::default())
        .await
        .map(|l| l.items)
        .map_err(|e| kube_message(&e))
}

/// A cluster's region: its `[[cluster]]` entry, else its nodes' label.
pub async fn region(config: &Config, clusters: &Clusters, ctx: &str) -> Region {
    if let Some(r) = config.meta_for(ctx).region {
        return Region::Config(r);
    }
    let Ok(client) = clusters.client(ctx) else {
        return Region::Unknown;
    };
    let Ok(nodes) = nodes(client).await else {
        return Region::Unknown;
    };
    let labels = nodes.iter().filter_map(|n| {
        n.metadata
            .labels
            .as_ref()?
            .get("topology.kubernetes.io/region")
            .map(String::as_str)
    });
    policy::majority(labels).map_or(Region::Unknown, Region::NodeLabel)
}

/// The residency rule for one cluster; `Ok` when the plan names no policy.
pub async fn allowed(
    plan: &Plan,
    config: &Config,
    clusters: &Clusters,
    ctx: &str,
) -> Result<(), String> {
    let Some(name) = &plan.policy else {
        return Ok(());
    };
    let r = region(config, clusters, ctx).await;
    policy::check(name, config.policies.get(name), ctx, &r)
}

/// Reachable and not excluded: Ready nodes at least the health policy's share.
async fn healthy(config: &Config, clusters: &Clusters, ctx: &str) -> Result<String, String> {
    let client = clusters.reachable(ctx).await?;
    let nodes = nodes(client)
        .await
        .map_err(|e| format!("{ctx}: nodes: {e}"))?;
    let (ready, all) = capacity::ready_share(&nodes);
    let min = config.policy().min_ready_nodes;
    if all == 0 || (ready as f64) < min * all as f64 {
        return Err(format!(
            "{ctx} is excluded: {ready}/{all} nodes Ready (health.min_ready_nodes {min})"
        ));
    }
    Ok(format!("reachable, {ready}/{all} nodes Ready"))
}

/// The standby to use: `requested`, else the first in order that the
/// policy allows and that is healthy, with why each one before it was
/// passed over. `Err` says why none (or the requested one) can.
pub async fn choose(
    plan: &Plan,
    config: &Config,
    clusters: &Clusters,
    requested: Option<&str>,
) -> Result<(String, Vec<String>), String> {
    if let Some(s) = requested {
        if !plan.standbys.iter().any(|x| x == s) {
            return Err(format!(
                "{s} is not a standby of plan {} (standbys: {})",
                plan.name,
                plan.standbys.join(", ")
            ));
        }
        allowed(plan, config, clusters, s)
            .await
            .map_err(|e| format!("standby {s} refused: {e}"))?;
        return Ok((s.to_string(), Vec::new()));
    }
    let mut why = Vec::new();
    for s in &plan.standbys {
        match allowed(plan, config, clusters, s).await {
            Err(e) => why.push(format!("{s} refused: {e}")),
            Ok(()) => match healthy(config, clusters, s).await {
                Ok(_) => return Ok((s.clone(), why)),
                Err(e) => why.push(e),
            },
        }
    }
    Err(format!(
        "no standby can take {}: {}",
        plan.service,
        why.join("; ")
    ))
}

/// k8gb serves `Gslb` in two groups; use the one this cluster has.
pub async fn locate(client: &Client, t: &Target) -> Target {
    if t.kind != ObjectKind::Gslb {
        return t.clone();
    }
    if let Ok(Some(_)) = t.api(client).get_opt(&t.name).await {
        return t.clone();
    }
    let legacy = Target {
        kind: ObjectKind::GslbLegacy,
        ..t.clone()
    };
    match legacy.api(client).get_opt(&t.name).await {
        Ok(Some(_)) => legacy,
        _ => t.clone(),
    }
}

/// One target per node of the cluster, for a cordon step.
pub async fn node_targets(client: &Client, ctx: &str) -> Result<Vec<Target>, String> {
    let list = nodes(client)
        .await
        .map_err(|e| format!("{ctx}: nodes: {e}"))?;
    Ok(list
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .map(|n| Target::new(ctx, "", ObjectKind::Node, &n))
        .collect())
}

/// The whole pre-flight for `standby`.
pub async fn run(
    plan: &Plan,
    standby: &str,
    config: &Config,
    catalog: &Catalog,
    clusters: &Clusters,
) -> Report {
    let mut checks = Vec::new();
    let mut previews = Vec::new();
    let mut cost = None::<f64>;
    let steps = match resolve(plan, standby) {
        Ok(s) => s,
        Err(e) => {
            checks.push(check(State::Stop, standby, "plan", e));
            Vec::new()
        }
    };
    if let Err(e) = allowed(plan, config, clusters, standby).await {
        checks.push(check(State::Stop, standby, "residency", e));
    } else if let Some(p) = &plan.policy {
        let r = region(config, clusters, standby).await;
        let detail = format!("policy {p} allows {}", r.name().unwrap_or("?"));
        checks.push(check(State::Ok, standby, "residency", detail));
    }
    match healthy(config, clusters, standby).await {
        Ok(d) => checks.push(check(State::Ok, standby, "standby health", d)),
        Err(e) => checks.push(check(State::Stop, standby, "standby health", e)),
    }
    let primary_down = clusters.reachable(&plan.primary).await.err();
    if let Some(e) = &primary_down {
        let detail = format!("{e}: its steps will be skipped and recorded");
        checks.push(check(State::Skip, &plan.primary, "primary", detail));
    }
    for step in &steps {
        for action in &step.actions {
            let ctx = action.context();
            let down = if ctx == plan.primary {
                primary_down.clone()
            } else {
                clusters.reachable(ctx).await.err()
            };
            if let Some(e) = down {
                let state = if ctx == plan.primary {
                    State::Skip
                } else {
                    State::Stop
                };
                checks.push(check(state, ctx, &label(step), e));
                continue;
            }
            let Ok(client) = clusters.client(ctx) else {
                continue;
            };
            let ro = clusters.read_only(ctx);
            match action {
                Action::Mutate { target, op } => {
                    let t = locate(client, target).await;
                    let c = dry_run(client, step, &t, op, ro, &mut previews).await;
                    if let (Operation::Scale { replicas }, State::Ok) = (op, c.state) {
                        let (room, delta) = scale_room(client, catalog, &t, *replicas).await;
                        if let Some(r) = room {
                            checks.push(r);
                        }
                        if let Some(d) = delta {
                            *cost.get_or_insert(0.0) += d;
                        }
                    }
                    checks.push(c);
                }
                Action::Wait { target, .. } => {
                    let found = target.api(client).get_opt(&target.name).await;
                    checks.push(match found {
                        Ok(Some(_)) => check(
                            State::Ok,
                            ctx,
                            &label(step),
                            format!("{} exists", target.short()),
                        ),
                        Ok(None) => check(
                            State::Stop,
                            ctx,
                            &label(step),
                            format!("{} does not exist", target.short()),
                        ),
                        Err(e) => check(State::Stop, ctx, &label(step), kube_message(&e)),
                    });
                }
                Action::CordonNodes { .. } => match node_targets(client, ctx).await {
                    Ok(ts) => {
                        for t in ts {
                            let op = Operation::Cordon { on: true };
                            let c = dry_run(client, step, &t, &op, ro, &mut previews).await;
                            checks.push(c);
                        }
                    }
                    Err(e) => checks.push(check(State::Stop, ctx, &label(step), e)),
                },
            }
        }
    }
    Report {
        plan: plan.name.clone(),
        standby: standby.to_string(),
        steps: steps
            .iter()
            .map(|s| {
                let a: Vec<String> = s.actions.iter().map(Action::describe).collect();
                format!("{}. {}", s.index + 1, a.join("; "))
            })
            .collect(),
        checks,
        previews,
        cost_per_hour: cost,
    }
}

fn label(step: &Resolved) -> String {
    format!("step {} {}", step.index + 1, step.kind)
}

/// RBAC and the server-side dry-run of one write, through the ops pipeline.
async fn dry_run(
    client: &Client,
    step: &Resolved,
    t: &Target,
    op: &Operation,
    read_only: bool,
    previews: &mut Vec<Preview>,
) -> Check {
    let name = label(step);
    match plan_checked(client, t, op.clone(), &Declared::default(), read_only).await {
        Err(e) => check(State::Stop, &t.context, &name, e.to_string()),
        Ok((p, Preflight::Ready { after })) => {
            previews.push(Preview {
                step: step.index,
                target: t.to_string(),
                describe: p.requests.iter().map(|r| r.describe(t.kind)).collect(),
                requests: p.requests.clone(),
                guard: p.rv_before.clone(),
                diff: crate::ops::cli::diff(&p.before_view, &after),
            });
            let what = p.summary.unwrap_or_else(|| op.name().to_string());
            check(
                State::Ok,
                &t.context,
                &name,
                format!("{}: RBAC and dry-run ok ({what})", t.short()),
            )
        }
        Ok((_, Preflight::Unavailable(why))) => check(
            State::Stop,
            &t.context,
            &name,
            format!("{}: {why}", t.short()),
        ),
        Ok((_, Preflight::Stale)) => check(
            State::Stop,
            &t.context,
            &name,
            format!("{}: keeps changing", t.short()),
        ),
    }
}

/// For a scale: whether the added pods fit (scale-ups only) and the hourly
/// cost change.
async fn scale_room(
    client: &Client,
    catalog: &Catalog,
    t: &Target,
    replicas: i32,
) -> (Option<Check>, Option<f64>) {
    let Ok(obj) = t.api(client).get(&t.name).await else {
        return (None, None);
    };
    let obj = serde_json::to_value(obj).unwrap_or(Value::Null);
    let current = obj
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let delta = replicas as i64 - current;
    let pod = capacity::per_pod(&obj);
    let Ok(nodes) = nodes(client).await else {
        return (None, None);
    };
    let cost = capacity::pod_cost_per_hour(&nodes, catalog, pod).map(|c| c * delta as f64);
    if delta <= 0 {
        return (None, cost);
    }
    let pods = Api::<Pod>::all(client.clone())
        .list(&ListParams::default())
        .await
        .map(|l| l.items);
    let room = match pods {
        Err(e) => check(
            State::Stop,
            &t.context,
            "capacity",
            format!("pods: {}", kube_message(&e)),
        ),
        Ok(pods) => {
            let need = Resources {
                cpu_millis: pod.cpu_millis * delta as u64,
                memory: pod.memory * delta as u64,
            };
            let free = capacity::free(&nodes, &pods);
            match capacity::fits(need, free) {
                Ok(()) => check(
                    State::Ok,
                    &t.context,
                    "capacity",
                    format!(
                        "{} +{delta} pods: {}m CPU / {:.2} GiB needed, {}m / {:.2} GiB free",
                        t.short(),
                        need.cpu_millis,
                        need.memory as f64 / crate::cost::model::GIB,
                        free.cpu_millis,
                        free.memory as f64 / crate::cost::model::GIB
                    ),
                ),
                Err(e) => check(
                    State::Stop,
                    &t.context,
                    "capacity",
                    format!("{} +{delta} pods: {e}", t.short()),
                ),
            }
        }
    };
    (Some(room), cost)
}
