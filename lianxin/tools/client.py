"""A client of the running system over its public HTTP APIs, for the demo and the bench."""
import json as jsonlib
import time
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import click
import urllib3
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from lianxin import clock
from lianxin import config as configuration
from lianxin.config import read_yaml

WORKERS = 8
STEP_TIMEOUT = 30.0        # seconds any one asynchronous step may take
HTTP_TIMEOUT = 15.0




class DemoError(click.ClickException):
    pass


class Stuck(DemoError):
    pass


class Keys:
    """The API keys of the sample directory, by role (config key API_KEYS_FILE)."""

    def __init__(self, config):
        entries = read_yaml(config["API_KEYS_FILE"])["keys"]
        self.district = next(str(e["key"]) for e in entries if e["role"] == "district")
        self.stations = {e["id"]: str(e["key"]) for e in entries if e["role"] == "station"}
        self.departments = {e["id"]: str(e["key"]) for e in entries if e["role"] == "department"}

    def station(self, station_id):
        try:
            return self.stations[station_id]
        except KeyError:
            raise DemoError(f"no API key for station {station_id} in the keys file") from None

    def department(self, code):
        try:
            return self.departments[code]
        except KeyError:
            raise DemoError(f"no API key for department {code} in the keys file") from None


@dataclass(frozen=True)
class Answer:
    """A service's answer: its status and body."""
    status_code: int
    content: bytes

    @property
    def text(self):
        return self.content.decode("utf-8", "replace")

    def json(self):
        return jsonlib.loads(self.content)


class Api:
    """JSON over HTTP to the four services, on connections kept open and shared by the
    caller's threads (urllib3: about a third of the CPU per request of requests, which
    matters where the bench shares the machine's cores with the system it measures)."""

    def __init__(self, config, pool=WORKERS, replicas=None):
        self.urls = {name: configuration.base_url(config, name) for name in configuration.SERVICES}
        self.replicas = dict(replicas or {})      # "routing#2" -> its base URL
        self.amqp_uri = config["AMQP_URI"]
        self.urls.update(self.replicas)
        self.http = urllib3.PoolManager(num_pools=len(self.urls), maxsize=pool, block=False,
                                        retries=False)

    def processes(self, service):
        """The names of ``service``'s processes: itself and its replicas."""
        return [service, *(name for name in self.replicas if name.startswith(f"{service}#"))]

    def request(self, method, service, path, key=None, expect=(200,), params=None, json=None):
        """The decoded JSON answer, or ``DemoError`` naming the request and the answer."""
        response = self.raw(method, service, path, key=key, params=params, json=json)
        if response.status_code not in expect:
            raise DemoError(f"{method} {self.urls[service]}{path} answered "
                            f"{response.status_code}: {response.text[:500]}")
        return response.json()

    def raw(self, method, service, path, key=None, params=None, json=None,
            timeout=HTTP_TIMEOUT):
        """The ``Answer`` to one request, or ``DemoError`` when there was none."""
        url = self.urls[service] + path
        headers = {"Accept": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        body = None
        if json is not None:
            body = jsonlib.dumps(json).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if params:
            url += "?" + urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
        try:
            answer = self.http.request(method, url, body=body, headers=headers,
                                       timeout=timeout)
        except urllib3.exceptions.HTTPError as exc:
            raise DemoError(f"{method} {url} failed: {type(exc).__name__}: {exc}") from None
        return Answer(answer.status, answer.data)

    def get(self, service, path, **kwargs):
        return self.request("GET", service, path, **kwargs)

    def post(self, service, path, body=None, expect=(200, 201), **kwargs):
        return self.request("POST", service, path, json=body or {}, expect=expect, **kwargs)


def require_services(config, api=None):
    """Exit non-zero, naming each service whose /health does not answer."""
    api = api or Api(config)
    down = [problem for name in configuration.SERVICES
            if (problem := health_problem(api, name)) is not None]
    if down:
        raise DemoError("the system is not running:\n  " + "\n  ".join(down) +
                        "\n`make run` (or `lianxin run`) starts it.")
    return api


def health_problem(api, name, timeout=3):
    """Why ``name``'s ``GET /health`` did not answer 200, or None when it did."""
    url = api.urls[name] + "/health"
    try:
        response = api.raw("GET", name, "/health", timeout=timeout)
    except DemoError:
        return f"{name} does not answer at {url}"
    return None if response.status_code == 200 else \
        f"{name} at {url} answered {response.status_code}"


def wait_for(what, probe, timeout=STEP_TIMEOUT):
    """Poll ``probe()`` until it returns something other than None, or fail after ``timeout``.

    ``probe`` may return ``(None, last_seen)`` to say what it saw, for the error message.
    """
    deadline = time.monotonic() + timeout
    delay = 0.02
    last = None
    while True:
        result = probe()
        if isinstance(result, tuple) and len(result) == 2 and result[0] is None:
            last = result[1]
        elif result is not None:
            return result
        if time.monotonic() >= deadline:
            raise Stuck(f"gave up after {timeout:.0f}s waiting for {what}"
                        + (f"; last seen: {last}" if last is not None else ""))
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def month_now(config):
    """Now in the district's time zone, on the one clock (which ``make demo`` moves)."""
    return clock.now().astimezone(ZoneInfo(config.get("TIMEZONE", "Asia/Shanghai")))


# ---------------------------------------------------------------------------------


def progress_bars(console, width=36):
    """The progress display every tool shows: a line per step, with counts and time."""
    return Progress(SpinnerColumn(), TextColumn(f"{{task.description:<{width}}}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=console)
