//! The gate's vocabulary: before promote, step and flip, a set of checks
//! says go or stop. Readiness checks come from `ops`, canary-vs-stable SLO
//! checks from `slo`; both use these types, so this leaf sits below them. A
//! stop needs an explicit override, journaled with its reason.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateState {
    Go,
    /// Not enough information to say. Blocks only when a check could not
    /// be evaluated at all ([`Check::holds`]).
    Unknown,
    Stop,
}

impl GateState {
    pub fn as_str(self) -> &'static str {
        match self {
            GateState::Go => "go",
            GateState::Unknown => "unknown",
            GateState::Stop => "stop",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    pub state: GateState,
    pub detail: String,
    /// An unknown that holds the action like a stop: the check could not be
    /// evaluated (no data source, a failed query), so silence is not consent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub holds: bool,
}

impl Check {
    fn new(name: &str, state: GateState, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            state,
            detail: detail.into(),
            holds: state == GateState::Stop,
        }
    }
    pub fn go(name: &str, detail: impl Into<String>) -> Check {
        Check::new(name, GateState::Go, detail)
    }
    pub fn stop(name: &str, detail: impl Into<String>) -> Check {
        Check::new(name, GateState::Stop, detail)
    }
    /// Not enough to judge yet (no canary traffic): shown, not blocking.
    pub fn unknown(name: &str, detail: impl Into<String>) -> Check {
        Check::new(name, GateState::Unknown, detail)
    }
    /// The check could not be evaluated: unknown, and it holds like a stop
    /// until someone overrides it on the record.
    pub fn unevaluated(name: &str, detail: impl Into<String>) -> Check {
        Check {
            holds: true,
            ..Check::new(name, GateState::Unknown, detail)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub state: GateState,
    pub checks: Vec<Check>,
}

impl Verdict {
    /// The worst check decides: any stop stops, else any unknown is unknown.
    pub fn from_checks(checks: Vec<Check>) -> Verdict {
        let state = if checks.iter().any(|c| c.state == GateState::Stop) {
            GateState::Stop
        } else if checks.is_empty() || checks.iter().any(|c| c.state == GateState::Unknown) {
            GateState::Unknown
        } else {
            GateState::Go
        };
        Verdict { state, checks }
    }

    pub fn unknown(why: &str) -> Verdict {
        Verdict::from_checks(vec![Check::unknown("gate", why)])
    }

    /// A stop, or an unknown that could not be evaluated, needs an override.
    pub fn blocks(&self) -> bool {
        self.checks.iter().any(|c| c.holds)
    }

    /// One line: `stop — target ready: canary ReplicaSet web-1: 0/1 ready`.
    pub fn summary(&self) -> String {
        let worst: Vec<String> = self
            .checks
            .iter()
            .filter(|c| c.state == self.state)
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect();
        format!("{} — {}", self.state.as_str(), worst.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_check_decides() {
        let v = Verdict::from_checks(vec![Check::go("a", "ok"), Check::stop("b", "0/1 ready")]);
        assert!(v.blocks());
        assert_eq!(v.summary(), "stop — b: 0/1 ready");
        let v = Verdict::from_checks(vec![Check::go("a", "ok"), Check::unknown("c", "no data")]);
        assert_eq!(v.state, GateState::Unknown);
        assert!(!v.blocks());
        assert_eq!(Verdict::from_checks(vec![]).state, GateState::Unknown);
    }

    #[test]
    fn a_check_that_could_not_be_evaluated_holds_like_a_stop() {
        let v = Verdict::from_checks(vec![
            Check::go("target ready", "4/4"),
            Check::unevaluated("SLO web", "no Prometheus endpoint for context a"),
        ]);
        assert_eq!(v.state, GateState::Unknown);
        assert!(v.blocks());
        assert_eq!(
            v.summary(),
            "unknown — SLO web: no Prometheus endpoint for context a"
        );
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["checks"][1]["holds"], true);
        assert!(json["checks"][0].get("holds").is_none());
    }
}
