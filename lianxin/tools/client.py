"""A client of the running system over its public HTTP APIs, for the demo and the bench."""
import threading
import time
from zoneinfo import ZoneInfo

import click
import requests
from requests.adapters import HTTPAdapter
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


class Api:
    """JSON over HTTP to the four services; one requests.Session per thread."""

    def __init__(self, config, pool=WORKERS, replicas=None):
        self.urls = {name: configuration.base_url(config, name) for name in configuration.SERVICES}
        self.replicas = dict(replicas or {})      # "routing#2" -> its base URL
        self.amqp_uri = config["AMQP_URI"]
        self.urls.update(self.replicas)
        self.pool = pool
        self._local = threading.local()

    @property
    def session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.pool)
            session.mount("http://", adapter)
            session.headers["Accept"] = "application/json"
        return session

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

    def raw(self, method, service, path, key=None, params=None, json=None):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        try:
            return self.session.request(method, self.urls[service] + path, params=params,
                                        json=json, headers=headers, timeout=HTTP_TIMEOUT)
        except requests.RequestException as exc:
            raise DemoError(f"{method} {self.urls[service]}{path} failed: "
                            f"{type(exc).__name__}: {exc}") from None

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
        response = api.session.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return f"{name} does not answer at {url} ({type(exc).__name__})"
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
