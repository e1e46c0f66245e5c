#!/usr/bin/env python3
"""A user-space fault-injecting TCP proxy for the network-sync tests.

The kernel's netem qdisc is not available on the test machines, so flaky
links are made here, on loopback only: every connection to --listen is
forwarded to --upstream, and the link between them

  * is cut (both sides closed, or reset with --reset) after a random number
    of bytes, about --cut-every on average (uniform between half and one and
    a half times it), counted in both directions;
  * stalls (holds every byte for --stall-secs) at a random point of a
    connection with probability --stall-prob;
  * is throttled to --rate bytes a second (one bucket for all connections:
    it is one link).

Counts (bytes each way - up_in: what the client sent, up: what reached the
upstream - connections, cuts, stalls) are written as JSON to
--stats every half second and at the end. SIGTERM or SIGINT ends it.
Python 3 standard library only.
"""
import argparse
import json
import os
import random
import signal
import socket
import sys
import threading
import time


class Bucket:
    """One token bucket for the whole link (rate bytes/s, 0 = unlimited)."""

    def __init__(self, rate):
        self.rate = rate
        self.tokens = 0.0
        self.last = time.monotonic()
        self.lock = threading.Lock()

    def take(self, n):
        """Waits until the link may carry n more bytes (a debt is paid later)."""
        if self.rate <= 0:
            return
        burst = max(self.rate * 0.1, 4096)
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(burst, self.tokens + (now - self.last) * self.rate)
                self.last = now
                if self.tokens >= 0:
                    self.tokens -= n
                    return
                wait = -self.tokens / self.rate
            time.sleep(min(wait, 0.05))


class Proxy:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.rlock = threading.Lock()
        self.bucket = Bucket(a.rate)
        self.stats = {"up": 0, "up_in": 0, "down": 0, "conns": 0, "cuts": 0, "stalls": 0}
        self.slock = threading.Lock()
        self.stop = False
        host, port = a.upstream.rsplit(":", 1)
        self.upstream = (host, int(port))

    def rand(self, f):
        with self.rlock:
            return f(self.rng)

    def count(self, key, n=1):
        with self.slock:
            self.stats[key] += n

    def write_stats(self):
        if not self.a.stats:
            return
        with self.slock:
            s = dict(self.stats)
        tmp = self.a.stats + ".tmp"
        with open(tmp, "w") as f:
            json.dump(s, f)
        os.replace(tmp, self.a.stats)

    def serve(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        host, port = self.a.listen.rsplit(":", 1)
        if host not in ("127.0.0.1", "localhost"):
            sys.exit("faultproxy: loopback only")
        ls.bind((host, int(port)))
        ls.listen(128)
        ls.settimeout(0.5)
        if self.a.port_file:
            with open(self.a.port_file + ".tmp", "w") as f:
                f.write("%d\n" % ls.getsockname()[1])
            os.replace(self.a.port_file + ".tmp", self.a.port_file)
        last = 0.0
        while not self.stop:
            try:
                c, _ = ls.accept()
            except socket.timeout:
                c = None
            if time.monotonic() - last > 0.5:
                self.write_stats()
                last = time.monotonic()
            if c is None:
                continue
            threading.Thread(target=self.conn, args=(c,), daemon=True).start()
        ls.close()
        self.write_stats()

    def conn(self, c):
        try:
            u = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            c.close()
            return
        u.settimeout(None)
        for s in (c, u):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.count("conns")
        a = self.a
        st = {"budget": None, "closed": False, "stall_at": None, "lock": threading.Lock()}
        if a.cut_every > 0:
            st["budget"] = self.rand(lambda r: int(a.cut_every * r.uniform(0.5, 1.5)))
        if a.stall_prob > 0 and self.rand(lambda r: r.random()) < a.stall_prob:
            st["stall_at"] = self.rand(lambda r: int(r.uniform(0, max(a.cut_every, 65536))))
        st["seen"] = 0
        for src, dst, key in ((c, u, "up"), (u, c, "down")):
            threading.Thread(target=self.pump, args=(src, dst, key, st, c, u),
                             daemon=True).start()

    def close(self, st, c, u, cut):
        with st["lock"]:
            if st["closed"]:
                return
            st["closed"] = True
        if cut:
            self.count("cuts")
        for s in (c, u):
            try:
                if cut and self.a.reset:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def pump(self, src, dst, key, st, c, u):
        while not st["closed"]:
            try:
                data = src.recv(4096)
            except OSError:
                data = b""
            if not data:
                self.close(st, c, u, False)
                return
            if key == "up":
                self.count("up_in", len(data))
            with st["lock"]:
                st["seen"] += len(data)
                stall = st["stall_at"] is not None and st["seen"] >= st["stall_at"]
                if stall:
                    st["stall_at"] = None
                cut = False
                if st["budget"] is not None:
                    if len(data) >= st["budget"]:
                        data = data[:st["budget"]]
                        cut = True
                    st["budget"] -= len(data)
            if stall:
                self.count("stalls")
                time.sleep(self.a.stall_secs)
            self.bucket.take(len(data))
            try:
                if data:
                    dst.sendall(data)
                    self.count(key, len(data))
            except OSError:
                self.close(st, c, u, False)
                return
            if cut:
                self.close(st, c, u, True)
                return


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--upstream", required=True)
    p.add_argument("--port-file")
    p.add_argument("--stats")
    p.add_argument("--cut-every", type=int, default=0, help="mean bytes between cuts (0: never)")
    p.add_argument("--reset", action="store_true", help="cut with a TCP reset")
    p.add_argument("--stall-prob", type=float, default=0.0)
    p.add_argument("--stall-secs", type=float, default=0.0)
    p.add_argument("--rate", type=float, default=0, help="bytes per second (0: unlimited)")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    up_host = a.upstream.rsplit(":", 1)[0]
    if up_host not in ("127.0.0.1", "localhost"):
        sys.exit("faultproxy: loopback only")
    px = Proxy(a)

    def stop(*_):
        px.stop = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    px.serve()


if __name__ == "__main__":
    main()
