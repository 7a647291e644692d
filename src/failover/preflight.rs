//! Before a failover moves anything: the standby allowed (residency),
//! reachable and healthy; room for what is scaled up; RBAC and a
//! server-side dry-run of every write (the ops pipeline's own pre-flight);
//! the hourly cost change. Objects that do not exist are reported here.

use serde::Serialize;

use super::backend::Backend;
use super::plan::Plan;
use super::policy::{self, Region};
use super::resolve::{resolve, Action, Resolved};
use crate::config::Config;
use crate::cost::catalog::Catalog;
use crate::ops::action::PatchRequest;
use crate::ops::pipeline::Preflight;
use crate::ops::target::Target;
use crate::ops::Operation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Ok,
    /// The run must not start.
    Stop,
    /// Will be skipped when run (the primary is unreachable).
    Skip,
    /// Said, not blocking (a recovery point older than the service's objective).
    Warn,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Stop => "STOP",
            State::Skip => "skip",
            State::Warn => "warn",
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

pub fn check(state: State, cluster: &str, name: &str, detail: impl Into<String>) -> Check {
    Check {
        state,
        cluster: cluster.to_string(),
        name: name.to_string(),
        detail: detail.into(),
    }
}

/// A cluster's region: its `[[cluster]]` entry, else its nodes' label.
pub async fn region(config: &Config, b: &impl Backend, ctx: &str) -> Region {
    if let Some(r) = config.meta_for(ctx).region {
        return Region::Config(r);
    }
    b.node_region(ctx)
        .await
        .map_or(Region::Unknown, Region::NodeLabel)
}

/// The residency rule for one cluster; `Ok` when the plan names no policy.
pub async fn allowed(
    plan: &Plan,
    config: &Config,
    b: &impl Backend,
    ctx: &str,
) -> Result<(), String> {
    let Some(name) = &plan.policy else {
        return Ok(());
    };
    let r = region(config, b, ctx).await;
    policy::check(name, config.policies.get(name), ctx, &r)
}

