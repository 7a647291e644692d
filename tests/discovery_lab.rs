//! Clusters from management and hub clusters (`[[discovery]]`): lab-a holds
//! Cluster API Clusters, Argo CD cluster Secrets, OCM ManagedClusters and
//! Karmada Clusters whose credentials (or URLs) lead to lab-b and lab-c.
//! The CAPI CRD is Cluster API's own (one served version at a time: no
//! conversion webhook runs here); the OCM and Karmada CRDs are written from
//! their documented fields (tests/lab/fixtures/hub-crds.yaml).

mod support;

use std::path::Path;
use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::Client;
use serde_json::{json, Value};

use support::cli::{text, Cli};
use support::shared::{ar, unique};
use support::tmux::fleet_state;

/// Credentials read from a hub stay in memory: no file fleetdeck wrote (log,
/// journal, state) holds `secret`.
fn assert_nothing_kept(dir: &Path, secret: &str) {
    let mut seen = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                seen += 1;
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(secret),
                    "{} holds a credential",
                    p.display()
                );
            }
        }
    }
    assert!(seen > 1, "fleetdeck wrote nothing under {}", dir.display());
}

/// Writes a config whose one discovery source is `kind` read through
/// `context`, in namespace `ns`.
fn source(cli: &Cli, kind: &str, context: &str, ns: &str) {
    let text = format!(
        "[[discovery]]\nkind = \"{kind}\"\ncontext = \"{context}\"\nnamespace = \"{ns}\"\n"
    );
    std::fs::write(cli.home.path().join("config.toml"), text).unwrap();
}

/// Runs `fleetdeck clusters --json` with `contexts`; its rows by name.
fn clusters(cli: &Cli, contexts: &[&str]) -> (Vec<Value>, String) {
    let mut args: Vec<&str> = contexts.iter().flat_map(|c| ["--context", c]).collect();
    args.extend(["clusters", "--json"]);
    let out = cli.run(&args);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (
        v["clusters"].as_array().cloned().unwrap_or_default(),
        text(&out),
    )
}

fn row<'a>(rows: &'a [Value], name: &str, all: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}: {all}"))
}

/// The lab kubeconfig's entries for one context, as a kubeconfig of its own.
fn kubeconfig_for(lab: &support::Lab, context: &str) -> Value {
    let all: Value = serde_json::from_slice(&std::fs::read(&lab.kubeconfig).unwrap()).unwrap();
    let find = |list: &str, name: &str| -> Value {
        all[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {list} entry {name}"))
    };
    let ctx = find("contexts", context);
    let cluster = find("clusters", ctx["context"]["cluster"].as_str().unwrap());
    let user = find("users", ctx["context"]["user"].as_str().unwrap());
    json!({"apiVersion": "v1", "kind": "Config", "current-context": context,
           "clusters": [cluster], "users": [user], "contexts": [ctx]})
}

fn secret(ns: &str, name: &str, labels: Value, data: &[(&str, Vec<u8>)]) -> Secret {
    use base64::Engine;
    let data: serde_json::Map<String, Value> = data
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                json!(base64::engine::general_purpose::STANDARD.encode(v)),
            )
        })
        .collect();
    serde_json::from_value(
        json!({"metadata": {"name": name, "namespace": ns, "labels": labels}, "data": data}),
    )
    .unwrap()
}

async fn remove_crd(client: &Client, name: &str) {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let _ = api.delete(name, &DeleteParams::default()).await;
    support::eventually("the CRD gone", Duration::from_secs(60), || async {
        matches!(api.get_opt(name).await, Ok(None)).then_some(())
    })
    .await;
}

/// Cluster API's Cluster CRD with only `version` served and stored.
fn capi_crd(lab: &support::Lab, version: &str) -> Value {
    let text =
        std::fs::read_to_string(lab.capi_crds.join("cluster.x-k8s.io_clusters.yaml")).unwrap();
    let mut crd: Value = serde_saphyr::from_str(&text).unwrap();
    let versions = crd["spec"]["versions"].as_array_mut().unwrap();
    versions.retain(|v| v["name"] == version);
    assert_eq!(versions.len(), 1, "{version} in the CRD");
    versions[0]["storage"] = json!(true);
    versions[0]["served"] = json!(true);
    if let Some(spec) = crd["spec"].as_object_mut() {
        spec.remove("conversion");
    }
    crd
}

