"""One configuration file, ``config.yml``, with ``${VAR:default}`` substitution."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from nameko.cli.main import setup_yaml_parser

# the four event services; the web console is a fifth process, a client of their HTTP
# APIs with no events, run and migrated beside them (PROCESSES)
SERVICES = ("intake", "routing", "departments", "notify")
CONSOLE = "console"
PROCESSES = (*SERVICES, CONSOLE)
DEFAULT_PATH = "config.yml"


def load(path: str | os.PathLike[str] | None = None) -> Any:
    """Read the configuration file, resolving ``${VAR:default}`` from the environment."""
    setup_yaml_parser()
    path = Path(path or os.environ.get("LIANXIN_CONFIG", DEFAULT_PATH))
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def for_service(config: dict[str, Any], name: str) -> dict[str, Any]:
    """The nameko configuration of one service: its own web address and database."""
    if name not in SERVICES:
        raise ValueError(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
    service = dict(config)
    service["WEB_SERVER_ADDRESS"] = f"{config['HOST']}:{config['PORTS'][name]}"
    service["DATABASE_URL"] = config["DATABASES"][name]
    return service


def base_url(config: dict[str, Any], name: str, host: str = "127.0.0.1") -> str:
    """Where a client on this machine reaches a service's HTTP API."""
    return f"http://{host}:{config['PORTS'][name]}"


def read_yaml(path: str | os.PathLike[str]) -> Any:
    with Path(path).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
