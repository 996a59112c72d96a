"""Fault tests: services as processes, and real faults injected between them and the
database or broker (a lock held, a connection cut, a process killed)."""
import contextlib
import sqlite3

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import delete_queues
from tests.support import databases
from tests.support.processes import System
from tests.support.proxy import Proxy


class Outage:
    """Makes one service's database refuse work: SQLite by holding its write lock from
    this process, PostgreSQL by cutting the proxy the service reaches it through."""

    def __init__(self, url):
        self.url, self.proxy = url, None
        if not url.startswith("sqlite"):
            target = make_url(url)
            self.proxy = Proxy(target.port or 5432)
            self.url = target.set(port=self.proxy.port).render_as_string(hide_password=False)

    @contextlib.contextmanager
    def refusing(self):
        if self.proxy is None:
            holder = sqlite3.connect(make_url(self.url).database, timeout=5)
            holder.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                holder.rollback()
                holder.close()
        else:
            self.proxy.cut()
            try:
                yield
            finally:
                self.proxy.restore()

    def close(self):
        if self.proxy is not None:
            self.proxy.close()


@pytest.fixture
def outage(tmp_path):
    made = []

    def make(service):
        made.append(Outage(databases.fresh(service, tmp_path)))
        return made[-1]
    yield make
    for each in made:
        each.close()


@pytest.fixture
def system(amqp_uri, tmp_path):
    """``system(databases={...}, env={...})``: the services as processes (not started)."""
    made = []

    def make(**kwargs):
        made.append(System(amqp_uri, tmp_path, **kwargs))
        return made[-1]
    yield make
    for each in made:
        each.stop()


@pytest.fixture(autouse=True)
def empty_queues(amqp_uri):
    """Each scenario starts with no events left over from another's services."""
    yield
    delete_queues(amqp_uri)


def assert_clean(outcome):
    """The acceptance of every scenario: each issue reached its end, once, none stuck."""
    assert (outcome.lost, outcome.duplicated, outcome.stuck) == ([], [], []), outcome.line()
    assert outcome.reached == outcome.played, outcome.line()
