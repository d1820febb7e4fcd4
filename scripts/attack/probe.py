#!/usr/bin/env python3
"""The honest side of scripts/attack.sh: for SECONDS, from the local address SOURCE, clicks
the tracking link (expects 302) and asks who is signed in (expects 200), each on a new
connection, about 40 times a second in all; prints one JSON line with the p50 and p99 of
each in milliseconds and the calls that failed (another status, or no answer in 5 s).

    probe.py BASE CODE COOKIE SECONDS [SOURCE]
"""
import http.client
import json
import sys
import time
from urllib.parse import urlparse


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p / 100))], 2)


def call(host, port, source, path, headers, expected):
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection(host, port, timeout=5, source_address=(source, 0))
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        ok = response.status == expected
    except OSError:
        ok = False
    return (time.perf_counter() - started) * 1000, ok


def main():
    base, code, cookie, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    source = sys.argv[5] if len(sys.argv) > 5 else "127.0.0.2"
    url = urlparse(base)
    results = {"redirect": ([], 0), "session": ([], 0)}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, path, headers, expected in (
            ("redirect", f"/t/{code}", {}, 302),
            ("session", "/api/session", {"Cookie": cookie}, 200),
        ):
            ms, ok = call(url.hostname, url.port, source, path, headers, expected)
            times, failed = results[name]
            times.append(ms)
            results[name] = (times, failed + (0 if ok else 1))
        time.sleep(0.05)
    out = {}
    for name, (times, failed) in results.items():
        out[name] = {"n": len(times), "p50": percentile(times, 50), "p99": percentile(times, 99), "failed": failed}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
