#!/usr/bin/env python3
"""The fleetdeck lab: N independent Kubernetes control planes on 127.0.0.1.

One supervisor daemon (`lab.py daemon`) owns every lab process: each child is
started with PR_SET_PDEATHSIG, so nothing outlives the supervisor, and the
supervisor exits after FLEETDECK_LAB_IDLE seconds (default 7200) without a
command. The other subcommands are clients that talk to it over a Unix socket
and start it when it is not running.

    lab.py up N          bring clusters a.. and the lab's Prometheus up (reusing running
                         ones); print kubeconfig. Installs missing tools first (below)
    lab.py tools         check openssl, prometheus, promtool and tmux; as root on Debian
                         apt-get installs what is missing, otherwise one line says how
                         (FLEETDECK_LAB_NO_INSTALL=1: never install)
    lab.py env           print export lines for KUBECONFIG and PATH
    lab.py stop X [C]    stop component C (default apiserver) of cluster X (etcd, apiserver,
                         controller-manager, scheduler, kwok, rollouts, simulator)
    lab.py stop prometheus
                         stop the lab-wide Prometheus (also: stop lab [prometheus])
    lab.py start X [C]   start it again and wait until it serves (start prometheus: likewise)
    lab.py restart X [C] stop and start (Prometheus: a graceful SIGTERM, data kept)
    lab.py status        JSON status of the lab
    lab.py compact X     compact cluster X's etcd to its current revision (410 Gone)
    lab.py backfill FILE [--no-restart] [--no-check] [--max-block-duration D]
                         load an OpenMetrics file into the lab Prometheus (promtool blocks)
    lab.py down          stop everything and remove the lab's run directory
"""

import ctypes
import fcntl
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
LAB_DIR = os.environ.get("FLEETDECK_LAB_DIR") or os.path.join(
    os.environ.get("TMPDIR", "/tmp"), "fleetdeck-lab-%d" % os.getuid()
)
SOCK = os.path.join(LAB_DIR, "labd.sock")
# Below the kernel's ephemeral range (32768+), so a client socket never holds a lab port.
PORT_BASE = int(os.environ.get("FLEETDECK_LAB_PORT_BASE", "21000"))
IDLE = int(os.environ.get("FLEETDECK_LAB_IDLE", "7200"))
NAMES = "abcdefghij"
COMPONENTS = ["etcd", "apiserver", "controller-manager", "scheduler", "kwok", "rollouts", "simulator"]
# Lab-wide components (one for the whole lab), on a port above every cluster's block.
LAB_COMPONENTS = ["prometheus"]
PROM_PORT = PORT_BASE + 10 * len(NAMES)

# Each cluster looks like it lives somewhere different, so cost and region
# features have realistic node labels to read.
PLACES = [
    ("aws", "eu-west-1", ["m5.xlarge", "m5.xlarge", "c5.2xlarge"], ["on-demand", "on-demand", "spot"]),
    ("aws", "us-east-1", ["m5.xlarge", "r5.large", "m5.2xlarge"], ["on-demand", "spot", "on-demand"]),
    ("gcp", "europe-west4", ["n2-standard-4", "n2-standard-4", "e2-standard-8"], ["on-demand", "on-demand", "spot"]),
    ("gcp", "us-central1", ["n2-standard-4", "e2-standard-4", "n2-standard-8"], ["on-demand", "spot", "on-demand"]),
]
CAPACITY = {
    "m5.xlarge": ("4", "16Gi"), "c5.2xlarge": ("8", "16Gi"), "r5.large": ("2", "16Gi"),
    "m5.2xlarge": ("8", "32Gi"), "n2-standard-4": ("4", "16Gi"), "e2-standard-8": ("8", "32Gi"),
    "e2-standard-4": ("4", "16Gi"), "n2-standard-8": ("8", "32Gi"),
}


