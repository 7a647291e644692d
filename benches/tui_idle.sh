#!/usr/bin/env bash
# Resident memory and idle CPU of a terminal UI: runs the command in a
# detached 200x60 tmux pane, waits SETTLE seconds, reads VmRSS/VmHWM of the
# process, then samples utime+stime from /proc/<pid>/stat over WINDOW seconds.
#
#   benches/tui_idle.sh -- target/release/fleetdeck --kubeconfig K --context 'lab-?'
#   SETTLE=20 WINDOW=30 SCREEN_LINES=0 benches/tui_idle.sh -- /tmp/kdash/bin/kdash
set -euo pipefail

settle=${SETTLE:-20}
window=${WINDOW:-30}
lines=${SCREEN_LINES:-12}
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 -- COMMAND [ARGS...]" >&2; exit 2; }
cmd=$(printf '%q ' "$@")
export LANG=C.UTF-8
session=tui-idle-$$
trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT

tmux -u new-session -d -s "$session" -x 200 -y 60 "exec $cmd"
pid=$(tmux display-message -p -t "$session" '#{pane_pid}')
sleep "$settle"
[ -d "/proc/$pid" ] || { echo "process $pid exited; pane:" >&2; tmux capture-pane -p -t "$session" >&2; exit 1; }

field() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$pid/status"; }
# Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name).
ticks() { sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'; }
hz=$(getconf CLK_TCK)

rss=$(field VmRSS)
threads=$(field Threads)
t0=$(ticks)
s0=$(date +%s%N)
sleep "$window"
t1=$(ticks)
s1=$(date +%s%N)
hwm=$(field VmHWM)

echo "pid $pid, $threads threads, after ${settle}s: VmRSS $((rss / 1024)) MiB (peak VmHWM $((hwm / 1024)) MiB)"
awk -v t="$((t1 - t0))" -v hz="$hz" -v ns="$((s1 - s0))" \
  'BEGIN { s = ns / 1e9; printf "CPU over %.1f s: %d ticks (1/%d s) = %.2f%% of one core\n", s, t, hz, 100 * t / hz / s }'
if [ "$lines" -gt 0 ]; then
  echo "--- screen ---"
  tmux capture-pane -p -t "$session" | sed -n "1,${lines}p"
fi
