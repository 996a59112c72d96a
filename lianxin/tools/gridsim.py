"""A simulated 321 grid system, for the demo, the bench and the tests: it signs the
reports and rosters it sends to intake, reads intake's feed, and takes intake's signed
status changes at its webhook, which can be down; and a roster at Hanbin's size,
generated over the sample directory: 576 grids, each with a grid leader (网长), a party
member and a central household head (中心户长), and 1,326 grid members (网格员) among
them. Leaders and members are of the representative line; the first leaders are the
directory's representatives (same id and phone), so that they match."""
import json
import socket
import threading
import time
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

from lianxin import directory, signing
from lianxin.config import base_url, read_yaml

SECRET = "grid-sample-secret"          # config.yml's sample GRID secret
GRIDS, MEMBERS = 576, 1326


class GridSystem:
    def __init__(self, intake_url=None, secret=SECRET, port=None):
        self.intake_url, self.secret = intake_url, secret
        self.received = []             # the changes taken, in the order they came
        self.received_at = []          # when each was taken (time.monotonic())
        self.refused = 0               # pushes answered 503 while down
        self.down = False
        self.port = port or _free_port()
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

    def roster(self, roster, delta=False):
        """PUT the whole roster (PATCH a delta) to intake, signed; intake's report."""
        method = "PATCH" if delta else "PUT"
        raw = json.dumps(roster, ensure_ascii=False).encode("utf-8")
        response = requests.request(method, f"{self.intake_url}/grid/roster", data=raw,
                                    timeout=120, headers={
                                        "Content-Type": "application/json",
                                        **signing.headers(self.secret, method, "/grid/roster",
                                                          raw)})
        return _answer(response)

    def feed(self, after=0, limit=100):
        path = f"/grid/feed?after={after}&limit={limit}"
        response = requests.get(self.intake_url + path, timeout=10,
                                headers=signing.headers(self.secret, "GET", path))
        return _answer(response)

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
                grid.received_at.append(time.monotonic())
                self._answer(204)

            def _answer(self, status):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass
        return Handler


def hanbin_roster(directory_file="data/hanbin.yml"):
    ladder = directory.from_directory(read_yaml(directory_file))
    villages = sorted(ladder.village_stations)
    known = sorted(ladder.representatives.values(), key=lambda r: r.id)
    grids = [{"id": f"WG{n:04d}", "name": f"第{n}网格", "village_code": villages[n % len(villages)],
              "households": 30 + n % 50} for n in range(GRIDS)]
    people = []
    for n, grid in enumerate(grids):
        rep = known[n] if n < len(known) else None
        people += [
            {"id": rep.id if rep else f"WL{n:04d}", "name": rep.name if rep else f"网长{n}",
             "phone": rep.phone if rep else f"137{n:08d}", "line": "representative",
             "role": "leader", "grid_id": grid["id"]},
            {"id": f"WP{n:04d}", "name": f"党员{n}", "phone": f"135{n:08d}",
             "line": "party_member", "role": "member", "grid_id": grid["id"]},
            {"id": f"WH{n:04d}", "name": f"户长{n}", "phone": f"136{n:08d}",
             "line": "household_head", "role": "member", "grid_id": grid["id"]}]
    people += [{"id": f"WM{n:04d}", "name": f"网格员{n}", "phone": f"139{n:08d}",
                "line": "representative", "role": "member", "grid_id": grids[n % GRIDS]["id"]}
               for n in range(MEMBERS)]
    return {"grids": [{**g, "row": i} for i, g in enumerate(grids, 2)],
            "people": [{**p, "row": i} for i, p in enumerate(people, 2)]}


def local(config):
    """A simulated grid system listening where ``GRID_WEBHOOK_URL`` points, started; or
    None and why not (``make run`` points it at 127.0.0.1:8009)."""
    section = config["GRID"]
    url = urlsplit(section.get("webhook_url") or "")
    if url.hostname not in ("127.0.0.1", "localhost") or not url.port:
        return None, "GRID_WEBHOOK_URL is not a local port"
    try:
        return GridSystem(base_url(config, "intake"), str(section["secret"]),
                          port=url.port).start(), None
    except OSError as exc:
        return None, f"port {url.port} is taken ({exc.strerror})"


def _answer(response):
    if response.status_code != 200:
        raise RuntimeError(f"intake answered {response.status_code}: {response.text[:300]}")
    return response.json()


def _free_port():
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
