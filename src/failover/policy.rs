//! Data residency: a plan may name a policy (`[policy.gdpr] regions = [...]`)
//! and a standby whose region is outside it is refused, naming the rule.
//! A cluster's region comes from its `[[cluster]]` entry, else from its
//! nodes' `topology.kubernetes.io/region` label (the majority).

pub use crate::config::failover::Residency;

/// Where a cluster's region came from, for messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Region {
    Config(String),
    NodeLabel(String),
    Unknown,
}

impl Region {
    pub fn name(&self) -> Option<&str> {
        match self {
            Region::Config(r) | Region::NodeLabel(r) => Some(r),
            Region::Unknown => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Region::Config(r) => format!("{r} (from its [[cluster]] entry)"),
            Region::NodeLabel(r) => {
                format!("{r} (from its nodes' topology.kubernetes.io/region label)")
            }
            Region::Unknown => {
                "an unknown region (no [[cluster]] region, no node region label)".into()
            }
        }
    }
}

/// `Ok` when `cluster` in `region` may take the service under the policy
/// named `name`; `Err` with the rule that forbids it.
pub fn check(
    name: &str,
    policy: Option<&Residency>,
    cluster: &str,
    region: &Region,
) -> Result<(), String> {
    let Some(p) = policy else {
        return Err(format!(
            "the plan names policy {name:?}, which no [policy.{name}] defines: refusing rather than guessing"
        ));
    };
    if region
        .name()
        .is_some_and(|r| p.regions.iter().any(|a| a == r))
    {
        return Ok(());
    }
    let why = p
        .description
        .as_ref()
        .map(|d| format!(" — {d}"))
        .unwrap_or_default();
    Err(format!(
        "policy {name} allows regions {}{why}; {cluster} is in {}",
        p.regions.join(", "),
        region.describe()
    ))
}

/// The most common region label among nodes (ties: the first in order).
pub fn majority<'a>(regions: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for r in regions {
        match counts.iter_mut().find(|(x, _)| *x == r) {
            Some((_, n)) => *n += 1,
            None => counts.push((r, 1)),
        }
    }
    let max = counts.iter().map(|(_, n)| *n).max()?;
    counts
        .into_iter()
        .find(|(_, n)| *n == max)
        .map(|(r, _)| r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gdpr() -> Residency {
        Residency {
            regions: vec!["eu-west-1".into(), "europe-west4".into()],
            description: Some("EU personal data stays in the EU".into()),
        }
    }

    #[test]
    fn a_standby_outside_the_policy_is_refused_with_the_rule() {
        let p = gdpr();
        assert!(check(
            "gdpr",
            Some(&p),
            "lab-b",
            &Region::Config("eu-west-1".into())
        )
        .is_ok());
        let e = check(
            "gdpr",
            Some(&p),
            "lab-c",
            &Region::NodeLabel("us-central1".into()),
        )
        .unwrap_err();
        assert_eq!(e, "policy gdpr allows regions eu-west-1, europe-west4 — EU personal data stays in the EU; lab-c is in us-central1 (from its nodes' topology.kubernetes.io/region label)");
        assert!(check("gdpr", Some(&p), "x", &Region::Unknown)
            .unwrap_err()
            .contains("unknown region"));
        assert!(check("hipaa", None, "x", &Region::Unknown)
            .unwrap_err()
            .contains("no [policy.hipaa] defines"));
    }

    #[test]
    fn majority_region() {
        assert_eq!(majority(["a", "b", "b"].into_iter()).as_deref(), Some("b"));
        assert_eq!(majority(std::iter::empty()), None);
    }
}
