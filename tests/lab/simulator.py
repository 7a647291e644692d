#!/usr/bin/env python3
"""The lab's workload simulator: one process per cluster, Python stdlib only.

    simulator.py --cluster lab-a --port 21008

Serves, on 127.0.0.1:PORT,

    GET  /metrics   Prometheus text format (0.0.4); every series has cluster="<name>":
                    http_requests_total{cluster,namespace,service,version,code}  counter, code 200|500
                    http_request_duration_seconds_bucket{cluster,namespace,service,version,le}
                      (+ _sum, _count), le 0.05 0.1 0.25 0.5 1 2.5 +Inf
                    container_cpu_usage_seconds_total{cluster,namespace,pod,container}  counter
                    container_memory_working_set_bytes{cluster,namespace,pod,container}  gauge
                    istio_requests_total{cluster,reporter,source_workload[_namespace],
                      destination_workload[_namespace],destination_service_name,
                      destination_service_namespace,request_protocol,response_code} counter:
                      each configured call (POST /control {"calls": [...]}) twice, as the
                      destination's proxy (reporter="destination") and the caller's
                      (reporter="source") report it; code 200|503
                    istio_tcp_sent_bytes_total{cluster,reporter,source_*,destination_*} counter
                      for calls with tcp_bytes > 0
    GET  /ksm       kube-state-metrics-shaped series for a simulated fleet (empty until
                    POST /control {"ksm": {"clusters": N, "names": [...]}}): cluster i
                    (0-based) is names[i] or "sim-%04d" % i, its counts ksm_counts(i)
    GET  /control   the current knobs as JSON
    POST /control   change knobs (JSON object, see apply()); answers with the new knobs
    POST /reset     back to the start-up knobs (same as POST /control {"reset": true})
    GET  /healthz   "ok"

Counters are floats that advance by rate x elapsed time (monotonic clock) with the
knobs in force over each interval, so rate() gives the configured rps, error ratio
and CPU cores exactly. Latency per service version is log-normal with median
latency_ms and shape latency_sigma (0: every request takes exactly latency_ms):
the fraction of requests <= le is Phi(ln(le / median) / sigma).
"""

import argparse
import copy
import json
import math
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUCKETS = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5]  # and +Inf
SERVICE_KNOBS = {"rps": 10.0, "error_ratio": 0.0, "latency_ms": 80.0, "latency_sigma": 0.3}
DEFAULT_SERVICES = [
    {"namespace": "shop", "service": "checkout", "version": "stable", "rps": 50.0},
    {"namespace": "shop", "service": "checkout", "version": "canary", "rps": 10.0},
]


