//! The real binary in a real terminal (tmux) against the lab: start, wait for
//! the three clusters, drill into one, filter, quit cleanly.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::tmux::Tmux;

fn row_ok(screen: &str, cluster: &str) -> bool {
    screen
        .lines()
        .any(|l| l.contains(&format!("│{cluster} ")) && l.contains(" ok ") && l.contains("3/3"))
}

#[test]
fn start_drill_filter_quit_in_tmux() {
    let Some(lab) = support::lab() else { return };
    let dir = tempfile::tempdir().unwrap();
    let rc = dir.path().join("rc");
    let bin = env!("CARGO_BIN_EXE_fleetdeck");
    // Its own config and data dirs, so a developer's files do not leak in.
    let cmd = format!(
        "FLEETDECK_CONFIG_DIR={d} FLEETDECK_DATA_DIR={d} {bin} --kubeconfig {kc} --context lab-a --context lab-b --context lab-c; echo $? > {rc}; sleep 30",
        d = dir.path().display(),
        kc = lab.kubeconfig.display(),
        rc = rc.display()
    );
    let tmux = Tmux::start(&cmd, 150, 30);
    tmux.wait_for("three clusters ok", |s| {
        row_ok(s, "lab-a") && row_ok(s, "lab-b") && row_ok(s, "lab-c")
    });
    // Drill into the first cluster (lab-a, sorted by name).
    tmux.keys(&["Enter"]);
    tmux.wait_for("lab-a's workloads", |s| s.contains("Workloads — lab-a"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("back on the fleet", |s| s.contains("Fleet [3]"));
    // Filter to one cluster.
    tmux.keys(&["/", "l", "a", "b", "-", "b", "Enter"]);
    let s = tmux.wait_for("filtered to lab-b", |s| s.contains("Fleet [1]"));
    assert!(row_ok(&s, "lab-b"), "{s}");
    assert!(!s.contains("│lab-a "), "{s}");
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !Path::new(&rc).exists() {
        assert!(Instant::now() < deadline, "fleetdeck did not exit on q");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        std::fs::read_to_string(&rc).unwrap().trim(),
        "0",
        "clean exit"
    );
    // The alternate screen is gone: the shell's screen is back.
    let s = tmux.screen();
    assert!(!s.contains("Fleet [1]"), "terminal restored:\n{s}");
}

#[tokio::test(flavor = "multi_thread")]
async fn scale_through_the_tui_is_confirmed_and_journaled() {
    use k8s_openapi::api::apps::v1::Deployment;
    use kube::api::{Api, PostParams};
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[0];
    let ns = lab.namespace(c, "tui").await;
    let api: Api<Deployment> = Api::namespaced(lab.client(&c.operator()).await, &ns.name);
    let d: Deployment = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "a", "image": "web:1"}]}}}
    }))
    .unwrap();
    api.create(&PostParams::default(), &d).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cmd = support::tmux::fleetdeck_on(dir.path(), &lab.kubeconfig, &c.operator());
    let tmux = Tmux::start(&cmd, 150, 40);
    tmux.wait_for("cluster ok", |s| row_ok(s, &c.name));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the cluster's workloads", |s| {
        s.contains("Workloads — lab-a")
    });
    // Filter first: the shared cluster may hold more workloads than a screen.
    tmux.keys(&["/"]);
    tmux.keys(&["-l", &ns.name]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("filtered to the deployment", |s| {
        s.contains("[1]") && s.contains(&ns.name)
    });
    tmux.keys(&["s", "BSpace", "3", "Enter"]);
    tmux.wait_for("the confirm dialog with the dry-run diff", |s| {
        s.contains("diff (server-side dry-run)") && s.contains("+  replicas: 3")
    });
    tmux.keys(&["-l", "tui test"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("done", |s| {
        s.contains("scale") && s.contains(": done (journal")
    });
    let d = api.get("web").await.unwrap();
    assert_eq!(d.spec.unwrap().replicas, Some(3));
    let journal = fleetdeck::journal::Journal::open(&dir.path().join("journal")).unwrap();
    let records = journal.read().unwrap();
    assert_eq!(records.len(), 2, "intent and outcome");
    assert_eq!(records[1].result.as_deref(), Some("ok"));
    assert_eq!(records[0].reason, "tui test");
    assert!(journal.verify().ok());
    // Nothing secret on screen: no token or key of the lab's kubeconfig.
    let screen = tmux.screen();
    let kc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.kubeconfig).unwrap()).unwrap();
    for u in kc["users"].as_array().unwrap() {
        for key in ["token", "client-key-data", "client-certificate-data"] {
            if let Some(secret) = u["user"][key].as_str() {
                assert!(
                    !screen.contains(&secret[..secret.len().min(24)]),
                    "{key} on screen"
                );
            }
        }
    }
    tmux.keys(&["Escape", "q"]);
    ns.delete().await;
}