fn capi_cluster(version: &str, ns: &str, name: &str, port: u16) -> DynamicObject {
    let infra = if version == "v1beta2" {
        json!({"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "DockerCluster", "name": name})
    } else {
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "DockerCluster", "name": name})
    };
    serde_json::from_value(json!({
        "apiVersion": format!("cluster.x-k8s.io/{version}"), "kind": "Cluster",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"infrastructureRef": infra, "controlPlaneEndpoint": {"host": "127.0.0.1", "port": port}},
    }))
    .unwrap()
}

async fn set_phase(api: &Api<DynamicObject>, name: &str, phase: &str) {
    api.patch_status(
        name,
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {"phase": phase}})),
    )
    .await
    .unwrap_or_else(|e| panic!("status of {name}: {e}"));
}

/// A kubeconfig whose user runs `touch marker`: it must never run.
fn exec_kubeconfig(lab: &support::Lab, marker: &Path) -> Value {
    let mut k = kubeconfig_for(lab, &lab.clusters[1].operator());
    k["users"][0]["user"] = json!({"exec": {
        "apiVersion": "client.authentication.k8s.io/v1", "command": "/bin/sh",
        "args": ["-c", format!("touch {}", marker.display())], "interactiveMode": "Never"}});
    k
}

/// One served version of the CRD at a time, on lab-a: Provisioned Clusters
/// with kubeconfig Secrets for lab-b and lab-c are connected; Provisioning
/// is listed; an exec user is listed and never run; a read-only identity
/// without Secret access sees the inventory; deleting the Secret or the
/// Cluster takes the connection or the row away.
#[tokio::test(flavor = "multi_thread")]
async fn cluster_api_clusters_join_the_fleet_in_v1beta2_and_v1beta1() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let admin = lab.client(&a.admin()).await;
    // The read-only identity may list Clusters, not Secrets (as `view` plus
    // Cluster API's own aggregated role would give).
    let role: ClusterRole = serde_json::from_value(json!({
        "metadata": {"name": "fleetdeck-test-capi-list"},
        "rules": [{"apiGroups": ["cluster.x-k8s.io"], "resources": ["clusters"], "verbs": ["get", "list", "watch"]}]}))
    .unwrap();
    let binding: ClusterRoleBinding = serde_json::from_value(json!({
        "metadata": {"name": "fleetdeck-test-capi-list"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "fleetdeck-test-capi-list"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "fleetdeck:readonly"}]}))
    .unwrap();
    let _ = Api::<ClusterRole>::all(admin.clone())
        .create(&PostParams::default(), &role)
        .await;
    let _ = Api::<ClusterRoleBinding>::all(admin.clone())
        .create(&PostParams::default(), &binding)
        .await;
    remove_crd(&admin, "clusters.cluster.x-k8s.io").await;

    for version in ["v1beta2", "v1beta1"] {
        support::install_crd(&admin, capi_crd(lab, version)).await;
        let ns = lab.namespace(a, "capi").await;
        let api: Api<DynamicObject> = Api::namespaced_with(
            admin.clone(),
            &ns.name,
            &ar("cluster.x-k8s.io", version, "Cluster", "clusters"),
        );
        let secrets: Api<Secret> = Api::namespaced(admin.clone(), &ns.name);
        let marker = tempfile::tempdir().unwrap().keep().join("exec-ran");
        let plan = [
            (
                "web-b",
                "Provisioned",
                Some(kubeconfig_for(lab, &lab.clusters[1].operator())),
            ),
            (
                "web-c",
                "Provisioned",
                Some(kubeconfig_for(lab, &lab.clusters[2].operator())),
            ),
            ("new-d", "Provisioning", None),
            ("exec-e", "Provisioned", Some(exec_kubeconfig(lab, &marker))),
        ];
        for (name, phase, kubeconfig) in &plan {
            api.create(
                &PostParams::default(),
                &capi_cluster(version, &ns.name, name, 6443),
            )
            .await
            .unwrap_or_else(|e| panic!("{version} Cluster {name}: {e}"));
            set_phase(&api, name, phase).await;
            if let Some(k) = kubeconfig {
                let s = secret(
                    &ns.name,
                    &format!("{name}-kubeconfig"),
                    json!({"cluster.x-k8s.io/cluster-name": name}),
                    &[("value", serde_json::to_vec(k).unwrap())],
                );
                secrets.create(&PostParams::default(), &s).await.unwrap();
            }
        }
        let cli = Cli::new(lab);
        let config = |ctx: &str| source(&cli, "capi", ctx, &ns.name);
        config(&a.admin());

        let (rows, all) = clusters(&cli, &[&a.admin(), "capi/*"]);
        assert_eq!(rows.len(), 5, "{version}: {all}");
        for name in ["web-b", "web-c"] {
            let r = row(&rows, &format!("capi/{name}"), &all);
            assert_eq!(r["access"], "context", "{version}: {r:#}");
            assert_eq!(r["lifecycle"], "Provisioned");
            assert_eq!(r["provider"], "DockerCluster");
            assert_eq!(r["source"], format!("capi on {}", a.admin()));
            assert_eq!(r["contexts"], json!([format!("capi/{name}")]));
            assert_eq!(r["url"], "https://127.0.0.1:6443");
        }
        let d = row(&rows, "capi/new-d", &all);
        assert_eq!(
            (&d["access"], &d["lifecycle"]),
            (&json!("listed"), &json!("Provisioning")),
            "{d:#}"
        );
        let e = row(&rows, "capi/exec-e", &all);
        assert_eq!(e["access"], "listed", "{e:#}");
        assert!(e["note"].as_str().unwrap().contains("exec"), "{e:#}");
        // No secret material on the way out.
        let key = kubeconfig_for(lab, &lab.clusters[1].operator())["users"][0]["user"]
            ["client-key-data"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(!all.contains(&key[..40]), "a client key in the output");
        assert_nothing_kept(cli.home.path(), &key[..40]);

        // Connected for real: the discovered clusters are watched, the
        // Provisioning one is a row that counts for nothing.
        let out = cli.run(&[
            "--context",
            &a.admin(),
            "--context",
            "capi/*",
            "snapshot",
            "--json",
            "--timeout",
            "60",
        ]);
        assert!(out.status.success(), "{}", text(&out));
        let snap: Value = serde_json::from_slice(&out.stdout).unwrap();
        let srows = snap["clusters"].as_array().unwrap();
        let state = |n: &str| {
            srows
                .iter()
                .find(|r| r["name"] == n)
                .map(|r| r["state"].clone())
        };
        assert_eq!(state("capi/web-b"), Some(json!("ok")), "{snap:#}");
        assert_eq!(state("capi/web-c"), Some(json!("ok")), "{snap:#}");
        assert_eq!(state("capi/new-d"), Some(json!("listed")), "{snap:#}");
        assert_eq!(snap["totals"]["clusters"], 3, "{snap:#}");
        assert_eq!(snap["totals"]["listed"], 2, "{snap:#}");
        assert!(!marker.exists(), "the exec plugin ran");
        if version == "v1beta2" {
            console_shows_listed_rows(&cli, lab, &a.admin());
        }

        // A discovered cluster the kubeconfig also reaches is one row.
        let b = &lab.clusters[1];
        let (rows, all) = clusters(&cli, &[&format!("{}*", b.name), "capi/web-b"]);
        assert_eq!(rows.len(), 1, "{all}");
        assert_eq!(
            rows[0]["contexts"],
            json!([b.admin(), b.operator(), b.readonly(), "capi/web-b"]),
            "{all}"
        );
        assert_eq!(rows[0]["source"], format!("capi on {}", a.admin()));

        // The read-only identity sees the inventory, not the credentials.
        config(&a.readonly());
        let (rows, all) = clusters(&cli, &[&a.readonly(), "capi/*"]);
        let r = row(&rows, "capi/web-b", &all);
        assert_eq!(
            (&r["access"], &r["lifecycle"]),
            (&json!("listed"), &json!("Provisioned")),
            "{r:#}"
        );
        assert!(
            r["note"].as_str().unwrap().contains("inventory only"),
            "{r:#}"
        );

        // No Secret: listed; no Cluster: gone.
        config(&a.admin());
        secrets
            .delete("web-c-kubeconfig", &DeleteParams::default())
            .await
            .unwrap();
        api.delete("web-b", &DeleteParams::default()).await.unwrap();
        support::eventually("web-b deleted", Duration::from_secs(30), || async {
            matches!(api.get_opt("web-b").await, Ok(None)).then_some(())
        })
        .await;
        let (rows, all) = clusters(&cli, &[&a.admin(), "capi/*"]);
        assert!(rows.iter().all(|r| r["name"] != "capi/web-b"), "{all}");
        let c = row(&rows, "capi/web-c", &all);
        assert_eq!(c["access"], "listed", "{c:#}");
        assert!(c["note"].as_str().unwrap().contains("no Secret"), "{c:#}");
        ns.delete().await;
        remove_crd(&admin, "clusters.cluster.x-k8s.io").await;
    }
    let _ = Api::<ClusterRoleBinding>::all(admin.clone())
        .delete("fleetdeck-test-capi-list", &DeleteParams::default())
        .await;
    let _ = Api::<ClusterRole>::all(admin)
        .delete("fleetdeck-test-capi-list", &DeleteParams::default())
        .await;
}

