"""The web console in-process, on a database of its own, with the four services' HTTP
APIs stood in for: each answer set by a test, each call recorded."""
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.test import Client

from services.console import accounts, i18n, security
from services.console.api import Api, read_keys
from services.console.places import Places
from services.console.web import Console, Settings

NOW = datetime(2026, 11, 10, 1, 0, tzinfo=timezone.utc)       # 09:00 in Asia/Shanghai
URLS = {name: f"http://{name}.test" for name in ("intake", "routing", "departments", "notify")}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')


@dataclass
class Call:
    method: str
    service: str
    path: str
    params: dict
    body: dict | None
    headers: dict


@dataclass
class Reply:
    status_code: int
    data: object = None
    text: str = ""
    encoding: str = "utf-8"

    @property
    def content(self):
        return b"" if self.data is None and not self.text else b"x"

    def json(self):
        return json.loads(json.dumps(self.data))


@dataclass
class FakeServices:
    """The services' HTTP APIs: ``answer(method, service, path, status, data)`` sets
    an answer (``data`` may be a function of the call); ``calls`` records each call."""
    answers: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)

    def answer(self, method, service, path, status=200, data=None):
        self.answers[(method, service, path)] = (status, data)

    def request(self, method, url, params=None, json=None, headers=None, timeout=None):
        parts = urlsplit(url)
        service = parts.hostname.removesuffix(".test")
        call = Call(method, service, parts.path, dict(params or {}), json, dict(headers or {}))
        self.calls.append(call)
        status, data = self.answers.get((method, service, parts.path), (404, {
            "error": "not_found", "message": "no such answer", "fields": {}}))
        data = data(call) if callable(data) else data
        return Reply(status, data, data if isinstance(data, str) else "")

    def get(self, url, params=None, headers=None, timeout=None):
        return self.request("GET", url, params=params, headers=headers, timeout=timeout)

    def made(self, method, path):
        """The calls of ``method`` to ``path``."""
        return [c for c in self.calls if c.method == method and c.path == path]


class Browser:
    """A browser of the console: its cookies, and the CSRF token of the last page."""

    def __init__(self, console):
        self.client = Client(console)
        self.csrf = self.form_id = None

    def get(self, path, **kwargs):
        response = self.client.get(path, **kwargs)
        self._keep(response)
        return response

    def post(self, path, data=None, csrf=True, **kwargs):
        form = {**({"csrf_token": self.csrf} if csrf and self.csrf else {}),
                **({"form_id": self.form_id} if self.form_id else {}), **(data or {})}
        response = self.client.post(path, data=form, **kwargs)
        self._keep(response)
        return response

    def log_in(self, username, password=None):
        self.get("/login")
        return self.post("/login", {"username": username,
                                    "password": password or accounts.sample_password(username)})

    def _keep(self, response):
        page = response.get_data(as_text=True)
        found, form_id = CSRF.search(page), FORM_ID.search(page)
        if found:
            self.csrf = found.group(1)
        self.form_id = form_id.group(1) if form_id else None


class Clock:
    """A clock a test moves."""

    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


PLACES = Places.read("data/hanbin.yml")
_SAMPLES = {}        # a database with the sample users, made once (Argon2 is slow by design)


def sample_database(tmp_path):
    """A new console database with the sample users, copied from one made once."""
    if "path" not in _SAMPLES:
        made = Path(tempfile.mkdtemp()) / "console.db"
        store = accounts.Store(f"sqlite:///{made}")
        with store.transaction() as session:
            accounts.add_samples(session, NOW, list(PLACES.ladder.stations),
                                 list(PLACES.departments))
        store.close()
        _SAMPLES["path"] = made
    shutil.copy(_SAMPLES["path"], tmp_path / "console.db")
    return f"sqlite:///{tmp_path / 'console.db'}"


def make_console(tmp_path, services, clock, policy=None):
    store = accounts.Store(sample_database(tmp_path))
    places = PLACES
    settings = Settings(api=Api(URLS, read_keys("data/keys.yml"), http=services), store=store,
                        signer=security.Signer("test-secret"),
                        policy=policy or accounts.Policy(), translations=i18n.translations("zh_CN"),
                        clock=i18n.Clock("Asia/Shanghai", "zh_CN"), places=places, now=clock)
    return Console(settings)


def text(response):
    """A page's text."""
    return response.get_data(as_text=True)


def audit(console):
    """The console's audit: (username, action, target, outcome), oldest first."""
    from sqlalchemy import select

    from services.console.models import AuditRow
    with console.settings.store.transaction() as session:
        return [(a.username, a.action, a.target, a.outcome)
                for a in session.execute(select(AuditRow).order_by(AuditRow.id)).scalars()]
