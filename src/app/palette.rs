//! The `:` command palette: the commands it accepts and what each does.

use super::actions::act;
use super::launch::traffic_action;
use super::model::Model;
use super::msg::Effect;
use super::navigate::{find_cluster, goto_cluster};
use super::state::{App, View};
use crate::fleet::groups::GroupBy;
use crate::keymap::action::Action;
use crate::ops::action::Operation;

/// Commands the `:` palette accepts, with a short description each.
pub const COMMANDS: &[(&str, &str)] = &[
    ("fleet", "the Fleet view (also :f, :home)"),
    (
        "workloads",
        "workloads across the fleet (also :wl, :dp, :deploy)",
    ),
    (
        "ctx NAME",
        "drill into a cluster (also :cluster NAME; tab completes)",
    ),
    (
        "changes",
        "what changed across the fleet, last hour (also :j, :journal)",
    ),
    ("since AGE", "the timeline reaches back AGE (30m, 6h, 1d)"),
    ("rollouts", "Argo Rollouts across the fleet (also :ro)"),
    ("slo", "SLOs: error budget and burn rates per cluster"),
    (
        "backups",
        "Velero schedules across the fleet, worst first (also :bk)",
    ),
    ("chaos", "chaos experiments across the fleet, running first"),
    (
        "cost",
        "cost per cluster, namespace, workload; idle; carbon",
    ),
    (
        "failover [PLAN]",
        "failover plans, or one plan's steps and run (also :fo)",
    ),
    (
        "step NS/[vs/]ROUTE",
        "route canary: next weight of its schedule (this cluster)",
    ),
    ("back NS/[vs/]ROUTE", "route canary: previous weight"),
    (
        "flip NS/SERVICE",
        "blue/green: point the Service at the other side",
    ),
    ("flipback NS/SERVICE", "blue/green: undo the last flip"),
    (
        "start EXPERIMENT",
        "chaos: start an [[experiment]] on this cluster (held while its SLOs page)",
    ),
    (
        "group [BY]",
        "Fleet: gather by group, region or provider with totals (none: flat)",
    ),
    ("expand / collapse", "Fleet: open or close every group"),
    (
        "KIND where …",
        "ask: pods where restarts > 5 order by restarts desc limit 20",
    ),
    (
        "help fields KIND",
        "a query's fields: pods, workloads, nodes, rollouts, clusters, slos, …",
    ),
    (
        "failing pods",
        "plain words for a query (also: what changed, burning slos, …)",
    ),
    ("help", "key bindings"),
    ("quit", "quit (also :q)"),
];

/// Runs a `:` command. Cluster names match the display name or the context.
pub fn command(app: &mut App, text: &str, model: &Model) -> Vec<Effect> {
    if let Some((q, phrase)) = super::query::recognise(app, text) {
        return super::query::start(app, q, phrase);
    }
    let mut words = text.split_whitespace();
    let head = words.next().unwrap_or("");
    let arg = words.next();
    match (head, arg) {
        ("", _) => {}
        ("q!", _) => super::quit::request(app, true),
        ("q" | "quit" | "exit", _) => super::quit::request(app, false),
        ("f" | "fleet" | "home" | "ctx" | "context" | "cluster", None) => app.screens.truncate(1),
        ("wl" | "workloads" | "dp" | "deploy" | "deployments" | "workload", _) => {
            act(app, Action::ViewWorkloads, model);
        }
        ("help" | "?", Some("fields")) => {
            let kind = words.next().unwrap_or("pods");
            return super::query::fields(app, kind);
        }
        ("help" | "?", _) => app.help = true,
        ("group" | "groupby", by) => group(app, by),
        ("expand" | "collapse", _) => {
            app.screens.truncate(1);
            if app.group_by.is_none() {
                app.message = Some("not grouped: :group BY first (group, region, provider)".into());
            } else if head == "expand" {
                let list = super::fleet_list::fleet_list(app, model);
                app.expanded = list.gatherings.into_iter().map(|g| g.key).collect();
            } else {
                app.expanded.clear();
                app.screen_mut().selected = 0;
            }
        }
        ("since", Some(age)) => match crate::basics::duration::parse(age) {
            Some(d) => {
                app.since_secs = d.as_secs();
                app.message = Some(format!("timeline: the last {age}"));
                if app.screen().view != View::Journal {
                    act(app, Action::ViewJournal, model);
                }
            }
            None => app.message = Some(format!(":since {age}: expected an age like 30m, 6h, 1d")),
        },
        ("j" | "journal" | "changes" | "ch", _) => {
            act(app, Action::ViewJournal, model);
        }
        ("ro" | "rollout" | "rollouts", _) => {
            act(app, Action::ViewRollouts, model);
        }
        ("slo" | "slos", _) => {
            act(app, Action::ViewSlo, model);
        }
        ("backup" | "backups" | "bk" | "velero", _) => {
            act(app, Action::ViewBackups, model);
        }
        ("chaos" | "experiments" | "litmus", _) => {
            act(app, Action::ViewChaos, model);
        }
        ("start", Some(name)) => return super::launch::start_experiment(app, model, name),
        ("cost" | "costs", _) => {
            act(app, Action::ViewCost, model);
        }
        ("rem" | "remediation" | "remediations", _) => {
            return act(app, Action::ViewRemediations, model);
        }
        ("fo" | "failover", None) => {
            act(app, Action::ViewFailover, model);
        }
        ("fo" | "failover", Some(name)) => {
            if model.plans.iter().any(|p| p.plan.name == name) {
                app.screens.truncate(1);
                app.push(View::Failover {
                    plan: Some(name.to_string()),
                });
            } else {
                app.message = Some(format!("no failover plan {name:?}"));
            }
        }
        ("step" | "back" | "flip" | "flipback", Some(arg)) => {
            let op = match head {
                "step" => Operation::Step { back: false },
                "back" => Operation::Step { back: true },
                "flip" => Operation::Flip { back: false },
                _ => Operation::Flip { back: true },
            };
            return traffic_action(app, model, op, arg);
        }
        ("ctx" | "context" | "cluster", Some(name)) => goto_cluster(app, name, model),
        (name, None) if find_cluster(name, model).is_some() => goto_cluster(app, name, model),
        _ => app.message = Some(format!("unknown command: {text} (try :help)")),
    }
    Vec::new()
}

