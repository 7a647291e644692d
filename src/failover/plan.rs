//! Failover plans: a service, its primary cluster and ordered standbys, and
//! typed steps each naming the cluster it acts on (`primary`, `standby` — the
//! standby chosen at run time — or a context of the plan). Plans live in
//! `config.toml` as `[[failover]]` or in `<config dir>/plans/*.toml`, and are
//! validated when loaded: unknown clusters, a step on a cluster outside the
//! plan, a scale-up with no wait after it and an empty standby list are
//! errors naming file and line. Objects that do not exist are pre-flight's
//! business.

use std::path::Path;

use serde::Deserialize;

pub use crate::config::failover::{Plan, Step};

impl Plan {
    /// What the plan says, hashed: a run resumes only the plan it started.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let text = serde_json::to_string(self).unwrap_or_default();
        Sha256::digest(text.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl Step {
    /// The cluster a step acts on; `None` for steps on every cluster.
    pub fn cluster(&self) -> Option<&str> {
        match self {
            Step::Scale { cluster, .. }
            | Step::Wait { cluster, .. }
            | Step::Weights { cluster, .. }
            | Step::Cordon { cluster }
            | Step::Annotate { cluster, .. } => Some(cluster),
            Step::Gslb { .. } => None,
        }
    }
}

/// The `[[failover]]` entries of a config text, or a plans file's.
#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    failover: Vec<Plan>,
}

/// The line of a plan's `name = "…"`.
fn name_line(text: &str, plan: &str) -> usize {
    let needle = format!("\"{plan}\"");
    text.lines()
        .position(|l| l.contains(&needle))
        .map_or(0, |i| i + 1)
}

/// The line of the plan's `n`-th `[[failover.step]]` (0-based), else its name.
fn step_line(text: &str, plan: &str, n: usize) -> usize {
    let from = name_line(text, plan);
    text.lines()
        .enumerate()
        .skip(from)
        .filter(|(_, l)| l.trim_start().starts_with("[[failover.step]]"))
        .nth(n)
        .map_or(from, |(i, _)| i + 1)
}

/// Where in a plan a problem is: a key of it, or a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Key(&'static str),
    Step(usize),
}

/// The line of `key = …` in the plan named `plan`, else its name's.
fn key_line(text: &str, plan: &str, key: &str) -> usize {
    let from = name_line(text, plan);
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .take_while(|(i, l)| *i + 1 == from || !l.trim_start().starts_with("[["))
        .find(|(_, l)| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map_or(from, |(i, _)| i + 1)
}

/// Every problem of a plan, with where it is; `known` is the kubeconfig's
/// contexts (`None`: none to check against).
pub fn validate(plan: &Plan, known: Option<&[String]>) -> Vec<(String, Place)> {
    let mut out = Vec::new();
    let exists = |c: &str| known.is_none_or(|k| k.iter().any(|k| k == c));
    if !exists(&plan.primary) {
        out.push((
            format!("unknown cluster {:?} (primary)", plan.primary),
            Place::Key("primary"),
        ));
    }
    if let Some(m) = plan
        .max_data_loss
        .as_ref()
        .filter(|m| crate::basics::duration::parse(m).is_none())
    {
        out.push((
            format!("max_data_loss {m:?}: expected a duration like 12h or 30m"),
            Place::Key("max_data_loss"),
        ));
    }
    if plan.standbys.is_empty() {
        out.push((
            "no standby: a failover needs somewhere to go".into(),
            Place::Key("standbys"),
        ));
    }
    for s in plan.standbys.iter().filter(|s| !exists(s)) {
        out.push((
            format!("unknown cluster {s:?} (standby)"),
            Place::Key("standbys"),
        ));
    }
    let in_plan = |c: &str| {
        c == "primary"
            || c == "standby"
            || c == plan.primary
            || plan.standbys.iter().any(|s| s == c)
    };
    for (i, step) in plan.steps.iter().enumerate() {
        if let Some(c) = step.cluster().filter(|c| !in_plan(c)) {
            out.push((format!("step {}: cluster {c:?} is not in this plan (primary, standby or one of its clusters)", i + 1), Place::Step(i)));
        }
        if let Step::Scale {
            cluster,
            target,
            replicas,
        } = step
        {
            let waited = plan.steps[i + 1..].iter().any(|s| {
                matches!(s, Step::Wait { cluster: c, target: t, .. } if c == cluster && t == target)
            });
            if *replicas > 0 && !waited {
                out.push((format!("step {}: scaling {target} on {cluster} up has no wait step for it after: traffic would move to pods that are not ready", i + 1), Place::Step(i)));
            }
        }
    }
    out
}

/// The valid plans of a config or plans file, and one `file:line: …` per
/// problem (a TOML error is the file's only one: nothing after it is read).
pub fn check_text(path: &Path, text: &str, known: Option<&[String]>) -> (Vec<Plan>, Vec<String>) {
    let file: File = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
                .unwrap_or(0);
            return (
                Vec::new(),
                vec![format!("{}:{line}: {}", path.display(), e.message())],
            );
        }
    };
    let (mut plans, mut errors) = (Vec::new(), Vec::new());
    for p in file.failover {
        let problems = validate(&p, known);
        if problems.is_empty() {
            plans.push(p);
            continue;
        }
        for (msg, place) in problems {
            let line = match place {
                Place::Step(n) => step_line(text, &p.name, n),
                Place::Key(k) => key_line(text, &p.name, k),
            };
            errors.push(format!("{}:{line}: plan {}: {msg}", path.display(), p.name));
        }
    }
    (plans, errors)
}

