//! `fleetdeck journal show|verify|export`.

use std::process::ExitCode;

use chrono::{DateTime, Utc};

use super::JournalCommand;
use crate::journal::{render_json, render_markdown, render_text, Filter, Journal, Record};
use crate::paths::Paths;
use crate::startup::Options;

/// `--since`: an RFC 3339 time or an age (`30m`, `2h`, `7d`).
fn since(text: Option<&str>) -> anyhow::Result<Option<DateTime<Utc>>> {
    let Some(t) = text else { return Ok(None) };
    crate::basics::duration::time(t, Utc::now(), false)
        .map(Some)
        .ok_or_else(|| {
            anyhow::anyhow!("--since {t:?}: expected RFC 3339 or an age like 30m, 2h, 7d")
        })
}

pub fn run(opts: &Options, demo: bool, cmd: JournalCommand) -> anyhow::Result<ExitCode> {
    let paths = Paths::resolve(opts.config_file)?;
    let dir = if demo {
        &paths.demo_dir
    } else {
        &paths.journal_dir
    };
    let j = Journal::open(dir).map_err(|e| anyhow::anyhow!("journal {}: {e}", dir.display()))?;
    let filter = |s: Option<String>| -> anyhow::Result<Filter> {
        Ok(Filter {
            since: since(s.as_deref())?,
            contexts: opts.contexts.to_vec(),
        })
    };
    let read = |f: &Filter| -> anyhow::Result<Vec<Record>> {
        Ok(j.read()?.into_iter().filter(|r| f.keep(r)).collect())
    };
    match cmd {
        JournalCommand::Show { since, json } => {
            let records = read(&filter(since)?)?;
            if json {
                outln!("{}", render_json(&records)?);
            } else {
                out!("{}", render_text(&records));
            }
        }
        JournalCommand::Export { format, since } => {
            let records = read(&filter(since)?)?;
            if format == "json" {
                outln!("{}", render_json(&records)?);
            } else {
                out!("{}", render_markdown(&records));
            }
        }
        JournalCommand::Verify => {
            let v = j.verify();
            if v.ok() {
                outln!("{}: {v}", j.path().display());
            } else {
                errln!("fleetdeck: {}: {v}", j.path().display());
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
