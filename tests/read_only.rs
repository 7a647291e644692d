//! Read-only is a guarantee, proven by the API server's audit log: every flow
//! of fleetdeck in read-only mode (snapshot, the TUI with YAML, scale and
//! restart via flag, config and per-cluster config, even `--force`) leaves no
//! create/update/patch/delete in the log other than the review objects.

mod support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use fleetdeck::fleet::guard::USER_AGENT_READ_ONLY;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{json, Value};

fn fleetdeck(home: &std::path::Path, kubeconfig: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .env("FLEETDECK_CONFIG_DIR", home)
        .env("FLEETDECK_DATA_DIR", home)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(args)
        .output()
        .expect("tmux (.ci/run installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_screen(session: &str, what: &str, f: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = tmux(&["capture-pane", "-p", "-t", session]);
        if f(&s) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

const REVIEWS: &[&str] = &[
    "selfsubjectreviews",
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
];

#[tokio::test(flavor = "multi_thread")]
async fn no_mutation_leaves_a_read_only_fleetdeck() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[2];
    let ns = lab.namespace(c, "ro").await;
    let admin: Api<Deployment> = Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    admin
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "web"},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "a", "image": "web:1"}]}}}
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let kc = lab.kubeconfig.as_path();
    let target = format!("{}/{}/deploy/web", c.operator(), ns.name);
    let started = chrono::Utc::now();

    // Headless flows with --read-only.
    let ctx = c.operator();
    let out = fleetdeck(
        home.path(),
        kc,
        &["--read-only", "snapshot", "--context", &ctx],
    );
    assert!(out.status.success(), "{out:?}");
    for args in [
        vec![
            "--read-only",
            "scale",
            &target,
            "--replicas",
            "3",
            "--reason",
            "r",
            "--yes",
        ],
        vec![
            "--read-only",
            "scale",
            &target,
            "--replicas",
            "3",
            "--reason",
            "r",
            "--yes",
            "--force",
        ],
        vec!["--read-only", "restart", &target, "--reason", "r", "--yes"],
    ] {
        let out = fleetdeck(home.path(), kc, &args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("read-only"),
            "{out:?}"
        );
    }
    // read_only from the config file, console-wide and per cluster.
    for cfg in [
        "read_only = true\n",
        &format!("[[cluster]]\ncontext = \"{ctx}\"\nread_only = true\n"),
    ] {
        std::fs::write(home.path().join("config.toml"), cfg).unwrap();
        let out = fleetdeck(
            home.path(),
            kc,
            &[
                "scale",
                &target,
                "--replicas",
                "3",
                "--reason",
                "r",
                "--yes",
            ],
        );
        assert_eq!(out.status.code(), Some(3), "{cfg}: {out:?}");
    }
    std::fs::remove_file(home.path().join("config.toml")).unwrap();

    // Below every flow, the client itself: a patch from a read-only client is
    // refused before it is sent.
    let ro = fleetdeck::fleet::kubeconfig::client_for(&lab.loaded.config, &ctx, true)
        .await
        .unwrap();
    let api: Api<Deployment> = Api::namespaced(ro, &ns.name);
    let err = api
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap_err();
    assert!(fleetdeck::fleet::guard::is_refusal(&err), "{err}");
    let dry = PatchParams {
        dry_run: true,
        ..Default::default()
    };
    let err = api
        .patch("web", &dry, &Patch::Merge(json!({"spec": {"replicas": 5}})))
        .await
        .unwrap_err();
    assert!(
        fleetdeck::fleet::guard::is_refusal(&err),
        "no dry-runs either: {err}"
    );
    api.get("web").await.expect("reads pass");

    // The TUI: browse, drill down, fetch YAML, quit.
    let session = format!("fd-ro-{}", std::process::id());
    let cmd = format!(
        "FLEETDECK_CONFIG_DIR={h} FLEETDECK_DATA_DIR={h} {bin} --read-only --kubeconfig {kc} --context {ctx}; sleep 5",
        h = home.path().display(),
        bin = env!("CARGO_BIN_EXE_fleetdeck"),
        kc = kc.display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "150",
        "-y",
        "30",
        &cmd,
    ]);
    wait_screen(&session, "READ-ONLY badge and ok", |s| {
        s.contains("READ-ONLY") && s.contains(" ok ")
    });
    tmux(&["send-keys", "-t", &session, "Enter"]);
    wait_screen(&session, "workloads", |s| s.contains(&ns.name));
    // Other tests leave workloads named web on this cluster: filter by namespace.
    tmux(&["send-keys", "-t", &session, "/"]);
    tmux(&[
        "send-keys",
        "-t",
        &session,
        "-l",
        &format!("{}/web", ns.name),
    ]);
    tmux(&["send-keys", "-t", &session, "Enter"]);
    tmux(&["send-keys", "-t", &session, "y"]);
    wait_screen(&session, "YAML", |s| s.contains("kind: Deployment"));
    tmux(&["send-keys", "-t", &session, "q"]);
    std::thread::sleep(Duration::from_millis(500));
    tmux(&["kill-session", "-t", &session]);

    // Nothing changed, and the audit log says nothing was even attempted.
    assert_eq!(
        admin.get("web").await.unwrap().spec.unwrap().replicas,
        Some(1)
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mine: Vec<Value> = support::audit_events(&c.audit_log)
        .into_iter()
        .filter(|e| e["userAgent"] == USER_AGENT_READ_ONLY && e["stage"] == "ResponseComplete")
        .filter(|e| {
            e["requestReceivedTimestamp"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .is_some_and(|t| t >= started - chrono::Duration::seconds(1))
        })
        .collect();
    let verbs = |v: &str| mine.iter().filter(|e| e["verb"] == v).count();
    assert!(
        verbs("list") > 0 && verbs("watch") > 0 && verbs("get") > 0,
        "the flows ran: {} events",
        mine.len()
    );
    let writes: Vec<&Value> = mine
        .iter()
        .filter(|e| !matches!(e["verb"].as_str(), Some("get" | "list" | "watch")))
        .filter(|e| {
            !(e["verb"] == "create"
                && REVIEWS.contains(&e["objectRef"]["resource"].as_str().unwrap_or("")))
        })
        .collect();
    assert!(
        writes.is_empty(),
        "mutating requests from a read-only fleetdeck: {writes:#?}"
    );
    eprintln!(
        "read-only: {} requests audited ({} get, {} list, {} watch), 0 mutations",
        mine.len(),
        verbs("get"),
        verbs("list"),
        verbs("watch")
    );
    ns.delete().await;
}