def log(msg):
    print("[simulator %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def fmt(x):
    s = "%.6f" % x
    return s.rstrip("0").rstrip(".") if "." in s else s


def esc(v):
    return str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def labels(**kv):
    return "{" + ",".join('%s="%s"' % (k, esc(v)) for k, v in kv.items()) + "}"


class Version:
    """One service version: knobs and the float accumulators behind its series."""

    def __init__(self, knobs):
        self.knobs = dict(knobs)
        self.ok = self.err = self.count = self.sum = 0.0
        self.buckets = [0.0] * len(BUCKETS)

    def cdf(self, le):
        median = self.knobs["latency_ms"] / 1000.0
        sigma = self.knobs["latency_sigma"]
        if median <= 0:
            return 1.0
        if sigma <= 0:
            return 1.0 if median <= le else 0.0
        return 0.5 * (1.0 + math.erf(math.log(le / median) / (sigma * math.sqrt(2.0))))

    def advance(self, dt):
        n = self.knobs["rps"] * dt
        if n <= 0:
            return
        e = n * self.knobs["error_ratio"]
        self.ok += n - e
        self.err += e
        self.count += n
        for i, le in enumerate(BUCKETS):
            self.buckets[i] += n * self.cdf(le)
        mean = self.knobs["latency_ms"] / 1000.0 * math.exp(self.knobs["latency_sigma"] ** 2 / 2.0)
        self.sum += n * mean


class Call:
    """One caller -> callee edge of the simulated mesh."""

    def __init__(self):
        self.knobs = {"rps": 0.0, "error_ratio": 0.0, "tcp_bytes": 0.0}
        self.ok = self.err = self.bytes = 0.0

    def advance(self, dt):
        n = self.knobs["rps"] * dt
        self.err += n * self.knobs["error_ratio"]
        self.ok += n - n * self.knobs["error_ratio"]
        self.bytes += self.knobs["tcp_bytes"] * dt


CALL_KEYS = ("source_namespace", "source", "destination_namespace", "destination")


class Container:
    def __init__(self, cpu_cores, memory_bytes):
        self.cpu_cores = cpu_cores
        self.memory_bytes = memory_bytes
        self.cpu_seconds = 0.0

    def advance(self, dt):
        self.cpu_seconds += self.cpu_cores * dt


def num(entry, key, lo=0.0, hi=None):
    v = entry[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < lo or (hi is not None and v > hi) \
            or v != v:
        raise ValueError("%s must be a number >= %g%s, got %r" % (key, lo, "" if hi is None else " and <= %g" % hi, v))
    return float(v)


def need(entry, *keys):
    for k in keys:
        if not isinstance(entry.get(k), str) or not entry[k]:
            raise ValueError("%r needs a non-empty string %r" % (entry, k))


class State:
    def __init__(self, cluster):
        self.cluster = cluster
        self.lock = threading.Lock()
        self.services = {}  # (namespace, service, version) -> Version
        self.pods = {}  # (namespace, pod, container) -> Container
        self.calls = {}  # (src ns, src, dst ns, dst) -> Call
        self.last = time.monotonic()
        self.started = time.time()
        self.ksm = {"clusters": 0, "names": []}
        self._ksm_text = None
        self.reset()

    def reset(self):
        """Start-up knobs; accumulators of series that stay are kept (monotonic)."""
        keep = self.services
        self.services = {}
        for d in DEFAULT_SERVICES:
            key = (d["namespace"], d["service"], d["version"])
            knobs = dict(SERVICE_KNOBS, **{k: v for k, v in d.items() if k in SERVICE_KNOBS})
            v = keep.get(key) or Version(knobs)
            v.knobs = knobs
            self.services[key] = v
        self.pods = {}
        self.calls = {}

    def ksm_text(self):
        # The fleet's counts are fixed: built once per setting, not per scrape.
        if self._ksm_text is None:
            self._ksm_text = ksm_exposition(self.ksm["clusters"], self.ksm["names"]) if self.ksm["clusters"] else ""
        return self._ksm_text

    def advance(self):
        now = time.monotonic()
        dt = now - self.last
        self.last = now
        for v in self.services.values():
            v.advance(dt)
        for c in self.pods.values():
            c.advance(dt)
        for c in self.calls.values():
            c.advance(dt)

    def knobs(self):
        return {
            "cluster": self.cluster,
            "services": [dict(namespace=k[0], service=k[1], version=k[2], **v.knobs)
                         for k, v in sorted(self.services.items())],
            "pods": [dict(namespace=k[0], pod=k[1], container=k[2], cpu_cores=c.cpu_cores,
                          memory_bytes=c.memory_bytes) for k, c in sorted(self.pods.items())],
            "buckets": BUCKETS,
            "started": self.started,
            "ksm": self.ksm,
            "calls": [dict(zip(CALL_KEYS, k), **c.knobs) for k, c in sorted(self.calls.items())],
        }

    def apply(self, body):
        """Apply a control request, all or nothing. Keys, all optional, in this order:
          reset: true                  back to the start-up knobs (no pods)
          remove_namespace: "ns"       drop every service version and pod of the namespace
          services: [ENTRY, ...] and/or one ENTRY inline (namespace, service, ...)
            ENTRY = {namespace, service, [version], [rps], [error_ratio], [latency_ms],
                     [latency_sigma], [remove: true]}: update the version (created with
                     rps 10, error_ratio 0, latency_ms 80, latency_sigma 0.3 for knobs not
                     given); no version = every existing version of the service (or
                     "stable" when it has none)
          pods: [{namespace, pod, container, [cpu_cores], [memory_bytes], [remove: true]}, ...]
                     upsert by (namespace, pod, container); new ones default to 0
          calls: [{source_namespace, source, destination_namespace, destination, [rps],
                   [error_ratio], [tcp_bytes], [remove: true]}, ...]
                     upsert a mesh edge; new ones default to 0
        """
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        known = {"reset", "remove_namespace", "services", "pods", "namespace", "service", "version", "remove",
                 "ksm", "calls", *SERVICE_KNOBS}
        unknown = set(body) - known
        if unknown:
            raise ValueError("unknown keys %s (have %s)" % (sorted(unknown), sorted(known)))
        services = self.services
        pods = self.pods
        # Work on copies: a bad entry leaves everything as it was.
        calls = self.calls
        self.services = {k: copy.deepcopy(v) for k, v in services.items()}
        self.pods = {k: copy.deepcopy(v) for k, v in pods.items()}
        self.calls = {k: copy.deepcopy(v) for k, v in calls.items()}
        try:
            self._apply(body)
        except Exception:
            self.services, self.pods, self.calls = services, pods, calls
            raise

    def _apply(self, body):
        if body.get("reset"):
            self.reset()
        if "ksm" in body:
            k = body["ksm"]
            if not isinstance(k, dict) or not isinstance(k.get("clusters", 0), int) or k.get("clusters", 0) < 0 \
                    or not all(isinstance(n, str) and n for n in k.get("names", [])):
                raise ValueError("ksm: {clusters: N >= 0, names: [non-empty strings]}, got %r" % (k,))
            self.ksm = {"clusters": k.get("clusters", 0), "names": list(k.get("names", []))}
            self._ksm_text = None
        ns = body.get("remove_namespace")
        if ns is not None:
            self.services = {k: v for k, v in self.services.items() if k[0] != ns}
            self.pods = {k: v for k, v in self.pods.items() if k[0] != ns}
            self.calls = {k: v for k, v in self.calls.items() if ns not in (k[0], k[2])}
        entries = list(body.get("services") or [])
        if "service" in body or "namespace" in body:
            entries.append({k: v for k, v in body.items()
                            if k in ("namespace", "service", "version", "remove", *SERVICE_KNOBS)})
        for e in entries:
            if not isinstance(e, dict):
                raise ValueError("a service entry must be an object, got %r" % (e,))
            need(e, "namespace", "service")
            bad = set(e) - {"namespace", "service", "version", "remove", *SERVICE_KNOBS}
            if bad:
                raise ValueError("unknown service keys %s" % sorted(bad))
            if "version" in e:
                need(e, "version")
                keys = [(e["namespace"], e["service"], e["version"])]
            else:
                keys = [k for k in self.services if k[:2] == (e["namespace"], e["service"])] or \
                       [(e["namespace"], e["service"], "stable")]
            knobs = {}
            for k, (lo, hi) in {"rps": (0, None), "error_ratio": (0, 1), "latency_ms": (0, None),
                                "latency_sigma": (0, 5)}.items():
                if k in e:
                    knobs[k] = num(e, k, lo, hi)
            for key in keys:
                if e.get("remove"):
                    self.services.pop(key, None)
                    continue
                v = self.services.get(key) or Version(SERVICE_KNOBS)
                v.knobs.update(knobs)
                self.services[key] = v
        for p in body.get("pods") or []:
            if not isinstance(p, dict):
                raise ValueError("a pod entry must be an object, got %r" % (p,))
            need(p, "namespace", "pod", "container")
            bad = set(p) - {"namespace", "pod", "container", "cpu_cores", "memory_bytes", "remove"}
            if bad:
                raise ValueError("unknown pod keys %s" % sorted(bad))
            key = (p["namespace"], p["pod"], p["container"])
            if p.get("remove"):
                self.pods.pop(key, None)
                continue
            c = self.pods.get(key) or Container(0.0, 0.0)
            if "cpu_cores" in p:
                c.cpu_cores = num(p, "cpu_cores")
            if "memory_bytes" in p:
                c.memory_bytes = num(p, "memory_bytes")
            self.pods[key] = c
        for e in body.get("calls") or []:
            if not isinstance(e, dict):
                raise ValueError("a call entry must be an object, got %r" % (e,))
            need(e, *CALL_KEYS)
            bad = set(e) - {*CALL_KEYS, "rps", "error_ratio", "tcp_bytes", "remove"}
            if bad:
                raise ValueError("unknown call keys %s" % sorted(bad))
            key = tuple(e[k] for k in CALL_KEYS)
            if e.get("remove"):
                self.calls.pop(key, None)
                continue
            c = self.calls.get(key) or Call()
            for k, hi in (("rps", None), ("error_ratio", 1), ("tcp_bytes", None)):
                if k in e:
                    c.knobs[k] = num(e, k, 0, hi)
            self.calls[key] = c

    def istio(self):
        if not self.calls:
            return []
        out = ["# HELP istio_requests_total Requests through the mesh (simulated).",
               "# TYPE istio_requests_total counter"]
        tcp = ["# HELP istio_tcp_sent_bytes_total TCP bytes sent (simulated).",
               "# TYPE istio_tcp_sent_bytes_total counter"]
        for (sns, src, dns, dst), c in sorted(self.calls.items()):
            for reporter in ("destination", "source"):
                base = dict(cluster=self.cluster, reporter=reporter, source_workload=src,
                            source_workload_namespace=sns, destination_workload=dst,
                            destination_workload_namespace=dns, destination_service_name=dst,
                            destination_service_namespace=dns)
                for code, val in (("200", c.ok), ("503", c.err)):
                    out.append("istio_requests_total%s %s" % (
                        labels(**base, request_protocol="http", response_code=code), fmt(val)))
                if c.knobs["tcp_bytes"] > 0:
                    tcp.append("istio_tcp_sent_bytes_total%s %s" % (labels(**base), fmt(c.bytes)))
        return out + (tcp if len(tcp) > 2 else [])

    def exposition(self):
        cl = self.cluster
        out = ["# HELP http_requests_total Requests served, by status code (simulated).",
               "# TYPE http_requests_total counter"]
        for (ns, svc, ver), v in sorted(self.services.items()):
            for code, val in (("200", v.ok), ("500", v.err)):
                out.append("http_requests_total%s %s" % (
                    labels(cluster=cl, namespace=ns, service=svc, version=ver, code=code), fmt(val)))
        out += ["# HELP http_request_duration_seconds Request latency (simulated, log-normal).",
                "# TYPE http_request_duration_seconds histogram"]
        for (ns, svc, ver), v in sorted(self.services.items()):
            base = dict(cluster=cl, namespace=ns, service=svc, version=ver)
            for le, val in zip(BUCKETS, v.buckets):
                out.append("http_request_duration_seconds_bucket%s %s" % (labels(**base, le=fmt(le)), fmt(val)))
            out.append("http_request_duration_seconds_bucket%s %s" % (labels(**base, le="+Inf"), fmt(v.count)))
            out.append("http_request_duration_seconds_sum%s %s" % (labels(**base), fmt(v.sum)))
            out.append("http_request_duration_seconds_count%s %s" % (labels(**base), fmt(v.count)))
        if self.pods:
            out += ["# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds (simulated).",
                    "# TYPE container_cpu_usage_seconds_total counter"]
            for (ns, pod, ctr), c in sorted(self.pods.items()):
                out.append("container_cpu_usage_seconds_total%s %s" % (
                    labels(cluster=cl, namespace=ns, pod=pod, container=ctr), fmt(c.cpu_seconds)))
            out += ["# HELP container_memory_working_set_bytes Current working set in bytes (simulated).",
                    "# TYPE container_memory_working_set_bytes gauge"]
            for (ns, pod, ctr), c in sorted(self.pods.items()):
                out.append("container_memory_working_set_bytes%s %s" % (
                    labels(cluster=cl, namespace=ns, pod=pod, container=ctr), fmt(c.memory_bytes)))
        out += self.istio()
        return "\n".join(out) + "\n"


def ksm_counts(i):
    """The known counts of simulated cluster i (tests compute the same)."""
    nodes = 3 + i % 3
    return {
        "nodes": nodes,
        "nodes_ready": nodes - (1 if i % 10 == 3 else 0),
        "Running": 20 + i % 7, "Pending": i % 3, "Failed": 1 if i % 5 == 0 else 0, "Succeeded": 2,
        "deployments": 5, "deployments_available": 5 - (1 if i % 4 == 1 else 0),
        "crashlooping": 1 if i % 6 == 2 else 0,
    }


def ksm_exposition(clusters, names):
    """Series as kube-state-metrics names them, with the cluster label a federating
    Prometheus adds. Pods carry only the phase they are in (value 1)."""
    fams = {k: [] for k in ("kube_node_status_condition", "kube_pod_status_phase",
                            "kube_pod_container_status_waiting_reason", "kube_deployment_spec_replicas",
                            "kube_deployment_status_replicas_available")}
    for i in range(clusters):
        cl = names[i] if i < len(names) else "sim-%04d" % i
        c = ksm_counts(i)
        for n in range(c["nodes"]):
            ready = n < c["nodes_ready"]
            for status in ("true", "false", "unknown"):
                v = 1 if (status == "true") == ready and status != "unknown" else 0
                fams["kube_node_status_condition"].append((dict(cluster=cl, node="node-%d" % n, condition="Ready",
                                                                 status=status), v))
        for phase in ("Running", "Pending", "Failed", "Succeeded"):
            for p in range(c[phase]):
                fams["kube_pod_status_phase"].append((dict(cluster=cl, namespace="app", pod="%s-%d" % (phase.lower(), p),
                                                           phase=phase), 1))
        for p in range(c["crashlooping"]):
            fams["kube_pod_container_status_waiting_reason"].append(
                (dict(cluster=cl, namespace="app", pod="running-%d" % p, container="app", reason="CrashLoopBackOff"), 1))
        for d in range(c["deployments"]):
            want = 2
            have = want if d < c["deployments_available"] else 1
            base = dict(cluster=cl, namespace="app", deployment="web-%d" % d)
            fams["kube_deployment_spec_replicas"].append((base, want))
            fams["kube_deployment_status_replicas_available"].append((base, have))
    out = []
    for name, series in fams.items():
        out.append("# TYPE %s gauge" % name)
        out += ["%s%s %s" % (name, labels(**l), fmt(v)) for l, v in series]
    return "\n".join(out) + "\n"


def handler(state):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # a scrape a second would drown the log
            pass

        def send(self, code, body, ctype="application/json"):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            with state.lock:
                state.advance()
                if path == "/ksm":
                    return self.send(200, state.ksm_text(), "text/plain; version=0.0.4; charset=utf-8")
                if path == "/metrics":
                    return self.send(200, state.exposition(), "text/plain; version=0.0.4; charset=utf-8")
                if path == "/control":
                    return self.send(200, json.dumps(state.knobs(), indent=1) + "\n")
            if path == "/healthz":
                return self.send(200, "ok\n", "text/plain")
            self.send(404, json.dumps({"error": "no such path %s" % path}) + "\n")

        def do_POST(self):
            path = self.path.split("?", 1)[0]
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            if path not in ("/control", "/reset"):
                return self.send(404, json.dumps({"error": "no such path %s" % path}) + "\n")
            try:
                body = {"reset": True} if path == "/reset" else json.loads(raw or b"{}")
                with state.lock:
                    state.advance()
                    state.apply(body)
                    reply = state.knobs()
            except (ValueError, TypeError) as e:
                return self.send(400, json.dumps({"error": str(e)}) + "\n")
            log("%s %s" % (path, json.dumps(body, sort_keys=True)))
            self.send(200, json.dumps(reply, indent=1) + "\n")

    return H


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cluster", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()
    state = State(args.cluster)
    srv = ThreadingHTTPServer((args.host, args.port), handler(state))
    srv.daemon_threads = True
    log("%s serving on http://%s:%d" % (args.cluster, args.host, args.port))
    srv.serve_forever()


if __name__ == "__main__":
    main()
