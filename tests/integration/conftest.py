"""Integration tests run one service in this process against the real broker and a
real database; the services it calls over RPC are small stand-ins."""
import pytest
import requests
from nameko.rpc import rpc

from lianxin.config import read_yaml
from lianxin.bus import topology
from tests.support.broker import EventTap

KEYS = {entry.get("id") or entry["role"]: entry["key"] for entry in read_yaml("data/keys.yml")["keys"]}


def auth(holder):
    """Headers carrying the sample API key of ``holder`` (a station id, department code or 'district')."""
    return {"Authorization": f"Bearer {KEYS[holder]}"}


@pytest.fixture(autouse=True)
def empty_queues(amqp_uri):
    """Each test starts with no events left over from another test's services."""
    yield
    from kombu import Connection
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        for queue in topology():
            channel.queue_delete(queue.name)


@pytest.fixture
def start(container_factory, make_config):
    """``start(ServiceClass, **config)``: the running service and its HTTP base URL."""
    def run(cls, **overrides):
        config = make_config(cls.name, **overrides)
        container = container_factory(cls, config)
        container.start()
        return container, f"http://{config['WEB_SERVER_ADDRESS']}"
    return run


@pytest.fixture
def stand_in(container_factory, make_config):
    """Run a stand-in service class (RPC only) on the same broker."""
    def run(cls):
        container = container_factory(cls, make_config(cls.name))
        container.start()
        return container
    return run


@pytest.fixture
def tap(amqp_uri):
    taps = []

    def make(service):
        taps.append(EventTap(amqp_uri, service))
        return taps[-1]
    yield make
    for t in taps:
        t.close()


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


class FakeRouting:
    """Answers intake's ``locate`` as routing would for the sample directory."""
    name = "routing"

    @rpc
    def locate(self, village_code, station_id=None, representative_id=None, category=None,
               grid_id=None):
        if village_code != "610902101002":
            return {"errors": {"village_code": [f"unknown village {village_code!r}"]}}
        return {"tier": "village", "station_id": "st-610902101002"}


class FakeDepartments:
    """Answers routing's ``referrals`` with the category's default or the named department."""
    name = "departments"

    @rpc
    def referrals(self, asks):
        return [{"errors": {"department": ["unknown department 'nasa'"]}}
                if a["department"] == "nasa" else
                {"department": a["department"] or "jtj", "cooperating": a["cooperating"]}
                for a in asks]
