//! Argo CD sync lines: each deployment in an Application's history within
//! the window, and a sync that is running or failed now.

use chrono::{DateTime, Utc};

use super::change::{Change, ChangeKind, ObjectRef};
use crate::fleet::syncs::SyncInfo;

/// A Git SHA shortened as Argo CD's UI shows it; tags and Helm versions whole.
fn short(rev: &str) -> &str {
    let sha = rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit());
    if sha {
        &rev[..7]
    } else {
        rev
    }
}

pub fn syncs<'a>(
    context: &str,
    apps: impl IntoIterator<Item = &'a SyncInfo>,
    since: DateTime<Utc>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for a in apps {
        let object = ObjectRef::new("Application", &a.namespace, &a.name);
        for d in &a.history {
            let Some(at) = d.deployed.filter(|t| *t >= since) else {
                continue;
            };
            let summary = format!("synced to {}", short(&d.revision));
            let mut line = Change::new(at, context, ChangeKind::Sync, object.clone(), summary)
                .detail(format!(
                    "history id {}: revision {}{}",
                    d.id,
                    d.revision,
                    d.started
                        .map(|s| format!(", started {}", s.format("%H:%M:%S")))
                        .unwrap_or_default()
                ));
            line.by = d.by.clone();
            out.push(line);
        }
        // A succeeded operation is the newest history entry already.
        let Some(op) = a.operation.as_ref().filter(|o| o.phase != "Succeeded") else {
            continue;
        };
        let Some(at) = op.finished.or(op.started).filter(|t| *t >= since) else {
            continue;
        };
        let state = op.phase.to_lowercase();
        let summary = format!("sync to {} {state}", short(&op.revision));
        let mut line = Change::new(at, context, ChangeKind::Sync, object.clone(), summary);
        line.detail = (!op.message.is_empty()).then(|| op.message.clone());
        line.by = op.by.clone();
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::objects::Compact;
    use crate::fleet::syncs::WireApplication;
    use serde_json::json;

    #[test]
    fn history_in_the_window_and_a_failed_sync_each_make_one_line() {
        let app: WireApplication = serde_json::from_value(json!({
            "metadata": {"name": "checkout", "namespace": "argocd"},
            "status": {
                "resources": [{"kind": "Deployment", "name": "x"}],
                "history": [
                    {"id": 1, "revision": "1111111111111111111111111111111111111111",
                     "deployedAt": "2026-12-03T08:00:00Z"},
                    {"id": 2, "revision": "abcdef0123456789abcdef0123456789abcdef01",
                     "deployStartedAt": "2026-12-03T09:59:50Z", "deployedAt": "2026-12-03T10:00:00Z",
                     "initiatedBy": {"username": "alice"}}],
                "operationState": {"phase": "Failed", "message": "one or more objects failed to apply",
                    "operation": {"sync": {"revision": "v2.0.0"}, "initiatedBy": {"automated": true}},
                    "startedAt": "2026-12-03T10:10:00Z", "finishedAt": "2026-12-03T10:10:05Z"}
            }
        }))
        .unwrap();
        let info = crate::fleet::syncs::SyncInfo::compact(&app).unwrap();
        let since = "2026-12-03T09:30:00Z".parse().unwrap();
        let lines = syncs("hub", [&info], since);
        let got: Vec<(&str, Option<&str>)> = lines
            .iter()
            .map(|c| (c.summary.as_str(), c.by.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("synced to abcdef0", Some("alice")),
                ("sync to v2.0.0 failed", Some("argocd (automated)"))
            ]
        );
        assert_eq!(
            lines[1].detail.as_deref(),
            Some("one or more objects failed to apply")
        );
    }
}
