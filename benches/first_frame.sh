#!/usr/bin/env bash
# Time from process start to the first frame: runs the command on a 200x60
# pseudo-terminal, RUNS times, and prints each run and the median in ms. The
# clock starts just before fork/exec and stops when MARKER (default: the
# header's " fleetdeck ") has been written to the terminal, so it includes
# exec, dynamic loading, reading the kubeconfig and the first draw, not the
# terminal emulator's paint.
#
#   benches/first_frame.sh -- target/release/fleetdeck --kubeconfig K --context 'lab-?'
#
# (Polling `tmux capture-pane` instead was tried: on this 2-core machine one
# capture takes ~15 ms and a pane that just echoes the marker already reads
# 30–80 ms, more than what is measured here. benches/tui_idle.sh uses tmux.)
set -euo pipefail
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 -- COMMAND [ARGS...]" >&2; exit 2; }

exec python3 - "$@" <<'EOF'
import fcntl, os, pty, select, signal, statistics, struct, sys, termios, time

marker = os.environ.get("MARKER", " fleetdeck ").encode()
runs = int(os.environ.get("RUNS", "10"))
timeout = float(os.environ.get("TIMEOUT", "10"))
argv = sys.argv[1:]

def once():
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 200, 0, 0))
        os.environ.setdefault("TERM", "xterm-256color")
        os.execvp(argv[0], argv)
    seen, elapsed = b"", None
    while time.monotonic() - t0 < timeout:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if marker in seen:
            elapsed = (time.monotonic() - t0) * 1000
            break
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
    os.close(fd)
    if elapsed is None:
        sys.exit("no %r within %ss; output: %r" % (marker, timeout, seen[-300:]))
    return elapsed

times = []
for i in range(runs):
    ms = once()
    times.append(ms)
    print("run %d: %.1f ms" % (i + 1, ms))
    time.sleep(0.2)
print("first frame: median %.1f ms over %d runs (min %.1f, max %.1f)"
      % (statistics.median(times), runs, min(times), max(times)))
EOF
