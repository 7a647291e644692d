//! Helpers the failover and remediation lab tests share: one namespace
//! name across clusters, the operator's writes from an audit log, the
//! simulator's control endpoint, stdout of a CLI run.

use kube::api::{Api, ApiResource, GroupVersionKind, PostParams};
use serde_json::{json, Value};

use super::{Lab, LabCluster};

pub fn unique(prefix: &str) -> String {
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

/// The same namespace on each cluster (a plan or a desired tree names one).
pub async fn namespace(lab: &Lab, clusters: &[&LabCluster], prefix: &str) -> String {
    let name = unique(prefix);
    for c in clusters {
        let admin = lab.client_fresh(&c.admin()).await;
        let ns: k8s_openapi::api::core::v1::Namespace =
            serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
        Api::all(admin)
            .create(&PostParams::default(), &ns)
            .await
            .unwrap_or_else(|e| panic!("{}: namespace {name}: {e}", c.name));
    }
    name
}

/// The operator's non-dry-run writes in `ns`, from the audit log.
pub fn writes(c: &LabCluster, ns: &str) -> Vec<Value> {
    super::audit_events(&c.audit_log)
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

/// Every write by `user` since `since` (dry runs and reviews included; not
/// reads), from the audit log.
pub fn writes_by(c: &LabCluster, user: &str, since: chrono::DateTime<chrono::Utc>) -> Vec<Value> {
    super::audit_events(&c.audit_log)
        .into_iter()
        .filter(|e| e["user"]["username"] == user && super::received_since(e, since))
        .filter(|e| !matches!(e["verb"].as_str(), Some("get" | "list" | "watch")))
        .collect()
}

/// RBAC for a test: `rules` in namespace `ns` for the operators' group (a
/// Role `name`), and `reads` everywhere (a ClusterRole, shared by reruns)
/// for the groups `readers` — fleetdeck lists across namespaces.
pub async fn grant(
    admin: &kube::Client,
    ns: &str,
    name: &str,
    rules: Value,
    reads: Value,
    readers: &[&str],
) {
    use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
    let pp = PostParams::default();
    let group = |g: &str| serde_json::json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g});
    let role: Role = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": ns}, "rules": rules,
    }))
    .unwrap();
    let binding: RoleBinding = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [group("fleetdeck:operators")],
    }))
    .unwrap();
    Api::<Role>::namespaced(admin.clone(), ns)
        .create(&pp, &role)
        .await
        .unwrap();
    Api::<RoleBinding>::namespaced(admin.clone(), ns)
        .create(&pp, &binding)
        .await
        .unwrap();
    let reader = format!("fleetdeck-test-{name}-reader");
    let cluster_role: ClusterRole = serde_json::from_value(serde_json::json!({
        "metadata": {"name": reader}, "rules": reads,
    }))
    .unwrap();
    let cluster_binding: ClusterRoleBinding = serde_json::from_value(serde_json::json!({
        "metadata": {"name": reader},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": reader},
        "subjects": readers.iter().map(|g| group(g)).collect::<Vec<_>>(),
    }))
    .unwrap();
    // Already there from an earlier run against the same lab is fine.
    let _ = Api::<ClusterRole>::all(admin.clone())
        .create(&pp, &cluster_role)
        .await;
    let _ = Api::<ClusterRoleBinding>::all(admin.clone())
        .create(&pp, &cluster_binding)
        .await;
}

/// Chaos Mesh's NetworkChaos and PodChaos CRDs (from its module) and
/// LitmusChaos's ChaosEngine and ChaosResult (written from its docs).
pub async fn install_chaos(lab: &Lab, admin: &kube::Client) {
    for f in ["networkchaos", "podchaos"] {
        let path = lab.chaos_mesh_crds.join(format!("chaos-mesh.org_{f}.yaml"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        super::install_crd(admin, serde_saphyr::from_str(&text).unwrap()).await;
    }
    let text = std::fs::read_to_string(lab.fixtures.join("litmus-crds.yaml")).unwrap();
    for doc in text.split("\n---\n") {
        super::install_crd(admin, serde_saphyr::from_str(doc).unwrap()).await;
    }
}

pub fn ar(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// POST to a cluster's workload simulator `/control`.
pub async fn simulator(sim: &str, body: Value) {
    let r = fleetdeck::basics::http::client()
        .post(format!("{sim}/control"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "simulator control: {}",
        r.text().await.unwrap_or_default()
    );
}

/// The ids `remediation list` printed for objects in namespace `ns` (other
/// tests' findings on the shared clusters are left out), in order.
pub fn proposal_ids(out: &str, ns: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.contains(&format!("/{ns}/")))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.len() == 14 && w.as_bytes()[1] == b'-')
        .map(String::from)
        .collect()
}
