#!/usr/bin/env bash
# Summary mode at 1,000 clusters (docs/performance.md): lab-a's simulator serves
# kube-state-metrics-shaped series for 1,000 clusters, the lab's Prometheus
# scrapes them, and a generated kubeconfig holds 1,000 contexts (lab-a, lab-b
# and 998 at an address nothing listens on). Prints: snapshot wall time and peak
# memory, queries per refresh (Prometheus's own request counter), then the
# console's time to a complete table and its memory (benches/tui_until.sh).
#
#   cargo build --release && tests/lab/up 3 && benches/summary_1000.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$here/target/release/fleetdeck}
status=$("$here/tests/lab/status" --json)
get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$status"; }
prom=$(get "d['prometheus']['url']")
sim=$(get "d['clusters'][0]['simulator']")
labkc=$(get "d['kubeconfig']")
work=$(mktemp -d)
trap 'curl -s -XPOST "$sim/control" -d "{\"ksm\": {\"clusters\": 0}}" >/dev/null; rm -rf "$work"' EXIT

curl -sf -XPOST "$sim/control" -d '{"ksm": {"clusters": 1000, "names": ["lab-a", "lab-b"]}}' >/dev/null
for _ in $(seq 120); do
  n=$(curl -s "$prom/api/v1/query" --data-urlencode \
    'query=count(count by (cluster) (kube_node_status_condition{condition="Ready"}))' |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
  [ "$n" = 1000 ] && break
  sleep 1
done
[ "$n" = 1000 ] || { echo "Prometheus has $n clusters, not 1000" >&2; exit 1; }

python3 - "$labkc" "$work/kubeconfig.json" <<'EOF'
import json, sys
lab = json.load(open(sys.argv[1]))
keep = lambda l: [e for e in lab[l] if e["name"] in ("lab-a", "lab-b")]
cfg = {"apiVersion": "v1", "kind": "Config", "clusters": keep("clusters"), "users": keep("users"),
       "contexts": keep("contexts")}
for i in range(2, 1000):
    n = "sim-%04d" % i
    cfg["clusters"].append({"name": n, "cluster": {"server": "https://127.0.0.1:9/" + n, "insecure-skip-tls-verify": True}})
    cfg["users"].append({"name": n, "user": {"token": "x"}})
    cfg["contexts"].append({"name": n, "context": {"cluster": n, "user": n}})
json.dump(cfg, open(sys.argv[2], "w"))
EOF
printf '[prometheus]\nurl = "%s"\n\n[summary]\nabove = 100\n' "$prom" >"$work/config.toml"
export FLEETDECK_CONFIG_DIR=$work FLEETDECK_DATA_DIR=$work

queries() {
  curl -s "$prom/metrics" | awk -F' ' '/^prometheus_http_requests_total\{code="200",handler="\/api\/v1\/query"\}/ {print $2}'
}
q0=$(queries)
/usr/bin/time -f "snapshot: %e s wall, peak RSS %M KiB" "$bin" --kubeconfig "$work/kubeconfig.json" \
  snapshot --json >"$work/snap.json"
q1=$(queries)
python3 - "$work/snap.json" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
modes = {}
for c in v["clusters"]:
    modes[c["mode"]] = modes.get(c["mode"], 0) + 1
print("snapshot: %d clusters %s, nodes %s" % (len(v["clusters"]), modes, v["totals"]["nodes"]))
EOF
echo "queries for one refresh: $((q1 - q0))"
# 3,999 nodes of which 3,899 Ready across the 1,000 clusters: the table is complete.
PATTERN='nodes ([0-9]+)/' MIN=3899 SETTLE=${SETTLE:-10} "$here/benches/tui_until.sh" -- \
  "$bin" --kubeconfig "$work/kubeconfig.json"
