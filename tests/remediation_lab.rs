//! Remediations against real API servers: drift from a desired-state tree
//! found by server-side dry-run (client-side in read-only) and attributed to
//! the manager that made it, approved through the pipeline; overlays that
//! cause no false drift; two consoles approving one proposal; snooze and
//! reject.

mod support;

use std::time::Duration;

use fleetdeck::journal::RecordKind;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::Client;
use serde_json::{json, Value};
use support::cli::{text, Cli};
use support::{Lab, LabCluster};

fn unique(prefix: &str) -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{:x}{:05x}",
        std::process::id() & 0xffff,
        n & 0xfffff
    )
}

async fn namespace(lab: &Lab, clusters: &[&LabCluster], prefix: &str) -> String {
    let name = unique(prefix);
    for c in clusters {
        let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
        Api::<Namespace>::all(lab.client(&c.admin()).await)
            .create(&PostParams::default(), &ns)
            .await
            .unwrap();
    }
    name
}

fn web(ns: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "registry.example/web:1.0"}]}}
        }
    })
}

fn flags(ns: &str, beta: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flags", "namespace": ns}, "data": {"beta": beta}})
}

/// The objects as a GitOps tool would have created them (its own manager).
async fn create(client: &Client, obj: &Value) {
    let pp = PatchParams::apply("gitops").force();
    let ns = obj["metadata"]["namespace"].as_str().unwrap();
    let name = obj["metadata"]["name"].as_str().unwrap();
    match obj["kind"].as_str().unwrap() {
        "Deployment" => {
            Api::<Deployment>::namespaced(client.clone(), ns)
                .patch(name, &pp, &Patch::Apply(obj))
                .await
                .unwrap();
        }
        _ => {
            Api::<ConfigMap>::namespaced(client.clone(), ns)
                .patch(name, &pp, &Patch::Apply(obj))
                .await
                .unwrap();
        }
    }
}

