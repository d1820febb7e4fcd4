"""A real SMTP receiver for the outbox tests (server/tests/api/emails.rs), on aiosmtpd.

Writes each accepted message to DIR/<n>.eml. --reject N answers the first N messages with
--code (451: try again later; 550: refused for good) before accepting any. --delay-ms
holds each message that long before answering (a slow mail server). Prints
"ready <port>" once it listens; stops at SIGTERM or when its standard input closes.
"""
import argparse
import asyncio
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, folder, reject, code, delay):
        self.folder, self.reject, self.code, self.delay = folder, reject, code, delay
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        if self.reject > 0:
            self.reject -= 1
            return f"{self.code} {'try again later' if self.code < 500 else 'mailbox unavailable'}"
        self.count += 1
        part = os.path.join(self.folder, f".{self.count}.part")
        with open(part, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(part, os.path.join(self.folder, f"{self.count}.eml"))
        return "250 OK"


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--port", type=int, required=True)
    args.add_argument("--dir", required=True)
    args.add_argument("--reject", type=int, default=0)
    args.add_argument("--code", type=int, default=451)
    args.add_argument("--delay-ms", type=int, default=0)
    a = args.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    controller = Controller(Handler(a.dir, a.reject, a.code, a.delay_ms / 1000), hostname="127.0.0.1", port=a.port)
    controller.start()
    print(f"ready {a.port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), sys.exit(0)))
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