/// `:group BY`: gather the Fleet view; no argument steps to the next.
fn group(app: &mut App, by: Option<&str>) {
    app.screens.truncate(1);
    match by {
        None => super::fleet_list::cycle(app),
        Some("none" | "off" | "flat") => super::fleet_list::set(app, None),
        Some(word) => match GroupBy::parse(word) {
            Some(b) => super::fleet_list::set(app, Some(b)),
            None => {
                app.message = Some(format!(
                    ":group {word}: expected group, region, provider or none"
                ))
            }
        },
    }
}

/// Tab after `:ctx PARTIAL`: the best fuzzy match among cluster names and
/// contexts; Tab again shows the next one.
pub fn complete(app: &mut App, model: &Model) {
    let Some(input) = app.input.as_mut() else {
        return;
    };
    let head = input.text.split_whitespace().next();
    if !matches!(head, Some("ctx" | "context" | "cluster")) {
        // A query: kinds, then the kind's fields.
        let typed = match &input.completion {
            Some((t, _)) => t.clone(),
            None => input.text.clone(),
        };
        // Inside `cluster == "…`: the fleet's clusters.
        let found = crate::query::complete::candidates_with(&typed, |field| match field {
            "cluster" => model.rows.iter().map(|r| r.meta.context.clone()).collect(),
            _ => Vec::new(),
        });
        if found.is_empty() {
            app.message = Some(format!("nothing completes {typed:?}"));
            return;
        }
        let i = input.completion.as_ref().map_or(0, |(_, i)| i + 1) % found.len();
        input.text = found[i].clone();
        input.completion = Some((typed, i));
        app.message = Some(format!("{} of {} (tab: next)", i + 1, found.len()));
        return;
    }
    let Some((head, partial)) = input
        .text
        .split_once(' ')
        .filter(|(h, _)| matches!(*h, "ctx" | "context" | "cluster"))
    else {
        return;
    };
    let (typed, next) = match &input.completion {
        Some((typed, i)) => (typed.clone(), i + 1),
        None => (partial.trim().to_string(), 0),
    };
    // A thousand rows: a set, not a search of the list, keeps names once.
    let mut seen = std::collections::HashSet::new();
    let names: Vec<&str> = model
        .rows
        .iter()
        .filter(|r| !r.meta.metrics_only())
        .flat_map(|r| std::iter::once(&r.meta.name).chain(&r.meta.contexts))
        .map(String::as_str)
        .filter(|n| seen.insert(*n))
        .collect();
    let ranked = crate::basics::fuzzy::rank(&typed, names);
    if ranked.is_empty() {
        app.message = Some(format!("no cluster matches {typed:?}"));
        return;
    }
    let i = next % ranked.len();
    input.text = format!("{head} {}", ranked[i]);
    input.completion = Some((typed.clone(), i));
    app.message = Some(format!(
        "{} of {} for {typed:?} (tab: next)",
        i + 1,
        ranked.len()
    ));
}