/// A console whose config puts `clusters` in group `web` with a desired-state
/// tree of `files` (path under desired/web → YAML).
fn console(lab: &Lab, clusters: &[&LabCluster], files: &[(&str, String)]) -> Cli {
    let cli = Cli::new(lab);
    let names: Vec<String> = clusters.iter().map(|c| format!("{:?}", c.name)).collect();
    let mut config = format!(
        "contexts = [{}]\n\n[drift]\ndir = \"desired\"\n",
        names.join(", ")
    );
    for c in clusters {
        config.push_str(&format!(
            "\n[[cluster]]\ncontext = \"{}\"\ngroup = \"web\"\n",
            c.name
        ));
    }
    std::fs::write(cli.home.path().join("config.toml"), config).unwrap();
    for (rel, text) in files {
        let p = cli.home.path().join("desired/web").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    cli
}

fn yaml(objs: &[Value]) -> String {
    objs.iter()
        .map(|o| serde_saphyr::to_string(o).unwrap())
        .collect::<Vec<_>>()
        .join("---\n")
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The ids `remediation list` printed, in order.
fn ids(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.len() == 14 && w.as_bytes()[1] == b'-')
        .map(String::from)
        .collect()
}

/// The operator's non-dry-run writes in `ns`.
fn writes(c: &LabCluster, ns: &str) -> Vec<Value> {
    support::audit_events(&c.audit_log)
        .into_iter()
        .filter(|e| {
            matches!(
                e["verb"].as_str(),
                Some("patch" | "update" | "create" | "delete")
            ) && e["stage"] == "ResponseComplete"
                && e["objectRef"]["namespace"] == ns
                && e["user"]["username"] == c.operator()
                && !e["requestURI"].as_str().unwrap_or("").contains("dryRun")
        })
        .collect()
}

async fn replicas(client: &Client, ns: &str) -> i32 {
    Api::<Deployment>::namespaced(client.clone(), ns)
        .get("web")
        .await
        .unwrap()
        .spec
        .unwrap()
        .replicas
        .unwrap_or(1)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kubectl_edit_is_found_attributed_and_put_back() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let ns = namespace(lab, &[a], "rem-edit").await;
    let admin = lab.client(&a.admin()).await;
    create(&admin, &web(&ns, 2)).await;
    // Someone edits production by hand.
    let op = lab.client(&a.operator()).await;
    Api::<Deployment>::namespaced(op, &ns)
        .patch(
            "web",
            &PatchParams {
                field_manager: Some("kubectl-edit".into()),
                ..Default::default()
            },
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap();
    let cli = console(lab, &[a], &[("web.yaml", yaml(&[web(&ns, 2)]))]);

    // Read-only: found by a client-side diff, no dry-run sent.
    let o = cli.run(&["--read-only", "remediation", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        stdout(&o).contains("spec.replicas 5 → 2 (kubectl-edit "),
        "{}",
        text(&o)
    );
    let dry: Vec<Value> = support::audit_events(&a.audit_log)
        .into_iter()
        .filter(|e| {
            e["objectRef"]["namespace"] == ns.as_str()
                && e["requestURI"].as_str().unwrap_or("").contains("dryRun")
        })
        .collect();
    assert!(dry.is_empty(), "{dry:?}");

    // Writable: the server's dry-run says the same, with who and when.
    let o = cli.run(&["remediation", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&o);
    assert!(
        out.contains("drift") && out.contains(&format!("lab-a/{ns}/deployment/web")),
        "{out}"
    );
    assert!(
        out.contains("1 field(s): spec.replicas 5 → 2 (kubectl-edit "),
        "{out}"
    );
    let id = ids(&out).pop().expect("a proposal id");
    let o = cli.run(&["remediation", "show", &id]);
    assert!(
        stdout(&o).contains("spec.replicas: 5 → 2  [kubectl-edit Update 20"),
        "{}",
        text(&o)
    );

    let o = cli.run(&[
        "remediation",
        "approve",
        &id,
        "--yes",
        "--reason",
        "back to desired",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(replicas(&admin, &ns).await, 2);
    // One server-side apply by the operator, guarded and forced, field manager fleetdeck.
    let applies: Vec<Value> = writes(a, &ns)
        .into_iter()
        .filter(|e| {
            e["requestURI"]
                .as_str()
                .unwrap_or("")
                .contains("fieldManager=fleetdeck")
        })
        .collect();
    assert_eq!(applies.len(), 1, "{applies:?}");
    assert!(applies[0]["requestURI"]
        .as_str()
        .unwrap()
        .contains("force=true"));
    assert!(applies[0]["requestObject"]["metadata"]["resourceVersion"].is_string());
    // Journal: intent and ok outcome, in the proposal's group.
    let records = cli.journal().read().unwrap();
    let apply: Vec<_> = records.iter().filter(|r| r.action == "apply").collect();
    assert_eq!(apply.len(), 2);
    assert_eq!(apply[0].kind, RecordKind::Intent);
    assert_eq!(apply[1].result.as_deref(), Some("ok"));
    assert_eq!(apply[0].reason, "back to desired");
    assert_eq!(
        apply[0].detail.as_ref().unwrap()["group"],
        format!("remediation-{id}")
    );
    let o = cli.run(&["remediation", "list"]);
    assert!(stdout(&o).contains("no open proposals"), "{}", text(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overlay_override_is_no_drift() {
    let Some(lab) = support::lab() else { return };
    let (a, b) = (&lab.clusters[0], &lab.clusters[1]);
    let ns = namespace(lab, &[a, b], "rem-overlay").await;
    create(&lab.client(&a.admin()).await, &web(&ns, 4)).await;
    create(&lab.client(&b.admin()).await, &web(&ns, 2)).await;
    let overlay = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns}, "spec": {"replicas": 4}});
    let cli = console(
        lab,
        &[a, b],
        &[
            ("web.yaml", yaml(&[web(&ns, 2)])),
            ("overlays/lab-a/web.yaml", yaml(&[overlay])),
        ],
    );
    let o = cli.run(&["remediation", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(stdout(&o).contains("no open proposals"), "{}", text(&o));
    // Without the overlay, lab-a's 4 replicas are drift.
    std::fs::remove_dir_all(cli.home.path().join("desired/web/overlays")).unwrap();
    let o = cli.run(&["remediation", "list"]);
    let out = stdout(&o);
    assert!(out.contains(&format!("lab-a/{ns}/deployment/web")), "{out}");
    assert!(!out.contains(&format!("lab-b/{ns}")), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_consoles_approve_one_proposal_once() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let ns = namespace(lab, &[a], "rem-two").await;
    let admin = lab.client(&a.admin()).await;
    create(&admin, &flags(&ns, "on")).await;
    let files = [("flags.yaml", yaml(&[flags(&ns, "off")]))];
    let (one, two) = (console(lab, &[a], &files), console(lab, &[a], &files));
    let id1 = ids(&stdout(&one.run(&["remediation", "list"])))
        .pop()
        .expect("console one's id");
    let id2 = ids(&stdout(&two.run(&["remediation", "list"])))
        .pop()
        .expect("console two's id");
    assert_eq!(
        id1, id2,
        "the same proposal has the same id on both consoles"
    );
    let o = one.run(&["remediation", "approve", &id1, "--yes", "--reason", "one"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = two.run(&["remediation", "approve", &id2, "--yes", "--reason", "two"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("already applied"),
        "{}",
        text(&o)
    );
    let cm = Api::<ConfigMap>::namespaced(admin, &ns)
        .get("flags")
        .await
        .unwrap();
    assert_eq!(cm.data.unwrap()["beta"], "off");
    assert_eq!(
        writes(a, &ns)
            .iter()
            .filter(|e| e["objectRef"]["resource"] == "configmaps"
                && e["requestURI"]
                    .as_str()
                    .unwrap_or("")
                    .contains("fieldManager=fleetdeck"))
            .count(),
        1
    );
    assert!(
        two.journal()
            .read()
            .unwrap()
            .iter()
            .all(|r| r.action != "apply"),
        "console two sent nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snooze_ends_and_a_rejection_stays() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let ns = namespace(lab, &[a], "rem-snooze").await;
    let admin = lab.client(&a.admin()).await;
    create(&admin, &web(&ns, 3)).await;
    create(&admin, &flags(&ns, "on")).await;
    let cli = console(
        lab,
        &[a],
        &[("all.yaml", yaml(&[web(&ns, 2), flags(&ns, "off")]))],
    );
    let out = stdout(&cli.run(&["remediation", "list"]));
    let found = ids(&out);
    assert_eq!(found.len(), 2, "{out}");
    let line = |id: &str| out.lines().find(|l| l.starts_with(id)).unwrap().to_string();
    let (dep, cm) = if line(&found[0]).contains("deployment") {
        (&found[0], &found[1])
    } else {
        (&found[1], &found[0])
    };
    let o = cli.run(&[
        "remediation",
        "snooze",
        dep,
        "--until",
        "3s",
        "--reason",
        "change freeze",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = cli.run(&[
        "remediation",
        "reject",
        cm,
        "--reason",
        "the flag is on by intent",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(&cli.run(&["remediation", "list"]));
    assert!(ids(&out).is_empty(), "{out}");
    std::thread::sleep(Duration::from_secs(4));
    let out = stdout(&cli.run(&["remediation", "list"]));
    assert_eq!(
        ids(&out),
        std::slice::from_ref(dep),
        "the snooze ended; the rejection stays: {out}"
    );
    let all = stdout(&cli.run(&["remediation", "list", "--all"]));
    assert!(
        all.lines()
            .any(|l| l.starts_with(cm.as_str()) && l.contains("rejected")),
        "{all}"
    );
    // Both decisions are journaled; nothing was applied.
    let records = cli.journal().read().unwrap();
    let kinds: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r.action.as_str(), r.result.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        kinds,
        [
            ("remediation-snooze", "snoozed"),
            ("remediation-reject", "rejected")
        ]
    );
    assert_eq!(replicas(&admin, &ns).await, 3);
}
