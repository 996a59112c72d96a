"""Lianxin services as real processes, which a test can stop, kill and start again."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from lianxin.config import SERVICES
from tests.support.broker import free_port
from tests.support.databases import fresh

ENV_NAMES = {name: name.upper() for name in SERVICES}


class System:
    """Each service as a process on its own port and database, logging to ``workdir``."""

    def __init__(self, amqp_uri, workdir, databases=None, env=None):
        self.workdir = Path(workdir)
        self.env = {**os.environ, "AMQP_URI": amqp_uri, "RELAY_INTERVAL": "0.5",
                    "NOTIFY_STUCK_AFTER": "5",
                    "NOTIFY_LOG_FILE": str(self.workdir / "notifications.log"), **(env or {})}
        self.urls, self.databases, self.procs = {}, {}, {}
        for name in SERVICES:
            port = free_port()
            self.databases[name] = (databases or {}).get(name) or fresh(name, self.workdir)
            self.env[f"{ENV_NAMES[name]}_PORT"] = str(port)
            self.env[f"{ENV_NAMES[name]}_DATABASE_URL"] = self.databases[name]
            self.urls[name] = f"http://127.0.0.1:{port}"

    def with_console(self):
        """Give the web console a port and database of its own; ``start("console")``
        then runs it beside the services (``start()`` alone runs the four)."""
        port = free_port()
        self.databases["console"] = fresh("console", self.workdir)
        self.env["CONSOLE_PORT"] = str(port)
        self.env["CONSOLE_DATABASE_URL"] = self.databases["console"]
        self.urls["console"] = f"http://127.0.0.1:{port}"
        return self

    def start(self, *names, wait=True):
        for name in names or SERVICES:
            self._spawn(name, name, self.env)
        if wait:
            self.wait_healthy(*(names or SERVICES))

    def start_replica(self, name, number):
        """Another process of service ``name`` on the same database and queues, on a
        port of its own; known as ``name#number``."""
        replica = f"{name}#{number}"
        port = free_port()
        self.urls[replica] = f"http://127.0.0.1:{port}"
        self._spawn(replica, name, {**self.env, f"{ENV_NAMES[name]}_PORT": str(port)})
        return replica

    def _spawn(self, label, name, env):
        log = open(self.workdir / f"{label}.log", "ab")
        self.procs[label] = subprocess.Popen([sys.executable, "-m", "lianxin", "serve", name],
                                             env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def wait_healthy(self, *names, timeout=60):
        deadline = time.monotonic() + timeout
        waiting = set(names or self.procs)
        while waiting:
            for name in list(waiting):
                proc = self.procs[name]
                assert proc.poll() is None, f"{name} exited with {proc.returncode}:\n" \
                                            f"{self.log(name)[-3000:]}"
                try:
                    if requests.get(self.urls[name] + "/health", timeout=1).ok:
                        waiting.discard(name)
                except requests.RequestException:
                    pass
            assert time.monotonic() < deadline, f"not healthy after {timeout}s: {waiting}"
            time.sleep(0.1)

    def kill(self, name):
        """SIGKILL: the process dies mid-work, with no chance to finish or clean up."""
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(10)

    def stop(self, *names):
        for name in names or list(self.procs):
            proc = self.procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def cli(self, *args):
        """``lianxin ARGS`` with this system's configuration."""
        return subprocess.run([sys.executable, "-m", "lianxin", *args], env=self.env,
                              capture_output=True, text=True, timeout=120)

    def health(self, name):
        return requests.get(self.urls[name] + "/health", timeout=20).json()

    def log(self, name):
        path = self.workdir / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
