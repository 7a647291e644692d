//! The gate's vocabulary: before promote, step and flip, a set of checks
//! says go or stop. Readiness checks come from `ops`, canary-vs-stable SLO
//! checks from `slo`; both use these types, so this leaf sits below them. A
//! stop needs an explicit override, journaled with its reason.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateState {
    Go,
    /// Not enough information to say; does not block, but is shown.
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
}

impl Check {
    fn new(name: &str, state: GateState, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            state,
            detail: detail.into(),
        }
    }
    pub fn go(name: &str, detail: impl Into<String>) -> Check {
        Check::new(name, GateState::Go, detail)
    }
    pub fn stop(name: &str, detail: impl Into<String>) -> Check {
        Check::new(name, GateState::Stop, detail)
    }
    pub fn unknown(name: &str, detail: impl Into<String>) -> Check {
        Check::new(name, GateState::Unknown, detail)
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

    pub fn blocks(&self) -> bool {
        self.state == GateState::Stop
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
}
