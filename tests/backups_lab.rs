//! Backups against the lab (issue 23, first part): Velero's CRDs from its Go
//! module, installed on lab-a; a Schedule, Backups, a storage location and a
//! Restore written with known timestamps and phases (no Velero server runs);
//! `fleetdeck backups --json` reads them, read-only.

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

#[tokio::test(flavor = "multi_thread")]
async fn a_late_schedule_a_partial_backup_and_an_unavailable_location() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let admin = lab.client(&a.admin()).await;
    for f in ["backups", "schedules", "backupstoragelocations", "restores"] {
        let path = lab.velero_crds.join(format!("velero.io_{f}.yaml"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        support::install_crd(&admin, serde_saphyr::from_str(&text).unwrap()).await;
    }
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
