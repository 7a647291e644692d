//! Remediations against real API servers: drift from a desired-state tree
//! found by server-side dry-run (client-side in read-only) and attributed to
//! the manager that made it, approved through the pipeline; overlays that
//! cause no false drift; two consoles approving one proposal; snooze and
//! reject.

mod support;

use std::time::Duration;

const GUARD: Duration = Duration::from_secs(120);

use fleetdeck::journal::RecordKind;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::Client;
use serde_json::{json, Value};
use support::cli::{text, Cli};
use support::shared::{ar, namespace, proposal_ids, stdout, unique, writes};
use support::{Lab, LabCluster};

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
        stdout(&o).contains("pre-flight: read-only: fleetdeck makes no changes"),
        "{}",
        text(&o)
    );
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
    let id = proposal_ids(&out, &ns).pop().expect("a proposal id");
    let o = cli.run(&["remediation", "show", &id]);
    assert!(stdout(&o).contains("pre-flight: ok"), "{}", text(&o));
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
    // Other tests' findings on the shared clusters may be listed; none is this one's.
    assert!(!stdout(&o).contains(&ns), "{}", text(&o));
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
    // Other tests' findings on the shared clusters may be listed; none is this one's.
    assert!(!stdout(&o).contains(&ns), "{}", text(&o));
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
    let id1 = proposal_ids(&stdout(&one.run(&["remediation", "list"])), &ns)
        .pop()
        .expect("console one's id");
    let id2 = proposal_ids(&stdout(&two.run(&["remediation", "list"])), &ns)
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
    let found = proposal_ids(&out, &ns);
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
    assert!(proposal_ids(&out, &ns).is_empty(), "{out}");
    std::thread::sleep(Duration::from_secs(4));
    let out = stdout(&cli.run(&["remediation", "list"]));
    assert_eq!(
        proposal_ids(&out, &ns),
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

fn dynamic(
    client: &Client,
    ns: Option<&str>,
    ar: &kube::api::ApiResource,
) -> Api<kube::api::DynamicObject> {
    match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, ar),
        None => Api::all_with(client.clone(), ar),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_out_of_sync_argo_cd_application_is_synced_as_argo_cd_documents() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let ns = namespace(lab, &[a], "rem-argo").await;
    let admin = lab.client(&a.admin()).await;
    let apps = dynamic(
        &admin,
        Some(&ns),
        &ar("argoproj.io", "v1alpha1", "Application", "applications"),
    );
    let app: kube::api::DynamicObject = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "shop"},
        "spec": {"project": "default",
                 "source": {"repoURL": "https://git.example/shop.git", "path": "deploy", "targetRevision": "main"},
                 "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"}}
    }))
    .unwrap();
    apps.create(&PostParams::default(), &app).await.unwrap();
    // No Argo CD controller runs here: the test writes what it would (no status subresource).
    apps.patch(
        "shop",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {
            "sync": {"status": "OutOfSync", "revision": "4f2c9e1"},
            "health": {"status": "Healthy"},
            "resources": [{"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "shop", "name": "web", "status": "OutOfSync"}]
        }})),
    )
    .await
    .unwrap();
    let cli = console(lab, &[a], &[]);
    let out = stdout(&cli.run(&["remediation", "list"]));
    let line = out
        .lines()
        .find(|l| l.contains(&format!("{ns}/application/shop")))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("argocd")
            && line.contains("OutOfSync (1 resource(s)), health Healthy: sync to 4f2c9e1"),
        "{line}"
    );
    let id = line.split_whitespace().next().unwrap();
    let o = cli.run(&[
        "remediation",
        "approve",
        id,
        "--yes",
        "--reason",
        "sync after the hotfix",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let live = apps.get("shop").await.unwrap();
    assert_eq!(
        live.data["operation"],
        json!({"initiatedBy": {"username": "lab-a"}, "sync": {"revision": "4f2c9e1", "prune": false}})
    );
    // The request: that merge patch and fleetdeck's guard, nothing else.
    let patch = writes(a, &ns)
        .into_iter()
        .find(|e| {
            e["objectRef"]["resource"] == "applications"
                && e["requestObject"].get("operation").is_some()
        })
        .expect("the sync request");
    let mut body = patch["requestObject"].clone();
    assert!(body["metadata"]["resourceVersion"].is_string());
    body.as_object_mut().unwrap().remove("metadata");
    assert_eq!(
        body,
        json!({"operation": {"initiatedBy": {"username": "lab-a"}, "sync": {"revision": "4f2c9e1", "prune": false}}})
    );
    // While that operation is set, a second sync is refused.
    let o = cli.run(&["remediation", "approve", id, "--yes", "--reason", "again"]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn gatekeeper_violations_are_listed_with_the_constraint_message() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let admin = lab.client(&a.admin()).await;
    // The constraint CRD as Gatekeeper generates it from a ConstraintTemplate
    // (group constraints.gatekeeper.sh, cluster-scoped, status kept as is).
    let kind = format!("K8sReqLabels{}", unique("x").replace('-', ""));
    let plural = kind.to_lowercase();
    let crd: k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition =
        serde_json::from_value(json!({
            "metadata": {"name": format!("{plural}.constraints.gatekeeper.sh"), "labels": {"gatekeeper.sh/constraint": "yes"}},
            "spec": {"group": "constraints.gatekeeper.sh", "scope": "Cluster",
                "names": {"kind": kind, "listKind": format!("{kind}List"), "plural": plural, "singular": plural, "categories": ["constraint", "constraints"]},
                "versions": [{"name": "v1beta1", "served": true, "storage": true, "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                        "spec": {"type": "object", "properties": {
                            "match": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                            "enforcementAction": {"type": "string", "default": "deny"},
                            "parameters": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
                        "status": {"x-kubernetes-preserve-unknown-fields": true}}}}}]}
        }))
        .unwrap();
    let crds = Api::<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition>::all(admin.clone());
    crds.create(&PostParams::default(), &crd).await.unwrap();
    let cr = dynamic(
        &admin,
        None,
        &ar("constraints.gatekeeper.sh", "v1beta1", &kind, &plural),
    );
    let constraint: kube::api::DynamicObject = serde_json::from_value(json!({
        "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": kind,
        "metadata": {"name": "must-have-owner"},
        "spec": {"enforcementAction": "dryrun", "match": {"kinds": [{"apiGroups": [""], "kinds": ["Namespace"]}]},
                 "parameters": {"labels": ["owner"]}}
    }))
    .unwrap();
    support::eventually("the constraint kind is served", GUARD, || {
        let cr = cr.clone();
        let c = constraint.clone();
        async move { cr.create(&PostParams::default(), &c).await.ok() }
    })
    .await;
    // Gatekeeper's audit writes status through the subresource; the test does.
    cr.patch_status(
        "must-have-owner",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {"totalViolations": 1, "auditTimestamp": "2026-11-23T10:00:00Z",
            "violations": [{"group": "", "version": "v1", "kind": "Namespace", "name": "payments",
                            "message": "you must provide labels: {\"owner\"}", "enforcementAction": "dryrun"}]}})),
    )
    .await
    .unwrap();
    let cli = console(lab, &[a], &[]);
    let out = stdout(&cli.run(&["remediation", "list"]));
    let line = out
        .lines()
        .find(|l| l.contains(&kind))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("gatekeeper") && line.contains("lab-a/namespace/payments"),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "{kind}/must-have-owner (dryrun): you must provide labels: {{\"owner\"}}"
        )),
        "{line}"
    );
    let id = line.split_whitespace().next().unwrap();
    let o = cli.run(&["remediation", "approve", id, "--yes", "--reason", "x"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no fix to apply"),
        "{}",
        text(&o)
    );
    let _ = crds
        .delete(
            &format!("{plural}.constraints.gatekeeper.sh"),
            &Default::default(),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_loop_after_an_update_is_undone() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let ns = namespace(lab, &[a], "rem-crash").await;
    let admin = lab.client(&a.admin()).await;
    let deps = Api::<Deployment>::namespaced(admin.clone(), &ns);
    deps.create(
        &PostParams::default(),
        &serde_json::from_value(web(&ns, 1)).unwrap(),
    )
    .await
    .unwrap();
    let rs_count = |n: usize| {
        let admin = admin.clone();
        let ns = ns.clone();
        move || {
            let admin = admin.clone();
            let ns = ns.clone();
            async move {
                let rs = Api::<k8s_openapi::api::apps::v1::ReplicaSet>::namespaced(admin, &ns)
                    .list(&Default::default())
                    .await
                    .ok()?;
                (rs.items.len() == n).then_some(())
            }
        }
    };
    support::eventually("revision 1", GUARD, rs_count(1)).await;
    // The update: image 2.0, whose pods crash.
    deps.patch(
        "web",
        &PatchParams::default(),
        &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "registry.example/web:2.0"}]}}}})),
    )
    .await
    .unwrap();
    support::eventually("revision 2", GUARD, rs_count(2)).await;
    let pods = Api::<k8s_openapi::api::core::v1::Pod>::namespaced(admin.clone(), &ns);
    let new_pod = support::eventually("a pod of revision 2", GUARD, || {
        let pods = pods.clone();
        async move {
            pods.list(&Default::default())
                .await
                .ok()?
                .items
                .into_iter()
                .find(|p| {
                    // Running: kwok has written its status (a later write of
                    // its own would undo the crash written below).
                    p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
                        && p.spec.as_ref().is_some_and(|s| {
                            s.containers[0].image.as_deref() == Some("registry.example/web:2.0")
                        })
                })
        }
    })
    .await;
    let name = new_pod.metadata.name.clone().unwrap();
    let cli = console(lab, &[a], &[]);
    // kwok does not crash containers: the test writes the kubelet's status
    // (again, should anything have written over it) until the scan sees it.
    let line = support::eventually("the undo proposal", GUARD, || {
        let (pods, name, cli, ns) = (pods.clone(), name.clone(), &cli, ns.clone());
        async move {
            pods.patch_status(
                &name,
                &PatchParams::default(),
                &Patch::Merge(json!({"status": {"containerStatuses": [{"name": "web", "image": "registry.example/web:2.0",
                    "imageID": "", "ready": false, "restartCount": 6, "started": false,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}}]}})),
            )
            .await
            .ok()?;
            let out = stdout(&cli.run(&["remediation", "list"]));
            out.lines()
                .find(|l| l.contains(&format!("{ns}/deployment/web")))
                .map(String::from)
        }
    })
    .await;
    assert!(line.contains("crashloop") && line.contains("1 pod(s) of revision 2 in CrashLoopBackOff (6 restarts) since the rollout: undo to revision 1 (registry.example/web:2.0 → registry.example/web:1.0)"), "{line}");
    let id = line.split_whitespace().next().unwrap();
    let o = cli.run(&[
        "remediation",
        "approve",
        id,
        "--yes",
        "--reason",
        "2.0 crash-loops",
    ]);
    assert!(matches!(o.status.code(), Some(0 | 4)), "{}", text(&o));
    let d = deps.get("web").await.unwrap();
    assert_eq!(
        d.spec.unwrap().template.spec.unwrap().containers[0]
            .image
            .as_deref(),
        Some("registry.example/web:1.0")
    );
    // kubectl's request: a JSON patch of the template and the annotations (after fleetdeck's guard).
    let undo = writes(a, &ns)
        .into_iter()
        .find(|e| e["objectRef"]["resource"] == "deployments" && e["requestObject"].is_array())
        .expect("the undo request");
    let ops = undo["requestObject"].as_array().unwrap();
    assert_eq!(ops[0]["op"], "test");
    assert_eq!(ops[1]["path"], "/spec/template");
    assert!(ops[1]["value"]["metadata"]["labels"]
        .get("pod-template-hash")
        .is_none());
    assert_eq!(ops[2]["path"], "/metadata/annotations");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_canary_failing_its_slo_gate_is_aborted() {
    use fleetdeck::fleet::rollout::{rollout_info, Phase};
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[2];
    let ns = namespace(lab, &[c], "rem-gate").await;
    let api = dynamic(
        &lab.client(&c.admin()).await,
        Some(&ns),
        &ar("argoproj.io", "v1alpha1", "Rollout", "rollouts"),
    );
    let ro: kube::api::DynamicObject = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "a", "image": "web:1"}]}},
            "strategy": {"canary": {"steps": [{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]}}}
    }))
    .unwrap();
    api.create(&PostParams::default(), &ro).await.unwrap();
    let info = |api: Api<kube::api::DynamicObject>| async move {
        rollout_info(&serde_json::to_value(api.get("web").await.ok()?).ok()?)
    };
    support::eventually("Healthy", GUARD, || async {
        info(api.clone())
            .await
            .filter(|i| i.phase == Phase::Healthy && i.stable_rs == i.current_pod_hash)
    })
    .await;
    let image =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "web:2"}]}}}});
    api.patch("web", &PatchParams::default(), &Patch::Merge(&image))
        .await
        .unwrap();
    support::eventually("paused at step 1", GUARD, || async {
        info(api.clone())
            .await
            .filter(|i| i.step == Some((1, 4)) && i.phase == Phase::Paused)
    })
    .await;
    support::settled(&api, "web").await;
    // The simulator serves the canary failing 30 %, stable clean.
    support::shared::simulator(
        &c.simulator,
        json!({"services": [
            {"namespace": ns, "service": "web", "version": "stable", "rps": 20, "error_ratio": 0.0},
            {"namespace": ns, "service": "web", "version": "canary", "rps": 10, "error_ratio": 0.3}
        ]}),
    )
    .await;
    let sel = format!("namespace=\"{ns}\",cluster=\"{{{{cluster}}}}\"");
    let cfg = format!(
        "contexts = [\"{ctx}\"]\n\n[[cluster]]\ncontext = \"{ctx}\"\nprometheus = \"{url}\"\n\n[[slo]]\nname = \"web-errors\"\nobjective = 99\nclusters = [\"{ctx}\"]\n\
         error_query = 'sum(rate(http_requests_total{{{sel},code=~\"5..\"}}[{{{{window}}}}]))'\n\
         total_query = 'sum(rate(http_requests_total{{{sel}}}[{{{{window}}}}]))'\n[slo.gate]\nlabel = \"version\"\nwindow = \"1m\"\n",
        ctx = c.name,
        url = lab.prometheus
    );
    let cli = Cli::new(lab);
    std::fs::write(cli.home.path().join("config.toml"), cfg).unwrap();
    // Once Prometheus has scraped the errors, the scan proposes an abort.
    let line = support::eventually("an abort proposal", GUARD, || {
        let out = stdout(&cli.run(&["remediation", "list"]));
        let hit = out
            .lines()
            .find(|l| l.contains(&format!("{ns}/rollout/web")))
            .map(String::from);
        async move { hit }
    })
    .await;
    assert!(
        line.contains("slo-gate") && line.contains("fails its SLO gate: SLO web-errors: canary "),
        "{line}"
    );
    assert!(
        line.contains("vs stable 0.00% errors over 1m (allowed +1.00%); abort"),
        "{line}"
    );
    let id = line.split_whitespace().next().unwrap();
    let o = cli.run(&[
        "remediation",
        "approve",
        id,
        "--yes",
        "--reason",
        "canary fails",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    support::eventually("aborted", GUARD, || async {
        info(api.clone()).await.filter(|i| i.aborted)
    })
    .await;
    support::shared::simulator(&c.simulator, json!({"remove_namespace": ns})).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_remediations_view_approves_a_drift_in_a_real_terminal() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let ns = namespace(lab, &[a], "rem-tui").await;
    let admin = lab.client(&a.admin()).await;
    create(&admin, &flags(&ns, "on")).await;
    let cli = console(lab, &[a], &[("flags.yaml", yaml(&[flags(&ns, "off")]))]);
    let cmd = format!(
        "FLEETDECK_CONFIG_DIR={d} FLEETDECK_DATA_DIR={d} {bin} --kubeconfig {kc}; sleep 30",
        d = cli.home.path().display(),
        bin = env!("CARGO_BIN_EXE_fleetdeck"),
        kc = lab.kubeconfig.display(),
    );
    let tmux = support::tmux::Tmux::start(&cmd, 160, 45);
    tmux.wait_for("the fleet", |s| s.contains("lab-a"));
    tmux.keys(&["8"]);
    tmux.wait_for("the proposal", |s| {
        s.contains(&format!("{ns}/configmap/flags"))
    });
    tmux.keys(&["/"]);
    tmux.keys(&["-l", &ns]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("filtered to it", |s| s.contains("Remediations [1]"));
    tmux.keys(&["A"]);
    tmux.wait_for("the dialog with the server's dry-run diff", |s| {
        s.contains("diff (server-side dry-run)") && s.contains("+  beta: \"off\"")
    });
    tmux.keys(&["-l", "flag back to desired"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("done", |s| {
        s.contains("apply") && s.contains(": done (journal")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("approved in the queue", |s| {
        s.lines()
            .any(|l| l.contains(&format!("{ns}/configmap/flags")) && l.contains("approved"))
    });
    let cm = Api::<ConfigMap>::namespaced(admin, &ns)
        .get("flags")
        .await
        .unwrap();
    assert_eq!(cm.data.unwrap()["beta"], "off");
    let records = cli.journal().read().unwrap();
    let apply: Vec<_> = records.iter().filter(|r| r.action == "apply").collect();
    assert_eq!(apply.len(), 2, "intent and outcome");
    assert_eq!(apply[1].result.as_deref(), Some("ok"));
    assert_eq!(apply[0].reason, "flag back to desired");
    let queue: Value = serde_json::from_str(
        &std::fs::read_to_string(cli.home.path().join("remediations.json")).unwrap(),
    )
    .unwrap();
    let approved = queue["entries"]
        .as_object()
        .unwrap()
        .values()
        .find(|e| e["proposal"]["object"] == format!("{ns}/configmap/flags"))
        .unwrap();
    assert_eq!(approved["decision"]["state"], "approved");
    assert_eq!(approved["decision"]["reason"], "flag back to desired");
    tmux.keys(&["Escape", "q"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_workload_gets_its_requests_fitted() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let ns = namespace(lab, &[a], "rem-size").await;
    let admin = lab.client(&a.admin()).await;
    let mut d = web(&ns, 1);
    d["spec"]["template"]["spec"]["containers"][0]["resources"] =
        json!({"requests": {"cpu": "1", "memory": "2Gi"}});
    create(&admin, &d).await;
    let pods = Api::<k8s_openapi::api::core::v1::Pod>::namespaced(admin.clone(), &ns);
    let pod = support::eventually("the pod", GUARD, || {
        let pods = pods.clone();
        async move {
            pods.list(&Default::default())
                .await
                .ok()?
                .items
                .into_iter()
                .next()
        }
    })
    .await;
    // cAdvisor usage: a quarter of the CPU and of the memory requested.
    support::shared::simulator(
        &a.simulator,
        json!({"pods": [{"namespace": ns, "pod": pod.metadata.name, "container": "web",
            "cpu_cores": 0.25, "memory_bytes": 512u64 * 1024 * 1024}]}),
    )
    .await;
    let cli = Cli::new(lab);
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!(
            "contexts = [\"{ctx}\"]\n\n[cost]\nusage_window = \"20s\"\n\n[[cluster]]\ncontext = \"{ctx}\"\nprometheus = \"{}\"\n",
            lab.prometheus,
            ctx = a.name
        ),
    )
    .unwrap();
    // A fresh series reads low until it is a window old: wait for the rate.
    // 250m and 512Mi used → 300m and 615Mi.
    let line = support::eventually("a right-sizing proposal", GUARD, || {
        let out = stdout(&cli.run(&["remediation", "list"]));
        let hit = out
            .lines()
            .find(|l| l.contains(&format!("{ns}/deployment/web")) && l.contains("peak use of 250m"))
            .map(String::from);
        async move { hit }
    })
    .await;
    assert!(
        line.contains("right-sizing")
            && (line.contains("requests 1 → 300m, 2Gi") || line.contains("requests 1 → 305m, 2Gi"))
            && line.contains("2Gi → 615Mi for a peak use of 250m CPU / 512Mi (over 20s)"),
        "{line}"
    );
    let id = line.split_whitespace().next().unwrap();
    let o = cli.run(&[
        "remediation",
        "approve",
        id,
        "--yes",
        "--reason",
        "fit to use",
    ]);
    assert!(matches!(o.status.code(), Some(0 | 4)), "{}", text(&o));
    let d = Api::<Deployment>::namespaced(admin, &ns)
        .get("web")
        .await
        .unwrap();
    let req = d.spec.unwrap().template.spec.unwrap().containers[0]
        .resources
        .clone()
        .unwrap()
        .requests
        .unwrap();
    // 250m × 1.2 in steps of 5m: 300m, or 305m when the rate reads a hair over 250m.
    assert!(matches!(req["cpu"].0.as_str(), "300m" | "305m"), "{req:?}");
    assert_eq!(req["memory"].0, "615Mi");
    // The request kubectl set resources would send: a strategic merge by container name.
    let patch = writes(a, &ns)
        .into_iter()
        .find(|e| {
            e["objectRef"]["resource"] == "deployments" && e["requestObject"]["spec"].is_object()
        })
        .expect("the request");
    assert_eq!(
        patch["requestObject"]["spec"],
        json!({"template": {"spec": {"containers": [{"name": "web", "resources": {"requests": {"cpu": req["cpu"].0, "memory": "615Mi"}}}]}}})
    );
    support::shared::simulator(&a.simulator, json!({"remove_namespace": ns})).await;
}
