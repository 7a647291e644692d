//! The live fleet against the lab's real API servers, as the operator identity.

mod support;

use std::time::Duration;

use chrono::Utc;
use fleetdeck::config::Config;
use fleetdeck::fleet::handles::Fleet;
use fleetdeck::fleet::summary::{ClusterRow, ClusterState, Known};
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::config::Kubeconfig;
use serde_json::json;

const GUARD: Duration = Duration::from_secs(90);

/// The lab kubeconfig plus a context on a dead port and one whose exec plugin fails.
fn kubeconfig_with_bad_contexts(lab: &support::Lab) -> Kubeconfig {
    let extra = Kubeconfig::from_yaml(
        r#"
apiVersion: v1
kind: Config
clusters:
- name: dead
  cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}
users:
- name: dead
  user: {token: nothing}
- name: broken-exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: /nonexistent/credential-helper
      interactiveMode: Never
contexts:
- name: dead-port
  context: {cluster: dead, user: dead}
- name: exec-fails
  context: {cluster: dead, user: broken-exec}
"#,
    )
    .unwrap();
    lab.loaded.config.clone().merge(extra).unwrap()
}

fn row<'a>(rows: &'a [ClusterRow], context: &str) -> &'a ClusterRow {
    rows.iter().find(|r| r.meta.context == context).unwrap()
}

