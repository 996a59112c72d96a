"""Integration tests run one service in this process against the real broker and a
real database; the services it calls over RPC are small stand-ins."""
import pytest
import requests
from nameko.rpc import rpc

from lianxin.config import read_yaml
from services.departments import domain as departments_domain
from services.departments.service import load_catalog
from tests.conftest import delete_queues
from tests.support.broker import EventTap, wait_until

KEYS = {entry.get("id") or entry["role"]: entry["key"] for entry in read_yaml("data/keys.yml")["keys"]}


def auth(holder):
    """Headers carrying the sample API key of ``holder`` (a station id, department code or 'district')."""
    return {"Authorization": f"Bearer {KEYS[holder]}"}


@pytest.fixture(autouse=True)
def empty_queues(amqp_uri):
    """Each test starts with no events left over from another test's services."""
    yield
    delete_queues(amqp_uri)


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


# The stand-ins answer from the same pure rules and sample data as the real services
# (test_stand_ins.py checks each answer against the real RPC for the inputs used here).
SAMPLE = {"DIRECTORY_FILE": "data/hanbin.yml", "RULES_FILE": "data/rules.yml",
          "TIMEZONE": "Asia/Shanghai"}


class FakeDepartments:
    """Answers routing's ``referrals`` as departments does for the sample directory."""
    name = "departments"
    catalog = load_catalog(SAMPLE)

    @rpc
    def referrals(self, asks):
        return [departments_domain.referral(self.catalog, category=a["category"],
                                            department=a["department"],
                                            cooperating=a["cooperating"]) for a in asks]


def service_events(http, url):
    """The ``events`` counts of a running service's ``GET /health``."""
    response = http.get(f"{url}/health")
    assert response.status_code == 200, response.text
    return response.json()["events"]


def wait_for_repeats(http, url, repeated, handled, timeout=10):
    """The service's event counts once it has handled ``handled`` deliveries and seen
    ``repeated`` repeated ones (a repeat can be counted before the first finishes)."""
    def done():
        counts = service_events(http, url)
        return counts["repeated"] >= repeated and counts["handled"] >= handled and counts
    return wait_until(done, timeout=timeout,
                      message=f"{handled} handled and {repeated} repeated deliveries")
