//! `fleetdeck deps NAMESPACE/NAME`: what a workload calls (all the way down)
//! and who calls it, in every selected cluster, with rates, error ratios
//! and the dependencies failing now (read-only).

use std::process::ExitCode;

use crate::deps::graph::Node;
use crate::deps::health::deepest;
use crate::deps::layout::{render, tree};
use crate::deps::{read, ClusterDeps};
use crate::fleet::kubeconfig::client_for;
use crate::slo::sources::PromClient;
use crate::startup::Options;

pub fn run(opts: &Options, workload: &str, json: bool) -> anyhow::Result<ExitCode> {
    let node = workload
        .split_once('/')
        .and_then(|(ns, name)| Node::parse(&format!("{ns}/{name}"), ns))
        .ok_or_else(|| anyhow::anyhow!("{workload:?}: expected NAMESPACE/NAME"))?;
    let st = super::load(opts)?;
    for w in &st.warnings {
        errln!("fleetdeck: {w}");
    }
    let prom = PromClient::new(&st.config.prometheus);
    let rt = tokio::runtime::Runtime::new()?;
    let reads: Vec<(String, Result<ClusterDeps, String>)> = rt.block_on(async {
        let reads = st.metas.iter().filter(|m| !m.context.is_empty()).map(|m| {
            let (kc, config, prom) = (&st.kubeconfig, &st.config, &prom);
            async move {
                let got = match client_for(kc, &m.context, true).await {
                    Ok(c) => read::cluster(&c, config, prom, m).await,
                    Err(e) => Err(e.message),
                };
                (m.context.clone(), got)
            }
        });
        futures::future::join_all(reads).await
    });
    let mut failed = false;
    for (ctx, got) in &reads {
        let d = match got {
            Ok(d) => d,
            Err(e) => {
                errln!("fleetdeck: {ctx}: {e}");
                failed = true;
                continue;
            }
        };
        if let Some(e) = &d.traffic_error {
            errln!("fleetdeck: {ctx}: {e}");
        }
        for p in &d.problems {
            errln!("fleetdeck: {ctx}: {p}");
        }
        if json {
            outln!("{}", serde_json::to_string(&d.report(&node))?);
        } else {
            out!("{}", text(d, &node));
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn text(d: &ClusterDeps, n: &Node) -> String {
    let mut out = format!("{}  {n}  ({})\n", d.context, d.health(n));
    for line in render(&tree(d, n, 500), 160) {
        out.push_str("  ");
        out.push_str(&line);
        out.push('\n');
    }
    let failing = d.failing(n);
    if let Some(cause) = deepest(&failing) {
        out.push_str(&format!(
            "  failing: {}; likely cause {} ({})\n",
            failing
                .iter()
                .map(|f| f.short())
                .collect::<Vec<_>>()
                .join(", "),
            cause.workload,
            cause.why
        ));
    }
    out
}
