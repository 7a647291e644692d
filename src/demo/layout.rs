//! The demo fleet's shape: six clusters in three regions on two clouds, and
//! the apps that run in several of them, with deliberate replica and image
//! skew so the fleet-wide Workloads view has something to line up.

use crate::fleet::objects::WorkloadKind;
use crate::fleet::summary::ClusterMeta;

use super::rng::{fnv, hex, roll};
use super::world::{
    template_hash, Cloud, Cluster, Exit, Node, PodSet, RolloutState, Step, Strategy, Workload,
    World,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Primary,
    Standby,
    Staging,
    Dev,
}

struct ClusterSpec {
    name: &'static str,
    group: &'static str,
    cloud: Cloud,
    region: &'static str,
    role: Option<&'static str>,
    tier: Tier,
    accent: Option<&'static str>,
    protected: bool,
    version: &'static str,
    /// Instance type and whether it is spot capacity, one per node.
    nodes: &'static [(&'static str, bool)],
}

const M6I_2XL: (&str, bool) = ("m6i.2xlarge", false);
const C6I_2XL_SPOT: (&str, bool) = ("c6i.2xlarge", true);
const M6I_XL: (&str, bool) = ("m6i.xlarge", false);
const M6I_XL_SPOT: (&str, bool) = ("m6i.xlarge", true);
const R6I_XL: (&str, bool) = ("r6i.xlarge", false);
const N2_STD_8: (&str, bool) = ("n2-standard-8", false);
const E2_STD_4: (&str, bool) = ("e2-standard-4", false);
const E2_STD_4_SPOT: (&str, bool) = ("e2-standard-4", true);

/// Regions eu-west-1 and us-east-1 on AWS, europe-west4 on GCP. The EU
/// standby is on the other cloud, so a cloud-wide outage has somewhere to go.
const CLUSTERS: [ClusterSpec; 6] = [
    ClusterSpec {
        name: "prod-eu-west",
        group: "prod",
        cloud: Cloud::Aws,
        region: "eu-west-1",
        role: Some("primary"),
        tier: Tier::Primary,
        accent: Some("red"),
        protected: true,
        version: "v1.31.6-eks-bc803b4",
        nodes: &[
            M6I_2XL,
            M6I_2XL,
            M6I_2XL,
            C6I_2XL_SPOT,
            C6I_2XL_SPOT,
            R6I_XL,
        ],
    },
    ClusterSpec {
        name: "prod-eu-standby",
        group: "prod",
        cloud: Cloud::Gcp,
        region: "europe-west4",
        role: Some("standby"),
        tier: Tier::Standby,
        accent: Some("red"),
        protected: false,
        version: "v1.31.6-gke.1020000",
        nodes: &[N2_STD_8, N2_STD_8, E2_STD_4_SPOT, E2_STD_4_SPOT],
    },
    ClusterSpec {
        name: "prod-us-east",
        group: "prod",
        cloud: Cloud::Aws,
        region: "us-east-1",
        role: Some("primary"),
        tier: Tier::Primary,
        accent: Some("red"),
        protected: true,
        version: "v1.31.6-eks-bc803b4",
        nodes: &[M6I_2XL, M6I_2XL, M6I_2XL, C6I_2XL_SPOT, C6I_2XL_SPOT],
    },
    ClusterSpec {
        name: "prod-us-standby",
        group: "prod",
        cloud: Cloud::Aws,
        region: "us-east-1",
        role: Some("standby"),
        tier: Tier::Standby,
        accent: Some("red"),
        protected: false,
        version: "v1.30.9-eks-8cce635",
        nodes: &[M6I_XL, M6I_XL, M6I_XL_SPOT],
    },
    ClusterSpec {
        name: "staging-eu",
        group: "staging",
        cloud: Cloud::Gcp,
        region: "europe-west4",
        role: None,
        tier: Tier::Staging,
        accent: Some("yellow"),
        protected: false,
        version: "v1.32.2-gke.1182003",
        nodes: &[E2_STD_4, E2_STD_4, E2_STD_4_SPOT, E2_STD_4_SPOT],
    },
    ClusterSpec {
        name: "dev",
        group: "dev",
        cloud: Cloud::Gcp,
        region: "europe-west4",
        role: None,
        tier: Tier::Dev,
        accent: None,
        protected: false,
        version: "v1.33.1-gke.1107000",
        nodes: &[E2_STD_4_SPOT, E2_STD_4_SPOT, E2_STD_4_SPOT],
    },
];