#[test]
fn the_demo_offers_the_same_actions_into_its_own_journal() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = demo(dir.path());
    // staging-eu → its workloads → catalog-api
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "ctx staging-eu"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("staging-eu workloads", |s| {
        s.contains("Workloads — staging-eu")
    });
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "catalog-api"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("one workload", |s| s.contains("[1]"));
    tmux.keys(&["s", "BSpace", "BSpace", "5", "Enter"]);
    tmux.wait_for("confirm with diff", |s| s.contains("+  replicas: 5"));
    tmux.keys(&["-l", "demo scale"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("done in the demo", |s| s.contains("done in the demo"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("five replicas desired", |s| {
        s.lines()
            .any(|l| l.contains("catalog-api") && l.contains("/5 "))
    });
    let journal = fleetdeck::journal::Journal::open(&dir.path().join("demo")).unwrap();
    let records = journal.read().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].result.as_deref(), Some("ok"));
    assert_eq!(records[0].context, "staging-eu");
    assert!(
        !dir.path().join("journal").join("journal.jsonl").exists(),
        "not the real journal"
    );
    tmux.keys(&["q"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn promote_from_the_tui_steps_a_canary_to_healthy() {
    use fleetdeck::fleet::rollout::{rollout_info, Phase};
    use kube::api::{
        Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
    };
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[2];
    let ns = lab.namespace(c, "tuiro").await;
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout"),
        "rollouts",
    );
    let api: Api<DynamicObject> = Api::namespaced_with(lab.client(&c.admin()).await, &ns.name, &ar);
    let ro: DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "a", "image": "web:1"}]}},
            "strategy": {"canary": {"steps": [{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]}}}
    }))
    .unwrap();
    api.create(&PostParams::default(), &ro).await.unwrap();
    let phase = |api: Api<DynamicObject>| async move {
        let v = serde_json::to_value(api.get("web").await.ok()?).ok()?;
        rollout_info(&v)
    };
    support::eventually("Healthy", Duration::from_secs(120), || async {
        phase(api.clone())
            .await
            .filter(|i| i.phase == Phase::Healthy && i.stable_rs == i.current_pod_hash)
    })
    .await;
    let image = serde_json::json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "web:2"}]}}}});
    api.patch("web", &PatchParams::default(), &Patch::Merge(&image))
        .await
        .unwrap();
    support::eventually("paused at step 1", Duration::from_secs(120), || async {
        phase(api.clone())
            .await
            .filter(|i| i.step == Some((1, 4)) && i.phase == Phase::Paused)
    })
    .await;

    let dir = tempfile::tempdir().unwrap();
    let cmd = support::tmux::fleetdeck_on(dir.path(), &lab.kubeconfig, &c.operator());
    let tmux = Tmux::start(&cmd, 160, 45);
    tmux.wait_for("cluster ok", |s| row_ok(s, &c.name));
    tmux.keys(&["4"]);
    tmux.keys(&["/"]);
    tmux.keys(&["-l", &ns.name]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the paused rollout in the Rollouts view", |s| {
        s.contains("Rollouts across the fleet [1]")
            && s.contains("Paused (CanaryPauseStep)")
            && s.contains("1/4")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("steps and the revision tree", |s| {
        s.contains("▶ 1: pause (until promoted)")
            && s.contains("[canary]")
            && s.contains("[stable]")
    });
    for (step, want) in [(1, "▶ 3: pause (until promoted)"), (3, "Canary Healthy")] {
        support::settled(&api, "web").await;
        tmux.keys(&["p"]);
        tmux.wait_for("the promote dialog with the gate", |s| {
            s.contains("PATCH (merge) rollout/status")
                && s.contains("gate: go")
                && s.contains("canary ReplicaSet")
        });
        tmux.keys(&["-l", &format!("step {step} looks fine")]);
        tmux.keys(&["Enter"]);
        tmux.wait_for("done", |s| {
            s.contains("promote") && s.contains(": done (journal")
        });
        tmux.keys(&["Escape"]);
        tmux.wait_for(want, |s| s.contains(want));
    }
    let i = phase(api.clone()).await.unwrap();
    assert!(i.phase == Phase::Healthy && i.images == ["web:2"], "{i:?}");
    let journal = fleetdeck::journal::Journal::open(&dir.path().join("journal")).unwrap();
    let records = journal.read().unwrap();
    let summary: Vec<_> = records
        .iter()
        .map(|r| (r.action.as_str(), r.result.as_deref()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("promote", None),
            ("promote", Some("ok")),
            ("promote", None),
            ("promote", Some("ok"))
        ]
    );
    assert_eq!(records[0].detail.as_ref().unwrap()["gate"]["state"], "go");
    tmux.keys(&["Escape", "Escape", "q"]);
    ns.delete().await;
}

