#!/usr/bin/env python3
"""A TLS-terminating proxy in front of an API server, offering one classical
ECDH group only (tests of require_post_quantum; Python stdlib only).

    tls_proxy.py CERT KEY UPSTREAM_HOST UPSTREAM_PORT GROUP STATE_FILE

Listens on 127.0.0.1 (a free port, printed on stdout), presents CERT/KEY,
and pipes each connection's plaintext to a TLS connection to the upstream
(unverified: the lab's own server). STATE_FILE gets, after every change, a
JSON object: handshakes completed, handshakes failed, and bytes of
application data received from clients (0 means nothing was sent).
"""
import json
import os
import socket
import ssl
import sys
import threading

from proxy_pipe import pipe

cert, key, up_host, up_port, group, state_file = sys.argv[1:7]
up_port = int(up_port)
state = {"handshakes": 0, "failed": 0, "bytes_from_clients": 0}
lock = threading.Lock()


def bump(k, n=1):
    with lock:
        state[k] += n
        with open(state_file + ".tmp", "w") as f:
            json.dump(state, f)
        os.replace(state_file + ".tmp", state_file)


server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx.load_cert_chain(cert, key)
# One classical group for every TLS version: no ML-KEM hybrid to agree on.
server_ctx.set_ecdh_curve(group)
client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
client_ctx.check_hostname = False
client_ctx.verify_mode = ssl.CERT_NONE


def serve(raw):
    try:
        conn = server_ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError):
        bump("failed")
        raw.close()
        return
    bump("handshakes")
    try:
        up = client_ctx.wrap_socket(socket.create_connection((up_host, up_port)))
    except OSError:
        conn.close()
        return
    threading.Thread(
        target=pipe, args=(conn, up, lambda n: bump("bytes_from_clients", n)), daemon=True
    ).start()
    pipe(up, conn)


def main():
    bump("handshakes", 0)
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", 0))
    lst.listen(64)
    print(lst.getsockname()[1], flush=True)
    while True:
        raw, _ = lst.accept()
        threading.Thread(target=serve, args=(raw,), daemon=True).start()


main()
