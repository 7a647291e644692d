//! `fleetdeck scale` / `restart` through the one pipeline, against the lab:
//! the object changes, the journal chains intent and outcome, the marks are
//! in the cluster, and conflicts, denials and crashes end as they should.

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use fleetdeck::journal::{Record, RecordKind};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::{json, Value};

const GUARD: Duration = Duration::from_secs(90);

use support::cli::{text, Cli};

async fn deploy(api: &Api<Deployment>, name: &str, replicas: i32) {
    let d = support::deployment(name, replicas);
    api.create(&PostParams::default(), &d).await.unwrap();
    // Settled, so the controller is not still rewriting its status.
    support::eventually("deployment available", GUARD, || async {
        let s = api.get(name).await.ok()?.status?;
        (s.available_replicas == Some(replicas) && s.observed_generation == Some(1)).then_some(())
    })
    .await;
}

/// No bearer token or private key of the lab may appear in what fleetdeck wrote.
fn assert_no_secrets(lab: &support::Lab, files: &[&Path]) {
    let kc: Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.kubeconfig).unwrap()).unwrap();
    let mut secrets = Vec::new();
    for u in kc["users"].as_array().unwrap() {
        for key in ["token", "client-key-data"] {
            if let Some(s) = u["user"][key].as_str() {
                secrets.push(s.to_string());
            }
        }
    }
    assert!(!secrets.is_empty());
    for f in files {
        let content = std::fs::read_to_string(f).unwrap_or_default();
        for s in &secrets {
            assert!(
                !content.contains(s.as_str()),
                "{} contains a lab credential",
                f.display()
            );
        }
    }
}

fn kinds(records: &[Record]) -> Vec<(RecordKind, Option<String>)> {
    records.iter().map(|r| (r.kind, r.result.clone())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn scale_and_restart_change_the_object_journal_and_mark_it() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "ops").await;
    let api: Api<Deployment> = Api::namespaced(lab.client(&c.operator()).await, &ns.name);
    deploy(&api, "web", 1).await;
    let cli = Cli::new(lab);
    let target = format!("{}/{}/deploy/web", c.operator(), ns.name);
    let out = cli.run(&[
        "scale",
        &target,
        "--replicas",
        "3",
        "--reason",
        "load test",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let d = api.get("web").await.unwrap();
    assert_eq!(d.spec.unwrap().replicas, Some(3));
    assert_eq!(
        d.status.unwrap().ready_replicas,
        Some(3),
        "verified before returning"
    );

    let records = cli.journal().read().unwrap();
    assert_eq!(
        kinds(&records),
        vec![
            (RecordKind::Intent, None),
            (RecordKind::Outcome, Some("ok".into()))
        ]
    );
    assert_eq!(records[0].id, records[1].id);
    assert_eq!(records[0].reason, "load test");
    assert_eq!(
        records[0].identity.as_deref(),
        Some(c.operator().as_str()),
        "SelfSubjectReview"
    );
    assert_eq!(
        records[0].request.as_ref().unwrap()["body"],
        json!({"spec": {"replicas": 3}})
    );
    assert!(cli.journal().verify().ok(), "{}", cli.journal().verify());

    // The annotation and the Event, as api-contracts.md describes them.
    let ann = d.metadata.annotations.unwrap()["fleetdeck.io/last-action"].clone();
    let ann: Value = serde_json::from_str(&ann).unwrap();
    assert_eq!(ann["action"], "scale");
    assert_eq!(ann["reason"], "load test");
    assert_eq!(ann["journal_id"], records[0].id.as_str());
    let events: Api<Event> = Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    let ev = support::eventually("the Scale event", GUARD, || async {
        events
            .list(&ListParams::default())
            .await
            .ok()?
            .items
            .into_iter()
            .find(|e| e.reason.as_deref() == Some("Scale"))
    })
    .await;
    assert_eq!(
        ev.reporting_controller.as_deref(),
        Some("fleetdeck.io/console")
    );
    assert_eq!(ev.action.as_deref(), Some("Scale"));
    assert_eq!(ev.type_.as_deref(), Some("Normal"));
    assert!(ev.note.unwrap_or_default().starts_with("load test — "));

    // The request the API server got: the reference body plus only the guard.
    let audited = support::wait_audit(&c.audit_log, GUARD, |e| {
        e["verb"] == "patch"
            && e["objectRef"]["subresource"] == "scale"
            && e["objectRef"]["namespace"] == ns.name.as_str()
            && e["user"]["username"] == c.operator()
            && e["stage"] == "ResponseComplete"
    })
    .await;
    let mut body = audited["requestObject"].clone();
    assert!(
        body["metadata"]["resourceVersion"].is_string(),
        "guarded: {body}"
    );
    body.as_object_mut().unwrap().remove("metadata");
    assert_eq!(body, json!({"spec": {"replicas": 3}}));

    let out = cli.run(&["restart", &target, "--reason", "pick up config", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let d = api.get("web").await.unwrap();
    let at = d
        .spec
        .unwrap()
        .template
        .metadata
        .unwrap()
        .annotations
        .unwrap();
    assert!(at.contains_key("kubectl.kubernetes.io/restartedAt"));
    assert_eq!(cli.journal().read().unwrap().len(), 4);
    assert!(cli.journal().verify().ok());
    assert_no_secrets(lab, &[cli.journal().path()]);
    ns.delete().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_between_plan_and_execute_is_a_conflict_not_an_overwrite() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "conflict").await;
    let admin: Api<Deployment> = Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    deploy(&admin, "web", 1).await;
    let cli = Cli::new(lab);
    let target = format!("{}/{}/deploy/web", c.operator(), ns.name);
    // The pipeline pauses after the intent is on disk; a teammate scales meanwhile.
    let child = cli
        .command(&[
            "scale",
            &target,
            "--replicas",
            "5",
            "--reason",
            "mine",
            "--yes",
        ])
        .env("FLEETDECK_TEST_PAUSE_AFTER_INTENT_MS", "3000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let journal = cli.journal();
    support::eventually("the intent", GUARD, || async {
        (journal.read().ok()?.len() == 1).then_some(())
    })
    .await;
    admin
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 2}})),
        )
        .await
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("conflict")
            && String::from_utf8_lossy(&out.stderr).contains("(its spec changed)"),
        "{}",
        text(&out)
    );
    assert_eq!(
        admin.get("web").await.unwrap().spec.unwrap().replicas,
        Some(2),
        "not overwritten"
    );
    let records = journal.read().unwrap();
    assert_eq!(
        kinds(&records),
        vec![
            (RecordKind::Intent, None),
            (RecordKind::Outcome, Some("conflict".into()))
        ]
    );
    assert!(journal.verify().ok());
    ns.delete().await;
}

