//! `fleetdeck clusters`: every cluster of the fleet, where it came from (the
//! kubeconfig or a discovery source), the contexts that reach it and its
//! lifecycle. Nothing is watched: it answers as soon as the sources have.

use std::process::ExitCode;

use serde_json::{json, Value};

use crate::fleet::summary::ClusterMeta;
use crate::startup::Options;

pub fn run(opts: &Options, json: bool) -> anyhow::Result<ExitCode> {
    let st = super::load(opts)?;
    for w in &st.warnings {
        errln!("fleetdeck: {w}");
    }
    if json {
        let v = json!({
            "clusters": st.metas.iter().map(to_json).collect::<Vec<_>>(),
            "notes": st.warnings,
        });
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        out!("{}", to_text(&st.metas));
    }
    Ok(ExitCode::SUCCESS)
}

fn source(m: &ClusterMeta) -> String {
    m.discovered
        .as_ref()
        .map_or_else(|| "kubeconfig".to_string(), |d| d.source.clone())
}

/// `context`: fleetdeck has a context to reach it (nothing is contacted
/// here, so not that it answers); `listed`: none.
fn access(m: &ClusterMeta) -> &'static str {
    match &m.discovered {
        Some(d) if d.listed.is_some() => "listed",
        _ if m.context.is_empty() => "listed",
        _ => "context",
    }
}

/// How the console would show it: watched live, from the metrics engine,
/// or listed only.
fn mode(m: &ClusterMeta) -> &'static str {
    match access(m) {
        "listed" => "listed",
        _ if m.summary => "summary",
        _ => "live",
    }
}

fn to_json(m: &ClusterMeta) -> Value {
    let d = m.discovered.as_ref();
    json!({
        "name": m.name,
        "context": m.context,
        "contexts": m.contexts,
        "source": source(m),
        "access": access(m),
        "mode": mode(m),
        "lifecycle": d.map(|d| d.lifecycle.clone()),
        "provider": d.and_then(|d| d.provider.clone()),
        "url": d.and_then(|d| d.url.clone()),
        "group": m.group,
        "region": m.region,
        "note": d.and_then(|d| d.listed.clone()),
        "detail": d.map(|d| d.detail.clone()).unwrap_or_default(),
    })
}

fn to_text(metas: &[ClusterMeta]) -> String {
    let rows: Vec<[String; 6]> = metas
        .iter()
        .map(|m| {
            let d = m.discovered.as_ref();
            let mut note: Vec<String> = d.and_then(|d| d.listed.clone()).into_iter().collect();
            note.extend(d.map(|d| d.detail.clone()).unwrap_or_default());
            [
                m.name.clone(),
                format!("{}/{}", access(m), mode(m)),
                source(m),
                d.map_or("-".into(), |d| d.lifecycle.clone()),
                d.and_then(|d| d.provider.clone())
                    .unwrap_or_else(|| "-".into()),
                format!(
                    "{}{}",
                    m.contexts.join(","),
                    if note.is_empty() {
                        String::new()
                    } else {
                        format!("  {}", note.join("; "))
                    }
                ),
            ]
        })
        .collect();
    let head = [
        "CLUSTER",
        "ACCESS/MODE",
        "SOURCE",
        "LIFECYCLE",
        "PROVIDER",
        "CONTEXTS",
    ];
    let mut widths = head.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()).take(5) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 6]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i < 5 {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            } else {
                s.push_str(c);
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(head);
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]]));
    }
    out
}
