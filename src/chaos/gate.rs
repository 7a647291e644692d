//! Whether an experiment may start: not while an SLO of the service it
//! targets pages. Each SLO is evaluated now on the cluster's Prometheus; one
//! that cannot be evaluated holds the start like a page until overridden.

use chrono::Utc;

use crate::config::Config;
use crate::slo::eval::{self, SloState};
use crate::slo::gate::{endpoint, SloGate};
use crate::slo::sources::PromClient;
use crate::verdict::Check;

/// The SLOs of `service` that apply on `context` (cluster `name`, of
/// `group`), each with its Prometheus or why there is none.
pub fn gates(
    config: &Config,
    client: &PromClient,
    context: &str,
    name: &str,
    group: Option<&str>,
    service: &str,
) -> Vec<SloGate> {
    let Some(svc) = config.services.iter().find(|s| s.name == service) else {
        return Vec::new();
    };
    let ep = endpoint(config, client, context);
    config
        .slos
        .iter()
        .filter(|s| svc.slos.contains(&s.name) && s.applies_to(context, group))
        .map(|s| SloGate {
            slo: s.clone(),
            endpoint: ep.clone(),
            cluster: name.to_string(),
        })
        .collect()
}

pub async fn checks(gates: &[SloGate], service: Option<&str>) -> Vec<Check> {
    let Some(service) = service else {
        return vec![Check::unknown(
            "SLOs",
            "the experiment names no [[service]]: no SLO was checked",
        )];
    };
    if gates.is_empty() {
        return vec![Check::unknown(
            "SLOs",
            format!("service {service} lists no SLO for this cluster"),
        )];
    }
    let runs = gates.iter().map(|g| async move {
        let name = format!("SLO {}", g.slo.name);
        let ep = match &g.endpoint {
            Ok(ep) => ep,
            Err(e) => return Check::unevaluated(&name, format!("cannot evaluate: {e}")),
        };
        match eval::evaluate(&g.slo, &g.cluster, ep).await {
            Err(e) => Check::unevaluated(&name, format!("cannot evaluate: query failed: {e}")),
            Ok(ev) => judge(
                &name,
                &eval::row(&g.slo, &g.cluster, Some(&ev), None, Utc::now()),
            ),
        }
    });
    futures::future::join_all(runs).await
}

/// A paging SLO stops the start; anything else lets it go, saying how it stands.
pub fn judge(name: &str, row: &eval::SloRow) -> Check {
    let burn = |w: &str| {
        row.burn
            .get(w)
            .copied()
            .flatten()
            .map_or("-".to_string(), |b| format!("{b:.1}×"))
    };
    let detail = format!(
        "{} on {} (burn 5m {}, 1h {})",
        row.state.as_str(),
        row.context,
        burn("5m"),
        burn("1h")
    );
    match row.state {
        SloState::Page => Check::stop(name, format!("pages: {detail}")),
        SloState::NoData => Check::unknown(name, detail),
        _ => Check::go(name, detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Verdict;

    #[tokio::test]
    async fn an_slo_that_cannot_be_evaluated_holds_the_start() {
        let slo: crate::config::slo::SloConfig = toml::from_str(
            "name = \"web\"\nobjective = 99\nwindow = \"28d\"\nerror_query = 'e'\ntotal_query = 't'\n",
        )
        .unwrap();
        let gate = SloGate {
            slo,
            endpoint: Err("no Prometheus endpoint for context c".into()),
            cluster: "c".into(),
        };
        let v = Verdict::from_checks(checks(&[gate], Some("web")).await);
        assert!(v.blocks(), "{v:?}");
        assert!(v.checks[0].detail.contains("no Prometheus endpoint"));
        // No service named, or none with SLOs here: said, not holding.
        assert!(!Verdict::from_checks(checks(&[], None).await).blocks());
        assert!(!Verdict::from_checks(checks(&[], Some("web")).await).blocks());
    }
}