fn machine(instance_type: &str) -> (u32, u32) {
    match instance_type {
        "m6i.2xlarge" | "n2-standard-8" => (8, 32),
        "c6i.2xlarge" => (8, 16),
        "m6i.xlarge" | "e2-standard-4" => (4, 16),
        "r6i.xlarge" => (4, 32),
        _ => (2, 8),
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Deployment,
    StatefulSet,
    DaemonSet,
    Canary,
    BlueGreen,
}

struct AppSpec {
    namespace: &'static str,
    name: &'static str,
    shape: Shape,
    repo: &'static str,
    /// By tier: primary, standby, staging, dev.
    tags: [&'static str; 4],
    replicas: [i32; 4],
    /// Pod labels a Service selects by (the traffic apps).
    labels: &'static [(&'static str, &'static str)],
}

const APPS: &[AppSpec] = &[
    AppSpec {
        namespace: "checkout",
        name: "checkout",
        shape: Shape::Canary,
        repo: "ghcr.io/acme-shop/checkout",
        tags: ["1.42.0", "1.41.3", "1.43.0-rc.1", "1.43.0-rc.2"],
        // Ten, so 20% and 50% are whole pods.
        replicas: [10, 2, 2, 1],
        labels: &[],
    },
    AppSpec {
        namespace: "checkout",
        name: "checkout-worker",
        shape: Shape::Deployment,
        repo: "ghcr.io/acme-shop/checkout-worker",
        tags: ["1.42.0", "1.42.0", "1.43.0-rc.1", "1.43.0-rc.2"],
        replicas: [2, 1, 1, 1],
        labels: &[],
    },
    AppSpec {
        namespace: "payments",
        name: "payments",
        shape: Shape::BlueGreen,
        repo: "ghcr.io/acme-shop/payments",
        tags: ["3.8.1", "3.8.0", "3.9.0-rc.1", "3.9.0-rc.1"],
        replicas: [3, 2, 1, 1],
        labels: &[],
    },
    AppSpec {
        namespace: "payments",
        name: "ledger",
        shape: Shape::StatefulSet,
        repo: "docker.io/library/postgres",
        tags: ["16.4", "16.4", "16.4", "17.0"],
        replicas: [3, 3, 1, 1],
        labels: &[],
    },
    AppSpec {
        namespace: "catalog",
        name: "catalog-api",
        shape: Shape::Deployment,
        repo: "ghcr.io/acme-shop/catalog-api",
        tags: ["2.7.3", "2.7.3", "2.8.0", "2.8.0"],
        replicas: [4, 2, 2, 1],
        labels: &[],
    },
    AppSpec {
        namespace: "catalog",
        name: "catalog-cache",
        shape: Shape::StatefulSet,
        repo: "docker.io/library/redis",
        tags: ["7.2.5", "7.2.5", "7.4.0", "7.4.0"],
        replicas: [3, 1, 1, 1],
        labels: &[],
    },
    AppSpec {
        namespace: "search",
        name: "search-api",
        shape: Shape::Deployment,
        repo: "ghcr.io/acme-shop/search-api",
        tags: ["5.1.0", "5.1.0", "5.2.0-rc.3", "5.2.0-rc.3"],
        replicas: [3, 2, 3, 1],
        labels: &[],
    },
    AppSpec {
        namespace: "search",
        name: "opensearch",
        shape: Shape::StatefulSet,
        repo: "docker.io/opensearchproject/opensearch",
        tags: ["2.15.0", "2.15.0", "2.16.0", "2.16.0"],
        replicas: [3, 2, 1, 1],
        labels: &[],
    },
    AppSpec {
        namespace: "kube-system",
        name: "coredns",
        shape: Shape::Deployment,
        repo: "registry.k8s.io/coredns/coredns",
        tags: ["v1.11.3", "v1.11.3", "v1.11.3", "v1.11.3"],
        replicas: [2, 2, 2, 2],
        labels: &[],
    },
    AppSpec {
        namespace: "kube-system",
        name: "kube-proxy",
        shape: Shape::DaemonSet,
        repo: "registry.k8s.io/kube-proxy",
        tags: ["v1.31.6", "v1.31.6", "v1.32.2", "v1.33.1"],
        replicas: [0; 4],
        labels: &[],
    },
    AppSpec {
        namespace: "monitoring",
        name: "node-exporter",
        shape: Shape::DaemonSet,
        repo: "quay.io/prometheus/node-exporter",
        tags: ["v1.8.2", "v1.8.2", "v1.8.2", "v1.9.0"],
        replicas: [0; 4],
        labels: &[],
    },
    AppSpec {
        namespace: "monitoring",
        name: "prometheus",
        shape: Shape::StatefulSet,
        repo: "quay.io/prometheus/prometheus",
        tags: ["v2.54.1", "v2.54.1", "v2.54.1", "v3.0.1"],
        replicas: [2, 1, 1, 1],
        labels: &[],
    },
];

/// The backends of the plain-Kubernetes traffic moves (`traffic.rs`): a
/// route canary (`storefront` and `storefront-canary` behind one HTTPRoute)
/// and a selector blue/green (`ledger-blue`/`ledger-green` behind the Service
/// `ledger`). Only on `traffic::CLUSTERS`.
const TRAFFIC_APPS: &[AppSpec] = &[
    AppSpec {
        namespace: "shop",
        name: "storefront",
        shape: Shape::Deployment,
        repo: "ghcr.io/acme-shop/storefront",
        tags: ["4.2.0", "4.2.0", "4.3.0-rc.1", "4.3.0-rc.1"],
        replicas: [4, 2, 2, 1],
        labels: &[("app", "storefront"), ("track", "stable")],
    },
    AppSpec {
        namespace: "shop",
        name: "storefront-canary",
        shape: Shape::Deployment,
        repo: "ghcr.io/acme-shop/storefront",
        tags: ["4.3.0", "4.3.0", "4.4.0-rc.1", "4.4.0-rc.1"],
        replicas: [2, 1, 1, 1],
        labels: &[("app", "storefront"), ("track", "canary")],
    },
    AppSpec {
        namespace: "payments",
        name: "ledger-blue",
        shape: Shape::Deployment,
        repo: "ghcr.io/acme-shop/ledger-api",
        tags: ["2.3.1", "2.3.1", "2.4.0-rc.2", "2.4.0-rc.2"],
        replicas: [2, 1, 1, 1],
        labels: &[("app", "ledger"), ("version", "blue")],
    },
    AppSpec {
        namespace: "payments",
        name: "ledger-green",
        shape: Shape::Deployment,
        repo: "ghcr.io/acme-shop/ledger-api",
        tags: ["2.4.0", "2.4.0", "2.5.0-rc.1", "2.5.0-rc.1"],
        replicas: [2, 1, 1, 1],
        labels: &[("app", "ledger"), ("version", "green")],
    },
];

/// Skew inside a tier: the US primary runs more catalog replicas on an older
/// image and the US standby's database lags a minor version; the US standby's
/// kube-proxy follows its older control plane.
const OVERRIDES: &[(&str, &str, Option<&str>, Option<i32>)] = &[
    ("prod-us-east", "catalog-api", Some("2.7.2"), Some(6)),
    ("prod-us-east", "checkout", Some("1.41.3"), None),
    ("prod-us-standby", "ledger", Some("16.3"), None),
    ("prod-us-standby", "kube-proxy", Some("v1.30.9"), None),
];

const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "monitoring",
    "checkout",
    "payments",
    "catalog",
    "search",
];

/// The first pause waits for the operator (`pause: {}`), as most canaries
/// do before real traffic; the second times out on its own.
pub const CANARY_STEPS: [Step; 5] = [
    Step::Weight(20),
    Step::Pause(None),
    Step::Weight(50),
    Step::Pause(Some(30)),
    Step::Weight(100),
];

const DAY: i64 = 86_400;

pub fn build(seed: u64) -> World {
    let clusters = CLUSTERS.iter().map(|spec| cluster(seed, spec)).collect();
    World { seed, clusters }
}

fn cluster(seed: u64, spec: &ClusterSpec) -> Cluster {
    let meta = ClusterMeta {
        context: spec.name.to_string(),
        contexts: vec![spec.name.to_string()],
        name: spec.name.to_string(),
        group: Some(spec.group.to_string()),
        region: Some(spec.region.to_string()),
        cloud: Some(
            match spec.cloud {
                Cloud::Aws => "aws",
                Cloud::Gcp => "gcp",
            }
            .to_string(),
        ),
        role: spec.role.map(str::to_string),
        read_only: false,
        protected: spec.protected,
        discovered: None,
        summary: false,
        edge: None,
        accent: spec.accent.map(str::to_string),
    };
    let r = |parts: &[u64]| roll(seed, &[&[fnv(spec.name)][..], parts].concat());
    let nodes = spec
        .nodes
        .iter()
        .enumerate()
        .map(|(i, &(instance_type, spot))| {
            let (cpu, memory_gi) = machine(instance_type);
            let zone = match spec.cloud {
                Cloud::Aws => format!("{}{}", spec.region, ["a", "b", "c"][i % 3]),
                Cloud::Gcp => format!("{}-{}", spec.region, ["a", "b", "c"][i % 3]),
            };
            let pool = if spot { "spot" } else { "general" };
            let h = r(&[1, i as u64]);
            let name = match spec.cloud {
                Cloud::Aws => format!(
                    "ip-10-{}-{}-{}.{}.compute.internal",
                    20 + h % 40,
                    (h >> 8) % 256,
                    (h >> 16) % 254 + 1,
                    spec.region
                ),
                Cloud::Gcp => format!(
                    "gke-{}-{pool}-pool-{}-{}",
                    spec.name,
                    hex(h, 8),
                    super::rng::suffix(h >> 3, 4)
                ),
            };
            let created = -(3 * DAY + (h % (40 * DAY as u64)) as i64);
            Node {
                name,
                instance_type,
                zone,
                pool,
                spot,
                cpu,
                memory_gi,
                ready: true,
                transition: created + 40,
                created,
            }
        })
        .collect();
    let tier = spec.tier as usize;
    let traffic = super::traffic::CLUSTERS.contains(&spec.name);
    let extra = if traffic { TRAFFIC_APPS } else { &[] };
    let workloads = APPS
        .iter()
        .chain(extra)
        .enumerate()
        .map(|(i, app)| {
            let over = OVERRIDES
                .iter()
                .find(|(c, a, ..)| *c == spec.name && *a == app.name);
            let tag = over.and_then(|o| o.2).unwrap_or(app.tags[tier]);
            let replicas = over.and_then(|o| o.3).unwrap_or(app.replicas[tier]);
            let image = format!("{}:{tag}", app.repo);
            let hash = template_hash(app.name, &image);
            let generation = 1 + (r(&[2, i as u64]) % 9) as i64;
            let (kind, rollout) = match app.shape {
                Shape::Deployment => (WorkloadKind::Deployment, None),
                Shape::StatefulSet => (WorkloadKind::StatefulSet, None),
                Shape::DaemonSet => (WorkloadKind::DaemonSet, None),
                Shape::Canary => (
                    WorkloadKind::Rollout,
                    Some(Strategy::Canary {
                        steps: CANARY_STEPS.to_vec(),
                    }),
                ),
                Shape::BlueGreen => (
                    WorkloadKind::Rollout,
                    Some(Strategy::BlueGreen {
                        auto_promote: 45,
                        scale_down: 30,
                    }),
                ),
            };
            Workload {
                kind,
                namespace: app.namespace.to_string(),
                name: app.name.to_string(),
                replicas,
                generation,
                created: -(20 * DAY + (r(&[3, i as u64]) % (200 * DAY as u64)) as i64),
                sets: vec![PodSet {
                    hash: hash.clone(),
                    image: image.clone(),
                    target: replicas,
                    revision: generation,
                }],
                image,
                rollout: rollout.map(|strategy| RolloutState {
                    step: match &strategy {
                        Strategy::Canary { steps } => steps.len(),
                        Strategy::BlueGreen { .. } => 0,
                    },
                    strategy,
                    stable: hash.clone(),
                    active: hash,
                    paused: None,
                    next_release: None,
                    cycle: None,
                    scale_down_at: None,
                    spec_paused: false,
                    aborted: None,
                    promote_full: false,
                }),
                max_scheduled: None,
                labels: app
                    .labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                mark: None,
            }
        })
        .collect();
    let mut namespaces: Vec<String> = NAMESPACES.iter().map(|s| s.to_string()).collect();
    if spec.tier == Tier::Dev {
        namespaces.push("sandbox".into());
    }
    if traffic {
        namespaces.push("shop".into());
    }
    let mut c = Cluster {
        meta,
        cloud: spec.cloud,
        version: spec.version.to_string(),
        nodes,
        namespaces,
        workloads,
        pods: Vec::new(),
        events: Vec::new(),
        traffic: Vec::new(),
        serial: 0,
    };
    c.reconcile(seed, 0, 0);
    age_pods(seed, &mut c);
    if traffic {
        super::traffic::setup(seed, &mut c);
    }
    super::failover::setup(&mut c);
    super::remediation::setup(&mut c);
    c
}

/// Pods found at start have been running for a while, a few with restarts.
fn age_pods(seed: u64, c: &mut Cluster) {
    let name = fnv(&c.meta.name);
    for p in &mut c.pods {
        let h = roll(seed, &[name, fnv(&p.name)]);
        let age = DAY / 2 + (h % (9 * DAY as u64)) as i64;
        p.born = -age;
        p.created = -age;
        p.started = -age + 2;
        p.ready_from = -age + 5;
        if h.is_multiple_of(7) {
            p.restarts = 1 + (h >> 8) as u32 % 4;
            let at = -(((h >> 16) % (6 * 3600)) as i64) - 60;
            p.last_exit = Some(Exit {
                reason: if (h >> 24).is_multiple_of(3) {
                    "OOMKilled"
                } else {
                    "Error"
                },
                code: if (h >> 24).is_multiple_of(3) { 137 } else { 1 },
                started: -age + 2,
                at,
            });
            p.started = at + 1;
        }
    }
}