fn demo(dir: &Path) -> Tmux {
    demo_sized(dir, 160, 40)
}

fn demo_sized(dir: &Path, cols: u16, rows: u16) -> Tmux {
    let cmd = format!(
        "FLEETDECK_CONFIG_DIR={d} FLEETDECK_DATA_DIR={d} {bin} --demo; sleep 30",
        d = dir.display(),
        bin = env!("CARGO_BIN_EXE_fleetdeck"),
    );
    let tmux = Tmux::start(&cmd, cols, rows);
    tmux.wait_for("the demo fleet", |s| {
        s.contains("DEMO") && s.contains("staging-eu")
    });
    tmux
}

#[test]
fn fo_name_opens_a_plan_from_the_fleet_view() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = demo(dir.path());
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "fo checkout-us"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the plan, not 'no failover plan'", |s| {
        s.contains("service checkout: ") && !s.contains("no failover plan")
    });
    tmux.keys(&["q"]);
}

/// The open Remediations view rescans once a minute even while the demo's
/// feed and the clock keep waking the loop.
#[test]
fn the_open_remediations_view_rescans_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = demo(dir.path());
    tmux.keys(&["8"]);
    let age = |s: &str| -> Option<u64> {
        let rest = s.split("scanned ").nth(1)?;
        rest.split("s ago").next()?.parse().ok()
    };
    tmux.wait_for("a first scan", |s| age(s).is_some());
    tmux.wait_within("the scan a minute old", Duration::from_secs(90), |s| {
        age(s).is_some_and(|a| a >= 60)
    });
    tmux.wait_within("a rescan by itself", Duration::from_secs(30), |s| {
        age(s).is_some_and(|a| a < 20)
    });
    tmux.keys(&["q"]);
}

