//! A plan made concrete for one standby: each step's actions with their
//! cluster and target. `primary`/`standby` become contexts; a Gslb step
//! becomes one action per cluster of the plan; a cordon lists the nodes
//! when it runs.

use std::time::Duration;

use super::plan::{Plan, Step};
use crate::ops::target::{ObjectKind, Target};
use crate::ops::Operation;

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A write through the mutation pipeline.
    Mutate { target: Target, op: Operation },
    /// Poll until the workload is ready (no write).
    Wait {
        target: Target,
        ready: Option<i32>,
        timeout: Duration,
    },
    /// Cordon every node of the cluster (listed when it runs).
    CordonNodes { context: String },
}

impl Action {
    pub fn context(&self) -> &str {
        match self {
            Action::Mutate { target, .. } | Action::Wait { target, .. } => &target.context,
            Action::CordonNodes { context } => context,
        }
    }

    /// `scale lab-b/shop/deployment/checkout to 3`, for the plan listing.
    pub fn describe(&self) -> String {
        match self {
            Action::Mutate { target, op } => match op {
                Operation::Scale { replicas } => format!("scale {target} to {replicas}"),
                Operation::Weights { weights } => {
                    let w: Vec<String> = weights.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!("weights {target}: {}", w.join(" "))
                }
                Operation::GeoTag { tag } => format!("primaryGeoTag {target} → {tag}"),
                Operation::Annotate { key, value } => {
                    format!(
                        "annotate {target} {key}={}",
                        value.as_deref().unwrap_or("(removed)")
                    )
                }
                op => format!("{} {target}", op.name()),
            },
            Action::Wait {
                target,
                ready,
                timeout,
            } => match ready {
                Some(n) => format!("wait {target}: ≥{n} ready (≤{}s)", timeout.as_secs()),
                None => format!("wait {target}: healthy (≤{}s)", timeout.as_secs()),
            },
            Action::CordonNodes { context } => format!("cordon every node of {context}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// 0-based position in the plan.
    pub index: usize,
    pub kind: &'static str,
    pub actions: Vec<Action>,
}

/// `5m`, `30s`, `1h`, `90` (seconds).
pub fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let with_unit = match t.ends_with(|c: char| c.is_ascii_digit()) {
        true => format!("{t}s"),
        false => t.to_string(),
    };
    crate::basics::duration::parse(&with_unit).ok_or_else(|| {
        format!("timeout {text:?}: expected a number with s, m, h or d (up to 100 years)")
    })
}

fn context(plan: &Plan, standby: &str, name: &str) -> String {
    match name {
        "primary" => plan.primary.clone(),
        "standby" => standby.to_string(),
        other => other.to_string(),
    }
}

fn target(ctx: &str, text: &str, kinds: &[ObjectKind]) -> Result<Target, String> {
    let t = Target::parse(&format!("{ctx}/{text}"))
        .map_err(|_| format!("{text:?}: expected NAMESPACE/KIND/NAME"))?;
    if !kinds.contains(&t.kind) {
        let names: Vec<&str> = kinds.iter().map(|k| k.short()).collect();
        return Err(format!(
            "{text:?}: the kind must be one of {}",
            names.join(", ")
        ));
    }
    Ok(t)
}

/// The plan's steps for `standby`; errors name the step.
pub fn resolve(plan: &Plan, standby: &str) -> Result<Vec<Resolved>, String> {
    use ObjectKind::*;
    let workloads = [Deployment, StatefulSet, Rollout];
    let mut out = Vec::new();
    for (index, step) in plan.steps.iter().enumerate() {
        let err = |e: String| format!("step {}: {e}", index + 1);
        let (kind, actions) = match step {
            Step::Scale {
                cluster,
                target: t,
                replicas,
            } => {
                let t = target(&context(plan, standby, cluster), t, &workloads).map_err(err)?;
                let op = Operation::Scale {
                    replicas: *replicas,
                };
                ("scale", vec![Action::Mutate { target: t, op }])
            }
            Step::Wait {
                cluster,
                target: t,
                ready,
                timeout,
            } => {
                let t = target(&context(plan, standby, cluster), t, &workloads).map_err(err)?;
                let timeout = duration(timeout).map_err(err)?;
                let ready = *ready;
                (
                    "wait",
                    vec![Action::Wait {
                        target: t,
                        ready,
                        timeout,
                    }],
                )
            }
            Step::Weights {
                cluster,
                route,
                weights,
            } => {
                let kinds = [HttpRoute, VirtualService, DnsEndpoint];
                let t = target(&context(plan, standby, cluster), route, &kinds).map_err(err)?;
                let op = Operation::Weights {
                    weights: weights.clone(),
                };
                ("weights", vec![Action::Mutate { target: t, op }])
            }
            Step::Gslb { gslb, geotag } => {
                let (ns, name) = gslb
                    .split_once('/')
                    .filter(|(a, b)| !a.is_empty() && !b.is_empty())
                    .ok_or_else(|| err(format!("gslb {gslb:?}: expected NAMESPACE/NAME")))?;
                let clusters = std::iter::once(&plan.primary).chain(plan.standbys.iter());
                let actions = clusters
                    .map(|c| Action::Mutate {
                        target: Target::new(c, ns, Gslb, name),
                        op: Operation::GeoTag {
                            tag: geotag.clone(),
                        },
                    })
                    .collect();
                ("gslb", actions)
            }
            Step::Cordon { cluster } => (
                "cordon",
                vec![Action::CordonNodes {
                    context: context(plan, standby, cluster),
                }],
            ),
            Step::Annotate {
                cluster,
                target: t,
                key,
                value,
            } => {
                let kinds = Operation::Annotate {
                    key: String::new(),
                    value: None,
                }
                .kinds();
                let t = target(&context(plan, standby, cluster), t, kinds).map_err(err)?;
                let op = Operation::Annotate {
                    key: key.clone(),
                    value: Some(value.clone()),
                };
                ("annotate", vec![Action::Mutate { target: t, op }])
            }
        };
        out.push(Resolved {
            index,
            kind,
            actions,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(duration("1h").unwrap(), Duration::from_secs(3600));
        assert!(duration("5 minutes").is_err());
        assert!(duration("m").is_err());
        // Once an overflow (a panic in debug builds, a wrap in release).
        assert!(duration("99999999999999999h").is_err());
    }

    #[test]
    fn primary_and_standby_become_contexts_and_gslb_every_cluster() {
        let plan = Plan {
            name: "p".into(),
            service: "checkout".into(),
            primary: "a".into(),
            standbys: vec!["b".into(), "c".into()],
            policy: None,
            max_data_loss: None,
            steps: vec![
                Step::Scale {
                    cluster: "standby".into(),
                    target: "shop/deploy/checkout".into(),
                    replicas: 3,
                },
                Step::Gslb {
                    gslb: "shop/checkout".into(),
                    geotag: "eu".into(),
                },
                Step::Cordon {
                    cluster: "primary".into(),
                },
            ],
        };
        let r = resolve(&plan, "c").unwrap();
        assert_eq!(r[0].actions[0].context(), "c");
        let ctxs: Vec<&str> = r[1].actions.iter().map(Action::context).collect();
        assert_eq!(ctxs, ["a", "b", "c"]);
        assert_eq!(r[2].actions[0].context(), "a");
        let mut bad = plan.clone();
        bad.steps[0] = Step::Scale {
            cluster: "standby".into(),
            target: "shop/svc/checkout".into(),
            replicas: 3,
        };
        assert!(resolve(&bad, "b").unwrap_err().starts_with("step 1: "));
    }
}