def log(msg):
    print("[lab %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


# What the lab and the suite's terminal tests run beside Go and Python, with
# the Debian package of each (Prometheus is Debian's 2.42; its unit is unused).
TOOLS = {"openssl": "openssl", "prometheus": "prometheus", "promtool": "prometheus", "tmux": "tmux"}


def ensure_tools():
    """Installs missing tools where it can (root on Debian, as .ci/run does);
    otherwise one line naming them and the command that installs them."""
    missing = [t for t in TOOLS if not shutil.which(t)]
    if not missing:
        return
    pkgs = sorted({TOOLS[t] for t in missing})
    cmd = "apt-get install -y " + " ".join(pkgs)
    can = os.geteuid() == 0 and shutil.which("apt-get") and not os.environ.get("FLEETDECK_LAB_NO_INSTALL")
    if can:
        log("installing %s: apt-get update && %s" % (", ".join(missing), cmd))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        quiet = {"env": env, "stdout": subprocess.DEVNULL, "check": True}
        try:
            subprocess.run(["apt-get", "update", "-qq"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "-qq", *pkgs], **quiet)
        except subprocess.CalledProcessError as e:
            raise SystemExit("lab: installing %s failed (%s): run `%s` by hand" % (", ".join(pkgs), e, cmd))
        missing = [t for t in TOOLS if not shutil.which(t)]
        if not missing:
            return
    raise SystemExit("lab: missing %s: install with `%s%s`"
                     % (", ".join(missing), "" if os.geteuid() == 0 else "sudo ", cmd))


def bin_dir():
    out = subprocess.run([os.path.join(HERE, "build-bins")], check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.strip().splitlines()[-1]


def cache_paths():
    vers = {}
    with open(os.path.join(HERE, "versions")) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                vers[k] = v
    cache = os.environ.get("FLEETDECK_LAB_CACHE") or os.path.expanduser("~/.cache/fleetdeck-lab")
    argo = os.path.join(cache, "argo-rollouts-%s" % vers["ARGO_ROLLOUTS_VERSION"])
    return {
        "bin": os.path.join(cache, "k8s-%s" % vers["K8S_VERSION"], "bin"),
        "rollouts": os.path.join(argo, "bin", "rollouts-controller"),
        "crds": os.path.join(argo, "crds"),
        "gateway_api_crds": os.path.join(cache, "gateway-api-%s" % vers["GATEWAY_API_VERSION"], "crds"),
        "istio_crds": os.path.join(cache, "istio-api-%s" % vers["ISTIO_API_VERSION"], "crds"),
        "external_dns_crds": os.path.join(cache, "external-dns-%s" % vers["EXTERNAL_DNS_VERSION"], "crds"),
        "argo_cd_crds": os.path.join(cache, "argo-cd-%s" % vers["ARGO_CD_VERSION"], "crds"),
        "gatekeeper_crds": os.path.join(cache, "gatekeeper-%s" % vers["GATEKEEPER_VERSION"], "crds"),
        "capi_crds": os.path.join(cache, "cluster-api-%s" % vers["CLUSTER_API_VERSION"], "crds"),
        "velero_crds": os.path.join(cache, "velero-%s" % vers["VELERO_VERSION"], "crds"),
        "chaos_mesh_crds": os.path.join(cache, "chaos-mesh-%s" % vers["CHAOS_MESH_VERSION"], "crds"),
        "stages": os.path.join(cache, "kwok-%s" % vers["KWOK_VERSION"], "stages", "stages.yaml"),
        "versions": vers,
    }


# ---------------------------------------------------------------- PKI


def openssl(*args, stdin=None):
    subprocess.run(["openssl", *args], check=True, input=stdin, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_pki(d, name):
    """A CA, a serving cert, client certs and a service-account key for one cluster."""
    pki = os.path.join(d, "pki")
    if os.path.exists(os.path.join(pki, "done")):
        return pki
    os.makedirs(pki, exist_ok=True)
    p = lambda f: os.path.join(pki, f)  # noqa: E731
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p("ca.key"))
    openssl("req", "-x509", "-new", "-key", p("ca.key"), "-days", "3650", "-subj", "/CN=%s-ca" % name,
            "-out", p("ca.crt"))
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p("sa.key"))
    openssl("ec", "-in", p("sa.key"), "-pubout", "-out", p("sa.pub"))
    sans = ("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,"
            "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local")
    certs = [("serving", "/CN=kube-apiserver", sans + "\nextendedKeyUsage=serverAuth")]
    for cn, org in [("%s-admin" % name, "system:masters"), ("%s" % name, "fleetdeck:operators"),
                    ("system:kube-controller-manager", "system:masters"),
                    ("system:kube-scheduler", "system:masters"), ("kwok", "system:masters"),
                    ("argo-rollouts", "system:masters")]:
        certs.append((cn.replace(":", "-"), "/O=%s/CN=%s" % (org, cn), "extendedKeyUsage=clientAuth"))
    for file, subj, ext in certs:
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p(file + ".key"))
        openssl("req", "-new", "-key", p(file + ".key"), "-subj", subj, "-out", p(file + ".csr"))
        with open(p(file + ".ext"), "w") as f:
            f.write(ext + "\n")
        openssl("x509", "-req", "-in", p(file + ".csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"),
                "-CAcreateserial", "-days", "3650", "-extfile", p(file + ".ext"), "-out", p(file + ".crt"))
    # Token identities: readonly (bound to `view`) and sweep, the read-only proof's own
    # identity: used by nothing else and allowed to write, so a write that escaped the
    # guard would succeed and stand out in the audit log under its name.
    with open(p("tokens.csv"), "w") as f:
        for ident, group in [("readonly", "fleetdeck:readonly"), ("sweep", "fleetdeck:sweep")]:
            f.write('%s,%s-%s,%s-%s,"%s"\n' % (os.urandom(16).hex(), name, ident, name, ident, group))
    open(p("done"), "w").close()
    return pki


def b64file(path):
    import base64
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def kubeconfig_doc(clusters, sweep=False):
    """One context per cluster and identity: lab-x-admin, lab-x, lab-x-readonly; or,
    with sweep, only lab-x-sweep (a file of its own, so nothing else uses it)."""
    doc = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": [],
           "current-context": "%s" % clusters[0]["name"] if clusters else ""}
    for c in clusters:
        pki = c["pki"]
        doc["clusters"].append({"name": c["name"], "cluster": {
            "server": "https://127.0.0.1:%d" % c["ports"]["apiserver"],
            "certificate-authority-data": b64file(os.path.join(pki, "ca.crt"))}})
        tokens = {line.split(",")[1]: line.split(",")[0]
                  for line in open(os.path.join(pki, "tokens.csv")).read().splitlines() if line}
        users = [
            ("%s-admin" % c["name"], {"client-certificate-data": b64file(os.path.join(pki, "%s-admin.crt" % c["name"])),
                                      "client-key-data": b64file(os.path.join(pki, "%s-admin.key" % c["name"]))}),
            (c["name"], {"client-certificate-data": b64file(os.path.join(pki, "%s.crt" % c["name"])),
                         "client-key-data": b64file(os.path.join(pki, "%s.key" % c["name"]))}),
            ("%s-readonly" % c["name"], {"token": tokens["%s-readonly" % c["name"]]}),
        ]
        if sweep:
            users = [("%s-sweep" % c["name"], {"token": tokens["%s-sweep" % c["name"]]})]
        for user, cred in users:
            doc["users"].append({"name": user, "user": cred})
            doc["contexts"].append({"name": user, "context": {"cluster": c["name"], "user": user}})
    return doc


def component_kubeconfig(c, cert):
    pki = c["pki"]
    return json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "x",
        "clusters": [{"name": "x", "cluster": {"server": "https://127.0.0.1:%d" % c["ports"]["apiserver"],
                                              "certificate-authority": os.path.join(pki, "ca.crt")}}],
        "users": [{"name": "x", "user": {"client-certificate": os.path.join(pki, cert + ".crt"),
                                         "client-key": os.path.join(pki, cert + ".key")}}],
        "contexts": [{"name": "x", "context": {"cluster": "x", "user": "x"}}],
    })


