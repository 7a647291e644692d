//! Post-quantum TLS against the lab's real API servers (issue 22): every
//! handshake negotiates X25519MLKEM768; a classical-only server (a Python
//! TLS proxy in front of lab-a with its serving certificate, P-256 only) is
//! refused under `require_post_quantum` before anything is sent, and works
//! without it; a client certificate expiring in 5 days is a warning.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use support::cli::Cli;

fn lab_kubeconfig(lab: &support::Lab) -> Value {
    serde_json::from_slice(&std::fs::read(&lab.kubeconfig).unwrap()).unwrap()
}

fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn every_lab_api_server_negotiates_the_hybrid_post_quantum_group() {
    let Some(lab) = support::lab() else { return };
    let cli = Cli::new(lab);
    for c in &lab.clusters {
        let r = cli.snapshot_row(&c.operator()).0;
        let tls = &r["tls"];
        assert_eq!(tls["version"], "TLSv1.3", "{r:#}");
        assert_eq!(tls["group"], "X25519MLKEM768", "{r:#}");
        assert_eq!(tls["post_quantum"], true, "{r:#}");
        for side in ["server_cert_not_after", "client_cert_not_after"] {
            let at = tls[side]
                .as_str()
                .unwrap_or_else(|| panic!("{side}: {r:#}"));
            assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
        }
        assert_eq!(tls["warnings"], json!([]), "{r:#}");
    }
}

struct Proxy {
    proxy: support::Proxy,
    state: std::path::PathBuf,
}

impl Proxy {
    /// lab-a's API server behind a proxy that offers P-256 only.
    fn start(lab: &support::Lab, dir: &Path) -> Proxy {
        let a = &lab.clusters[0];
        let pki = lab.dir.join(&a.name).join("pki");
        let state = dir.join("proxy.json");
        let args = [
            pki.join("serving.crt").display().to_string(),
            pki.join("serving.key").display().to_string(),
            "127.0.0.1".to_string(),
            a.apiserver_port.to_string(),
            "prime256v1".to_string(),
            state.display().to_string(),
        ];
        Proxy {
            proxy: support::Proxy::start("tls_proxy", &args),
            state,
        }
    }

    /// The proxy's counts once they stop moving: a client that has exited
    /// may still have bytes in flight to it.
    fn state(&self) -> Value {
        let read =
            || -> Value { serde_json::from_slice(&std::fs::read(&self.state).unwrap()).unwrap() };
        let mut last = read();
        loop {
            std::thread::sleep(Duration::from_millis(500));
            let now = read();
            if now == last {
                return now;
            }
            last = now;
        }
    }
}

/// A kubeconfig with one context, `name`, reaching `server` with lab-a's CA
/// and the given user.
fn one_context(lab: &support::Lab, name: &str, server: &str, user: Value) -> Value {
    let all = lab_kubeconfig(lab);
    let ca = named(&all["clusters"], "lab-a")["cluster"]["certificate-authority-data"].clone();
    json!({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority-data": ca}}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
    })
}

