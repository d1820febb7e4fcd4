"""A webhook receiver for the API tests (server/tests/api/webhooks*.rs): the outside judge.

Every POST's signature is checked with the `standardwebhooks` package from PyPI (the
Standard Webhooks reference library), not with the server's own code. Each request is
appended to --log as one JSON line: its webhook-id, whether it verified (and why not), its
event type and data, and the status answered. --secret is the endpoint's `whsec_…`;
--fail-first N answers the first N requests 500; --status the answer after that; --delay-ms
waits before answering. Each record says how many requests were in progress at its arrival
(itself included), so a test sees two deliveries at once. Prints "ready <port>" once it listens; stops at SIGTERM or when its
standard input closes.
"""
import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--port", type=int, required=True)
    args.add_argument("--secret", required=True)
    args.add_argument("--log", required=True)
    args.add_argument("--status", type=int, default=200)
    args.add_argument("--fail-first", type=int, default=0)
    args.add_argument("--delay-ms", type=int, default=0)
    args.add_argument("--answer", default="thanks")
    a = args.parse_args()
    judge = Webhook(a.secret)
    lock = threading.Lock()
    state = {"failing": a.fail_first, "inflight": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            with lock:
                state["inflight"] += 1
                inflight = state["inflight"]
            try:
                self.answer(inflight)
            finally:
                with lock:
                    state["inflight"] -= 1

        def answer(self, inflight):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k: v for k, v in self.headers.items()}
            record = {"id": headers.get("webhook-id") or headers.get("Webhook-Id"), "path": self.path,
                      "inflight": inflight}
            try:
                payload = judge.verify(body, headers)
                record.update(verified=True, type=payload.get("type"), data=payload.get("data"),
                              timestamp=payload.get("timestamp"))
            except (WebhookVerificationError, ValueError) as e:
                record.update(verified=False, error=str(e))
            record["signatures"] = len((self.headers.get("webhook-signature") or "").split())
            if a.delay_ms:
                time.sleep(a.delay_ms / 1000)
            with lock:
                if not record["verified"]:
                    status = 401
                elif state["failing"] > 0:
                    state["failing"] -= 1
                    status = 500
                else:
                    status = a.status
                record["status"] = status
                with open(a.log, "a") as f:
                    f.write(json.dumps(record) + "\n")
            answer = (a.answer if status < 300 else "receiver says no").encode()
            self.send_response(status)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"ready {a.port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
