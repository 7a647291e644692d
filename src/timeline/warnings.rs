//! Warning Events as one line per object and reason: a hundred Event
//! objects for the same crash loop, and one Event whose count is 100, both
//! read `BackOff ×100`, with the first and last time and the latest message.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::change::{Change, ChangeKind, ObjectRef};
use crate::fleet::objects::EventInfo;

/// Lines for one cluster's warning Events at or after `since`.
pub fn aggregate<'a>(
    context: &str,
    events: impl IntoIterator<Item = &'a EventInfo>,
    since: DateTime<Utc>,
) -> Vec<Change> {
    struct Acc {
        count: u64,
        first: Option<DateTime<Utc>>,
        last: DateTime<Utc>,
        message: String,
        messages: usize,
    }
    let mut by: BTreeMap<(ObjectRef, String), Acc> = BTreeMap::new();
    for e in events {
        if e.type_ != "Warning" {
            continue;
        }
        let Some(last) = e.last_seen else { continue };
        if last < since {
            continue;
        }
        let key = (
            ObjectRef::new(&e.object_kind, &e.namespace, &e.object_name),
            e.reason.clone(),
        );
        let count = u64::try_from(e.count.max(1)).unwrap_or(1);
        let first = e.first_seen.or(e.last_seen);
        let acc = by.entry(key).or_insert(Acc {
            count: 0,
            first,
            last,
            message: e.message.clone(),
            messages: 0,
        });
        acc.count += count;
        acc.messages += 1;
        acc.first = match (acc.first, first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if last >= acc.last {
            acc.last = last;
            acc.message = e.message.clone();
        }
    }
    by.into_iter()
        .map(|((object, reason), a)| {
            let summary = if a.count > 1 {
                format!("{reason} ×{}", a.count)
            } else {
                reason.clone()
            };
            let mut c =
                Change::new(a.last, context, ChangeKind::Warning, object, summary).detail(format!(
                    "{} ({} Event object{})",
                    a.message,
                    a.messages,
                    if a.messages == 1 { "" } else { "s" }
                ));
            c.count = a.count;
            c.first = a.first;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn event(name: &str, count: i32, at: DateTime<Utc>) -> EventInfo {
        EventInfo {
            namespace: "shop".into(),
            name: name.into(),
            object_kind: "Pod".into(),
            object_name: "web-1".into(),
            reason: "BackOff".into(),
            message: format!("Back-off restarting failed container ({name})"),
            count,
            first_seen: Some(at - Duration::minutes(5)),
            last_seen: Some(at),
            type_: "Warning".into(),
            reporting_instance: None,
        }
    }

    #[test]
    fn a_hundred_events_and_one_counted_a_hundred_times_read_the_same() {
        let now = Utc::now();
        let many: Vec<EventInfo> = (0..100)
            .map(|i| event(&format!("e{i}"), 1, now - Duration::seconds(100 - i)))
            .collect();
        let one = [event("e", 100, now)];
        let since = now - Duration::hours(1);
        let a = aggregate("prod", &many, since);
        let b = aggregate("prod", &one, since);
        assert_eq!((a.len(), b.len()), (1, 1));
        for c in [&a[0], &b[0]] {
            assert_eq!(c.count, 100);
            assert_eq!(c.summary, "BackOff ×100");
            assert_eq!(c.object.to_string(), "shop/Pod/web-1");
        }
        // The latest message and the span of all of them.
        assert!(a[0].detail.as_deref().unwrap().contains("(e99)"));
        assert_eq!(a[0].time, now - Duration::seconds(1));
        assert_eq!(
            a[0].first,
            Some(now - Duration::seconds(100) - Duration::minutes(5))
        );
    }

    #[test]
    fn other_reasons_objects_normal_events_and_old_ones_are_apart() {
        let now = Utc::now();
        let mut other = event("x", 1, now);
        other.reason = "FailedScheduling".into();
        let mut normal = event("n", 1, now);
        normal.type_ = "Normal".into();
        let old = event("o", 3, now - Duration::hours(2));
        let lines = aggregate(
            "prod",
            &[event("a", 2, now), other, normal, old],
            now - Duration::hours(1),
        );
        let summaries: Vec<&str> = lines.iter().map(|c| c.summary.as_str()).collect();
        assert_eq!(summaries, ["BackOff ×2", "FailedScheduling"]);
    }
}