#[test]
fn a_classical_only_server_is_refused_when_post_quantum_is_required() {
    let Some(lab) = support::lab() else { return };
    let mut cli = Cli::new(lab);
    let proxy = Proxy::start(lab, cli.home.path());
    let all = lab_kubeconfig(lab);
    // A token user: the proxy terminates TLS, so no client certificate passes.
    let user = named(&all["users"], &lab.clusters[0].readonly())["user"].clone();
    let server = format!("https://127.0.0.1:{}", proxy.proxy.port);
    let kc = cli.home.path().join("kubeconfig-proxy.json");
    std::fs::write(
        &kc,
        one_context(lab, "classical", &server, user).to_string(),
    )
    .unwrap();
    cli.kubeconfig = kc;

    // Without the requirement: it answers, over a classical group (the
    // read-only identity may not list nodes: degraded, not unreachable).
    let r = cli.snapshot_row("classical").0;
    assert!(r["state"] == "ok" || r["state"] == "degraded", "{r:#}");
    assert!(r["version"].is_string(), "{r:#}");
    assert_eq!(r["tls"]["group"], "P-256", "{r:#}");
    assert_eq!(r["tls"]["post_quantum"], false, "{r:#}");
    let sent_before = proxy.state()["bytes_from_clients"].as_u64().unwrap();
    assert!(sent_before > 0, "requests went through: {}", proxy.state());

    // Required: refused at the handshake, nothing sent, the row says why.
    let mut cfg = std::fs::File::create(cli.home.path().join("config.toml")).unwrap();
    writeln!(
        cfg,
        "[[cluster]]\ncontext = \"classical\"\nrequire_post_quantum = true"
    )
    .unwrap();
    let failed_before = proxy.state()["failed"].as_u64().unwrap();
    let r = cli.snapshot_row("classical").0;
    assert_eq!(r["state"], "unreachable", "{r:#}");
    let error = r["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("require_post_quantum") && error.contains("no post-quantum"),
        "{r:#}"
    );
    let s = proxy.state();
    assert!(s["failed"].as_u64().unwrap() > failed_before, "{s}");
    assert_eq!(
        s["bytes_from_clients"].as_u64().unwrap(),
        sent_before,
        "nothing sent under the requirement: {s}"
    );

    // Console-wide, the same.
    std::fs::write(
        cli.home.path().join("config.toml"),
        "require_post_quantum = true\n",
    )
    .unwrap();
    let r = cli.snapshot_row("classical").0;
    assert_eq!(r["state"], "unreachable", "{r:#}");
    // And a post-quantum server still answers under it.
    cli.kubeconfig = lab.kubeconfig.clone();
    let r = cli.snapshot_row(&lab.clusters[1].operator()).0;
    assert_eq!(r["state"], "ok", "{r:#}");
    assert_eq!(r["tls"]["required"], true, "{r:#}");
    assert_eq!(r["tls"]["group"], "X25519MLKEM768", "{r:#}");
}

/// A client certificate for lab-a, signed by its CA, valid `days`.
fn mint(lab: &support::Lab, dir: &Path, days: u32) -> (String, String) {
    let pki = lab.dir.join(&lab.clusters[0].name).join("pki");
    let key = dir.join("short.key");
    let ext = dir.join("short.ext");
    // v3 with the client-auth usage: rustls rejects a v1 certificate.
    std::fs::write(
        &ext,
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    let csr = dir.join("short.csr");
    let crt = dir.join("short.crt");
    let run = |args: &[&str]| {
        let out = Command::new("openssl").args(args).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
    };
    run(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=short-lived/O=system:masters",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        csr.to_str().unwrap(),
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        csr.to_str().unwrap(),
        "-CA",
        pki.join("ca.crt").to_str().unwrap(),
        "-CAkey",
        pki.join("ca.key").to_str().unwrap(),
        "-CAserial",
        dir.join("ca.srl").to_str().unwrap(),
        "-CAcreateserial",
        "-extfile",
        ext.to_str().unwrap(),
        "-days",
        &days.to_string(),
        "-out",
        crt.to_str().unwrap(),
    ]);
    use base64::Engine;
    let b64 =
        |p: &Path| base64::engine::general_purpose::STANDARD.encode(std::fs::read(p).unwrap());
    (b64(&crt), b64(&key))
}

#[test]
fn a_client_certificate_expiring_in_five_days_is_a_warning() {
    let Some(lab) = support::lab() else { return };
    let mut cli = Cli::new(lab);
    let (crt, key) = mint(lab, cli.home.path(), 5);
    let server = format!("https://127.0.0.1:{}", lab.clusters[0].apiserver_port);
    let user = json!({"client-certificate-data": crt, "client-key-data": key});
    let kc = cli.home.path().join("kubeconfig-short.json");
    std::fs::write(
        &kc,
        one_context(lab, "short-lived", &server, user).to_string(),
    )
    .unwrap();
    cli.kubeconfig = kc;
    let r = cli.snapshot_row("short-lived").0;
    assert_eq!(r["state"], "ok", "{r:#}");
    let warnings = r["tls"]["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.starts_with("client certificate expires in 4 d"))),
        "{r:#}"
    );

    // The console: the row is marked and its line says which certificate.
    let cmd = support::tmux::fleetdeck_on(cli.home.path(), &cli.kubeconfig, "short-lived");
    let t = support::tmux::Tmux::start(&cmd, 160, 30);
    t.wait_for("the certificate warning", |s| {
        s.contains("⚠cert") && s.contains("client certificate expires in 4 d")
    });
    t.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(200));
}