# ---------------------------------------------------------------- the daemon


class Owner:
    """Owns some lab processes: one cluster's, or the lab-wide ones."""
    components = []

    def __init__(self, name, d):
        self.name = name
        self.dir = d
        self.procs = {}
        self.held = set()  # components stopped on purpose
        os.makedirs(self.dir, exist_ok=True)

    def argv(self, comp):
        raise NotImplementedError

    def running(self, comp):
        p = self.procs.get(comp)
        return p is not None and p.poll() is None

    def spawn(self, comp):
        if self.running(comp):
            return
        self.held.discard(comp)
        logf = open(os.path.join(self.dir, comp + ".log"), "ab")
        libc = ctypes.CDLL("libc.so.6", use_errno=True)

        def child_setup():
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the supervisor

        self.procs[comp] = subprocess.Popen(self.argv(comp), stdout=logf, stderr=logf, stdin=subprocess.DEVNULL,
                                            preexec_fn=child_setup, cwd=self.dir)
        logf.close()

    def stop(self, comp, hold=True, graceful=False):
        """Kill a component outright: the lab is disposable, and a crash is the
        fault tests want (a graceful apiserver shutdown takes ~10 s). `graceful`
        sends SIGTERM first (Prometheus then closes its TSDB cleanly)."""
        p = self.procs.pop(comp, None)
        if hold:
            self.held.add(comp)
        if p and p.poll() is None:
            if graceful:
                p.terminate()
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    pass
            p.kill()
            p.wait()

    def stop_all(self):
        for comp in reversed(self.components):
            self.stop(comp, hold=False)

    def tail(self, comp, n=5):
        try:
            with open(os.path.join(self.dir, comp + ".log"), "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            return " | ".join(lines[-n:])
        except OSError:
            return ""


class Cluster(Owner):
    components = COMPONENTS

    def __init__(self, index, paths):
        self.index = index
        super().__init__("lab-%s" % NAMES[index], os.path.join(LAB_DIR, "lab-%s" % NAMES[index]))
        base = PORT_BASE + index * 10
        self.ports = {"etcd": base, "etcd-peer": base + 1, "apiserver": base + 2,
                      "controller-manager": base + 3, "scheduler": base + 4, "kwok": base + 5,
                      "rollouts-metrics": base + 6, "rollouts-healthz": base + 7, "simulator": base + 8}
        self.paths = paths
        self.fixtures_done = False
        self.pki = make_pki(self.dir, self.name)
        for comp, cert in [("controller-manager", "system-kube-controller-manager"),
                           ("scheduler", "system-kube-scheduler"), ("kwok", "kwok"),
                           ("rollouts", "argo-rollouts"),
                           ("admin", "%s-admin" % self.name)]:
            with open(os.path.join(self.dir, comp + ".kubeconfig"), "w") as f:
                f.write(component_kubeconfig(self.info(), cert))
        with open(os.path.join(self.dir, "audit-policy.yaml"), "w") as f:
            f.write(AUDIT_POLICY)

    def info(self):
        return {"name": self.name, "ports": self.ports, "pki": self.pki, "dir": self.dir,
                "audit_log": os.path.join(self.dir, "audit.log"),
                "etcd": "http://127.0.0.1:%d" % self.ports["etcd"],
                "simulator": "http://127.0.0.1:%d" % self.ports["simulator"]}

    def argv(self, comp):
        b = lambda n: os.path.join(self.paths["bin"], n)  # noqa: E731
        pki = lambda n: os.path.join(self.pki, n)  # noqa: E731
        d = self.dir
        if comp == "etcd":
            peer = "http://127.0.0.1:%d" % self.ports["etcd-peer"]
            client = "http://127.0.0.1:%d" % self.ports["etcd"]
            return [b("etcd"), "--name", self.name, "--data-dir", os.path.join(d, "etcd"),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", "%s=%s" % (self.name, peer), "--unsafe-no-fsync",
                    "--log-level", "warn"]
        if comp == "apiserver":
            return [b("kube-apiserver"), "--etcd-servers", "http://127.0.0.1:%d" % self.ports["etcd"],
                    "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
                    "--secure-port", str(self.ports["apiserver"]),
                    "--tls-cert-file", pki("serving.crt"), "--tls-private-key-file", pki("serving.key"),
                    "--client-ca-file", pki("ca.crt"),
                    "--service-account-key-file", pki("sa.pub"),
                    "--service-account-signing-key-file", pki("sa.key"),
                    "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
                    "--service-cluster-ip-range", "10.0.0.0/24",
                    "--authorization-mode", "Node,RBAC", "--endpoint-reconciler-type", "none",
                    "--allow-privileged=true", "--token-auth-file", pki("tokens.csv"),
                    "--audit-policy-file", os.path.join(d, "audit-policy.yaml"),
                    "--audit-log-path", os.path.join(d, "audit.log"), "--audit-log-maxsize", "200",
                    "--audit-log-mode", "blocking", "--profiling=false", "--v", "1"]
        if comp == "controller-manager":
            return [b("kube-controller-manager"), "--kubeconfig", os.path.join(d, "controller-manager.kubeconfig"),
                    "--leader-elect=false", "--bind-address", "127.0.0.1",
                    "--secure-port", str(self.ports["controller-manager"]),
                    "--root-ca-file", pki("ca.crt"), "--service-account-private-key-file", pki("sa.key"),
                    "--cluster-name", self.name, "--profiling=false", "--v", "1"]
        if comp == "scheduler":
            return [b("kube-scheduler"), "--kubeconfig", os.path.join(d, "scheduler.kubeconfig"),
                    "--leader-elect=false", "--bind-address", "127.0.0.1",
                    "--secure-port", str(self.ports["scheduler"]), "--profiling=false", "--v", "1"]
        if comp == "kwok":
            return [b("kwok"), "--kubeconfig", os.path.join(d, "kwok.kubeconfig"),
                    "--manage-all-nodes=true",
                    # Node leases: without them the heartbeat-with-lease stage
                    # reports status only every ~10 min, the node controller
                    # marks nodes NotReady after its 50 s grace period and
                    # sets every pod's Ready condition to False (kwok never
                    # sets it back).
                    "--node-lease-duration-seconds", "40", "--cidr", "10.%d.0.0/16" % (64 + self.index),
                    "--node-ip", "10.%d.255.1" % (64 + self.index),
                    "--config", self.paths["stages"],
                    "--server-address", "127.0.0.1:%d" % self.ports["kwok"]]
        if comp == "rollouts":
            # Argo Rollouts controller, all namespaces. It listens on 0.0.0.0 (not
            # configurable); its healthz answers before its informers have synced.
            return [self.paths["rollouts"], "--kubeconfig", os.path.join(d, "rollouts.kubeconfig"),
                    "--leader-elect=false", "--metricsPort", str(self.ports["rollouts-metrics"]),
                    "--healthzPort", str(self.ports["rollouts-healthz"]), "--loglevel", "info",
                    "--logformat", "text"]
        if comp == "simulator":
            # The workload simulator (tests/lab/simulator.py): request counters, latency
            # histograms and cAdvisor-named usage series, knobs on /control.
            return [sys.executable, os.path.join(HERE, "simulator.py"), "--cluster", self.name,
                    "--port", str(self.ports["simulator"])]
        raise ValueError("unknown component %s" % comp)


PROM_CONFIG = """# Generated by tests/lab/lab.py at every supervisor start; do not edit.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
# Tests may drop recording/alerting rule files here, then POST /-/reload.
rule_files:
- {rules}/*.yml
- {rules}/*.yaml
scrape_configs:
# One target per cluster's simulator, labelled cluster=<name> (the file is rewritten
# by `up`). The simulator puts the same cluster label on its series; honor_labels keeps
# them as they are.
- job_name: simulator
  honor_labels: true
  file_sd_configs:
  - files: [{targets}]
    refresh_interval: 5s
# The simulators' kube-state-metrics-shaped fleet (/ksm: empty until a test sets it),
# as a federating Prometheus would hold it: every series labelled by its cluster.
- job_name: ksm
  honor_labels: true
  metrics_path: /ksm
  scrape_interval: 5s
  scrape_timeout: 4s
  file_sd_configs:
  - files: [{targets}]
    refresh_interval: 5s
"""


class LabWide(Owner):
    """Processes of the lab as a whole: one Prometheus (Debian's package) scraping
    every cluster's simulator."""
    components = LAB_COMPONENTS

    def __init__(self):
        super().__init__("lab", os.path.join(LAB_DIR, "prometheus"))
        self.port = PROM_PORT
        self.url = "http://127.0.0.1:%d" % self.port
        self.data = os.path.join(self.dir, "data")
        self.config = os.path.join(self.dir, "prometheus.yml")
        self.rules = os.path.join(self.dir, "rules")
        self.targets = os.path.join(self.dir, "targets", "simulators.json")
        self.version = None
        for d in (self.data, self.rules, os.path.dirname(self.targets)):
            os.makedirs(d, exist_ok=True)
        with open(self.config, "w") as f:
            f.write(PROM_CONFIG.format(rules=self.rules, targets=self.targets))
        if not os.path.exists(self.targets):
            self.write_targets([])

    def binary(self):
        for b in ("prometheus", "promtool"):
            if not shutil.which(b):
                raise RuntimeError("%s is not installed: apt-get install prometheus (Debian's 2.42; "
                                   ".ci/run installs it)" % b)
        if self.version is None:
            out = subprocess.run(["prometheus", "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True).stdout.split()
            self.version = out[2] if len(out) > 2 else "unknown"
        return shutil.which("prometheus")

    def argv(self, comp):
        if comp == "prometheus":
            return [self.binary(), "--config.file", self.config, "--storage.tsdb.path", self.data,
                    # Back-filled history (tests/lab/backfill) is kept: 400 days.
                    "--storage.tsdb.retention.time", "400d",
                    "--web.listen-address", "127.0.0.1:%d" % self.port,
                    "--web.enable-lifecycle", "--web.enable-admin-api"]
        raise ValueError("unknown component %s" % comp)

    def write_targets(self, clusters):
        tmp = self.targets + ".tmp"
        with open(tmp, "w") as f:
            json.dump([{"targets": ["127.0.0.1:%d" % c.ports["simulator"]], "labels": {"cluster": c.name}}
                       for c in clusters], f, indent=1)
        os.replace(tmp, self.targets)

    def target_health(self):
        """cluster -> health ("up", "down", "unknown") of the simulator targets."""
        try:
            with urllib.request.urlopen(self.url + "/api/v1/targets?state=active", timeout=2) as r:
                data = json.load(r)
        except Exception:
            return {}
        return {t["labels"].get("cluster"): t.get("health") for t in data["data"]["activeTargets"]
                if t["labels"].get("job") == "simulator"}

    def info(self):
        p = self.procs.get("prometheus")
        return {"url": self.url, "port": self.port, "version": self.version, "data_dir": self.data,
                "config": self.config, "rules_dir": self.rules, "targets_file": self.targets,
                "log": os.path.join(self.dir, "prometheus.log"), "running": self.running("prometheus"),
                "pid": p.pid if p and p.poll() is None else None, "scrape_interval": "1s",
                "retention": "400d"}


AUDIT_POLICY = """apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
# Request bodies of the lab identities' writes, so tests can read back what was sent.
- level: Request
  userGroups: ["fleetdeck:operators", "fleetdeck:readonly", "fleetdeck:sweep"]
  verbs: ["create", "update", "patch", "delete", "deletecollection"]
# Node heartbeats would drown everything else.
- level: None
  users: ["kwok"]
  verbs: ["get", "update", "patch"]
  resources:
  - group: "coordination.k8s.io"
    resources: ["leases"]
  - group: ""
    resources: ["nodes", "nodes/status"]
# The Argo Rollouts controller's reads (informer lists/watches) are noise; its writes
# (ReplicaSets, Rollout status, Services, Events) are kept at Metadata, never bodies.
- level: None
  users: ["argo-rollouts"]
  verbs: ["get", "list", "watch"]
- level: Metadata
"""


def http_ok(url, c=None, timeout=2):
    ctx = None
    if url.startswith("https"):
        ctx = ssl.create_default_context(cafile=os.path.join(c.pki, "ca.crt"))
        ctx.load_cert_chain(os.path.join(c.pki, "%s-admin.crt" % c.name), os.path.join(c.pki, "%s-admin.key" % c.name))
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=ctx) as r:
            return r.status == 200
    except Exception:
        return False


def port_free(port):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


class Lab:
    def __init__(self):
        self.paths = cache_paths()
        self.clusters = []
        self.bin_ready = False
        self.shared = LabWide()

    def ensure_bins(self):
        if not self.bin_ready:
            self.paths["bin"] = bin_dir()
            self.bin_ready = True

    def kubectl(self, c, *args, stdin=None, check=True):
        r = subprocess.run([os.path.join(self.paths["bin"], "kubectl"),
                            "--kubeconfig", os.path.join(c.dir, "admin.kubeconfig"), *args],
                           input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if check and r.returncode != 0:
            raise RuntimeError("%s: kubectl %s: %s" % (c.name, " ".join(args[:3]), r.stderr.strip()))
        return r

    def wait(self, what, cond, timeout, clusters, comp=None):
        deadline = time.time() + timeout
        pending = list(clusters)
        while pending:
            pending = [c for c in pending if not cond(c)]
            if not pending:
                return
            for c in pending:
                if comp and not c.running(comp):
                    raise RuntimeError("%s: %s exited: %s" % (c.name, comp, c.tail(comp)))
            if time.time() > deadline:
                raise RuntimeError("%s: timed out waiting for %s: %s" % (
                    ",".join(c.name for c in pending), what, pending[0].tail(comp) if comp else ""))
            time.sleep(0.2)

    def start_components(self, clusters, comps):
        """Start the given components where they are not running, in dependency order."""
        todo = [c for c in clusters if any(not c.running(x) for x in comps)]
        if not todo:
            return
        for c in todo:
            if not any(c.running(x) for x in COMPONENTS):
                busy = [p for p in c.ports.values() if not port_free(p)]
                if busy:
                    raise RuntimeError("%s: port %d is in use by another program "
                                       "(set FLEETDECK_LAB_PORT_BASE)" % (c.name, busy[0]))
        if "simulator" in comps:  # independent of the control plane; waited for at the end
            for c in todo:
                c.spawn("simulator")
        if "etcd" in comps:
            for c in todo:
                c.spawn("etcd")
            self.wait("etcd health", lambda c: http_ok("http://127.0.0.1:%d/health" % c.ports["etcd"]),
                      60, todo, "etcd")
        if "apiserver" in comps:
            for c in todo:
                c.spawn("apiserver")
            self.wait("kube-apiserver /readyz",
                      lambda c: http_ok("https://127.0.0.1:%d/readyz" % c.ports["apiserver"], c), 120, todo,
                      "apiserver")
        fresh = [c for c in todo if not c.fixtures_done]
        if fresh:
            self.fixtures(fresh)
        for comp in ["controller-manager", "scheduler", "kwok", "rollouts"]:
            if comp in comps:
                for c in todo:
                    c.spawn(comp)
        if "kwok" in comps:
            self.wait("nodes Ready", self.nodes_ready, 120, todo, "kwok")
        if "rollouts" in comps:
            self.wait("rollouts-controller /healthz",
                      lambda c: http_ok("http://127.0.0.1:%d/healthz" % c.ports["rollouts-healthz"]), 60, todo,
                      "rollouts")
        if "simulator" in comps:
            self.wait("simulator /healthz",
                      lambda c: http_ok("http://127.0.0.1:%d/healthz" % c.ports["simulator"]), 30, todo,
                      "simulator")
        # A component that cannot bind its port exits within a second; catch it
        # here rather than as a mysteriously Pending pod later.
        time.sleep(1.0)
        for c in todo:
            for comp in comps:
                if comp not in c.held and not c.running(comp):
                    raise RuntimeError("%s: %s exited: %s" % (c.name, comp, c.tail(comp)))

    def nodes_ready(self, c):
        return self.all_conditions(c, "nodes", "Ready")

    def all_conditions(self, c, resource, cond):
        """Whether there are objects of the resource and all have condition `cond` True."""
        r = self.kubectl(c, "get", resource, "-o",
                         "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"%s\")].status}{\"\\n\"}{end}"
                         % cond, check=False)
        states = r.stdout.split("\n")[:-1]
        return r.returncode == 0 and bool(states) and all(s == "True" for s in states)

    def fixtures(self, clusters):
        """RBAC, CRDs, namespaces and nodes, applied to all clusters in parallel."""
        t0 = time.time()

        def run_all(*jobs):
            """Run every job (args, stdin-maker) on every cluster at once."""
            procs = []
            for make_args, stdin_for in jobs:
                for c in clusters:
                    args = make_args(c)
                    p = subprocess.Popen([os.path.join(self.paths["bin"], "kubectl"), "--kubeconfig",
                                          os.path.join(c.dir, "admin.kubeconfig"), *args], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    procs.append((c, p, args, stdin_for(c) if stdin_for else None))
            for c, p, args, data in procs:
                out, err = p.communicate(data)
                if p.returncode != 0:
                    raise RuntimeError("%s: fixture kubectl %s failed: %s" % (c.name, " ".join(args[:4]), err.strip()))

        apply = ["apply", "--server-side", "--force-conflicts", "-f"]
        # Nodes, RBAC and the CRDs (Argo Rollouts, Gateway API, Istio networking,
        # external-dns DNSEndpoint, Argo CD Application, Gatekeeper ConstraintTemplate)
        # do not depend on each other; applying them together saves seconds. Server-side,
        # as several CRDs exceed the 256 KiB last-applied annotation of a client-side apply.
        run_all((lambda c: apply + ["-"],
                 lambda c: json.dumps({"apiVersion": "v1", "kind": "List", "items": self.node_objects(c)})),
                (lambda c: apply + [os.path.join(HERE, "fixtures")], None),
                (lambda c: apply + [self.paths["crds"], "-f", self.paths["gateway_api_crds"],
                                    "-f", self.paths["istio_crds"], "-f", self.paths["external_dns_crds"],
                                    "-f", self.paths["argo_cd_crds"], "-f", self.paths["gatekeeper_crds"]],
                 None))
        t1 = time.time()
        # One poll instead of `kubectl wait crd --all`, which watches each CRD in turn.
        self.wait("CRDs Established", lambda c: self.all_conditions(c, "crd", "Established"), 60, clusters)
        log("fixtures on %s: applied in %.1fs, CRDs established %.1fs later" % (
            ",".join(c.name for c in clusters), t1 - t0, time.time() - t1))
        for c in clusters:
            c.fixtures_done = True

    def node_objects(self, c):
        cloud, region, types, capacity_types = PLACES[c.index % len(PLACES)]
        nodes = []
        for i, (itype, ctype) in enumerate(zip(types, capacity_types)):
            cpu, mem = CAPACITY[itype]
            zone = region + "abc"[i] if cloud == "aws" else "%s-%s" % (region, "abc"[i])
            name = "%s-node-%d" % (c.name, i + 1)
            labels = {
                "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": itype, "topology.kubernetes.io/region": region,
                "topology.kubernetes.io/zone": zone, "type": "kwok",
            }
            if cloud == "aws":
                labels["eks.amazonaws.com/capacityType"] = "SPOT" if ctype == "spot" else "ON_DEMAND"
                labels["karpenter.sh/capacity-type"] = ctype
            else:
                labels["cloud.google.com/gke-spot"] = "true" if ctype == "spot" else "false"
                labels["cloud.google.com/machine-family"] = itype.split("-")[0]
            res = {"cpu": cpu, "memory": mem, "pods": "110", "ephemeral-storage": "100Gi"}
            nodes.append({"apiVersion": "v1", "kind": "Node",
                          "metadata": {"name": name, "labels": labels,
                                       "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                                       "kwok.x-k8s.io/node": "fake"}},
                          "status": {"capacity": res, "allocatable": res}})
        return nodes

    def write_kubeconfig(self):
        for name, sweep in [("kubeconfig-sweep", True), ("kubeconfig", False)]:
            path = os.path.join(LAB_DIR, name)
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(kubeconfig_doc([c.info() for c in self.clusters], sweep), f, indent=1)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        return path

    def up(self, n):
        if n < 1 or n > len(NAMES):
            raise RuntimeError("up: N must be 1..%d" % len(NAMES))
        self.ensure_bins()
        t0 = time.time()
        while len(self.clusters) < n:
            self.clusters.append(Cluster(len(self.clusters), self.paths))
        self.write_kubeconfig()
        self.shared.write_targets(self.clusters)
        self.start_prometheus(wait=False)  # starts while the clusters come up
        self.start_components(self.clusters[:n], COMPONENTS)
        self.wait_prometheus(self.clusters[:n])
        log("up %d: ready in %.1fs" % (n, time.time() - t0))
        return self.status()

    def start_prometheus(self, wait=True, targets=True):
        s = self.shared
        if not s.running("prometheus"):
            s.binary()
            if not port_free(s.port):
                raise RuntimeError("prometheus: port %d is in use by another program "
                                   "(set FLEETDECK_LAB_PORT_BASE)" % s.port)
            s.spawn("prometheus")
        if wait:
            self.wait_prometheus([c for c in self.clusters if c.running("simulator")] if targets else [])

    def wait_prometheus(self, clusters):
        """Prometheus ready, and each cluster's simulator scraped once (health up)."""
        s = self.shared
        self.wait("prometheus /-/ready", lambda s: http_ok(s.url + "/-/ready"), 60, [s], "prometheus")
        want = [c for c in clusters if c.running("simulator")]
        deadline = time.time() + 30
        while True:
            health = s.target_health()
            down = [c.name for c in want if health.get(c.name) != "up"]
            if not down:
                return
            if not s.running("prometheus"):
                raise RuntimeError("prometheus exited: %s" % s.tail("prometheus"))
            if time.time() > deadline:
                raise RuntimeError("prometheus: simulator targets of %s not up: %s" % (", ".join(down), health))
            time.sleep(0.2)

    def find(self, name):
        for c in self.clusters:
            if name in (c.name, c.name[len("lab-"):]):
                return c
        raise RuntimeError("no lab cluster %r (have %s)" % (name, ", ".join(c.name for c in self.clusters)))

    def status(self):
        return {
            "dir": LAB_DIR, "kubeconfig": os.path.join(LAB_DIR, "kubeconfig"),
            "sweep_kubeconfig": os.path.join(LAB_DIR, "kubeconfig-sweep"), "bin": self.paths["bin"],
            "crds": self.paths["crds"], "gateway_api_crds": self.paths["gateway_api_crds"],
            "istio_crds": self.paths["istio_crds"], "external_dns_crds": self.paths["external_dns_crds"],
            "argo_cd_crds": self.paths["argo_cd_crds"], "gatekeeper_crds": self.paths["gatekeeper_crds"],
            "capi_crds": self.paths["capi_crds"], "velero_crds": self.paths["velero_crds"],
            "chaos_mesh_crds": self.paths["chaos_mesh_crds"],
            "rollouts_controller": self.paths["rollouts"],
            "fixtures": os.path.join(HERE, "fixtures"),
            "versions": self.paths["versions"],
            "prometheus": self.shared.info(),
            "clusters": [dict(c.info(), running={x: c.running(x) for x in COMPONENTS},
                              pids={x: p.pid for x, p in c.procs.items() if p.poll() is None})
                         for c in self.clusters],
        }

    def handle(self, cmd):
        op = cmd.get("op")
        if op == "up":
            return self.up(int(cmd.get("n", 3)))
        if op == "status":
            return self.status()
        if op in ("stop", "start", "restart") and cmd.get("cluster") == "lab":
            comp = cmd.get("component") or "prometheus"
            if comp not in LAB_COMPONENTS:
                raise RuntimeError("unknown lab-wide component %r (have %s)" % (comp, ", ".join(LAB_COMPONENTS)))
            if op != "start":
                self.shared.stop(comp, graceful=(op == "restart"))
            if op != "stop":
                # Waiting for the targets costs ~5 s after a start (Prometheus applies
                # discovered targets on a 5 s tick); the backfill needs only /-/ready.
                self.start_prometheus(targets=cmd.get("targets", True))
            return self.status()
        if op in ("stop", "start", "restart"):
            c = self.find(cmd["cluster"])
            comp = cmd.get("component") or "apiserver"
            if comp not in COMPONENTS:
                raise RuntimeError("unknown component %r (have %s)" % (comp, ", ".join(COMPONENTS)))
            if op != "start":
                c.stop(comp)
            if op != "stop":
                self.start_components([c], [comp])
                if comp == "simulator" and self.shared.running("prometheus"):
                    self.wait_prometheus([c])
            return self.status()
        if op == "compact":
            c = self.find(cmd["cluster"])
            etcdctl_free_compact(c)
            return self.status()
        if op == "down":
            self.shutdown()
            return {"down": True}
        raise RuntimeError("unknown op %r" % op)

    def shutdown(self):
        for c in self.clusters:
            c.stop_all()
        self.shared.stop_all()


def etcdctl_free_compact(c):
    """Compact etcd to its current revision through its HTTP/JSON gateway, so watches
    resuming from an older resourceVersion get 410 Gone."""
    base = "http://127.0.0.1:%d" % c.ports["etcd"]

    def post(path, body):
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.load(r)

    rev = int(post("/v3/kv/range", {"key": "AA=="})["header"]["revision"])
    post("/v3/kv/compaction", {"revision": str(rev), "physical": True})


def daemon():
    os.makedirs(LAB_DIR, exist_ok=True)
    lock = open(os.path.join(LAB_DIR, "labd.lock"), "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another supervisor owns the lab
    lock.truncate(0)
    lock.write(str(os.getpid()))
    lock.flush()
    if os.path.exists(SOCK):
        os.unlink(SOCK)
    # Nothing of an earlier supervisor's lab is running any more (its children died
    # with it), so its data would only be stale: every supervisor starts clean.
    for entry in os.listdir(LAB_DIR):
        if entry.startswith("lab-") or entry == "prometheus":
            shutil.rmtree(os.path.join(LAB_DIR, entry), ignore_errors=True)
    lab = Lab()
    stopping = []

    def on_term(*_):
        stopping.append(1)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(SOCK)
    srv.listen(64)
    srv.settimeout(1.0)
    last = time.time()
    log("supervisor %d listening on %s" % (os.getpid(), SOCK))
    try:
        while not stopping:
            if time.time() - last > IDLE:
                log("idle for %ds, shutting down" % IDLE)
                break
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            last = time.time()
            with conn:
                conn.settimeout(None)
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                try:
                    cmd = json.loads(data or b"{}")
                    reply = {"ok": True, "result": lab.handle(cmd)}
                except Exception as e:  # reported to the client, the supervisor keeps going
                    log("error: %s" % e)
                    reply = {"ok": False, "error": str(e)}
                try:
                    conn.sendall((json.dumps(reply) + "\n").encode())
                except OSError:
                    pass
                if cmd.get("op") == "down" if isinstance(cmd, dict) else False:
                    break
    finally:
        lab.shutdown()
        try:
            os.unlink(SOCK)
        except OSError:
            pass
        log("supervisor exited")


# ---------------------------------------------------------------- the client


def request(cmd, start=True, timeout=1800):
    deadline = time.time() + 30
    spawned = False
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(SOCK)
            break
        except OSError:
            s.close()
            if not start:
                return None
            if not spawned:
                os.makedirs(LAB_DIR, exist_ok=True)
                out = open(os.path.join(LAB_DIR, "labd.log"), "ab")
                subprocess.Popen([sys.executable, os.path.abspath(__file__), "daemon"], stdout=out, stderr=out,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
                spawned = True
            if time.time() > deadline:
                raise SystemExit("lab: the supervisor did not start; see %s/labd.log" % LAB_DIR)
            time.sleep(0.1)
    with s:
        s.settimeout(timeout)
        s.sendall((json.dumps(cmd) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    if not data:
        raise SystemExit("lab: the supervisor closed the connection; see %s/labd.log" % LAB_DIR)
    reply = json.loads(data)
    if not reply.get("ok"):
        raise SystemExit("lab: %s" % reply.get("error"))
    return reply["result"]


def check_openmetrics(path):
    """What promtool 2.42 gets wrong silently, or rejects with a poor message."""
    now = time.time()
    last = {}
    eof = False
    n_samples = 0

    def bad(n, msg):
        sys.exit("backfill: %s:%d: %s" % (path, n, msg))

    with open(path) as f:
        for n, line in enumerate(f, 1):
            s = line.rstrip("\n")
            if eof:
                bad(n, "content after '# EOF'")
            if s == "# EOF":
                eof = True
                continue
            if not s.strip():
                bad(n, "blank line (promtool: 'INVALID' is not a valid start token)")
            if s.startswith("#"):
                continue
            body = s.split(" # ", 1)[0]  # an exemplar
            if "}" in body:
                i = body.rindex("}") + 1
                series, rest = body[:i], body[i:].split()
            else:
                series, *rest = body.split()
            if len(rest) != 2:
                bad(n, "expected 'series value timestamp' (promtool needs a timestamp on every sample)")
            try:
                float(rest[0])
                t = float(rest[1])
            except ValueError:
                bad(n, "value or timestamp is not a number")
            if t > 1e11:
                bad(n, "timestamp %s looks like milliseconds: OpenMetrics timestamps are Unix seconds" % rest[1])
            if t > now:
                bad(n, "timestamp %s is in the future: a block reaching past now makes Prometheus refuse "
                       "live samples older than its end" % rest[1])
            p = last.get(series)
            if p is not None and t <= p:
                bad(n, "timestamp %s is not after the previous sample of %s (promtool would drop it silently)"
                    % (rest[1], series))
            last[series] = t
            n_samples += 1
    if not eof:
        bad(n if last else 0, "the file must end with '# EOF'")
    return len(last), n_samples


def prom_metric(url, name):
    with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


def backfill(args):
    """Write blocks with promtool next to the lab Prometheus's TSDB, move them in, and
    make Prometheus load them: a graceful restart (default, ~2-3 s) or, with
    --no-restart, its next periodic block reload (every 60 s since its start)."""
    import argparse
    import tempfile
    ap = argparse.ArgumentParser(prog="tests/lab/backfill", description=backfill.__doc__)
    ap.add_argument("file", help="OpenMetrics text, '# EOF' terminated, timestamps in Unix seconds")
    ap.add_argument("--no-restart", action="store_true",
                    help="do not restart Prometheus; wait (<= 60 s) for its periodic block reload")
    ap.add_argument("--no-check", action="store_true", help="skip the checks of the file before promtool")
    ap.add_argument("--max-block-duration", default="486h",
                    help="promtool's largest block (default 486h: 30 days make 3 blocks, not 361 of 2h)")
    a = ap.parse_args(args)
    st = request({"op": "status"}, start=False) or sys.exit("backfill: the lab is not running (tests/lab/up)")
    prom = st["prometheus"]
    t0 = time.time()
    if not a.no_check:
        check_openmetrics(a.file)
    tmp = tempfile.mkdtemp(prefix="backfill-", dir=os.path.dirname(prom["data_dir"]))
    metas = []
    try:
        r = subprocess.run(["promtool", "tsdb", "create-blocks-from", "--max-block-duration", a.max_block_duration,
                            "openmetrics", "--quiet", a.file, tmp],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.exit("backfill: promtool failed: %s" % r.stdout.strip())
        blocks = sorted(b for b in os.listdir(tmp) if os.path.isfile(os.path.join(tmp, b, "meta.json")))
        if not blocks:
            sys.exit("backfill: promtool wrote no blocks: %s" % r.stdout.strip())
        for b in blocks:
            with open(os.path.join(tmp, b, "meta.json")) as f:
                m = json.load(f)
            metas.append({"ulid": b, "mint": m["minTime"] / 1000.0, "maxt": m["maxTime"] / 1000.0,
                          "samples": m["stats"].get("numSamples"), "series": m["stats"].get("numSeries")})
        for b in blocks:  # same file system: each block appears at once, whole
            os.rename(os.path.join(tmp, b), os.path.join(prom["data_dir"], b))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t1 = time.time()
    if not prom["running"]:
        mode = "moved in; Prometheus is stopped and loads them when it starts"
    elif a.no_restart:
        mode = "periodic reload"
        before = prom_metric(prom["url"], "prometheus_tsdb_reloads_total")
        deadline = time.time() + 90
        while prom_metric(prom["url"], "prometheus_tsdb_reloads_total") == before:
            if time.time() > deadline:
                sys.exit("backfill: Prometheus did not reload its blocks within 90 s")
            time.sleep(0.5)
    else:
        mode = "restart"
        request({"op": "restart", "cluster": "lab", "component": "prometheus", "targets": False}, start=False)
    print(json.dumps({"blocks": metas, "mint": min(m["mint"] for m in metas), "maxt": max(m["maxt"] for m in metas),
                      "load": mode, "promtool_seconds": round(t1 - t0, 2), "load_seconds": round(time.time() - t1, 2)},
                     indent=1))
    return 0


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    op, rest = argv[0], argv[1:]
    if op == "daemon":
        daemon()
        return 0
    if op == "tools":
        ensure_tools()
        print("lab: %s present" % ", ".join(TOOLS))
        return 0
    if op == "up":
        ensure_tools()
        n = int(rest[0]) if rest else 3
        res = request({"op": "up", "n": n})
        if "--json" in rest:
            print(json.dumps(res, indent=1))
        else:
            print(res["kubeconfig"])
        return 0
    if op == "env":
        print("export KUBECONFIG=%s" % os.path.join(LAB_DIR, "kubeconfig"))
        print("export PATH=%s:$PATH" % cache_paths()["bin"])
        return 0
    if op in ("stop", "start", "restart", "compact"):
        if not rest:
            print("usage: %s CLUSTER [COMPONENT] | %s prometheus" % (op, op), file=sys.stderr)
            return 2
        target, comp = rest[0], rest[1] if len(rest) > 1 else None
        if target in LAB_COMPONENTS and op != "compact":  # `stop prometheus` = `stop lab prometheus`
            target, comp = "lab", target
        request({"op": op, "cluster": target, "component": comp}, start=False) \
            or sys.exit("lab: not running")
        return 0
    if op == "backfill":
        return backfill(rest)
    if op == "status":
        res = request({"op": "status"}, start=False)
        print(json.dumps(res, indent=1) if res else '{"running": false}')
        return 0
    if op == "down":
        try:
            request({"op": "down"}, start=False, timeout=120)
        except SystemExit as e:
            print(e, file=sys.stderr)
        lockf = os.path.join(LAB_DIR, "labd.lock")
        # A supervisor that did not answer is killed; its children die with it (PDEATHSIG).
        try:
            pid = int(open(lockf).read().strip() or 0)
        except (OSError, ValueError):
            pid = 0
        if pid and alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.time() + 10
            while alive(pid) and time.time() < deadline:
                time.sleep(0.1)
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(LAB_DIR, ignore_errors=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
