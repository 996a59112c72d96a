"""The console's only way to the four services: their HTTP APIs, called with the key of
the user's own station or department (the district office's for its cadres, to read
only for a director), naming the user in ``X-Lianxin-Actor``."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from lianxin.config import read_yaml
from services.console import domain

TIMEOUT = 10.0
Holder = tuple[str, "str | None"]


class Unreachable(Exception):
    """A service did not answer (or answered 5xx): the page says so and nothing else."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"{service}: {detail}")
        self.service = service


@dataclass(frozen=True)
class Answer:
    status: int
    data: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def fields(self) -> dict[str, Any]:
        """The refusal's bad fields (``{error, message, fields}``), or {}."""
        return (self.data.get("fields") or {}) if isinstance(self.data, dict) else {}


def read_keys(path: str) -> dict[Holder, str]:
    """``{(role, station id or department code): key}`` from the keys file; the
    district office's under ``("district", None)``."""
    keys: dict[Holder, str] = {}
    for entry in read_yaml(path)["keys"]:
        holder = (entry["role"], None if entry["role"] == "district" else entry.get("id"))
        keys.setdefault(holder, str(entry["key"]))
    if ("district", None) not in keys:
        raise ValueError(f"{path}: no district key")
    return keys


def service_urls(config: Mapping[str, Any]) -> dict[str, str]:
    """Where the console reaches each service: ``CONSOLE.urls``, or this machine."""
    named = config["CONSOLE"].get("urls") or {}
    return {name: str(named.get(name) or f"http://127.0.0.1:{config['PORTS'][name]}")
            .rstrip("/") for name in ("intake", "routing", "departments", "notify")}


class Api:
    """JSON over HTTP to the services, as a user (``as_user``) or as nobody (a voter)."""

    def __init__(self, urls: Mapping[str, str], keys: Mapping[Holder, str],
                 http: requests.Session | None = None) -> None:
        self.urls = dict(urls)
        self.keys = dict(keys)
        self.http = http or requests.Session()

    def as_user(self, user: domain.User | None) -> Caller:
        return Caller(self, user)

    def call(self, method: str, service: str, path: str, headers: Mapping[str, str],
             params: Mapping[str, Any] | None = None, body: Any = None) -> Answer:
        try:
            response = self.http.request(method, self.urls[service] + path, params=params,
                                         json=body, headers=dict(headers), timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise Unreachable(service, type(exc).__name__) from None
        if response.status_code >= 500:
            raise Unreachable(service, f"answered {response.status_code}")
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = response.text
        return Answer(response.status_code, data)

    def text(self, service: str, path: str, headers: Mapping[str, str],
             params: Mapping[str, Any]) -> tuple[int, str]:
        """A GET answered in text (a CSV download)."""
        try:
            response = self.http.get(self.urls[service] + path, params=params,
                                     headers=dict(headers), timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise Unreachable(service, type(exc).__name__) from None
        if response.status_code >= 500:
            raise Unreachable(service, f"answered {response.status_code}")
        response.encoding = "utf-8"
        return response.status_code, response.text


class Caller:
    """Calls on one user's behalf: their key, their name (or none, for a voter)."""

    def __init__(self, api: Api, user: domain.User | None) -> None:
        self.api = api
        self.user = user

    def headers(self, method: str, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.user is not None:
            key = domain.key_for(self.user, method, self.api.keys)
            headers["Authorization"] = f"Bearer {key}"
            headers.update(domain.actor_header(self.user))
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    def get(self, service: str, path: str, **params: Any) -> Answer:
        params = {k: v for k, v in params.items() if v not in (None, "")}
        return self.api.call("GET", service, path, self.headers("GET"), params=params)

    def post(self, service: str, path: str, body: Mapping[str, Any],
             idempotency_key: str | None = None) -> Answer:
        return self.api.call("POST", service, path, self.headers("POST", idempotency_key),
                             body=dict(body))

    def csv(self, service: str, path: str, **params: Any) -> tuple[int, str]:
        return self.api.text(service, path, self.headers("GET"), params)
