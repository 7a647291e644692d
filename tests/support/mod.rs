//! Test support: the lab of real Kubernetes control planes (tests/lab/).
//!
//! The first test in a process that needs the lab runs `tests/lab/up`, which
//! starts the lab's supervisor or reuses a running one. Under `CI=true` a lab
//! that cannot start fails the test; elsewhere `FLEETDECK_LAB_SKIP=1` skips it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub mod cli;
pub mod shared;
pub mod tmux;
use std::time::{Duration, Instant};

use fleetdeck::fleet::kubeconfig::{self, Loaded, Sources};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, PostParams};
use kube::Client;
use serde_json::Value;

/// How many clusters the shared lab has.
pub const CLUSTERS: usize = 3;

pub struct Lab {
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
    /// Only the sweep identities (`LabCluster::sweep`): nothing but the
    /// read-only sweep uses them, so the audit log can be read by user.
    pub sweep_kubeconfig: PathBuf,
    pub bin: PathBuf,
    /// The Argo Rollouts CRDs the lab installs.
    pub crds: PathBuf,
    pub fixtures: PathBuf,
    /// Cluster API's Cluster CRD (v1beta1 + v1beta2), not applied by the lab.
    pub capi_crds: PathBuf,
    /// Velero's Backup, Schedule, BackupStorageLocation and Restore CRDs.
    pub velero_crds: PathBuf,
    pub chaos_mesh_crds: PathBuf,
    pub clusters: Vec<LabCluster>,
    pub loaded: Loaded,
    /// The lab-wide Prometheus (scrapes every cluster's simulator).
    pub prometheus: String,
}

#[derive(Debug, Clone)]
pub struct LabCluster {
    /// `lab-a`: also the operator identity's context.
    pub name: String,
    pub audit_log: PathBuf,
    pub apiserver_port: u16,
    /// The cluster's workload simulator (`/metrics`, `/control`).
    pub simulator: String,
}

impl LabCluster {
    pub fn operator(&self) -> String {
        self.name.clone()
    }
    pub fn admin(&self) -> String {
        format!("{}-admin", self.name)
    }
    pub fn readonly(&self) -> String {
        format!("{}-readonly", self.name)
    }
    /// The read-only sweep's identity (in `Lab::sweep_kubeconfig` only).
    pub fn sweep(&self) -> String {
        format!("{}-sweep", self.name)
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn start() -> Result<Lab, String> {
    let t0 = Instant::now();
    let out = Command::new(repo().join("tests/lab/up"))
        .arg(CLUSTERS.to_string())
        .arg("--json")
        .output()
        .map_err(|e| format!("cannot run tests/lab/up: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "tests/lab/up failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let status: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("tests/lab/up printed no status: {e}"))?;
    let path = |v: &Value| PathBuf::from(v.as_str().unwrap_or_default());
    let clusters: Vec<LabCluster> = status["clusters"]
        .as_array()
        .into_iter()
        .flatten()
        .take(CLUSTERS)
        .map(lab_cluster)
        .collect();
    let kubeconfig = path(&status["kubeconfig"]);
    let loaded = kubeconfig::load(&Sources {
        files: vec![kubeconfig.clone()],
        missing_ok: false,
    });
    if let Some(e) = loaded.errors.first() {
        return Err(e.to_string());
    }
    // Written past the test harness's capture, so every run shows it used the lab.
    let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
    let _ = writeln!(
        std::io::stderr(),
        "lab: {} clusters up ({}) in {:.1}s, kubeconfig {}",
        clusters.len(),
        names.join(", "),
        t0.elapsed().as_secs_f64(),
        kubeconfig.display()
    );
    Ok(Lab {
        dir: path(&status["dir"]),
        bin: path(&status["bin"]),
        crds: path(&status["crds"]),
        fixtures: path(&status["fixtures"]),
        capi_crds: path(&status["capi_crds"]),
        velero_crds: path(&status["velero_crds"]),
        chaos_mesh_crds: path(&status["chaos_mesh_crds"]),
        kubeconfig,
        sweep_kubeconfig: path(&status["sweep_kubeconfig"]),
        clusters,
        loaded,
        prometheus: status["prometheus"]["url"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    })
}

/// A cluster as `tests/lab/status` describes it.
fn lab_cluster(c: &Value) -> LabCluster {
    LabCluster {
        name: c["name"].as_str().unwrap_or_default().to_string(),
        audit_log: PathBuf::from(c["audit_log"].as_str().unwrap_or_default()),
        apiserver_port: c["ports"]["apiserver"].as_u64().unwrap_or_default() as u16,
        simulator: c["simulator"].as_str().unwrap_or_default().to_string(),
    }
}

/// The shared lab, or `None` when the developer skipped it outside CI.
pub fn lab() -> Option<&'static Lab> {
    static LAB: OnceLock<Result<Lab, String>> = OnceLock::new();
    match LAB.get_or_init(start) {
        Ok(lab) => Some(lab),
        Err(e) => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true");
            if !ci && std::env::var("FLEETDECK_LAB_SKIP").is_ok_and(|v| v == "1") {
                let _ = writeln!(
                    std::io::stderr(),
                    "lab: skipped (FLEETDECK_LAB_SKIP=1): {e}"
                );
                None
            } else {
                panic!("the lab is needed and could not start: {e}");
            }
        }
    }
}

impl Lab {
    pub async fn client(&self, context: &str) -> Client {
        kubeconfig::client_for(&self.loaded.config, context, false)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A fresh namespace for one test, created as admin on the given cluster.
    pub async fn namespace(&self, cluster: &LabCluster, prefix: &str) -> TestNamespace {
        let client = self.client(&cluster.admin()).await;
        let name = format!("{prefix}-{}", unique_suffix());
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "labels": {"fleetdeck.io/test": prefix}}
        }))
        .unwrap();
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &ns)
            .await
            .unwrap_or_else(|e| panic!("{}: create namespace {name}: {e}", cluster.name));
        TestNamespace { name, client }
    }

    /// `kubectl` of the lab's version, for people and fixtures.
    pub fn kubectl(&self) -> PathBuf {
        self.bin.join("kubectl")
    }
}

