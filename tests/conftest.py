"""Fixtures shared by every tier: the broker, the databases, a running service.

Integration and end-to-end tests use the real RabbitMQ (a fresh vhost per test
session) and a real database: SQLite files by default, PostgreSQL when
LIANXIN_TEST_BACKEND=postgresql (one database per service, created here).
"""
import lianxin  # noqa: F401, I001  (quiets eventlet's deprecation notice before it is imported)
import eventlet

eventlet.monkey_patch()  # nameko's workers and the tests' clients share one hub

import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402

from lianxin import config as configuration  # noqa: E402
from tests.support import broker, databases  # noqa: E402

BASE_AMQP = os.environ.get("LIANXIN_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture(scope="session")
def amqp_uri():
    """A vhost of its own on the real broker, removed after the session."""
    broker.require(BASE_AMQP)
    vhost = f"lianxin_test_{uuid.uuid4().hex[:8]}"
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is needed to make a test vhost of its own on the broker; "
                    "without it the tests would run on the shared vhost and delete its queues. "
                    "Install the RabbitMQ server tools or put rabbitmqctl on PATH.", pytrace=False)
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
                   check=True, capture_output=True)
    yield BASE_AMQP.rstrip("/") + "/" + vhost
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True)


@pytest.fixture
def database_url(tmp_path):
    """``database_url(service)``: a fresh, empty database for that service."""
    return lambda service: databases.fresh(service, tmp_path)


@pytest.fixture
def make_config(amqp_uri, database_url, tmp_path):
    """The configuration of one service under test, on its own database and port."""
    def make(service, **overrides):
        config = configuration.load()
        config["AMQP_URI"] = amqp_uri
        config["DATABASES"] = {**config["DATABASES"], service: database_url(service)}
        config["PORTS"] = {**config["PORTS"], service: broker.free_port()}
        config["NOTIFY"] = {**config["NOTIFY"], "log_file": str(tmp_path / "notifications.log")}
        config["RELAY_INTERVAL"] = 0.5
        config.update(overrides)
        return configuration.for_service(config, service)
    return make


LINES = []


@pytest.fixture
def report():
    """``report(outcome)``: a fault-suite scenario's one line, printed at the end of the
    run (``tests/faults/play.py`` ``Outcome``)."""
    return LINES.append


def pytest_terminal_summary(terminalreporter):
    if LINES:
        terminalreporter.section("fault suite: one line per scenario")
        for outcome in LINES:
            terminalreporter.write_line(outcome.line())


def delete_queues(amqp_uri):
    """Delete every queue of the contract on the test vhost: no test's services leave
    events behind for the next."""
    from kombu import Connection

    from lianxin.bus import topology
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        for queue in topology():
            channel.queue_delete(queue.name)


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases():
    yield
    databases.drop_created()
