"""The outbox relay on the real broker and database (SQLite, or PostgreSQL on its leg):
events confirmed together are marked sent together, and a mark the database refuses is
kept until a sweep makes it, never lost and never a reason to publish again."""
from types import SimpleNamespace

import pytest
from sqlalchemy import event, text

from lianxin import outbox
from lianxin.db import Database
from services.routing.models import Base
from tests.support.broker import EventTap, wait_until
from tests.support.outage import Outage

pytestmark = pytest.mark.integration
ISSUE = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def routing(make_config, tmp_path):
    """``routing(url)``: routing's database dependency and its relay, set up alone."""
    made = []

    def make(url=None):
        config = make_config("routing")
        if url is not None:
            config["DATABASE_URL"] = url
        db = Database(Base)
        db.container = SimpleNamespace(config=config, service_name="routing")
        db.setup()
        made.append(db)
        return db
    yield make
    for db in made:
        db.stop()
        db.engine.dispose()


@pytest.fixture
def tap(amqp_uri):
    tap = EventTap(amqp_uri, "routing")
    yield tap
    tap.close()


def route(db, note):
    with db.transaction() as unit:
        unit.publish("issue_routed", ISSUE, tracking_no="HB202611000001", title="村道塌方",
                     status="open", tier="village", station_id="st-1", version=1, note=note)


def unsent(db):
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
                                  ).scalar()


def test_batches_confirmed_within_the_mark_delay_are_marked_sent_in_one_transaction(
        routing, tap, monkeypatch):
    monkeypatch.setattr(outbox, "MARK_DELAY", 2.0)
    db = routing()
    marks = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: marks.append(statement)
                 if "UPDATE outbox SET sent_at" in statement else None)
    for n in range(6):
        route(db, f"step {n}")
        wait_until(lambda n=n: db.relay.published == n + 1, message="a batch of its own confirmed")
    wait_until(lambda: unsent(db) == 0, message="every event marked sent")
    wait_until(lambda: len(tap.names()) == 6, message="every event on the tap")
    assert db.relay.published == 6
    assert len(marks) == 1, marks        # not one per batch


def test_a_mark_the_database_refuses_is_kept_and_made_by_the_next_sweep(
        routing, tap, database_url, monkeypatch, caplog):
    monkeypatch.setattr(outbox, "MARK_DELAY", 0.5)
    down = Outage(database_url("routing"))
    try:
        db = routing(down.url)
        route(db, "published while the database goes away")
        wait_until(lambda: db.relay.published == 1, message="the event confirmed")
        with down.refusing():
            wait_until(lambda: "outbox relay failed" in caplog.text, timeout=20,
                       message="the mark refused")
        assert unsent(db) == 1                             # its lease still runs
        db.relay.sweep()
        assert unsent(db) == 0
        route(db, "after")
        wait_until(lambda: len(tap.names()) == 2, message="both events on the tap")
        assert [payload["note"] for _, payload in tap.seen] == [
            "published while the database goes away", "after"]   # the first not again
    finally:
        down.close()
