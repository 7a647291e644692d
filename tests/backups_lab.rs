//! Backups against the lab (issue 23): Velero's CRDs from its Go module; a
//! Schedule, Backups, a storage location and a Restore written with known
//! timestamps and phases (no Velero server runs); `fleetdeck backups --json`
//! reads them, read-only; `fleetdeck backups now` creates the Backup
//! `velero backup create --from-schedule` would, read back from the audit log.

mod support;

use chrono::{Duration, Utc};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, PostParams};
use serde_json::{json, Value};
use support::cli::{text, Cli};

fn velero_api(client: &kube::Client, ns: &str, kind: &str, plural: &str) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("velero.io", "v1", kind);
    Api::namespaced_with(
        client.clone(),
        ns,
        &ApiResource::from_gvk_with_plural(&gvk, plural),
    )
}

async fn create(client: &kube::Client, ns: &str, kind: &str, plural: &str, obj: Value) {
    let o: DynamicObject = serde_json::from_value(obj).unwrap();
    velero_api(client, ns, kind, plural)
        .create(&PostParams::default(), &o)
        .await
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
}

fn backup(ns: &str, name: &str, phase: &str, hours_ago: i64, errors: u64) -> Value {
    let done = Utc::now() - Duration::hours(hours_ago);
    json!({
        "apiVersion": "velero.io/v1", "kind": "Backup",
        "metadata": {"name": name, "namespace": ns, "labels": {"velero.io/schedule-name": "daily"}},
        "spec": {"includedNamespaces": ["shop"]},
        "status": {
            "phase": phase,
            "startTimestamp": (done - Duration::minutes(4)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "completionTimestamp": done.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "errors": errors, "warnings": 1,
        },
    })
}

async fn install_velero(lab: &support::Lab, admin: &kube::Client) {
    for f in ["backups", "schedules", "backupstoragelocations", "restores"] {
        let path = lab.velero_crds.join(format!("velero.io_{f}.yaml"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        support::install_crd(admin, serde_saphyr::from_str(&text).unwrap()).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_schedule_a_partial_backup_and_an_unavailable_location() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let admin = lab.client(&a.admin()).await;
    install_velero(lab, &admin).await;
    let ns = lab.namespace(a, "velero").await;
    let n = ns.name.as_str();
    create(
        &admin,
        n,
        "Schedule",
        "schedules",
        json!({
            "apiVersion": "velero.io/v1", "kind": "Schedule",
            "metadata": {"name": "daily", "namespace": n},
            "spec": {"schedule": "0 2 * * *", "template": {"includedNamespaces": ["shop"]}},
        }),
    )
    .await;
    create(
        &admin,
        n,
        "Backup",
        "backups",
        backup(n, "daily-old", "Completed", 26, 0),
    )
    .await;
    create(
        &admin,
        n,
        "Backup",
        "backups",
        backup(n, "daily-new", "PartiallyFailed", 2, 3),
    )
    .await;
    create(
        &admin,
        n,
        "BackupStorageLocation",
        "backupstoragelocations",
        json!({
            "apiVersion": "velero.io/v1", "kind": "BackupStorageLocation",
            "metadata": {"name": "default", "namespace": n},
            "spec": {"provider": "aws", "objectStorage": {"bucket": "b"}},
            "status": {"phase": "Unavailable"},
        }),
    )
    .await;
    create(
        &admin,
        n,
        "Restore",
        "restores",
        json!({
            "apiVersion": "velero.io/v1", "kind": "Restore",
            "metadata": {"name": "r1", "namespace": n},
            "spec": {"backupName": "daily-old"},
            "status": {"phase": "InProgress"},
        }),
    )
    .await;

    let cli = Cli::new(lab);
    // An identity that may not list them: said, and never "all fine".
    let out = cli.run(&["--context", &a.operator(), "backups", "--json"]);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        v["notes"][0]["note"]
            .as_str()
            .unwrap_or_default()
            .contains("forbidden"),
        "{v:#}"
    );

    let since = Utc::now();
    let out = cli.run(&["--context", &a.admin(), "backups", "--json"]);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(
        out.status.code(),
        Some(1),
        "a late schedule fails the command: {}",
        text(&out)
    );
    let row = v["backups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["schedule"] == format!("{n}/daily"))
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(row["state"], "late", "{row:#}");
    assert_eq!(row["rpo_seconds"], 24 * 3600, "{row:#}");
    let age = row["age_seconds"].as_i64().unwrap();
    assert!((26 * 3600..26 * 3600 + 120).contains(&age), "{row:#}");
    assert!(
        row["warning"]
            .as_str()
            .unwrap_or_default()
            .contains("daily-new PartiallyFailed (3 errors"),
        "a partial backup is a warning, not the recovery point: {row:#}"
    );
    assert!(row["last_error"].is_null(), "{row:#}");
    let loc = &v["locations"];
    assert!(
        loc.as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == "default" && l["phase"] == "Unavailable"),
        "{v:#}"
    );
    let res = &v["restores"];
    assert!(
        res.as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "r1" && r["phase"] == "InProgress"),
        "{v:#}"
    );
    // Read-only: lists only, nothing written.
    let sent: Vec<Value> = support::audit_events(&a.audit_log)
        .into_iter()
        .filter(|e| {
            e["user"]["username"] == a.operator().as_str() && support::received_since(e, since)
        })
        .filter(|e| !matches!(e["verb"].as_str(), Some("get" | "list" | "watch")))
        .collect();
    assert!(sent.is_empty(), "{sent:?}");

    // A failover of what these backups cover: refused at 12 h, allowed at 48 h.
    let b = &lab.clusters[1];
    for (limit, state, says) in [
        ("12h", "stop", "older than max_data_loss 12.0h"),
        ("48h", "ok", "within max_data_loss 48.0h"),
    ] {
        std::fs::write(
            cli.home.path().join("config.toml"),
            format!(
                "[[failover]]\nname = \"shop\"\nservice = \"shop\"\nprimary = \"{}\"\nstandbys = [\"{}\"]\nmax_data_loss = \"{limit}\"\n\n[[failover.step]]\nkind = \"scale\"\ncluster = \"primary\"\ntarget = \"shop/deploy/web\"\nreplicas = 0\n",
                a.admin(),
                b.admin()
            ),
        )
        .unwrap();
        let out = cli.run(&["failover", "plan", "shop", "--json"]);
        let v: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
        let c = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "recovery point")
            .unwrap_or_else(|| panic!("{v:#}"));
        assert_eq!(c["state"], state, "{c:#}");
        let detail = c["detail"].as_str().unwrap();
        assert!(
            detail.contains("backup daily-old on")
                && detail.contains("26.0h old")
                && detail.contains(says),
            "{c:#}"
        );
    }
    ns.delete().await;
}

/// RBAC for this test's namespace: the operator may read schedules (and
/// mark them) and create backups; the read-only identity may read Velero's
/// objects everywhere (a ClusterRole: `fleetdeck backups` lists across
/// namespaces), and write nothing.
async fn grant(admin: &kube::Client, n: &str) {
    support::shared::grant(
        admin,
        n,
        "velero-now",
        json!([
            {"apiGroups": ["velero.io"], "resources": ["schedules"], "verbs": ["get", "list", "watch", "patch"]},
            {"apiGroups": ["velero.io"], "resources": ["backups"], "verbs": ["get", "list", "watch", "create"]},
        ]),
        json!([{"apiGroups": ["velero.io"], "resources": ["*"], "verbs": ["get", "list", "watch"]}]),
        &["fleetdeck:readonly"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn back_up_now_creates_the_backup_velero_would_and_read_only_sends_nothing() {
    let Some(lab) = support::lab() else { return };
    // lab-c: the other test's objects (lab-a) stay out of these figures.
    let c = &lab.clusters[2];
    let admin = lab.client(&c.admin()).await;
    install_velero(lab, &admin).await;
    let ns = lab.namespace(c, "velero-now").await;
    let n = ns.name.as_str();
    grant(&admin, n).await;
    create(
        &admin,
        n,
        "Schedule",
        "schedules",
        json!({
            "apiVersion": "velero.io/v1", "kind": "Schedule",
            "metadata": {"name": "nightly", "namespace": n,
                "labels": {"team": "shop"}, "annotations": {"owner": "dba"}},
            "spec": {"schedule": "0 1 * * *", "useOwnerReferencesInBackup": true,
                "template": {"includedNamespaces": ["shop"], "ttl": "720h0m0s",
                    "storageLocation": "default", "snapshotVolumes": false}},
        }),
    )
    .await;
    let schedule = velero_api(&admin, n, "Schedule", "schedules")
        .get("nightly")
        .await
        .unwrap();
    let cli = Cli::new(lab);
    let target = |ctx: &str| format!("{ctx}/{n}/nightly");

    // The read-only identity sees the schedule (never backed up: late) …
    let since = Utc::now();
    let out = cli.run(&["--context", &c.readonly(), "backups", "--json"]);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let row = v["backups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["schedule"] == format!("{n}/nightly"))
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(row["state"], "late", "{row:#}");
    // … and, read-only, may not back up: nothing is sent but the review
    // that names who acts (journaled), not even an access review.
    let out = cli.run(&[
        "--read-only",
        "--context",
        &c.readonly(),
        "backups",
        "now",
        &target(&c.readonly()),
        "--reason",
        "try",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("read-only"), "{}", text(&out));
    let sent = support::shared::writes_by(c, &c.readonly(), since);
    assert!(
        sent.iter()
            .all(|e| e["objectRef"]["resource"] == "selfsubjectreviews"),
        "{sent:#?}"
    );
    // Without --read-only its RBAC answers in the pre-flight: no create.
    let out = cli.run(&[
        "--context",
        &c.readonly(),
        "backups",
        "now",
        &target(&c.readonly()),
        "--reason",
        "try",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("may not create backups"),
        "{}",
        text(&out)
    );
    let sent = support::shared::writes_by(c, &c.readonly(), since);
    assert!(
        sent.iter().all(|e| matches!(
            e["objectRef"]["resource"].as_str(),
            Some("selfsubjectreviews" | "selfsubjectaccessreviews")
        )),
        "{sent:#?}"
    );

    // The operator backs up now.
    let since = Utc::now();
    let out = cli.run(&[
        "--context",
        &c.operator(),
        "backups",
        "now",
        &target(&c.operator()),
        "--reason",
        "before the schema migration",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let until = Utc::now();
    let sent = support::shared::writes_by(c, &c.operator(), since);
    let creates: Vec<&Value> = sent
        .iter()
        .filter(|e| e["verb"] == "create" && e["objectRef"]["resource"] == "backups")
        .collect();
    let dry = |e: &&&Value| e["requestURI"].as_str().unwrap_or("").contains("dryRun");
    assert_eq!(creates.iter().filter(dry).count(), 1, "{creates:#?}");
    let real: Vec<&&Value> = creates.iter().filter(|e| !dry(e)).collect();
    assert_eq!(real.len(), 1, "exactly one Backup created: {creates:#?}");
    let body = &real[0]["requestObject"];
    let name = body["metadata"]["name"].as_str().unwrap();
    let stamp = name
        .strip_prefix("nightly-")
        .unwrap_or_else(|| panic!("{name}"));
    let fmt = |t: chrono::DateTime<Utc>| t.format("%Y%m%d%H%M%S").to_string();
    assert!(
        stamp.len() == 14
            && fmt(since - Duration::seconds(1)).as_str() <= stamp
            && stamp <= fmt(until).as_str(),
        "named <schedule>-<UTC time>: {name}"
    );
    let want = json!({
        "apiVersion": "velero.io/v1",
        "kind": "Backup",
        "namespace": n,
        "labels": {"team": "shop", "velero.io/schedule-name": "nightly"},
        "annotations": {"owner": "dba"},
        "ownerReferences": [{"apiVersion": "velero.io/v1", "kind": "Schedule", "name": "nightly",
            "uid": schedule.metadata.uid, "controller": true}],
        "spec": {"includedNamespaces": ["shop"], "ttl": "720h0m0s",
            "storageLocation": "default", "snapshotVolumes": false},
    });
    let m = &body["metadata"];
    let got = json!({
        "apiVersion": body["apiVersion"], "kind": body["kind"], "namespace": m["namespace"],
        "labels": m["labels"], "annotations": m["annotations"],
        "ownerReferences": m["ownerReferences"], "spec": body["spec"],
    });
    assert_eq!(
        got, want,
        "the Backup velero backup create --from-schedule makes"
    );
    // Asked first whether it may create backups there.
    let review = sent
        .iter()
        .find(|e| e["objectRef"]["resource"] == "selfsubjectaccessreviews")
        .unwrap_or_else(|| panic!("{sent:#?}"));
    let attrs = &review["requestObject"]["spec"]["resourceAttributes"];
    assert_eq!(
        (&attrs["verb"], &attrs["resource"], &attrs["namespace"]),
        (&json!("create"), &json!("backups"), &json!(n)),
        "{review:#}"
    );
    // It is there, the schedule carries the mark, and the journal has it.
    let made = velero_api(&admin, n, "Backup", "backups")
        .get(name)
        .await
        .unwrap();
    assert_eq!(
        made.metadata.labels.unwrap_or_default()["velero.io/schedule-name"],
        "nightly"
    );
    let marked = velero_api(&admin, n, "Schedule", "schedules")
        .get("nightly")
        .await
        .unwrap();
    assert!(
        marked
            .metadata
            .annotations
            .unwrap_or_default()
            .contains_key("fleetdeck.io/last-action"),
        "the schedule carries fleetdeck's mark"
    );
    let records = cli.journal().read().unwrap();
    let done = records
        .iter()
        .rev()
        .find(|r| r.action == "backup-now")
        .unwrap_or_else(|| panic!("{records:#?}"));
    assert_eq!(done.result.as_deref(), Some("ok"), "{done:#?}");
    assert_eq!(done.reason, "before the schema migration");
    ns.delete().await;
}

/// The console in a real terminal: the Fleet column, the Backups view worst
/// first, and `B` through the confirm dialog to a Backup on the cluster.
#[tokio::test(flavor = "multi_thread")]
async fn the_console_shows_backups_and_backs_up_now() {
    use support::tmux::{Tmux, Tracked};
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[2];
    let admin = lab.client(&c.admin()).await;
    install_velero(lab, &admin).await;
    let ns = lab.namespace(c, "velero-tui").await;
    let n = ns.name.as_str();
    grant(&admin, n).await;
    create(
        &admin,
        n,
        "Schedule",
        "schedules",
        json!({
            "apiVersion": "velero.io/v1", "kind": "Schedule",
            "metadata": {"name": "hourly", "namespace": n},
            "spec": {"schedule": "0 * * * *", "template": {"includedNamespaces": ["shop"]}},
        }),
    )
    .await;
    let mut failed = backup(n, "hourly-1", "Failed", 1, 4);
    failed["metadata"]["labels"]["velero.io/schedule-name"] = json!("hourly");
    failed["status"]["failureReason"] = json!("bucket gone");
    create(&admin, n, "Backup", "backups", failed).await;

    let cli = Cli::new(lab);
    let tracked = Tracked::new(cli.home.path());
    // An identity that may read every Velero object and create Backups.
    let cmd = tracked.command(&format!(
        "--kubeconfig {} --context {}",
        lab.kubeconfig.display(),
        c.admin()
    ));
    let t = Tmux::start(&cmd, 200, 40);
    t.wait_for("the Fleet's BACKUP column", |s| {
        s.contains("BACKUP") && s.contains("failing")
    });
    t.keys(&["9"]);
    t.keys(&["/"]);
    t.keys(&["-l", n]);
    t.keys(&["Enter"]);
    let s = t.wait_for("the failing schedule", |s| {
        s.contains(&format!("{n}/hourly")) && s.contains("bucket gone")
    });
    assert!(s.contains("failing"), "{s}");
    t.keys(&["B"]);
    t.wait_for("the confirm dialog", |s| s.contains("back up now: Backup"));
    t.keys(&["-l", "before the upgrade"]);
    t.keys(&["Enter"]);
    t.wait_for("done", |s| s.contains("done"));
    let made = velero_api(&admin, n, "Backup", "backups")
        .list(&Default::default())
        .await
        .unwrap();
    let names: Vec<String> = made
        .items
        .iter()
        .filter_map(|b| b.metadata.name.clone())
        .collect();
    assert!(
        names.iter().any(|b| b.starts_with("hourly-2")),
        "a Backup from the schedule: {names:?}"
    );
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    ns.delete().await;
}
