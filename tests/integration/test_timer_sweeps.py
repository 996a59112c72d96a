"""Routing's sweep on the real database (SQLite, or PostgreSQL on its leg): replicas
sweeping at once fire each due timer once, and a sweep never waits on a step."""
import threading

import pytest
from sqlalchemy import text

from lianxin import config as configuration
from lianxin.db import make_engine, migrate, migrations_of
from lianxin.tools.timerbench import ScratchUnits, seed_due
from services.routing import app
from services.routing.models import Base
from services.routing.service import load_routing_data
from tests.support.databases import BACKEND

pytestmark = pytest.mark.integration


@pytest.fixture
def routing_db(database_url):
    engine = make_engine(database_url("routing"))
    migrate(engine, migrations_of("routing"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def data():
    return load_routing_data(configuration.for_service(configuration.load(), "routing"))


def published(engine, event_type):
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM outbox WHERE event_type = :t"),
                                  {"t": event_type}).scalar()


def test_two_replicas_sweeping_at_once_fire_each_due_timer_once(routing_db, data):
    seed_due(routing_db, data, 120)
    replicas = [ScratchUnits(routing_db, Base.metadata.tables["outbox"]) for _ in range(2)]
    fired, errors = [], []

    def sweep(units):
        try:
            fired.append(app.sweep(units, data))
        except Exception as exc:        # a replica's sweep that fails is the test failing
            errors.append(exc)
    threads = [threading.Thread(target=sweep, args=(units,)) for units in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and sum(fired) == 120
    assert published(routing_db, "issue_overdue") == 120
    assert published(routing_db, "issue_escalated") == 120


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite has no row locks: one writer")
def test_a_sweep_leaves_a_timer_due_while_a_step_holds_its_issue(routing_db, data):
    [issue_id] = seed_due(routing_db, data, 1)
    units = ScratchUnits(routing_db, Base.metadata.tables["outbox"])
    with routing_db.connect() as step:
        step.execute(text("SELECT id FROM issues WHERE id = :id FOR UPDATE"), {"id": issue_id})
        assert app.sweep(units, data) == 0          # not waited for: skipped
        step.rollback()
    assert published(routing_db, "issue_overdue") == 0
    assert app.sweep(units, data) == 1
    assert published(routing_db, "issue_overdue") == 1
