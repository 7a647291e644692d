//! The headless reports: `snapshot`, `slo`, `cost`, `paths`.

use std::process::ExitCode;
use std::time::Duration;

use super::console::connect;
use crate::paths::Paths;
use crate::snapshot;
use crate::startup::Options;

pub fn snapshot(opts: &Options, demo: bool, json: bool, timeout: u64) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let c = connect(opts, demo)?;
        snapshot::settle(&c.console, Duration::from_secs(timeout)).await;
        let now = chrono::Utc::now();
        let rows = c.console.rows(now);
        let forecast = match demo {
            true => c.console.forecast.latest(),
            false => {
                // Summarised clusters: eight queries of the metrics engine for all.
                let metas = crate::forecast::monitor::asked(&c.console);
                Some(std::sync::Arc::new(
                    crate::forecast::monitor::read_all(&metas, &c.config).await,
                ))
            }
        };
        if let Some(store) = &c.last_known {
            store.save(&c.console.fleet);
        }
        if json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&snapshot::to_json(&rows, forecast.as_deref()))?
            );
        } else {
            out!("{}", snapshot::to_text(&rows, now));
        }
        let bad = snapshot::unreachable_reasons(&rows);
        for line in &bad {
            errln!("fleetdeck: {line}");
        }
        Ok(if bad.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

pub fn slo(opts: &Options, json: bool) -> anyhow::Result<ExitCode> {
    let st = super::load(opts)?;
    for w in &st.warnings {
        errln!("fleetdeck: {w}");
    }
    let rt = tokio::runtime::Runtime::new()?;
    let rows = rt
        .block_on(crate::slo::report::rows(&st))
        .map_err(anyhow::Error::msg)?;
    if json {
        let v = crate::slo::report::to_json(&rows);
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        out!("{}", crate::slo::report::to_text(&rows));
    }
    let failed: Vec<_> = rows
        .iter()
        .filter_map(|r| r.error.as_ref().map(|e| (r, e)))
        .collect();
    for (r, e) in &failed {
        errln!("fleetdeck: {} on {}: {e}", r.name, r.context);
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn cost(opts: &Options, demo: bool, json: bool, timeout: u64) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let c = connect(opts, demo)?;
        let catalog = c.catalog.map_err(anyhow::Error::msg)?;
        snapshot::settle(&c.console, Duration::from_secs(timeout)).await;
        let costs = crate::cost::fleet::costs(&c.console, &catalog, &c.config).await;
        for note in &costs.notes {
            errln!("fleetdeck: {note}");
        }
        if json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&crate::cost::report::to_json(&costs))?
            );
        } else {
            out!("{}", crate::cost::report::to_text(&costs));
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn paths(opts: &Options) -> anyhow::Result<ExitCode> {
    let paths = Paths::resolve(opts.config_file)?;
    for (label, path) in paths.entries() {
        outln!("{label:<13} {}", path.display());
    }
    let sources = crate::fleet::kubeconfig::Sources::from_env(opts.kubeconfig);
    for file in sources.files {
        outln!("{:<13} {}", "kubeconfig", file.display());
    }
    Ok(ExitCode::SUCCESS)
}
