//! Revision lines backfilled from what the cluster keeps (ReplicaSets,
//! ControllerRevisions): each revision created in the window, with the
//! images of the revision before it → its own. The template is the images
//! here: the wire decode keeps nothing else of it.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::change::{Change, ChangeKind, ObjectRef};
use super::edits::{creator, is_controller};
use crate::fleet::objects::WorkloadInfo;
use crate::fleet::revisions::RevisionInfo;

/// One line per revision created at or after `since`. `workload` finds the
/// owner's live object, whose managedFields name who wrote the template.
pub fn revisions<'a>(
    context: &str,
    revs: impl IntoIterator<Item = &'a RevisionInfo>,
    workload: impl Fn(&ObjectRef) -> Option<&'a WorkloadInfo>,
    since: DateTime<Utc>,
) -> Vec<Change> {
    let mut by_owner: BTreeMap<ObjectRef, Vec<&RevisionInfo>> = BTreeMap::new();
    for r in revs {
        let owner = ObjectRef::new(&r.owner.0, &r.namespace, &r.owner.1);
        by_owner.entry(owner).or_default().push(r);
    }
    let mut out = Vec::new();
    for (owner, mut list) in by_owner {
        list.sort_by_key(|r| r.revision);
        for (i, r) in list.iter().enumerate() {
            let Some(created) = r.created.filter(|t| *t >= since) else {
                continue;
            };
            let before = i.checked_sub(1).map(|j| list[j]);
            let summary = match before {
                Some(b) => images_diff(&b.images, &r.images),
                None => format!("created ({})", r.images.join(", ")),
            };
            let kind_of = if matches!(owner.kind.as_str(), "Deployment" | "Rollout") {
                "ReplicaSet"
            } else {
                "ControllerRevision"
            };
            let mut detail = format!("{kind_of} {} (revision {})", r.name, r.revision);
            if let Some(b) = before {
                detail.push_str(&format!(
                    "\nbefore (revision {}): {}\nafter: {}",
                    b.revision,
                    b.images.join(", "),
                    r.images.join(", ")
                ));
            }
            let mut line = Change::new(
                created,
                context,
                ChangeKind::Revision,
                owner.clone(),
                summary,
            )
            .detail(detail);
            line.by = workload(&owner).and_then(|w| match before {
                // The first revision is the creation: its writer is the
                // creator, even when an edit followed within the second.
                None => creator(w).map(|i| w.managers[i].manager.clone()),
                Some(_) => template_writer(w, created),
            });
            // As the observer says it: a new template someone wrote by hand
            // (not the creation) is an edit, with its before → after.
            if line.by.is_some() && before.is_some() {
                line.kind = ChangeKind::Edit;
            }
            out.push(line);
        }
    }
    out
}

/// `image a → b` for each container whose image moved, by position; the
/// template changed in something else when none did.
pub fn images_diff(before: &[String], after: &[String]) -> String {
    let moved: Vec<String> = (0..before.len().max(after.len()))
        .filter_map(|i| {
            let (b, a) = (before.get(i), after.get(i));
            (b != a).then(|| {
                let word =
                    |s: Option<&String>| s.map_or("none".to_string(), |s| short(s).to_string());
                match (b, a) {
                    (Some(b), Some(a)) if repo(b) == repo(a) => {
                        format!("{} {} → {}", name(a), tag(b), tag(a))
                    }
                    _ => format!("{} → {}", word(b), word(a)),
                }
            })
        })
        .collect();
    if moved.is_empty() {
        "template changed (images unchanged)".to_string()
    } else {
        format!("image {}", moved.join(", "))
    }
}

fn repo(image: &str) -> &str {
    split(image).0
}

fn tag(image: &str) -> &str {
    split(image).1
}

/// The image's last path segment: `registry.example/shop/checkout` → `checkout`.
fn name(image: &str) -> &str {
    let r = repo(image);
    r.rsplit('/').next().unwrap_or(r)
}

fn short(image: &str) -> &str {
    image.rsplit('/').next().unwrap_or(image)
}

/// `repo:tag` or `repo@digest`; the tag's colon is after the last slash.
fn split(image: &str) -> (&str, &str) {
    if let Some((r, d)) = image.split_once('@') {
        return (r, d);
    }
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[slash..].rfind(':') {
        Some(i) => (&image[..slash + i], &image[slash + i + 1..]),
        None => (image, "latest"),
    }
}

/// The non-controller manager that wrote the template last before the
/// revision appeared. The controller creates it within the same second or
/// the next (times are whole seconds); a write after that is a later change,
/// and managedFields keep only each manager's last write.
fn template_writer(w: &WorkloadInfo, created: DateTime<Utc>) -> Option<String> {
    let window = |t: DateTime<Utc>| {
        t <= created + Duration::seconds(1) && t >= created - Duration::minutes(10)
    };
    w.managers
        .iter()
        .filter(|m| {
            !is_controller(&m.manager) && m.fields.iter().any(|f| f.starts_with("spec.template"))
        })
        .filter(|m| m.time.is_some_and(window))
        .max_by_key(|m| m.time)
        .map(|m| m.manager.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(n: i64, images: &[&str], secs: i64) -> RevisionInfo {
        RevisionInfo {
            namespace: "shop".into(),
            name: format!("checkout-{n}"),
            owner: ("Deployment".into(), "checkout".into()),
            revision: n,
            images: images.iter().map(|s| s.to_string()).collect(),
            created: Some(DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()),
        }
    }

    #[test]
    fn each_revision_in_the_window_shows_the_images_before_and_after() {
        let revs = [
            rev(3, &["reg.example/shop/checkout:1.5.0", "envoy:1.30"], 300),
            rev(1, &["reg.example/shop/checkout:1.4.1", "envoy:1.30"], 0),
            rev(2, &["reg.example/shop/checkout:1.4.2", "envoy:1.30"], 100),
        ];
        let since = DateTime::from_timestamp(1_700_000_050, 0).unwrap();
        let lines = revisions("prod", &revs, |_| None, since);
        let summaries: Vec<&str> = lines.iter().map(|c| c.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "image checkout 1.4.1 → 1.4.2",
                "image checkout 1.4.2 → 1.5.0"
            ]
        );
        assert!(lines[1].detail.as_deref().unwrap().contains("revision 2"));
        assert_eq!(
            lines[0].object,
            ObjectRef::new("Deployment", "shop", "checkout")
        );
    }

    #[test]
    fn images_diff_names_moved_added_and_removed_containers() {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            images_diff(&s(&["a:1"]), &s(&["a:1"])),
            "template changed (images unchanged)"
        );
        assert_eq!(
            images_diff(&s(&["a:1"]), &s(&["a:1", "b:2"])),
            "image none → b:2"
        );
        assert_eq!(
            images_diff(&s(&["x/a:1"]), &s(&["y/b:1"])),
            "image a:1 → b:1"
        );
        assert_eq!(
            images_diff(&s(&["localhost:5000/a"]), &s(&["localhost:5000/a:2"])),
            "image a latest → 2"
        );
        assert_eq!(
            images_diff(&s(&["a@sha256:1"]), &s(&["a@sha256:2"])),
            "image a sha256:1 → sha256:2"
        );
    }
}
