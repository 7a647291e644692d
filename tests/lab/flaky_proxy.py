#!/usr/bin/env python3
"""A TCP proxy in front of an API server whose link fails for DOWN seconds
of every PERIOD: while down it refuses new connections (accepts and closes
them) and cuts the ones open. Python stdlib only.

    flaky_proxy.py UPSTREAM_HOST UPSTREAM_PORT PERIOD DOWN

Listens on 127.0.0.1 (a free port, printed on stdout). The first PERIOD-DOWN
seconds are up.
"""
import socket
import sys
import threading

from proxy_pipe import pipe
import time

host, port, period, down = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
start = time.monotonic()
open_conns = set()
lock = threading.Lock()


def is_down():
    return (time.monotonic() - start) % period >= period - down


def cutter():
    was = False
    while True:
        now = is_down()
        if now and not was:
            with lock:
                for s in list(open_conns):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                open_conns.clear()
        was = now
        time.sleep(0.1)


def serve(conn):
    if is_down():
        conn.close()
        return
    try:
        up = socket.create_connection((host, port))
    except OSError:
        conn.close()
        return
    with lock:
        open_conns.update((conn, up))
    threading.Thread(target=pipe, args=(conn, up), daemon=True).start()
    pipe(up, conn)


def main():
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", 0))
    lst.listen(64)
    print(lst.getsockname()[1], flush=True)
    threading.Thread(target=cutter, daemon=True).start()
    while True:
        c, _ = lst.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


main()