pub struct TestNamespace {
    pub name: String,
    client: Client,
}

impl TestNamespace {
    /// Best-effort cleanup; the lab is disposable, so a failed delete is fine.
    pub async fn delete(self) {
        let _ = Api::<Namespace>::all(self.client)
            .delete(&self.name, &DeleteParams::background())
            .await;
    }
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{:x}{:05x}", std::process::id() & 0xffff, nanos & 0xfffff)
}

/// Audit events of a cluster, parsed from its JSON-lines audit log.
pub fn audit_events(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Waits until an audit event matching `pred` is written (the log lags the
/// response slightly); `timeout` only guards against a hang.
/// Whether an audit event was received at or after `since`.
pub fn received_since(e: &Value, since: chrono::DateTime<chrono::Utc>) -> bool {
    e["requestReceivedTimestamp"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .is_some_and(|t| t >= since)
}

pub async fn wait_audit(log: &Path, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(ev) = audit_events(log).into_iter().find(|e| pred(e)) {
            return ev;
        }
        if Instant::now() > deadline {
            panic!(
                "no matching audit event in {} after {timeout:?}",
                log.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the controller has stopped writing the Rollout for a moment,
/// as a person would see it before acting. Argo Rollouts v1.9 can miss an
/// update that lands within milliseconds of its own status write (seen with
/// plain `kubectl patch` too), which a robot acting at once would hit.
pub async fn settled(api: &Api<kube::api::DynamicObject>, name: &str) {
    let mut last = String::new();
    let mut since = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let rv = api
            .get(name)
            .await
            .ok()
            .and_then(|o| o.metadata.resource_version)
            .unwrap_or_default();
        if rv != last {
            last = rv;
            since = Instant::now();
        } else if since.elapsed() > Duration::from_millis(1500) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{name} kept changing");
}

/// Polls `f` until it returns `Some`; `timeout` only guards against a hang.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually_or(what, timeout, f)
        .await
        .unwrap_or_else(|| panic!("timed out waiting for {what}"))
}

/// Like `eventually`, but `None` on timeout so the caller can say more.
pub async fn eventually_or<T, F, Fut>(_what: &str, timeout: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Runs a lab command (`stop d`, `start d etcd`, `compact d`).
pub fn lab_cmd(args: &[&str]) {
    let (cmd, rest) = args.split_first().expect("a lab command");
    let out = Command::new(repo().join("tests/lab").join(cmd))
        .args(rest)
        .output()
        .unwrap_or_else(|e| panic!("tests/lab/{cmd}: {e}"));
    assert!(
        out.status.success(),
        "tests/lab/{} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A lab component stopped for a fault test (`stop(&["lab-d"])`,
/// `stop(&["lab-d", "etcd"])`, `stop(&["prometheus"])`); started again when
/// dropped, so a failing test never leaves the lab broken for the next.
#[must_use = "the component starts again when this is dropped"]
pub struct Stopped(Vec<String>);

pub fn stop(args: &[&str]) -> Stopped {
    let mut cmd = vec!["stop"];
    cmd.extend_from_slice(args);
    lab_cmd(&cmd);
    Stopped(args.iter().map(|a| a.to_string()).collect())
}

impl Drop for Stopped {
    fn drop(&mut self) {
        let mut cmd = vec!["start"];
        cmd.extend(self.0.iter().map(String::as_str));
        lab_cmd(&cmd);
    }
}

/// Exclusive use of the fault cluster across test processes (a lock file
/// in the lab dir): a test that breaks lab-d, or changes its node set,
/// holds it for its whole run.
pub fn fault_lock(lab: &Lab) -> std::fs::File {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lab.dir.join("fault.lock"))
        .expect("fault lock file");
    f.lock().expect("fault lock");
    f
}

/// The cluster reserved for faults (lab-d): tests that stop servers, compact
/// etcd or change RBAC use it, never a shared one. Brings it up on first use.
pub fn fault_cluster() -> Option<(&'static Lab, LabCluster)> {
    let lab = lab()?;
    static FAULT: OnceLock<LabCluster> = OnceLock::new();
    let c = FAULT.get_or_init(|| {
        let out = Command::new(repo().join("tests/lab/up"))
            .args(["4", "--json"])
            .output()
            .expect("tests/lab/up 4");
        assert!(
            out.status.success(),
            "tests/lab/up 4: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let status: Value = serde_json::from_slice(&out.stdout).expect("lab status");
        lab_cluster(&status["clusters"][3])
    });
    Some((lab, c.clone()))
}

impl Lab {
    /// The lab kubeconfig as it is now (it gains contexts as clusters are added).
    pub fn fresh_kubeconfig(&self) -> kube::config::Kubeconfig {
        kube::config::Kubeconfig::read_from(&self.kubeconfig).expect("lab kubeconfig")
    }

    pub async fn client_fresh(&self, context: &str) -> Client {
        kubeconfig::client_for(&self.fresh_kubeconfig(), context, false)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

/// A Deployment of `replicas` pods (kwok makes them Running on the lab's nodes).
pub fn deployment(name: &str, replicas: i32) -> k8s_openapi::api::apps::v1::Deployment {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.0"}]}
            }
        }
    }))
    .expect("a valid Deployment")
}

/// One of the lab's Python test proxies (`tests/lab/NAME.py ARGS`), killed on
/// drop, with the port it printed.
pub struct Proxy {
    child: std::process::Child,
    pub port: u16,
}

impl Proxy {
    #[allow(dead_code)]
    pub fn start(script: &str, args: &[String]) -> Proxy {
        use std::io::BufRead;
        let mut child = std::process::Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/lab/{script}.py")))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("the proxy's port");
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{script}: {line:?}"));
        Proxy { child, port }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates a CRD (already there is fine) and waits until it is established.
#[allow(dead_code)]
pub async fn install_crd(client: &Client, crd: Value) {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let name = crd["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let crd: CustomResourceDefinition =
        serde_json::from_value(crd).unwrap_or_else(|e| panic!("CRD {name}: {e}"));
    match api.create(&PostParams::default(), &crd).await {
        Ok(_) => {}
        Err(kube::Error::Api(e)) if e.code == 409 => {}
        Err(e) => panic!("CRD {name}: {e}"),
    }
    eventually("the CRD established", Duration::from_secs(30), || async {
        let c = api.get(&name).await.ok()?;
        c.status?
            .conditions?
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True")
            .then_some(())
    })
    .await;
}

/// Loads OpenMetrics text (`# EOF` terminated, Unix-second timestamps)
/// into the lab's Prometheus, which restarts to read it: callers take turns.
pub fn backfill(openmetrics: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.om");
    std::fs::write(&file, openmetrics).unwrap();
    let out =
        std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab/backfill"))
            .arg(&file)
            .output()
            .unwrap();
    assert!(
        out.status.success(),
        "backfill: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
