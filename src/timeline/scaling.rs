//! Scales read back from the Deployment controller's ScalingReplicaSet
//! Events ("Scaled up replica set web-5d4f6 from 1 to 3"): they carry the
//! time and before → after that managedFields cannot (the scale
//! subresource's entry has no time). A rollout scales two ReplicaSets, or
//! one from or to zero: those moments are revisions, not scales, and are
//! left to the revision source.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::change::{Change, ChangeKind, ObjectRef};
use crate::fleet::objects::EventInfo;

/// `(replica set, from, to)`; `from` is absent in older controllers' words.
pub fn parse(message: &str) -> Option<(String, Option<u32>, u32)> {
    let rest = message
        .strip_prefix("Scaled up replica set ")
        .or_else(|| message.strip_prefix("Scaled down replica set "))?;
    let mut words = rest.split_whitespace();
    let rs = words.next()?.to_string();
    match (words.next()?, words.next()?) {
        ("from", n) => {
            let from = n.parse().ok()?;
            (words.next()? == "to").then_some(())?;
            Some((rs, Some(from), words.next()?.parse().ok()?))
        }
        ("to", n) => Some((rs, None, n.parse().ok()?)),
        _ => None,
    }
}

/// One controller Event: when, which ReplicaSet, from, to.
type Scaled = (DateTime<Utc>, String, Option<u32>, u32);

/// One line per scale of a workload at or after `since`; `by` names who
/// wrote the replicas, when managedFields say.
pub fn scales<'a>(
    context: &str,
    events: impl IntoIterator<Item = &'a EventInfo>,
    by: impl Fn(&ObjectRef) -> Option<String>,
    since: DateTime<Utc>,
) -> Vec<Change> {
    // Events of one workload within a few seconds are one moment.
    let mut moments: BTreeMap<ObjectRef, Vec<Scaled>> = BTreeMap::new();
    for e in events {
        let Some(at) = e.last_seen.filter(|t| *t >= since) else {
            continue;
        };
        let Some((rs, from, to)) = parse(&e.message) else {
            continue;
        };
        let object = ObjectRef::new(&e.object_kind, &e.namespace, &e.object_name);
        moments.entry(object).or_default().push((at, rs, from, to));
    }
    let mut out = Vec::new();
    for (object, mut events) in moments {
        events.sort_by_key(|e| e.0);
        let mut i = 0;
        while i < events.len() {
            let start = events[i].0;
            let j = events[i..]
                .iter()
                .position(|e| e.0 - start > Duration::seconds(3))
                .map_or(events.len(), |k| i + k);
            let moment = &events[i..j];
            if let [(at, rs, Some(from), to)] = moment {
                if *from > 0 && *to > 0 {
                    let mut c = Change::new(
                        *at,
                        context,
                        ChangeKind::Scale,
                        object.clone(),
                        format!("replicas {from} → {to}"),
                    )
                    .detail(format!("replica set {rs} scaled from {from} to {to}"));
                    c.by = by(&object);
                    out.push(c);
                }
            }
            i = j;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(msg: &str, at: DateTime<Utc>) -> EventInfo {
        EventInfo {
            namespace: "shop".into(),
            name: format!("web.{}", at.timestamp_millis()),
            object_kind: "Deployment".into(),
            object_name: "web".into(),
            reason: "ScalingReplicaSet".into(),
            message: msg.into(),
            count: 1,
            first_seen: Some(at),
            last_seen: Some(at),
            type_: "Normal".into(),
            reporting_instance: None,
        }
    }

    #[test]
    fn messages_old_and_new() {
        assert_eq!(
            parse("Scaled up replica set web-5d4f6 from 1 to 3"),
            Some(("web-5d4f6".into(), Some(1), 3))
        );
        assert_eq!(
            parse("Scaled down replica set web-5d4f6 to 0"),
            Some(("web-5d4f6".into(), None, 0))
        );
        for odd in [
            "Scaled up replica set",
            "Scaled up replica set x from a to 3",
            "hello",
        ] {
            assert_eq!(parse(odd), None, "{odd}");
        }
    }

    #[test]
    fn a_scale_is_one_replica_set_moving_between_non_zero_counts() {
        let t = Utc::now() - Duration::minutes(10);
        let events = [
            event("Scaled up replica set web-a from 1 to 3", t),
            // A rollout a minute later: new set up from 0, old one down.
            event(
                "Scaled up replica set web-b from 0 to 1",
                t + Duration::minutes(1),
            ),
            event(
                "Scaled down replica set web-a from 3 to 2",
                t + Duration::minutes(1),
            ),
            event(
                "Scaled up replica set web-b from 1 to 2",
                t + Duration::seconds(62),
            ),
        ];
        let lines = scales(
            "prod",
            &events,
            |_| Some("kubectl".into()),
            t - Duration::hours(1),
        );
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].summary, "replicas 1 → 3");
        assert_eq!(lines[0].by.as_deref(), Some("kubectl"));
        assert_eq!(lines[0].time, t);
    }
}
