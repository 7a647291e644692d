//! Cost against the lab: lab-a's nodes are AWS eu-west-1 (two m5.xlarge
//! on-demand, one c5.2xlarge spot); pods with requests pinned to them; the
//! figures below are worked out by hand from the catalog's list prices.

mod support;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use serde_json::{json, Value};
use support::cli::{text, Cli};

fn pod(name: &str, node: &str, cpu: &str, mem: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"nodeName": node, "containers": [{"name": "app", "image": "registry.example/app:1",
            "resources": {"requests": {"cpu": cpu, "memory": mem}}}]}
    }))
    .unwrap()
}

fn close(v: &Value, want: f64, what: &str) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{what}: {v}"));
    assert!((got - want).abs() < 1e-6, "{what}: got {got}, want {want}");
}

#[tokio::test(flavor = "multi_thread")]
async fn namespace_cost_matches_hand_worked_figures_and_spot_is_priced_as_spot() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[0];
    let ns = lab.namespace(c, "cost").await;
    let pods: Api<Pod> = Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    pods.create(
        &PostParams::default(),
        &pod("small", &format!("{}-node-1", c.name), "1", "2Gi"),
    )
    .await
    .unwrap();
    pods.create(
        &PostParams::default(),
        &pod("quarter", &format!("{}-node-3", c.name), "2", "4Gi"),
    )
    .await
    .unwrap();
    let cli = Cli::new(lab);
    let out = cli.run(&["--context", &c.operator(), "cost", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();

    // Nodes: 2 × m5.xlarge on-demand eu-west-1 at $0.214 + c5.2xlarge spot at
    // the catalog's estimate $0.1536 = $0.5816 an hour.
    let cluster = &v["clusters"][0];
    close(&cluster["cost_per_hour"], 0.5816, "cluster cost");
    // One cluster shown: the fleet roll-up is that cluster.
    close(&v["fleet"]["cost_per_hour"], 0.5816, "fleet cost");
    assert_eq!(v["groups"].as_array().map(Vec::len), Some(1));
    assert_eq!(cluster["source"], "catalog");
    let spot = cluster["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == format!("{}-node-3", c.name))
        .unwrap();
    assert_eq!(spot["spot"], true);
    close(&spot["cost_per_hour"], 0.1536, "spot node");
    assert!(
        spot["source"]
            .as_str()
            .unwrap()
            .starts_with("catalog estimate"),
        "{spot}"
    );

    // Carbon (Cloud Carbon Footprint, 50 % utilisation with no usage known):
    //   m5.xlarge:  (4 × (0.74 + 0.5 × 2.76) W + 16 GiB × 1.0737 GB × 0.000392 kWh) × PUE 1.135
    //             = (0.00848 + 0.0067345) × 1.135 = 0.0172684 kWh per hour
    //   c5.2xlarge: (0.01696 + 0.0067345) × 1.135 = 0.0268933 kWh
    //   cluster:    2 × 0.0172684 + 0.0268933 = 0.0614301 kWh × 278.6 g (eu-west-1) = 17.114 g CO2e
    let kwh = cluster["energy_kwh_per_hour"].as_f64().unwrap();
    assert!((kwh - 0.0614301).abs() < 1e-6, "{cluster}");
    let g = cluster["co2e_g_per_hour"].as_f64().unwrap();
    assert!((g - 17.1144).abs() < 1e-3, "{cluster}");
    assert!(cluster["carbon"]
        .as_str()
        .unwrap()
        .contains("50 % utilisation assumed"));

    // "quarter" asks 2 of 8 vCPU and 4 of 16 GiB of the spot node: a quarter
    // of $0.1536 = $0.0384 whatever the CPU:RAM split.
    // "small" asks 1 of 4 vCPU and 2 of 16 GiB of an m5.xlarge ($0.214):
    //   ratio = 0.031611 / 0.004237 = 7.4607033
    //   RAM   = 0.214 / (4 × 7.4607033 + 16) = $0.00466813 per GiB-hour
    //   CPU   = 0.00466813 × 7.4607033     = $0.03482750 per vCPU-hour
    //   small = 0.03482750 + 2 × 0.00466813 = $0.04416375
    // Namespace: 0.0384 + 0.04416375 = $0.08256375 an hour.
    let nsrow = v["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["namespace"] == ns.name.as_str())
        .unwrap();
    close(&nsrow["cost_per_hour"], 0.08256375, "namespace cost");
    assert_eq!(nsrow["basis"], "requests");
    let wl = |name: &str| {
        v["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["namespace"] == ns.name.as_str() && w["workload"] == format!("pod/{name}"))
            .cloned()
            .unwrap()
    };
    close(&wl("quarter")["cost_per_hour"], 0.0384, "quarter");
    close(&wl("small")["cost_per_hour"], 0.04416375, "small");
    ns.delete().await;
}

#[test]
fn a_bad_price_override_names_file_and_line() {
    let Some(lab) = support::lab() else { return };
    let cli = Cli::new(lab);
    std::fs::write(
        cli.home.path().join("prices.csv"),
        "aws,eu-west-1,m5.xlarge,on-demand,4,16,cheap,mine,2026-11,no\n",
    )
    .unwrap();
    let out = cli.run(&["--context", &lab.clusters[0].operator(), "cost"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("prices.csv:1: usd_per_hour \"cheap\" is not a non-negative number"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_from_the_simulator_gives_efficiency_and_right_sizing() {
    let Some(lab) = support::lab() else { return };
    let c = &lab.clusters[0];
    let ns = lab.namespace(c, "usage").await;
    let pods: Api<Pod> = Api::namespaced(lab.client(&c.admin()).await, &ns.name);
    pods.create(
        &PostParams::default(),
        &pod("small", &format!("{}-node-1", c.name), "1", "2Gi"),
    )
    .await
    .unwrap();
    // cAdvisor-named usage: a quarter of the CPU and of the memory requested.
    let r = fleetdeck::basics::http::client()
        .post(format!("{}/control", c.simulator))
        .json(
            &json!({"pods": [{"namespace": ns.name, "pod": "small", "container": "app",
            "cpu_cores": 0.25, "memory_bytes": 512u64 * 1024 * 1024}]}),
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let cli = Cli::new(lab);
    std::fs::write(
        cli.home.path().join("config.toml"),
        format!("[cost]\nusage_window = \"20s\"\n\n[[cluster]]\ncontext = \"{}\"\nprometheus = \"{}\"\n", c.operator(), lab.prometheus),
    )
    .unwrap();
    // The lab Prometheus holds every cluster: its series carry `cluster`, which
    // a cluster's own Prometheus would not; fleetdeck only adds the matcher for
    // a shared endpoint, so here the namespace is what keeps pods apart.
    let v = support::eventually(
        "usage in Prometheus",
        std::time::Duration::from_secs(60),
        || async {
            let out = cli.run(&["--context", &c.operator(), "cost", "--json"]);
            let v: Value = serde_json::from_slice(&out.stdout).ok()?;
            // A fresh series reads low until it is a window old: wait for the rate.
            let rs = v["right_sizing"]
                .as_array()?
                .iter()
                .find(|r| r["namespace"] == ns.name.as_str())?
                .clone();
            let cpu = rs["cpu_usage"].as_f64()?;
            ((cpu - 0.25).abs() < 0.002).then_some(v)
        },
    )
    .await;
    // Charged max(request, usage) = the request: still $0.04416375 (see above).
    let nsrow = v["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["namespace"] == ns.name.as_str())
        .unwrap();
    close(
        &nsrow["cost_per_hour"],
        0.04416375,
        "namespace cost with usage",
    );
    assert_eq!(nsrow["basis"], "usage");
    let eff = nsrow["efficiency"].as_f64().unwrap();
    assert!((eff - 0.25).abs() < 0.002, "{nsrow}");
    // Efficiency: usage is a quarter of the request in both dimensions → 25 %.
    // Right-sizing: 1 core requested, 0.25 used (4×); 2 GiB requested, 0.5 used.
    // Fitting to usage + 20 % saves (1 − 0.3) × $0.03482750 + (2 − 0.6) × $0.00466813
    //   = 0.02437925 + 0.00653538 = $0.03091463 an hour.
    let rs = v["right_sizing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["namespace"] == ns.name.as_str())
        .unwrap();
    assert_eq!(rs["workload"], "pod/small");
    assert!(
        (rs["saving_per_hour"].as_f64().unwrap() - 0.03091463).abs() < 1e-4,
        "{rs}"
    );
    let _ = fleetdeck::basics::http::client()
        .post(format!("{}/control", c.simulator))
        .json(&json!({"remove_namespace": ns.name}))
        .send()
        .await;
    ns.delete().await;
}

/// A node type the catalog does not know is priced at OpenCost's default
/// rates and says so. It changes lab-d's node set, so it holds the fault
/// cluster exclusively.
#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_instance_type_falls_back_to_default_rates() {
    use k8s_openapi::api::core::v1::Node;
    let Some((lab, d)) = support::fault_cluster() else {
        return;
    };
    let _exclusive = support::fault_lock(lab);
    let admin = lab.client_fresh(&d.admin()).await;
    let nodes: Api<Node> = Api::all(admin.clone());
    let name = format!("{}-odd", d.name);
    let node: Node = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {
            "node.kubernetes.io/instance-type": "x9.huge", "topology.kubernetes.io/region": "us-central1",
            "kubernetes.io/hostname": name, "type": "kwok"},
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"}},
        "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"}, "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"}}
    }))
    .unwrap();
    let _ = nodes.delete(&name, &Default::default()).await;
    nodes.create(&PostParams::default(), &node).await.unwrap();
    // lab-d joined after the lab was loaded: its contexts come from a fresh read.
    let ns_name = format!("odd-{}", std::process::id());
    let ns_obj: k8s_openapi::api::core::v1::Namespace =
        serde_json::from_value(json!({"metadata": {"name": ns_name}})).unwrap();
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(admin.clone());
    let _ = namespaces.create(&PostParams::default(), &ns_obj).await;
    let pods: Api<Pod> = Api::namespaced(admin.clone(), &ns_name);
    pods.create(&PostParams::default(), &pod("p", &name, "1", "2Gi"))
        .await
        .unwrap();

    let cli = Cli::new(lab);
    let out = cli.run(&["--context", &d.operator(), "cost", "--json"]);
    let _ = nodes.delete(&name, &Default::default()).await;
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cluster = &v["clusters"][0];
    assert_eq!(cluster["source"], "catalog+default", "{cluster}");
    let odd = cluster["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == name.as_str())
        .unwrap();
    // 4 × $0.031611 + 16 × $0.004237 = $0.194236 an hour.
    close(&odd["cost_per_hour"], 0.194236, "default-priced node");
    assert_eq!(
        odd["source"],
        "default (OpenCost): no catalog row for x9.huge in us-central1"
    );
    // The pod at default rates: 1 × 0.031611 + 2 × 0.004237 = $0.040085.
    let nsrow = v["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["namespace"] == ns_name.as_str())
        .unwrap();
    close(
        &nsrow["cost_per_hour"],
        0.040085,
        "pod on the default-priced node",
    );
    let _ = namespaces.delete(&ns_name, &Default::default()).await;
}

/// A cluster whose nodes the identity may not list has no cost — not $0 —
/// in `cost --json`, `cost` and the Fleet view, and is left out of totals.
#[test]
fn a_cluster_with_forbidden_nodes_is_unknown_never_zero() {
    let Some(lab) = support::lab() else { return };
    // Two clusters: one through the operator, one only through the
    // read-only identity (two contexts of one cluster would be one row).
    let (c, r) = (&lab.clusters[0], &lab.clusters[1]);
    let cli = Cli::new(lab);
    let args = ["--context", &c.operator(), "--context", &r.readonly()];
    let out = cli.run(&[&args[..], &["cost", "--json"]].concat());
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let unknown = v["unknown"].as_array().unwrap();
    assert_eq!(unknown.len(), 1, "{v}");
    assert_eq!(unknown[0]["context"], r.readonly());
    assert_eq!(
        unknown[0]["reason"],
        "nodes forbidden (this identity may not list nodes)"
    );
    let clusters = v["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1, "only the priced cluster: {v}");
    assert_eq!(clusters[0]["context"], c.operator());
    close(
        &v["fleet"]["cost_per_hour"],
        clusters[0]["cost_per_hour"].as_f64().unwrap(),
        "fleet total of known clusters",
    );

    let out = cli.run(&[&args[..], &["cost"]].concat());
    let all = String::from_utf8_lossy(&out.stdout).to_string();
    let row = all
        .lines()
        .find(|l| l.starts_with(&format!("{} ", r.readonly())))
        .unwrap_or_else(|| panic!("{all}"));
    assert!(
        row.contains(" unknown ") && row.contains("nodes forbidden"),
        "{row}"
    );

    let cmd = format!(
        "FLEETDECK_CONFIG_DIR={d} FLEETDECK_DATA_DIR={d} {bin} --kubeconfig {kc} {a}",
        d = cli.home.path().display(),
        bin = env!("CARGO_BIN_EXE_fleetdeck"),
        kc = lab.kubeconfig.display(),
        a = args.join(" "),
    );
    let tmux = support::tmux::Tmux::start(&cmd, 200, 30);
    tmux.wait_for("the read-only identity's row priced as unknown", |s| {
        s.lines()
            .any(|l| l.contains(&format!("│{} ", r.readonly())) && l.contains("unknown"))
    });
    let screen = tmux.screen();
    assert!(
        !screen.contains("$-0.00") && !screen.contains("$0.00"),
        "{screen}"
    );
    tmux.keys(&["q"]);
}
