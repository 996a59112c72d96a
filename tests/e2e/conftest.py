"""End-to-end: the four services as separate processes, driven over HTTP only."""
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from lianxin.config import SERVICES
from tests.support.broker import free_port
from tests.support.databases import fresh

ENV_NAMES = {"intake": "INTAKE", "routing": "ROUTING", "departments": "DEPARTMENTS", "notify": "NOTIFY"}


@dataclass
class System:
    urls: dict          # service name -> base URL
    databases: dict     # service name -> database URL
    logs: Path          # folder of each service's log and the notifications log


@pytest.fixture(scope="module")
def system(amqp_uri, tmp_path_factory):
    """The four services running as processes; their logs are printed if one fails."""
    workdir = tmp_path_factory.mktemp("system")
    env = {**os.environ, "AMQP_URI": amqp_uri, "RELAY_INTERVAL": "0.5",
           "NOTIFY_LOG_FILE": str(workdir / "notifications.log")}
    urls, databases = {}, {}
    for name in SERVICES:
        port = free_port()
        databases[name] = fresh(name, workdir)
        env[f"{ENV_NAMES[name]}_PORT"] = str(port)
        env[f"{ENV_NAMES[name]}_DATABASE_URL"] = databases[name]
        urls[name] = f"http://127.0.0.1:{port}"
    logs = {name: open(workdir / f"{name}.log", "wb") for name in SERVICES}
    procs = {name: subprocess.Popen([sys.executable, "-m", "lianxin", "serve", name], env=env,
                                    stdout=logs[name], stderr=subprocess.STDOUT)
             for name in SERVICES}
    try:
        _wait_healthy(urls, procs)
        yield System(urls, databases, workdir)
    finally:
        for proc in procs.values():
            proc.terminate()
        for name, proc in procs.items():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
            logs[name].close()
        errors = {n: (workdir / f"{n}.log").read_text(errors="replace") for n in SERVICES}
        for name, text in errors.items():
            if "Traceback" in text:
                print(f"---- {name} log ----\n{text[-4000:]}")


def _wait_healthy(urls, procs, timeout=60):
    deadline = time.monotonic() + timeout
    waiting = set(urls)
    while waiting:
        for name in list(waiting):
            assert procs[name].poll() is None, f"{name} exited with {procs[name].returncode}"
            try:
                if requests.get(urls[name] + "/health", timeout=1).ok:
                    waiting.discard(name)
            except requests.RequestException:
                pass
        assert time.monotonic() < deadline, f"not healthy after {timeout}s: {waiting}"
        time.sleep(0.1)
