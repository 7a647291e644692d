//! Pre-flight: does the service land where what it calls is healthy? A
//! workload moved to a standby whose payments fail there fails with it.
//! Said as a warning (the standby may still be the better place); a graph
//! that cannot be read is said as unknown, at the same level.

use super::backend::Backend;
use super::preflight::{check, Check, State};
use super::resolve::{Action, Resolved};
use crate::config::Config;
use crate::deps::graph::Node;

const NAME: &str = "dependencies";

/// The workloads the steps act on in `ctx`.
fn moved(steps: &[Resolved], ctx: &str) -> Vec<Node> {
    let mut v: Vec<Node> = steps
        .iter()
        .flat_map(|s| &s.actions)
        .filter_map(|a| match a {
            Action::Mutate { target, .. } | Action::Wait { target, .. }
                if target.context == ctx && !target.name.is_empty() =>
            {
                Some(Node::new(&target.namespace, &target.name))
            }
            _ => None,
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

pub async fn standby(b: &impl Backend, config: &Config, ctx: &str, steps: &[Resolved]) -> Check {
    let moving = moved(steps, ctx);
    if moving.is_empty() {
        return check(State::Ok, ctx, NAME, "no workload moves here");
    }
    let d = match b.deps(ctx, config).await {
        Ok(d) => d,
        Err(e) => return check(State::Warn, ctx, NAME, format!("unknown: {e}")),
    };
    let mut failing = Vec::new();
    for n in &moving {
        // What the plan itself scales up is not a failing dependency.
        for f in d
            .failing(n)
            .into_iter()
            .filter(|f| !moving.contains(&f.workload))
        {
            failing.push(format!("{n} calls {}", f.short()));
        }
    }
    if !failing.is_empty() {
        return check(State::Warn, ctx, NAME, failing.join("; "));
    }
    let calls: usize = moving.iter().map(|n| d.graph.calls(n).count()).sum();
    let deps = |n: usize| match n {
        1 => "1 dependency".to_string(),
        n => format!("{n} dependencies"),
    };
    match (&d.traffic_error, calls) {
        (Some(e), 0) => check(
            State::Warn,
            ctx,
            NAME,
            format!("unknown: {e}; nothing declared"),
        ),
        (Some(e), n) => check(
            State::Warn,
            ctx,
            NAME,
            format!("{} healthy (declared); traffic unknown: {e}", deps(n)),
        ),
        (None, 0) => check(
            State::Ok,
            ctx,
            NAME,
            "it calls nothing the mesh saw or anyone declared",
        ),
        (None, n) => check(State::Ok, ctx, NAME, format!("{} healthy", deps(n))),
    }
}
