#!/usr/bin/env python3
"""Drives a running fault-proxy with the unmodified Toxiproxy Python client (pip install toxiproxy-python).

Usage: scripts/toxiproxy-client-check.py [--api 127.0.0.1:8474]

Starts a small echo server as the upstream, then through the client: creates a proxy, adds a latency toxic, checks
that traffic through the proxy is delayed, lists proxies and toxics, disables/enables, removes the toxic and deletes
the proxy. Exits non-zero on the first mismatch. Not part of CI (it needs PyPI).
"""
import argparse
import socket
import socketserver
import sys
import threading
import time

from toxiproxy import Toxiproxy


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)


def round_trip(port, payload=b"ping"):
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(payload)
        received = b""
        while len(received) < len(payload):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return received, time.monotonic() - start


def check(condition, message):
    print(("ok    " if condition else "FAIL  ") + message)
    if not condition:
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", default="127.0.0.1:8474")
    args = parser.parse_args()
    host, port = args.api.rsplit(":", 1)

    echo = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    echo.daemon_threads = True
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    upstream = "127.0.0.1:%d" % echo.server_address[1]

    server = Toxiproxy()
    server.update_api_consumer(host, int(port))
    check(server.running(), "server is running at %s" % args.api)
    print("      version: %s" % server.version())

    proxy = server.create(upstream=upstream, name="client_check")
    listen_port = int(proxy.listen.rsplit(":", 1)[1])
    check(listen_port > 0, "create: proxy listens on %s" % proxy.listen)
    check(round_trip(listen_port)[0] == b"ping", "traffic passes through the proxy")

    proxy.add_toxic(type="latency", attributes={"latency": 200, "jitter": 0})
    toxics = proxy.toxics()
    check("latency_downstream" in toxics, "add_toxic + toxics(): %s" % sorted(toxics))
    check(toxics["latency_downstream"].attributes.get("latency") == 200, "toxic attributes read back")
    data, elapsed = round_trip(listen_port)
    check(data == b"ping" and elapsed >= 0.2, "latency toxic delays traffic (%.0f ms)" % (elapsed * 1000))

    proxies = server.proxies()
    check("client_check" in proxies, "proxies(): %s" % sorted(proxies))

    with proxy.down():
        try:
            round_trip(listen_port)
            refused = False
        except OSError:
            refused = True
        check(refused, "down(): connections refused while disabled")
    check(round_trip(listen_port)[0] == b"ping", "enabled again on the same port")

    proxy.destroy_toxic("latency_downstream")
    check(proxy.get_toxic("latency_downstream") is None, "destroy_toxic()")
    data, elapsed = round_trip(listen_port)
    check(elapsed < 0.2, "no delay after the toxic is gone (%.0f ms)" % (elapsed * 1000))

    check(server.reset(), "reset()")
    server.destroy(proxy)
    check(server.get_proxy("client_check") is None, "destroy(): proxy deleted")
    echo.shutdown()
    print("toxiproxy-python works against this server")


if __name__ == "__main__":
    main()
