#!/usr/bin/env bash
# Time until a terminal UI shows a count: runs the command in a detached
# 200x60 tmux pane, polls the screen every 0.1 s for PATTERN (an extended
# regex whose first number is the count) until that number reaches MIN, then
# waits SETTLE seconds and reads the process's resident memory.
#
#   PATTERN='pods ([0-9]+) run' MIN=10000 benches/tui_until.sh -- target/release/fleetdeck --context lab-c
#   PATTERN='[Pp]ods\(all\)\[([0-9,]+)\]' MIN=10000 benches/tui_until.sh -- k9s -A -c pods
set -euo pipefail

pattern=${PATTERN:?PATTERN: a regex whose first number is the count}
min=${MIN:?MIN: the count to wait for}
timeout=${TIMEOUT:-120}
settle=${SETTLE:-20}
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 -- COMMAND [ARGS...]" >&2; exit 2; }
cmd=$(printf '%q ' "$@")
export LANG=C.UTF-8
session=tui-until-$$
trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT

start=$(date +%s%N)
tmux -u new-session -d -s "$session" -x 200 -y 60 "exec $cmd"
pid=$(tmux display-message -p -t "$session" '#{pane_pid}')
seen=""
while :; do
  now=$(date +%s%N)
  if [ $(((now - start) / 1000000000)) -ge "$timeout" ]; then
    echo "no count ≥ $min after ${timeout}s; pane:" >&2
    tmux capture-pane -p -t "$session" >&2
    exit 1
  fi
  # The largest count on screen (a fleet row per cluster; one title for k9s).
  # k9s groups thousands with commas (pods(all)[10,007]).
  n=$(tmux capture-pane -p -t "$session" | grep -oE "$pattern" | tr -d , | grep -oE '[0-9]+' | head -1 || true)
  if [ -n "$n" ] && [ "$n" -ge "$min" ]; then
    seen=$n
    break
  fi
  sleep 0.1
done
awk -v ns="$((now - start))" -v n="$seen" 'BEGIN { printf "shows %d after %.2f s\n", n, ns / 1e9 }'
sleep "$settle"
[ -d "/proc/$pid" ] || { echo "process $pid exited" >&2; exit 1; }
field() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$pid/status"; }
echo "after ${settle} s more: VmRSS $(($(field VmRSS) / 1024)) MiB (peak VmHWM $(($(field VmHWM) / 1024)) MiB)"