/// The object moved between plan and send only where the action does not
/// look (another annotation; a controller's status write is the same
/// case): planned again and sent, each attempt journaled.
#[tokio::test(flavor = "multi_thread")]
async fn a_conflict_from_an_unrelated_change_is_planned_again_and_lands() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "replan").await;
    let admin: Api<Deployment> = Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    deploy(&admin, "web", 1).await;
    let cli = Cli::new(lab);
    let target = format!("{}/{}/deploy/web", c.operator(), ns.name);
    let child = cli
        .command(&[
            "scale",
            &target,
            "--replicas",
            "3",
            "--reason",
            "mine",
            "--yes",
        ])
        .env("FLEETDECK_TEST_PAUSE_AFTER_INTENT_MS", "3000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let journal = cli.journal();
    support::eventually("the intent", GUARD, || async {
        (journal.read().ok()?.len() == 1).then_some(())
    })
    .await;
    admin
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"annotations": {"team": "payments"}}})),
        )
        .await
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).lines().any(|l| l
            .starts_with("re-plan:  attempt 2 after a conflict: only its ")
            && l.ends_with("metadata moved; sent again")),
        "{}",
        text(&out)
    );
    assert_eq!(
        admin.get("web").await.unwrap().spec.unwrap().replicas,
        Some(3)
    );
    let records = journal.read().unwrap();
    assert_eq!(
        kinds(&records),
        vec![
            (RecordKind::Intent, None),
            (RecordKind::Outcome, Some("conflict".into())),
            (RecordKind::Intent, None),
            (RecordKind::Outcome, Some("ok".into()))
        ]
    );
    let replan = &records[2].detail.as_ref().unwrap()["replan"];
    assert_eq!(replan["attempt"], 2);
    assert_eq!(replan["after"], records[0].id.as_str());
    let moved = replan["moved"].as_str().unwrap();
    assert!(moved.ends_with("metadata moved"), "{moved}");
    assert!(journal.verify().ok());
    ns.delete().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readonly_identity_is_unavailable_and_a_forced_try_is_a_journaled_403() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "denied").await;
    let admin: Api<Deployment> = Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    deploy(&admin, "web", 1).await;
    let cli = Cli::new(lab);
    let target = format!("{}/{}/deploy/web", c.readonly(), ns.name);
    let out = cli.run(&[
        "scale",
        &target,
        "--replicas",
        "2",
        "--reason",
        "try",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("RBAC: may not patch deployments/scale"),
        "{}",
        text(&out)
    );
    let out = cli.run(&[
        "scale",
        &target,
        "--replicas",
        "2",
        "--reason",
        "try",
        "--yes",
        "--force",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        err.contains("403") && err.contains("forbidden"),
        "{}",
        text(&out)
    );
    let records = cli.journal().read().unwrap();
    assert_eq!(
        kinds(&records),
        vec![
            (RecordKind::Denied, Some("denied".into())),
            (RecordKind::Intent, None),
            (RecordKind::Denied, Some("denied".into()))
        ]
    );
    assert_eq!(
        admin.get("web").await.unwrap().spec.unwrap().replicas,
        Some(1)
    );
    ns.delete().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_between_intent_and_outcome_is_reconciled_on_the_next_start() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "crash").await;
    let admin: Api<Deployment> = Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    deploy(&admin, "web", 1).await;
    let cli = Cli::new(lab);
    let target = format!("{}/{}/deploy/web", c.operator(), ns.name);
    let mut child = cli
        .command(&[
            "scale",
            &target,
            "--replicas",
            "4",
            "--reason",
            "crash me",
            "--yes",
        ])
        .env("FLEETDECK_TEST_PAUSE_AFTER_INTENT_MS", "30000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = cli.journal();
    let intent = support::eventually("the intent", GUARD, || async {
        journal.read().ok()?.into_iter().next()
    })
    .await;
    child.kill().unwrap(); // SIGKILL: no outcome is written
    child.wait().unwrap();
    assert!(journal.verify().ok(), "{}", journal.verify());
    assert_eq!(journal.unfinished().unwrap().len(), 1);
    // The next start reports and reconciles it, then does its own work.
    let out = cli.run(&[
        "scale",
        &target,
        "--replicas",
        "2",
        "--reason",
        "after crash",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("unfinished action {}", intent.id)) && err.contains("not_applied"),
        "{}",
        text(&out)
    );
    let records = journal.read().unwrap();
    let rec = records
        .iter()
        .find(|r| r.kind == RecordKind::Reconcile)
        .expect("a reconcile record");
    assert_eq!(rec.id, intent.id);
    assert_eq!(rec.result.as_deref(), Some("not_applied"));
    assert!(journal.unfinished().unwrap().is_empty());
    assert!(journal.verify().ok(), "{}", journal.verify());
    ns.delete().await;
}

/// fleetdeck's own log: actions at info (the default), every request sent
/// at debug (`-v` or `FLEETDECK_LOG`), a private file, and never a token or
/// a key.
#[tokio::test(flavor = "multi_thread")]
async fn the_log_has_every_request_at_debug_and_no_credential() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[1];
    let ns = lab.namespace(c, "log").await;
    let api: Api<Deployment> = Api::namespaced(lab.client(&c.operator()).await, &ns.name);
    deploy(&api, "web", 1).await;
    let cli = Cli::new(lab);
    let log = cli.home.path().join("log").join("fleetdeck.log");
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    let target = format!("{}/{}/deploy/web", c.operator(), ns.name);
    let scale = |n: &str| {
        vec![
            "scale".to_string(),
            target.clone(),
            "--replicas".into(),
            n.into(),
            "--reason".into(),
            "log test".into(),
            "--yes".into(),
        ]
    };
    let args = scale("2");
    let out = cli.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", text(&out));
    let info = read();
    assert!(
        info.lines().any(|l| l.contains(&format!(
            "scale {}/{}/deploy/web (",
            c.operator(),
            ns.name
        )) && l.ends_with("): ok")),
        "{info}"
    );
    assert!(
        !info.contains("fleetdeck::request"),
        "no requests at info: {info}"
    );

    let out = cli.run(&["-v", "snapshot", "--context", &c.readonly()]);
    assert!(out.status.success(), "{}", text(&out));
    let args = scale("3");
    let out = cli
        .command(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .env("FLEETDECK_LOG", "debug")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let all = read();
    let request = |ctx: &str, verb_path: &str| {
        all.lines().any(|l| {
            l.contains("fleetdeck::request")
                && l.contains(&format!("{ctx}: {verb_path}"))
                && l.contains("→ 200 in ")
                && l.ends_with(" ms")
        })
    };
    assert!(request(&c.readonly(), "GET /api/v1/namespaces?"), "{all}");
    let patch = format!("PATCH /apis/apps/v1/namespaces/{}/deployments/web", ns.name);
    assert!(request(&c.operator(), &patch), "{all}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(log.parent().unwrap()), 0o700);
        assert_eq!(mode(&log), 0o600);
    }
    assert_no_secrets(lab, &[&log]);
    assert!(
        !all.contains("PRIVATE KEY") && !all.contains("Bearer"),
        "{all}"
    );
    ns.delete().await;
}