async fn wait_rows(
    fleet: &Fleet,
    what: &str,
    f: impl Fn(&[ClusterRow]) -> bool,
) -> Vec<ClusterRow> {
    support::eventually(what, GUARD, || async {
        let rows = fleet.rows(Utc::now());
        f(&rows).then_some(rows)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn live_clusters_shown_while_bad_contexts_are_unreachable() {
    let Some(lab) = support::lab() else { return };
    let kc = kubeconfig_with_bad_contexts(lab);
    let mut contexts: Vec<String> = lab.clusters.iter().map(|c| c.operator()).collect();
    contexts.extend(["dead-port".to_string(), "exec-fails".to_string()]);
    let cfg = Config::default();
    let metas = contexts.iter().map(|c| cfg.meta_for(c)).collect();
    let t0 = std::time::Instant::now();
    let fleet = Fleet::connect(metas, kc, cfg.policy());
    let live = &contexts[..3];
    // The live clusters settle without waiting for the bad ones.
    let rows = wait_rows(&fleet, "live clusters ok", |rows| {
        live.iter().all(|c| row(rows, c).state == ClusterState::Ok)
    })
    .await;
    let settle = t0.elapsed();
    for c in live {
        let r = row(&rows, c);
        assert_eq!(
            r.nodes,
            Known::Value(fleetdeck::fleet::summary::Ratio { ready: 3, total: 3 })
        );
        assert_eq!(r.version.as_deref(), Some("v1.36.3"));
        assert!(r.forbidden.is_empty(), "{c}: {:?}", r.forbidden);
    }
    let rows = wait_rows(&fleet, "bad contexts unreachable", |rows| {
        ["dead-port", "exec-fails"]
            .iter()
            .all(|c| matches!(row(rows, c).state, ClusterState::Unreachable { .. }))
    })
    .await;
    let ClusterState::Unreachable { error, .. } = &row(&rows, "exec-fails").state else {
        unreachable!()
    };
    assert!(
        error.contains("credential-helper") || error.contains("exec"),
        "{error}"
    );
    let ClusterState::Unreachable { error, .. } = &row(&rows, "dead-port").state else {
        unreachable!()
    };
    assert!(!error.is_empty());
    // Excluded clusters stay out of totals: 3 live clusters × 3 nodes.
    let totals = Fleet::totals(&rows);
    assert_eq!(totals.excluded, 2);
    assert_eq!(totals.nodes.total, 9);
    eprintln!("live clusters settled in {settle:?} beside two bad contexts");
}

#[tokio::test(flavor = "multi_thread")]
async fn view_follows_create_scale_delete() {
    let Some(lab) = support::lab() else { return };
    let cluster = &lab.clusters[2];
    let ns = lab.namespace(cluster, "follow").await;
    let cfg = Config::default();
    let fleet = Fleet::connect(
        vec![cfg.meta_for(&cluster.operator())],
        lab.loaded.config.clone(),
        cfg.policy(),
    );
    let count = |fleet: &Fleet| {
        fleet.clusters[0]
            .data
            .lock()
            .unwrap()
            .deployments
            .items
            .values()
            .filter(|w| w.namespace == ns.name)
            .map(|w| (w.name.clone(), w.desired, w.ready))
            .collect::<Vec<_>>()
    };
    wait_rows(&fleet, "synced", |rows| rows[0].state == ClusterState::Ok).await;
    let api: Api<Deployment> = Api::namespaced(lab.client(&cluster.operator()).await, &ns.name);
    api.create(&PostParams::default(), &support::deployment("shop", 2))
        .await
        .unwrap();
    support::eventually("created and ready", GUARD, || async {
        (count(&fleet) == vec![("shop".to_string(), 2, 2)]).then_some(())
    })
    .await;
    api.patch(
        "shop",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": 4}})),
    )
    .await
    .unwrap();
    support::eventually("scaled to 4 ready", GUARD, || async {
        (count(&fleet) == vec![("shop".to_string(), 4, 4)]).then_some(())
    })
    .await;
    let rows = fleet.rows(Utc::now());
    let pods = rows[0].pods.value().unwrap();
    assert!(pods.running >= 4, "{pods:?}");
    api.delete("shop", &DeleteParams::default()).await.unwrap();
    support::eventually("deleted", GUARD, || async {
        count(&fleet).is_empty().then_some(())
    })
    .await;
    ns.delete().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn readonly_identity_shows_forbidden_columns_not_fatal() {
    let Some(lab) = support::lab() else { return };
    let cluster = &lab.clusters[0];
    let cfg = Config::default();
    let fleet = Fleet::connect(
        vec![cfg.meta_for(&cluster.readonly())],
        lab.loaded.config.clone(),
        cfg.policy(),
    );
    let rows = wait_rows(&fleet, "settled", |rows| {
        matches!(rows[0].state, ClusterState::Degraded { .. })
    })
    .await;
    let r = &rows[0];
    // `view` does not cover nodes; pods and deployments it does.
    assert_eq!(r.nodes, Known::Forbidden);
    assert!(r.forbidden.contains(&"nodes"), "{:?}", r.forbidden);
    assert!(matches!(r.pods, Known::Value(_)));
    assert!(matches!(r.workloads, Known::Value(_)));
    assert_eq!(r.version.as_deref(), Some("v1.36.3"));
    assert!(
        r.excluded.is_none(),
        "forbidden nodes do not exclude a cluster"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn teammates_actions_show_in_the_journal_timeline() {
    use k8s_openapi::api::events::v1::Event;
    let Some(lab) = support::lab() else { return };
    let cluster = &lab.clusters[0];
    let ns = lab.namespace(cluster, "team").await;
    let cfg = Config::default();
    let fleet = fleetdeck::console::Console::new(Fleet::connect(
        vec![cfg.meta_for(&cluster.operator())],
        lab.loaded.config.clone(),
        cfg.policy(),
    ));
    // Another console's mark, exactly as fleetdeck writes it.
    let ev: Event = serde_json::from_value(json!({
        "metadata": {"name": "web.1", "namespace": ns.name},
        "eventTime": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "reportingController": "fleetdeck.io/console",
        "reportingInstance": "bastion-2",
        "action": "Scale", "reason": "Scale", "type": "Normal",
        "note": "traffic spike — alice",
        "regarding": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": ns.name, "name": "web"}
    }))
    .unwrap();
    Api::<Event>::namespaced(lab.client(&cluster.operator()).await, &ns.name)
        .create(&PostParams::default(), &ev)
        .await
        .unwrap();
    let since = Utc::now() - chrono::Duration::hours(1);
    let line = support::eventually("the teammate's action", GUARD, || async {
        fleetdeck::app::timeline::timeline(&[], &fleet, &[], "this-host", since)
            .into_iter()
            .find(|c| c.object.namespace == ns.name)
    })
    .await;
    assert_eq!(line.kind, fleetdeck::timeline::ChangeKind::Action);
    assert_eq!(line.by.as_deref(), Some("alice"));
    assert_eq!(line.summary, "scale ok");
    assert_eq!(
        line.detail.as_deref(),
        Some("traffic spike (console bastion-2)")
    );
    assert_eq!(
        line.object.to_string(),
        format!("{}/Deployment/web", ns.name)
    );
    ns.delete().await;
}
