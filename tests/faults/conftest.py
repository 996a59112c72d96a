"""Fault tests: services as processes, and real faults injected between them and the
database or broker (a lock held, a connection cut, a process killed)."""
import pytest

from tests.conftest import delete_queues
from tests.support import databases
from tests.support.outage import Outage
from tests.support.processes import System


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