/// Another process holds the journal's lock mid-append (a CLI action, a
/// second console): the journal is read off the event loop, so the screen
/// keeps drawing and answering keys.
#[test]
fn a_journal_locked_by_another_process_does_not_freeze_the_screen() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let tmux = demo(dir.path());
    tmux.keys(&["3"]);
    tmux.wait_for("the Journal view", |s| s.contains(" Changes ["));
    let file = dir.path().join("demo").join("journal.jsonl");
    let hold = "import fcntl, sys, time\n\
                f = open(sys.argv[1], 'a')\n\
                fcntl.flock(f, fcntl.LOCK_EX)\n\
                f.write('{\"seq\":')\n\
                f.flush()\n\
                print('locked', flush=True)\n\
                time.sleep(120)\n";
    let mut holder = std::process::Command::new("python3")
        .args(["-c", hold])
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    // Long enough for the journal to be seen changed and the read to wait.
    std::thread::sleep(Duration::from_secs(3));
    for (key, view) in [("1", " Fleet ["), ("3", " Changes ["), ("1", " Fleet [")] {
        tmux.keys(&[key]);
        tmux.wait_within(view, Duration::from_secs(10), |s| s.contains(view));
    }
    let _ = holder.kill();
    let _ = holder.wait();
    tmux.keys(&["q"]);
}

/// In a workload's detail, `y` shows the YAML and `d` the description again
/// (the keymap lists both).
#[test]
fn d_and_y_switch_a_detail_between_description_and_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = demo(dir.path());
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "ctx staging-eu"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("staging-eu workloads", |s| {
        s.contains("Workloads — staging-eu")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the description", |s| s.contains("┌ Detail ─"));
    tmux.keys(&["y"]);
    tmux.wait_for("the YAML pane", |s| s.contains("┌ YAML ─"));
    tmux.keys(&["d"]);
    tmux.wait_for("the description again", |s| {
        s.contains("┌ Detail ─") && !s.contains("┌ YAML ─")
    });
    tmux.keys(&["q"]);
}

/// The issue that made the timeline: after two minutes of the demo, the
/// Changes view (`3`) tells its scripted incidents, each as the kind of
/// change it is — not only the SLO page.
#[test]
fn the_demo_timeline_tells_its_scripted_incidents() {
    let dir = tempfile::tempdir().unwrap();
    // Tall enough that the first lines are still on screen two minutes on.
    let tmux = demo_sized(dir.path(), 200, 70);
    tmux.keys(&["3"]);
    let story: [(&str, &str); 8] = [
        ("revision", "image checkout 1.42.0 → 1.43.0"),
        ("rollout", "paused"),
        ("cutover", "active "),
        ("slo", "page 1h/5m firing"),
        ("warning", "BackOff ×"),
        ("node", "NotReady"),
        ("cluster", "left out of totals"),
        ("cluster", "ok → unreachable"),
    ];
    let told = |s: &str| {
        story.iter().all(|(kind, what)| {
            s.lines()
                .any(|l| l.contains(&format!(" {kind} ")) && l.contains(what))
        })
    };
    let s = tmux.wait_within(
        "the demo's story in the Changes view",
        Duration::from_secs(240),
        told,
    );
    assert!(s.contains("Changes ["), "{s}");
    tmux.keys(&["q"]);
}

/// `NO_COLOR=1`: the demo draws without a single colour (no-color.org),
/// the selected row still marked (reverse video).
#[test]
fn no_color_draws_no_colour() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "NO_COLOR=1 FLEETDECK_CONFIG_DIR={d} FLEETDECK_DATA_DIR={d} {bin} --demo; sleep 30",
        d = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_fleetdeck"),
    );
    let tmux = Tmux::start(&cmd, 160, 40);
    tmux.wait_for("the demo fleet", |s| {
        s.contains("DEMO") && s.contains("staging-eu")
    });
    let styled = tmux.screen_styled();
    let colours: Vec<&str> = styled
        .split("\x1b[")
        .skip(1)
        .filter_map(|sgr| sgr.split_once('m').map(|(params, _)| params))
        .filter(|params| {
            params.split(';').any(|p| {
                matches!(
                    p.parse::<u16>(),
                    Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
                )
            })
        })
        .collect();
    assert!(colours.is_empty(), "colour sequences: {colours:?}");
    assert!(
        styled.contains("\x1b[7m") || styled.contains(";7m") || styled.contains("[7;"),
        "no reverse video for the selection"
    );
    tmux.keys(&["q"]);
}
