#!/usr/bin/env python3
"""Attacks of scripts/attack.sh that hold sockets open; prints one line of what happened.

    sockets.py idle BASE N ADDRESSES SECONDS
        N connections spread over ADDRESSES local addresses (127.0.1.x), sending nothing,
        held for SECONDS: how many the server took, refused at once, and closed later.
    sockets.py stall BASE N COOKIE PATH SECONDS
        N downloads of PATH that read nothing past the headers (tiny receive buffers),
        held for SECONDS: their statuses, and how many the server closed meanwhile.
"""
import select
import socket
import sys
import time
from urllib.parse import urlparse


def connect(host, port, source, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((source, 0))
    s.settimeout(5)
    s.connect((host, port))
    return s


def closed(s):
    """Whether the server closed `s` (readable with nothing, or reset)."""
    try:
        readable, _, _ = select.select([s], [], [], 0)
        if not readable:
            return False
        return s.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def idle(base, n, addresses, seconds):
    url = urlparse(base)
    sockets, failed = [], 0
    for i in range(n):
        try:
            sockets.append(connect(url.hostname, url.port, f"127.0.1.{1 + i % addresses}"))
        except OSError:
            failed += 1
    time.sleep(0.5)
    refused = sum(1 for s in sockets if closed(s))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.5)
    closed_later = sum(1 for s in sockets if closed(s)) - refused
    print(f"{n} idle connections from {addresses} addresses: {refused} refused at once, "
          f"{closed_later} closed later by the server, {len(sockets) - refused - closed_later} still open after {seconds:.0f} s"
          + (f", {failed} could not connect" if failed else ""))


def stall(base, n, cookie, path, seconds):
    url = urlparse(base)
    statuses, sockets = {}, []
    for _ in range(n):
        s = connect(url.hostname, url.port, "127.0.0.1", rcvbuf=4096)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: attack\r\nCookie: {cookie}\r\n\r\n".encode())
        head = b""
        while b"\r\n" not in head:
            chunk = s.recv(1)
            if not chunk:
                break
            head += chunk
        status = head.split(b" ")[1].decode() if head.count(b" ") else "closed"
        statuses[status] = statuses.get(status, 0) + 1
        sockets.append(s)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.5)
    closed_by_server = sum(1 for s in sockets if closed(s))
    answers = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    print(f"{n} downloads that read nothing ({answers}); {closed_by_server} closed by the server within {seconds:.0f} s")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "idle":
        idle(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        stall(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], float(sys.argv[6]))
