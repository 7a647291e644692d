//! Open Cluster Management: `ManagedCluster` objects on the hub
//! (`cluster.open-cluster-management.io/v1`, cluster-scoped). The hub holds
//! no credentials for its members: it gives inventory and health, and a
//! member is connected only through the user's own context for its URL.

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::Client;
use serde_json::Value;

use super::{condition, why, Found};

const WHAT: &str = "managedclusters.cluster.open-cluster-management.io";
const CLUSTERSET: &str = "cluster.open-cluster-management.io/clusterset";

pub async fn list(client: &Client, source: &str) -> Result<Vec<Found>, String> {
    let gvk = GroupVersionKind::gvk("cluster.open-cluster-management.io", "v1", "ManagedCluster");
    let ar = ApiResource::from_gvk_with_plural(&gvk, "managedclusters");
    let items = Api::<DynamicObject>::all_with(client.clone(), &ar)
        .list(&ListParams::default())
        .await
        .map_err(|e| why(&e, WHAT))?
        .items;
    Ok(items.iter().map(|o| found(o, source)).collect())
}

/// Accepted, joined, then available: the first that does not hold names
/// where the cluster stands.
pub fn lifecycle(spec: &Value, status: &Value, deleting: bool) -> String {
    if deleting {
        return "Deleting".into();
    }
    if spec["hubAcceptsClient"] != true
        || condition(status, "HubAcceptedManagedCluster") == Some("False")
    {
        return "NotAccepted".into();
    }
    if condition(status, "ManagedClusterJoined") != Some("True") {
        return "Joining".into();
    }
    match condition(status, "ManagedClusterConditionAvailable") {
        Some("True") => "Available".into(),
        Some("False") => "Unavailable".into(),
        // The agent's lease went unrenewed for 5 × leaseDurationSeconds.
        _ => "Unknown".into(),
    }
}

fn found(o: &DynamicObject, source: &str) -> Found {
    let name = o.metadata.name.clone().unwrap_or_default();
    let spec = &o.data["spec"];
    let labels = o.metadata.labels.clone().unwrap_or_default();
    let mut detail: Vec<String> = super::taints(spec);
    if let Some(v) = o.data["status"]["version"]["kubernetes"].as_str() {
        detail.push(format!("kubernetes {v}"));
    }
    let url = spec["managedClusterClientConfigs"]
        .as_array()
        .and_then(|c| c.iter().find_map(|c| c["url"].as_str()))
        .map(String::from);
    Found {
        name: format!("ocm/{name}"),
        source: source.to_string(),
        lifecycle: lifecycle(
            spec,
            &o.data["status"],
            o.metadata.deletion_timestamp.is_some(),
        ),
        provider: labels.get("cloud").cloned(),
        region: labels.get("region").cloned(),
        group: labels.get(CLUSTERSET).cloned(),
        note: Some(match &url {
            Some(u) => {
                format!("the hub holds no credentials: connected only through a context for {u}")
            }
            None => "the hub holds no credentials and no URL for it".into(),
        }),
        url,
        access: None,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(conds: &[(&str, &str)]) -> Value {
        json!({"conditions": conds.iter().map(|(t, s)| json!({"type": t, "status": s})).collect::<Vec<_>>()})
    }

    #[test]
    fn lifecycle_follows_acceptance_join_and_availability() {
        let accepted = json!({"hubAcceptsClient": true});
        assert_eq!(lifecycle(&json!({}), &status(&[]), false), "NotAccepted");
        assert_eq!(lifecycle(&accepted, &status(&[]), false), "Joining");
        let joined = [("ManagedClusterJoined", "True")];
        assert_eq!(lifecycle(&accepted, &status(&joined), false), "Unknown");
        let up = [
            ("ManagedClusterJoined", "True"),
            ("ManagedClusterConditionAvailable", "True"),
        ];
        assert_eq!(lifecycle(&accepted, &status(&up), false), "Available");
        let down = [
            ("ManagedClusterJoined", "True"),
            ("ManagedClusterConditionAvailable", "False"),
        ];
        assert_eq!(lifecycle(&accepted, &status(&down), false), "Unavailable");
        assert_eq!(lifecycle(&accepted, &status(&up), true), "Deleting");
    }
}
