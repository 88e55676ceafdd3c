"""The quickstart's demo service: a small orders API in front of PostgreSQL.

GET  /orders        the latest orders, read from PostgreSQL (500 while the failure switch is on)
GET  /health/live   200 while the process runs
GET  /health/ready  200 when the failure switch is off and PostgreSQL answers a query; else 503 and why
GET  /metrics       Prometheus text: requests and errors by path and status
POST /admin/fail    turns the failure switch on (every /orders and /health/ready fails from then on)
POST /admin/recover turns it off

The switch lives in this process's memory on purpose: it stands for a bad release, so replacing the
container (a rollback to the previous image) is what clears it, as it would be in production.
Only the Python standard library and the psql client are used, because the image is assembled from the
machine's own Debian packages (no image registry is reachable here); see samples/README.md.
"""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LISTEN = os.environ.get("DEMO_LISTEN", "127.0.0.1")
PORT = int(os.environ.get("DEMO_HTTP_PORT", "18080"))
RELEASE = os.environ.get("DEMO_RELEASE") or open("/app/RELEASE", encoding="utf-8").read().strip()
PG = {
    "PGHOST": os.environ.get("DEMO_PG_HOST", "127.0.0.1"),
    "PGPORT": os.environ.get("DEMO_PG_PORT", "15432"),
    "PGUSER": "demo",
    "PGDATABASE": "demo",
    "PGCONNECT_TIMEOUT": "2",
}

lock = threading.Lock()
failing = False
requests = {}  # (path, status) -> count


def query(sql):
    """Runs one statement through psql; returns its rows as lists of strings, or raises with psql's reason."""
    env = dict(os.environ, **PG)
    done = subprocess.run(["/app/pg", "psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          env=env, capture_output=True, text=True, timeout=5)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or "psql exited %d" % done.returncode)
    return [line.split("\t") for line in done.stdout.splitlines() if line]


def counters():
    """Requests and 5xx answers so far, leaving out Docker's health probes (they are not traffic)."""
    with lock:
        snapshot = list(requests.items())
    served = [(path, status, n) for (path, status), n in snapshot]
    return {"requests": sum(n for _, _, n in served), "errors": sum(n for _, s, n in served if s >= 500)}


class Handler(BaseHTTPRequestHandler):
    server_version = "demo-orders/" + RELEASE

    def reply(self, status, body, content_type="application/json"):
        data = (body if isinstance(body, str) else json.dumps(body)) + "\n"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data.encode())))
        self.end_headers()
        self.wfile.write(data.encode())
        if "probe=docker" in self.path:
            return  # Docker's own health probe, once a second: neither traffic to count nor a line worth logging
        path = self.path.split("?")[0]
        with lock:
            requests[(path, status)] = requests.get((path, status), 0) + 1
        # One line per request on stdout: what `service.logs` gathers.
        print("%s %s %d release=%s%s" % (self.command, path, status, RELEASE,
              (" error=" + body.get("error", "")) if isinstance(body, dict) and status >= 500 else ""), flush=True)

    def log_message(self, *args):
        pass  # reply() logs one line per request instead of http.server's stderr lines

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/health/live":
            self.reply(200, {"status": "live", "release": RELEASE})
        elif path == "/health/ready":
            # The counters ride along (as of before this request), so one check tells a playbook both whether
            # the service is ready and how many requests have failed.
            traffic = counters()
            if failing:
                self.reply(503, dict(traffic, status="not ready", release=RELEASE, error="failure switch is on"))
                return
            try:
                count = int(query("SELECT count(*) FROM orders")[0][0])
            except Exception as e:  # any psql failure means "not ready", with psql's reason
                self.reply(503, dict(traffic, status="not ready", release=RELEASE, error="postgresql: " + str(e)))
                return
            self.reply(200, dict(traffic, status="ready", release=RELEASE, orders=count))
        elif path == "/orders":
            if failing:
                self.reply(500, {"error": "failure switch is on"})
                return
            try:
                rows = query("SELECT id, item, quantity FROM orders ORDER BY id DESC LIMIT 10")
            except Exception as e:
                self.reply(500, {"error": "postgresql: " + str(e)})
                return
            self.reply(200, [{"id": int(r[0]), "item": r[1], "quantity": int(r[2])} for r in rows])
        elif path == "/metrics":
            with lock:
                snapshot = sorted(requests.items())
            lines = ["# HELP demo_http_requests_total Requests served, by path and status.",
                     "# TYPE demo_http_requests_total counter"]
            lines += ['demo_http_requests_total{path="%s",status="%d"} %d' % (p, s, n) for (p, s), n in snapshot]
            lines += ["# HELP demo_http_errors_total Requests answered with a 5xx status.",
                      "# TYPE demo_http_errors_total counter",
                      "demo_http_errors_total %d" % sum(n for (p, s), n in snapshot if s >= 500),
                      "# HELP demo_failure_switch 1 while the failure switch is on.",
                      "# TYPE demo_failure_switch gauge",
                      "demo_failure_switch %d" % (1 if failing else 0)]
            self.reply(200, "\n".join(lines), "text/plain; version=0.0.4")
        else:
            self.reply(404, {"error": "no such path: " + path})

    def do_POST(self):
        global failing
        path = self.path.split("?")[0]
        if path == "/admin/fail":
            failing = True
            self.reply(200, {"failing": True})
        elif path == "/admin/recover":
            failing = False
            self.reply(200, {"failing": False})
        else:
            self.reply(404, {"error": "no such path: " + path})


if __name__ == "__main__":
    server = ThreadingHTTPServer((LISTEN, PORT), Handler)
    print("demo-orders release %s listening on %s:%d, PostgreSQL at %s:%s" % (RELEASE, LISTEN, PORT, PG["PGHOST"], PG["PGPORT"]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
