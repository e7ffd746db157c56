#!/usr/bin/python3
"""An HTTP server that keeps what it is POSTed: the receiving end of
amr-notify's webhook tests (test_notify_deliver.c).

    hook-catcher.py --port N --dir D [--fail-first K]

Listens on 127.0.0.1:N and stores the n-th POST (n = 1, 2, ...) as D/<n>.body,
the body byte for byte, and D/<n>.json, {"path": ..., "headers": {name in
lower case: value}}, written aside and renamed, the .json last, so a test
that sees the .json can read both. The first K POSTs are answered
503 (a receiver that is down for a while), and stored all the same; the
rest 200. Prints "ready" once it listens; runs until killed.
"""
import argparse
import http.server
import json
import os
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--fail-first", type=int, default=0)
    a = ap.parse_args()
    seen = [0]

    def store(name, data):
        tmp = os.path.join(a.dir, "." + name)
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(a.dir, name))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            seen[0] += 1
            k = seen[0]
            store("%d.body" % k, body)
            head = {key.lower(): v for key, v in self.headers.items()}
            store("%d.json" % k, json.dumps({"path": self.path, "headers": head}).encode())
            code = 503 if k <= a.fail_first else 200
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"busy\n" if code == 503 else b"ok\n")

        def log_message(self, fmt, *args):
            sys.stderr.write("hook-catcher: " + fmt % args + "\n")

    srv = http.server.HTTPServer(("127.0.0.1", a.port), Handler)
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