/// The console: discovered rows beside the kubeconfig's, the Provisioning
/// one `listed` with where it was found and why it is not connected.
fn console_shows_listed_rows(cli: &Cli, lab: &support::Lab, management: &str) {
    let cmd = support::tmux::fleetdeck_on(
        cli.home.path(),
        &lab.kubeconfig,
        &format!("{management} --context 'capi/*'"),
    );
    let t = support::tmux::Tmux::start(&cmd, 180, 40);
    let s = t.wait_for("the discovered rows", |s| {
        fleet_state(s, "capi/web-b").as_deref() == Some("ok")
            && fleet_state(s, "capi/new-d").as_deref() == Some("listed")
            && s.contains("3 clusters · 3 ok · 0 excl · 2 listed")
    });
    assert!(s.contains("Fleet [5]"), "{s}");
    t.keys(&["/"]);
    t.keys(&["-l", "new-d"]);
    t.keys(&["Enter"]);
    t.wait_for("why new-d is listed", |s| {
        s.contains(&format!(
            "listed by capi on {management} · Provisioning · not connected while Provisioning"
        ))
    });
    t.keys(&["Escape", "q"]);
}

/// Argo CD's cluster Secrets: a client certificate connects; an exec
/// provider and AWS authentication are listed with a note and never run;
/// an identity that may not list Secrets gets a note, and the fleet goes on.
#[tokio::test(flavor = "multi_thread")]
async fn argocd_cluster_secrets_join_the_fleet() {
    let Some(lab) = support::lab() else { return };
    let a = &lab.clusters[0];
    let b = &lab.clusters[1];
    let ns = lab.namespace(a, "argocd").await;
    let secrets: Api<Secret> = Api::namespaced(lab.client(&a.admin()).await, &ns.name);
    let k = kubeconfig_for(lab, &b.operator());
    let server = k["clusters"][0]["cluster"]["server"]
        .as_str()
        .unwrap()
        .to_string();
    let tls = json!({
        "caData": k["clusters"][0]["cluster"]["certificate-authority-data"],
        "certData": k["users"][0]["user"]["client-certificate-data"],
        "keyData": k["users"][0]["user"]["client-key-data"],
    });
    let marker = tempfile::tempdir().unwrap().keep().join("exec-ran");
    let label = json!({"argocd.argoproj.io/secret-type": "cluster"});
    let configs = [
        ("prod-b", json!({"tlsClientConfig": tls})),
        (
            "exec-b",
            json!({"execProviderConfig": {"command": "/bin/sh", "args": ["-c", format!("touch {}", marker.display())], "apiVersion": "client.authentication.k8s.io/v1beta1"}, "tlsClientConfig": {"caData": tls["caData"]}}),
        ),
        (
            "eks-b",
            json!({"awsAuthConfig": {"clusterName": "prod", "roleARN": "arn:aws:iam::1:role/x"}}),
        ),
    ];
    for (name, config) in &configs {
        let s = secret(
            &ns.name,
            &format!("cluster-{name}"),
            label.clone(),
            &[
                ("name", name.as_bytes().to_vec()),
                ("server", server.as_bytes().to_vec()),
                ("config", serde_json::to_vec(config).unwrap()),
            ],
        );
        secrets.create(&PostParams::default(), &s).await.unwrap();
    }
    let cli = Cli::new(lab);
    let config = |ctx: &str| source(&cli, "argocd", ctx, &ns.name);
    config(&a.admin());
    let (rows, all) = clusters(&cli, &[&a.admin(), "argocd/*"]);
    assert_eq!(rows.len(), 4, "{all}");
    let p = row(&rows, "argocd/prod-b", &all);
    assert_eq!(p["access"], "context", "{p:#}");
    assert_eq!(p["source"], format!("argocd on {}", a.admin()));
    for (name, word) in [("argocd/exec-b", "exec provider"), ("argocd/eks-b", "AWS")] {
        let r = row(&rows, name, &all);
        assert_eq!(r["access"], "listed", "{r:#}");
        assert!(r["note"].as_str().unwrap().contains(word), "{r:#}");
    }
    let out = cli.run(&[
        "--context",
        &a.admin(),
        "--context",
        "argocd/*",
        "snapshot",
        "--json",
        "--timeout",
        "60",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let snap: Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = snap["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "argocd/prod-b")
        .cloned();
    assert_eq!(p.map(|r| r["state"].clone()), Some(json!("ok")), "{snap:#}");
    assert!(!marker.exists(), "the exec provider ran");

    // `view` may not list Secrets: a note, and the rest of the fleet.
    config(&a.readonly());
    let (rows, all) = clusters(&cli, &[&a.readonly(), "argocd/*"]);
    assert_eq!(rows.len(), 1, "{all}");
    assert!(
        all.contains(&format!("argocd on {}: forbidden", a.readonly())),
        "{all}"
    );
    ns.delete().await;
}

/// OCM and Karmada hubs: a ManagedCluster is joined to the user's own
/// context for its URL (the hub holds no credentials), and listed where the
/// kubeconfig has none; a Karmada Push cluster connects with its secretRef's
/// token and CA; a NotReady one is listed with its taint.
#[tokio::test(flavor = "multi_thread")]
async fn ocm_and_karmada_hubs_list_and_join_their_clusters() {
    let Some(lab) = support::lab() else { return };
    let (a, b, c) = (&lab.clusters[0], &lab.clusters[1], &lab.clusters[2]);
    let admin = lab.client(&a.admin()).await;
    let text_crds = std::fs::read_to_string(lab.fixtures.join("hub-crds.yaml")).unwrap();
    for doc in text_crds.split("\n---\n") {
        support::install_crd(&admin, serde_saphyr::from_str(doc).unwrap()).await;
    }
    let u = unique("hub");
    let ns = lab.namespace(a, "karmada").await;
    let ocm: Api<DynamicObject> = Api::all_with(
        admin.clone(),
        &ar(
            "cluster.open-cluster-management.io",
            "v1",
            "ManagedCluster",
            "managedclusters",
        ),
    );
    let karmada: Api<DynamicObject> = Api::all_with(
        admin.clone(),
        &ar("cluster.karmada.io", "v1alpha1", "Cluster", "clusters"),
    );
    let server = |ctx: &str| {
        kubeconfig_for(lab, ctx)["clusters"][0]["cluster"]["server"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let cond = |t: &str, s: &str| json!({"type": t, "status": s, "reason": "Test", "message": "", "lastTransitionTime": "2026-12-04T00:00:00Z"});

    for (name, url, available) in [
        (format!("{u}-b"), server(&b.operator()), "True"),
        (
            format!("{u}-gone"),
            "https://127.0.0.1:9".to_string(),
            "Unknown",
        ),
    ] {
        let mc: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "cluster.open-cluster-management.io/v1", "kind": "ManagedCluster",
            "metadata": {"name": name, "labels": {"cluster.open-cluster-management.io/clusterset": "blue"}},
            "spec": {"hubAcceptsClient": true, "leaseDurationSeconds": 60, "managedClusterClientConfigs": [{"url": url}]}})).unwrap();
        ocm.create(&PostParams::default(), &mc).await.unwrap();
        let status = json!({"status": {"conditions": [cond("HubAcceptedManagedCluster", "True"), cond("ManagedClusterJoined", "True"), cond("ManagedClusterConditionAvailable", available)], "version": {"kubernetes": "v1.35.0"}}});
        ocm.patch_status(&name, &PatchParams::default(), &Patch::Merge(status))
            .await
            .unwrap();
    }
    // Karmada Push: the readonly identity's token and the CA, as karmadactl join stores them.
    let kc = kubeconfig_for(lab, &c.readonly());
    let token = kc["users"][0]["user"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD
        .decode(
            kc["clusters"][0]["cluster"]["certificate-authority-data"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    let secrets: Api<Secret> = Api::namespaced(admin.clone(), &ns.name);
    secrets
        .create(
            &PostParams::default(),
            &secret(
                &ns.name,
                &u,
                json!({}),
                &[("token", token.clone().into_bytes()), ("caBundle", ca)],
            ),
        )
        .await
        .unwrap();
    for (name, ready, taints) in [
        (format!("{u}-c"), "True", json!([])),
        (
            format!("{u}-down"),
            "False",
            json!([{"key": "cluster.karmada.io/not-ready", "effect": "NoSchedule"}]),
        ),
    ] {
        let kcl: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": name},
            "spec": {"syncMode": "Push", "apiEndpoint": server(&c.operator()), "secretRef": {"namespace": ns.name, "name": u},
                     "region": "eu-west-1", "zones": ["eu-west-1a"], "provider": "aws", "taints": taints}})).unwrap();
        karmada.create(&PostParams::default(), &kcl).await.unwrap();
        let status = json!({"status": {"kubernetesVersion": "v1.35.0", "conditions": [cond("Ready", ready)], "nodeSummary": {"totalNum": 3, "readyNum": 3}}});
        karmada
            .patch_status(&name, &PatchParams::default(), &Patch::Merge(status))
            .await
            .unwrap();
    }

    let cli = Cli::new(lab);
    let cfg = format!("[[discovery]]\nkind = \"ocm\"\ncontext = \"{0}\"\n\n[[discovery]]\nkind = \"karmada\"\ncontext = \"{0}\"\n", a.admin());
    std::fs::write(cli.home.path().join("config.toml"), cfg).unwrap();
    let (rows, all) = clusters(
        &cli,
        &[
            &format!("{}*", b.name),
            &format!("ocm/{u}-*"),
            &format!("karmada/{u}-*"),
        ],
    );
    // lab-b's own contexts carry what the hub says about it.
    let rb = row(&rows, b.name.as_str(), &all);
    assert_eq!(rb["source"], format!("ocm on {}", a.admin()), "{rb:#}");
    assert_eq!(rb["lifecycle"], "Available");
    assert_eq!(rb["group"], "blue");
    assert_eq!(rb["access"], "context");
    let gone = row(&rows, &format!("ocm/{u}-gone"), &all);
    assert_eq!(
        (&gone["access"], &gone["lifecycle"]),
        (&json!("listed"), &json!("Unknown")),
        "{gone:#}"
    );
    let kc_row = row(&rows, &format!("karmada/{u}-c"), &all);
    assert_eq!(
        (&kc_row["access"], &kc_row["lifecycle"]),
        (&json!("context"), &json!("Ready")),
        "{kc_row:#}"
    );
    assert_eq!(
        (&kc_row["region"], &kc_row["provider"]),
        (&json!("eu-west-1"), &json!("aws"))
    );
    let down = row(&rows, &format!("karmada/{u}-down"), &all);
    assert_eq!(
        (&down["access"], &down["lifecycle"]),
        (&json!("listed"), &json!("NotReady")),
        "{down:#}"
    );
    assert!(
        down["detail"]
            .to_string()
            .contains("cluster.karmada.io/not-ready"),
        "{down:#}"
    );
    assert!(!all.contains(&token), "the token in the output");
    // The Karmada member answers through the Secret's token.
    let out = cli.run(&[
        "--context",
        &format!("karmada/{u}-c"),
        "snapshot",
        "--json",
        "--timeout",
        "60",
    ]);
    let snap: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let state = snap["clusters"][0]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(state == "ok" || state == "degraded", "{snap:#}");
    assert!(!text(&out).contains(&token));
    assert_nothing_kept(cli.home.path(), &token);

    for n in [format!("{u}-b"), format!("{u}-gone")] {
        let _ = ocm.delete(&n, &DeleteParams::default()).await;
    }
    for n in [format!("{u}-c"), format!("{u}-down")] {
        let _ = karmada.delete(&n, &DeleteParams::default()).await;
    }
    ns.delete().await;
}
