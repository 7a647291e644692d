//! The remediation queue: what a scan proposed and what was decided.

use super::{age, each, f, Drill, Item, Kind, Sources, Visit, V};
use crate::remediation::queue::Entry;

pub const REMEDIATIONS: Kind = Kind {
    name: "remediations",
    aliases: &["remediation", "rem", "proposals"],
    fields: &[
        f(
            "id",
            "string",
            "the proposal's id (fleetdeck remediation approve ID)",
        ),
        f(
            "source",
            "string",
            "drift, argocd, slo-gate, crashloop, right-sizing, gatekeeper",
        ),
        f("cluster", "string", ""),
        f("object", "string", "namespace/kind/name it is about"),
        f("summary", "string", "what it proposes"),
        f(
            "state",
            "string",
            "pending, approved, rejected, snoozed, resolved",
        ),
        f("fixable", "bool", "it has a fix to apply (not only listed)"),
        f("pods", "int", "pods the fix touches"),
        f(
            "production",
            "bool",
            "on a primary, protected or prod cluster",
        ),
        f(
            "slo",
            "string",
            "the cluster's worst SLO state when found, or null",
        ),
        f(
            "preflight",
            "string",
            "ok, or why the fix would be refused; null before a check",
        ),
        f("age", "duration", "since it was found"),
    ],
    columns: &[
        "id", "source", "cluster", "object", "state", "pods", "summary",
    ],
    scan,
    unknown: not_scanned,
};

struct Remediation<'a>(&'a Entry, chrono::DateTime<chrono::Utc>);

impl Item for Remediation<'_> {
    fn get(&self, field: &str) -> V {
        let (e, p) = (self.0, &self.0.proposal);
        match field {
            "id" => V::s(&p.id),
            "source" => V::s(p.source.as_str()),
            "cluster" => V::s(&p.context),
            "object" => V::s(&p.object),
            "summary" => V::s(&p.summary),
            "state" => V::s(e.decision.word(self.1)),
            "fixable" => V::Bool(p.op.is_some()),
            "pods" => V::Int(p.risk.pods),
            "production" => V::Bool(p.risk.production),
            "slo" => V::opt_s(p.risk.slo.as_deref()),
            "preflight" => V::opt_s(p.preflight.as_deref()),
            "age" => age(self.1, Some(p.found)),
            _ => V::Null,
        }
    }

    fn drill(&self) -> Drill {
        Drill::Remediations
    }
}

fn scan(src: &Sources, visit: &mut Visit) {
    each(src.remediations.unwrap_or_default(), visit, |e| {
        Remediation(e, src.now)
    })
}

fn not_scanned(src: &Sources) -> Vec<String> {
    match src.remediations {
        Some(_) => Vec::new(),
        None => vec![
            "the remediation queue has not been scanned yet (open the Remediations view, 8)".into(),
        ],
    }
}
