"""A simulated 321 grid system: it signs the reports it sends to intake, reads intake's
feed, and takes intake's signed status changes at its webhook, which can be down."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from lianxin import signing
from tests.support.broker import free_port

SECRET = "grid-sample-secret"          # config.yml's sample GRID secret


class GridSystem:
    def __init__(self, intake_url=None, secret=SECRET):
        self.intake_url, self.secret = intake_url, secret
        self.received = []             # the changes taken, in the order they came
        self.refused = 0               # pushes answered 503 while down
        self.down = False
        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def webhook_url(self):
        return f"http://127.0.0.1:{self.port}/webhook"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def report(self, body, headers=None):
        """POST a report to intake, signed unless ``headers`` says otherwise."""
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        signed = signing.headers(self.secret, "POST", "/grid/reports", raw) \
            if headers is None else headers
        return requests.post(f"{self.intake_url}/grid/reports", data=raw, timeout=10,
                             headers={"Content-Type": "application/json", **signed})

    def feed(self, after=0, limit=100):
        path = f"/grid/feed?after={after}&limit={limit}"
        response = requests.get(self.intake_url + path, timeout=10,
                                headers=signing.headers(self.secret, "GET", path))
        assert response.status_code == 200, response.text
        return response.json()

    def _handler(self):
        grid = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    signing.check(grid.secret, dict(self.headers), "POST", self.path, body, 300)
                except Exception:
                    return self._answer(401)
                if grid.down:
                    grid.refused += 1
                    return self._answer(503)
                grid.received.append(json.loads(body))
                self._answer(204)

            def _answer(self, status):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass
        return Handler