/// The standby to use: `requested`, else the first in order that the
/// policy allows and that is healthy, with why each one before it was
/// passed over. `Err` says why none (or the requested one) can.
pub async fn choose(
    plan: &Plan,
    config: &Config,
    b: &impl Backend,
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
        allowed(plan, config, b, s)
            .await
            .map_err(|e| format!("standby {s} refused: {e}"))?;
        return Ok((s.to_string(), Vec::new()));
    }
    let min = config.policy().min_ready_nodes;
    let mut why = Vec::new();
    for s in &plan.standbys {
        match allowed(plan, config, b, s).await {
            Err(e) => why.push(format!("{s} refused: {e}")),
            Ok(()) => match b.healthy(s, min).await {
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

/// The whole pre-flight for `standby`.
pub async fn run(
    plan: &Plan,
    standby: &str,
    config: &Config,
    catalog: &Catalog,
    b: &impl Backend,
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
    if let Err(e) = allowed(plan, config, b, standby).await {
        checks.push(check(State::Stop, standby, "residency", e));
    } else if let Some(p) = &plan.policy {
        let r = region(config, b, standby).await;
        let detail = format!("policy {p} allows {}", r.name().unwrap_or("?"));
        checks.push(check(State::Ok, standby, "residency", detail));
    }
    match b.healthy(standby, config.policy().min_ready_nodes).await {
        Ok(d) => checks.push(check(State::Ok, standby, "standby health", d)),
        Err(e) => checks.push(check(State::Stop, standby, "standby health", e)),
    }
    let primary_down = b.reachable(&plan.primary).await.err();
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
                b.reachable(ctx).await.err()
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
            match action {
                Action::Mutate { target, op } => {
                    let t = b.locate(target).await;
                    let c = dry_run(b, step, &t, op, &mut previews).await;
                    if let (Operation::Scale { replicas }, State::Ok) = (op, c.state) {
                        let (room, delta) = b.room(&t, *replicas, catalog).await;
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
                    checks.push(match b.get(target).await {
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
                        Err(e) => check(State::Stop, ctx, &label(step), e),
                    });
                }
                Action::CordonNodes { .. } => match b.node_targets(ctx).await {
                    Ok(ts) => {
                        for t in ts {
                            let op = Operation::Cordon { on: true };
                            checks.push(dry_run(b, step, &t, &op, &mut previews).await);
                        }
                    }
                    Err(e) => checks.push(check(State::Stop, ctx, &label(step), e)),
                },
            }
        }
    }
    checks.push(recovery_point(plan, config, b, &steps).await);
    let ns = namespaces(&steps);
    if primary_down.is_none() {
        checks.push(chaos(b, &plan.primary, true, &ns).await);
    }
    checks.push(chaos(b, standby, false, &ns).await);
    checks.push(super::deps_check::standby(b, config, standby, &steps).await);
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

/// The namespaces the steps act in.
fn namespaces(steps: &[Resolved]) -> Vec<&str> {
    let mut ns: Vec<&str> = steps
        .iter()
        .flat_map(|s| &s.actions)
        .filter_map(|a| match a {
            Action::Mutate { target, .. } | Action::Wait { target, .. } => {
                Some(target.namespace.as_str())
            }
            Action::CordonNodes { .. } => None,
        })
        .filter(|n| !n.is_empty())
        .collect();
    ns.sort();
    ns.dedup();
    ns
}

/// Is this incident an experiment? One running on the primary in the
/// service's namespaces refuses the run (pause or stop it first); anywhere
/// else it is said. Experiments that cannot be read hold the run like one
/// running: nobody should fail a region over for an experiment unseen.
async fn chaos(b: &impl Backend, ctx: &str, primary: bool, namespaces: &[&str]) -> Check {
    let name = "chaos";
    let read = match b.chaos(ctx).await {
        Ok(r) => r,
        Err(e) => return check(State::Stop, ctx, name, format!("unknown: {e}")),
    };
    let now = chrono::Utc::now();
    let active: Vec<&crate::chaos::Experiment> = read
        .experiments
        .iter()
        .filter(|e| e.phase.active())
        .collect();
    let here: Vec<&&crate::chaos::Experiment> = active
        .iter()
        .filter(|e| namespaces.iter().any(|n| e.hits_namespace(n)))
        .collect();
    let list = |v: &[&&crate::chaos::Experiment]| {
        v.iter()
            .map(|e| format!("{} {}/{}", e.describe(now), e.namespace, e.name))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if !here.is_empty() {
        let state = if primary { State::Stop } else { State::Warn };
        let what = if primary {
            "is this incident the experiment? pause or stop it first"
        } else {
            "the standby is under an experiment too"
        };
        return check(state, ctx, name, format!("{}: {what}", list(&here)));
    }
    if !read.problems.is_empty() {
        let why = format!("unknown: {}", read.problems.join("; "));
        return check(State::Stop, ctx, name, why);
    }
    if !active.is_empty() {
        let others: Vec<&&crate::chaos::Experiment> = active.iter().collect();
        let detail = format!("{} (not in {})", list(&others), namespaces.join(", "));
        return check(State::Warn, ctx, name, detail);
    }
    let detail = if read.installed {
        "no experiment running"
    } else {
        "no Chaos Mesh or LitmusChaos"
    };
    check(State::Ok, ctx, name, detail)
}

/// The data the run moves and how old its newest recovery point is: the
/// newest successful backup, on any cluster of the plan, whose namespaces
/// cover the steps' namespaces. Older than `max_data_loss` refuses; older
/// than the service's objective warns; unreadable with a limit set is
/// unknown and holds the run like a failure.
async fn recovery_point(
    plan: &Plan,
    config: &Config,
    b: &impl Backend,
    steps: &[Resolved],
) -> Check {
    let name = "recovery point";
    let namespaces = namespaces(steps);
    let limit = plan
        .max_data_loss
        .as_deref()
        .and_then(crate::basics::duration::parse)
        .map(|d| (d.as_secs() as i64, "max_data_loss"));
    let objective = config
        .services
        .iter()
        .find(|s| s.name == plan.service)
        .and_then(|s| s.rpo_seconds())
        .map(|r| (r as i64, "the service's rpo"));
    let now = chrono::Utc::now();
    let mut newest: Option<(chrono::DateTime<chrono::Utc>, String, String)> = None;
    let mut unread = Vec::new();
    let clusters = std::iter::once(&plan.primary).chain(&plan.standbys);
    for ctx in clusters {
        match b.backups(ctx).await {
            Ok(Some(h)) => {
                for bk in h.backups.iter().filter(|bk| bk.phase == "Completed") {
                    let covers = namespaces
                        .iter()
                        .all(|n| crate::backups::covers(&bk.included_namespaces, n));
                    if let (true, Some(t)) = (covers, bk.completion) {
                        if newest.as_ref().is_none_or(|(n, _, _)| t > *n) {
                            newest = Some((t, bk.name.clone(), ctx.clone()));
                        }
                    }
                }
            }
            Ok(None) => {}
            Err(e) => unread.push(format!("{ctx}: {e}")),
        }
    }
    let hours = |s: i64| format!("{:.1}h", s as f64 / 3600.0);
    let what = format!("namespaces {}", namespaces.join(", "));
    let Some((at, backup, ctx)) = newest else {
        let why = if unread.is_empty() {
            format!("no successful backup covers {what} on any cluster of the plan")
        } else {
            format!(
                "unknown: no readable backup covers {what} ({})",
                unread.join("; ")
            )
        };
        let state = if limit.is_some() {
            State::Stop
        } else {
            State::Warn
        };
        return check(state, &plan.primary, name, why);
    };
    let age = (now - at).num_seconds().max(0);
    let detail = format!(
        "{what}: backup {backup} on {ctx}, completed {}, {} old",
        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        hours(age)
    );
    match limit.or(objective) {
        Some((max, from)) if age > max => {
            let state = if from == "max_data_loss" {
                State::Stop
            } else {
                State::Warn
            };
            check(
                state,
                &ctx,
                name,
                format!("{detail}: older than {from} {}", hours(max)),
            )
        }
        Some((max, from)) => check(
            State::Ok,
            &ctx,
            name,
            format!("{detail}, within {from} {}", hours(max)),
        ),
        None => check(State::Ok, &ctx, name, detail),
    }
}

fn label(step: &Resolved) -> String {
    format!("step {} {}", step.index + 1, step.kind)
}

/// RBAC and the server-side dry-run of one write, through the ops pipeline.
async fn dry_run(
    b: &impl Backend,
    step: &Resolved,
    t: &Target,
    op: &Operation,
    previews: &mut Vec<Preview>,
) -> Check {
    let name = label(step);
    match b.plan(t, op.clone()).await {
        Err(e) => check(State::Stop, &t.context, &name, e),
        Ok((p, Preflight::Ready { after })) => {
            previews.push(Preview {
                step: step.index,
                target: t.to_string(),
                describe: p.requests.iter().map(|r| r.describe(t.kind)).collect(),
                requests: p.requests.clone(),
                guard: p.rv_before.clone(),
                diff: crate::ops::diff::diff(&p.before_view, &after),
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
