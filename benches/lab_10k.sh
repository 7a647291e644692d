#!/usr/bin/env bash
# One lab cluster holding 10,000 pods: fleetdeck against kubectl on the same
# API server, side by side, then the TUI's resident memory (and kdash's, when
# KDASH points at a built kdash). Creates DEPLOYMENTS × REPLICAS pods in a
# fresh namespace of lab-$CLUSTER, waits until they all run, measures, and
# deletes the namespace on exit. docs/performance.md has the figures.
#
#   cargo build --release && benches/lab_10k.sh
#   K9S=~/.cache/fleetdeck-bench/k9s KDASH=/tmp/kdash/bin/kdash RUNS=10 benches/lab_10k.sh
#
# K9S: k9s v0.50.16, built once outside the repo with
#   GOBIN=~/.cache/fleetdeck-bench go install github.com/derailed/k9s@v0.50.16
#
# The pods name their node (spec.nodeName), so they skip the scheduler and
# overfill the three kwok nodes (110 pods each): while they exist, other pods
# on that cluster stay Pending. Run it when no test suite shares the lab.
set -euo pipefail
cd "$(dirname "$0")/.."

deployments=${DEPLOYMENTS:-100}
replicas=${REPLICAS:-100}
cluster=lab-${CLUSTER:-c}
runs=${RUNS:-10}
fleetdeck=$(realpath "${FLEETDECK:-target/release/fleetdeck}")
say() { echo "lab_10k: [$(date +%T)] $*" >&2; }

tests/lab/up 3 >/dev/null
eval "$(tests/lab/env)"
kubectl=$(command -v kubectl)
# NS=perf-… reuses a namespace a KEEP=1 run left behind (its pods already
# running) and leaves it too; KEEP=1 leaves a new one for the next run.
ns=${NS:-perf-$$-$(date +%s)}
tmp=$(mktemp -d)
cleanup() {
  [ -n "${KEEP:-}" ] && say "kept $ns: NS=$ns reuses it; delete it with kubectl --context $cluster-admin delete namespace $ns"
  [ -n "${KEEP:-}${NS:-}" ] || kubectl --context "$cluster-admin" delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

say "creating $deployments Deployments × $replicas replicas in $cluster/$ns"
[ -n "${NS:-}" ] || python3 - "$ns" "$deployments" "$replicas" "$cluster" <<'EOF' | kubectl --context "$cluster-admin" apply -f - >/dev/null
import json, sys
ns, n, replicas, cluster = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}]
for i in range(n):
    name = "svc-%03d" % i
    items.append({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"nodeName": "%s-node-%d" % (cluster, i % 3 + 1),
                    "containers": [{"name": "app", "image": "registry.example.com/perf/%s:1.0" % name,
                        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}})
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
EOF

want=$((deployments * replicas))
for _ in $(seq 360); do
  running=$(kubectl --context "$cluster-admin" get pods -n "$ns" --field-selector=status.phase=Running -o name | wc -l)
  [ "$running" -ge "$want" ] && break
  say "$running/$want pods running"
  sleep 10
done
[ "$running" -ge "$want" ] || { say "only $running/$want pods running after 1 h"; exit 1; }
say "$running pods running; $(kubectl --context "$cluster" get pods -A -o name | wc -l) in the cluster"

# The same LIST by curl, in JSON and in protobuf (what fleetdeck asks for):
# the floor without kubectl's start-up, in both encodings.
python3 - "$KUBECONFIG" "$cluster" "$tmp" <<'EOF'
import base64, json, sys
k = json.load(open(sys.argv[1]))  # the lab writes its kubeconfig as JSON
name, tmp = sys.argv[2], sys.argv[3]
user = next(u for u in k["users"] if u["name"] == name)["user"]
cl = next(c for c in k["clusters"] if c["name"] == name)["cluster"]
for f, v in (("cert", user["client-certificate-data"]), ("key", user["client-key-data"]),
             ("ca", cl["certificate-authority-data"])):
    open(f"{tmp}/{f}", "wb").write(base64.b64decode(v))
open(f"{tmp}/server", "w").write(cl["server"])
EOF
curl_list="curl -sf --cacert $tmp/ca --cert $tmp/cert --key $tmp/key -o /dev/null $(cat "$tmp/server")/api/v1/pods"

say "time to a complete fleet row vs kubectl and the raw LIST, the floor (hyperfine, $runs runs each)"
hyperfine -N -w 1 -r "$runs" \
  "$fleetdeck snapshot --json --context $cluster --kubeconfig $KUBECONFIG" \
  "$kubectl --kubeconfig $KUBECONFIG --context $cluster get --raw /api/v1/pods" \
  "$curl_list -H Accept:application/json" \
  "$curl_list -H Accept:application/vnd.kubernetes.protobuf" \
  "$kubectl --kubeconfig $KUBECONFIG --context $cluster get pods -A -o json"

say "max RSS"
for cmd in "$fleetdeck snapshot --json --context $cluster --kubeconfig $KUBECONFIG" \
           "$kubectl --kubeconfig $KUBECONFIG --context $cluster get pods -A -o json"; do
  # shellcheck disable=SC2086 # the command is split on purpose
  /usr/bin/time -f "%M KiB max RSS, %e s: ${cmd%% *}" $cmd >/dev/null
done

all=$(kubectl --context "$cluster" get pods -A -o name | wc -l)
say "time until the screen counts all $all pods, then resident memory"
say "fleetdeck TUI (its header: pods N run)"
PATTERN='pods ([0-9]+) run' MIN=$all benches/tui_until.sh -- \
  "$fleetdeck" --kubeconfig "$KUBECONFIG" --context "$cluster"
if [ -n "${K9S:-}" ]; then
  say "k9s ($K9S; built from v0.50.16 by go install, so it says version dev) — its pod list title: Pods(all)[N]"
  k9sdir="$tmp/k9s"
  mkdir -p "$k9sdir"
  PATTERN='[Pp]ods\(all\)\[([0-9,]+)\]' MIN=$all benches/tui_until.sh -- \
    env XDG_CONFIG_HOME="$k9sdir" XDG_STATE_HOME="$k9sdir" XDG_DATA_HOME="$k9sdir" \
    "$K9S" --kubeconfig "$KUBECONFIG" --context "$cluster" -A -c pods --readonly --logoless
fi
say "fleetdeck TUI on $cluster, idle"
SETTLE=20 WINDOW=10 SCREEN_LINES=0 benches/tui_idle.sh -- "$fleetdeck" --kubeconfig "$KUBECONFIG" --context "$cluster"
if [ -n "${KDASH:-}" ]; then
  # kdash shows the kubeconfig's current context.
  cp "$KUBECONFIG" "$tmp/kubeconfig"
  kubectl --kubeconfig "$tmp/kubeconfig" config use-context "$cluster" >/dev/null
  say "kdash on $cluster"
  SETTLE=20 WINDOW=10 SCREEN_LINES=0 benches/tui_idle.sh -- env KUBECONFIG="$tmp/kubeconfig" "$KDASH"
fi
[ -n "${KEEP:-}${NS:-}" ] || say "deleting $ns"