/// Plans from a config or plans file, each validated; the first error.
pub fn load_text(path: &Path, text: &str, known: &[String]) -> Result<Vec<Plan>, String> {
    match check_text(path, text, Some(known)) {
        (plans, errors) if errors.is_empty() => Ok(plans),
        (_, mut errors) => Err(errors.swap_remove(0)),
    }
}

/// Plans from `config.toml` and every `plans/*.toml` of the config dir: the
/// valid ones, and every problem of the others (file:line each).
pub fn check_all(
    config_file: &Path,
    plans_dir: &Path,
    known: Option<&[String]>,
) -> (Vec<Plan>, Vec<String>) {
    let (mut plans, mut errors) = (Vec::new(), Vec::new());
    let mut files = vec![config_file.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(plans_dir) {
        let mut more: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        more.sort();
        files.extend(more);
    }
    for (i, f) in files.iter().enumerate() {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            // No config.toml is the default config, not an error.
            Err(e) if i == 0 && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                errors.push(format!("{}: {e}", f.display()));
                continue;
            }
        };
        let (p, e) = check_text(f, &text, known);
        plans.extend(p);
        errors.extend(e);
    }
    (plans, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[failover]]
name = "checkout-eu"
service = "checkout"
primary = "lab-a"
standbys = ["lab-b"]
policy = "gdpr"

[[failover.step]]
kind = "scale"
cluster = "standby"
target = "shop/deploy/checkout"
replicas = 3

[[failover.step]]
kind = "wait"
cluster = "standby"
target = "shop/deploy/checkout"
ready = 3

[[failover.step]]
kind = "weights"
cluster = "standby"
route = "shop/httproute/checkout"
weights = { checkout-a = 0, checkout-b = 100 }

[[failover.step]]
kind = "scale"
cluster = "primary"
target = "shop/deploy/checkout"
replicas = 0
"#;

    fn known() -> Vec<String> {
        vec!["lab-a".into(), "lab-b".into(), "lab-c".into()]
    }

    #[test]
    fn a_complete_plan_loads() {
        let plans = load_text(Path::new("config.toml"), GOOD, &known()).unwrap();
        assert_eq!(plans[0].steps.len(), 4);
        assert_eq!(
            plans[0].steps[0],
            Step::Scale {
                cluster: "standby".into(),
                target: "shop/deploy/checkout".into(),
                replicas: 3
            }
        );
        assert!(matches!(&plans[0].steps[1], Step::Wait { timeout, .. } if timeout == "5m"));
        // The same text is a valid config.toml.
        let cfg = crate::config::Config::parse(Path::new("config.toml"), GOOD).unwrap();
        assert_eq!(cfg.failover, plans);
    }

    #[test]
    fn each_mistake_names_file_and_line() {
        let p = Path::new("plans/eu.toml");
        let e = load_text(
            p,
            &GOOD.replace("primary = \"lab-a\"", "primary = \"lab-z\""),
            &known(),
        )
        .unwrap_err();
        assert_eq!(
            e,
            "plans/eu.toml:5: plan checkout-eu: unknown cluster \"lab-z\" (primary)"
        );
        let e = load_text(
            p,
            &GOOD.replace("standbys = [\"lab-b\"]", "standbys = []"),
            &known(),
        )
        .unwrap_err();
        assert!(
            e.ends_with("no standby: a failover needs somewhere to go"),
            "{e}"
        );
        // A step on lab-c, which is not in this plan: the 4th step header is line 27.
        let e = load_text(
            p,
            &GOOD.replace("cluster = \"primary\"", "cluster = \"lab-c\""),
            &known(),
        )
        .unwrap_err();
        assert_eq!(e, "plans/eu.toml:27: plan checkout-eu: step 4: cluster \"lab-c\" is not in this plan (primary, standby or one of its clusters)");
        // The wait removed: the scale-up at step 1 (line 9) has none after it.
        let no_wait = GOOD
            .replace(
                "kind = \"wait\"",
                "kind = \"annotate\"\nkey = \"k\"\nvalue = \"v\"",
            )
            .replace("ready = 3\n", "");
        let e = load_text(p, &no_wait, &known()).unwrap_err();
        assert!(e.starts_with("plans/eu.toml:9: plan checkout-eu: step 1: scaling shop/deploy/checkout on standby up has no wait"), "{e}");
        let e = load_text(p, "[[failover]]\nname = \"x\"\nservice = \"s\"\nprimary = \"lab-a\"\nstandbys = [\"lab-b\"]\n[[failover.step]]\nkind = \"teleport\"\n", &known()).unwrap_err();
        assert!(e.starts_with("plans/eu.toml:"), "{e}");
        assert!(e.contains("teleport"), "{e}");
    }
}
