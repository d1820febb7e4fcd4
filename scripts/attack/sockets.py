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
    # Blocking again, so that a MSG_DONTWAIT peek tells "nothing yet" from "closed".
    s.settimeout(None)
    return s


def state(s):
    """What the server did with `s`: "refused" (answered 503 at once, unread), "closed"
    (closed it without an answer: a timeout), or "open"."""
    try:
        return "refused" if s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) else "closed"
    except BlockingIOError:
        return "open"
    except OSError:
        return "closed"


def idle(base, n, addresses, seconds):
    url = urlparse(base)
    sockets, failed = [], 0
    started = time.monotonic()
    for i in range(n):
        try:
            sockets.append(connect(url.hostname, url.port, f"127.0.1.{1 + i % addresses}"))
        except OSError:
            failed += 1
    time.sleep(max(0, seconds - (time.monotonic() - started)))
    states = [state(s) for s in sockets]
    print(f"{n} idle from {addresses} addr: {states.count('refused')} refused (503), "
          f"{states.count('closed')} closed by timeouts, {states.count('open')} open at {seconds:.0f} s"
          + (f", {failed} not connected" if failed else ""))


def stall(base, n, cookie, path, seconds):
    url = urlparse(base)
    statuses, sockets, codes = {}, [], []
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
        codes.append(status)
        sockets.append(s)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.5)
    def cut_off(s):
        # Read what reached the socket: a download the server gave up on ends without the
        # chunked body's last chunk.
        s.settimeout(10)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk[-16:]
                data = data[-16:]
        except OSError:
            return True
        return not data.endswith(b"0\r\n\r\n")
    downloads = [s for s, status in zip(sockets, codes) if status == "200"]
    closed_by_server = sum(1 for s in downloads if cut_off(s))
    answers = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    print(f"{n} stalled downloads ({answers}); {closed_by_server} of {len(downloads)} cut off by {seconds:.0f} s")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "idle":
        idle(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        stall(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], float(sys.argv[6]))
