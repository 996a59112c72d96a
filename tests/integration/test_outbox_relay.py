"""The outbox relay on the real broker and database (SQLite, or PostgreSQL on its leg):
events confirmed are marked sent by the next transaction, or together in one of their
own, and a mark the database refuses is kept until a sweep makes it, never lost and
never a reason to publish again."""
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import event, text

from lianxin import contracts, soon
from lianxin.db import Database
from lianxin.statements import inserting
from services.routing.models import Base
from tests.support import databases, wire
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


def commits(db):
    """The transactions ``db`` commits from now on, counted as they commit."""
    counted = []
    event.listen(db.engine, "commit", lambda conn: counted.append(1))
    return counted


def first_confirmed(routing, monkeypatch):
    """Routing's database with one event published and confirmed, its mark waiting (for
    up to 5 s) for a transaction to ride with."""
    monkeypatch.setattr(soon, "DELAY", 5.0)
    db = routing()
    route(db, "first")
    wait_until(lambda: db.relay.published == 1, message="the first event confirmed")
    return db


def test_events_confirmed_are_marked_sent_by_the_next_transaction_not_by_one_of_their_own(
        routing, tap, monkeypatch):
    db = first_confirmed(routing, monkeypatch)
    assert unsent(db) == 1                    # it waits for a transaction to ride with
    committed = commits(db)
    route(db, "second")                       # its commit marks the first sent
    wait_until(lambda: db.relay.published == 2, message="the second event confirmed")
    assert unsent(db) == 1 and len(committed) == 1
    wait_until(lambda: unsent(db) == 0, timeout=10, message="the second marked sent alone")
    assert len(committed) == 2


def test_batches_confirmed_while_no_transaction_commits_are_marked_in_one_of_their_own(
        routing, tap, monkeypatch):
    monkeypatch.setattr(soon, "DELAY", 2.0)
    db = routing()
    events = [{"event_id": str(uuid.uuid4()), "event_type": "issue_routed",
               "payload": contracts.new_event("issue_routed", ISSUE, tracking_no="HB202611000001",
                                              title="村道塌方", status="open", tier="village",
                                              station_id="st-1", version=1, note=f"step {n}")}
              for n in range(3)]
    with db.transaction(relay=False) as unit:    # in the outbox, for the sweep to claim
        unit.outbound.extend(events)
    committed = commits(db)
    marks = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: marks.append(statement)
                 if "UPDATE outbox SET sent_at" in statement else None)
    for one in events:                           # three batches, each confirmed alone
        db.relay._publish([one])
    assert unsent(db) == 3
    wait_until(lambda: unsent(db) == 0, timeout=10, message="every event marked sent")
    assert len(marks) == 1 and len(committed) == 1     # not one per batch
    wait_until(lambda: len(tap.names()) == 3, message="every event on the tap")


def test_marks_taken_by_a_transaction_that_rolls_back_are_made_by_the_next(
        routing, tap, monkeypatch):
    db = first_confirmed(routing, monkeypatch)
    with pytest.raises(RuntimeError), db.transaction() as unit:
        unit.publish("issue_routed", ISSUE, tracking_no="HB202611000001", title="村道塌方",
                     status="open", tier="village", station_id="st-1", version=2, note="undone")
        raise RuntimeError("the work failed")
    assert unsent(db) == 1 and db.soon           # the mark waits again
    route(db, "second")
    assert unsent(db) == 1                        # the first marked, the second just made


@pytest.mark.skipif(databases.BACKEND != "postgresql",
                    reason="SQLite's statements cost no round trip")
def test_a_units_rows_and_events_go_with_its_commit_in_one_message(routing, tap):
    db = routing()
    route(db, "first")                         # the pool's connection made and tested
    sent = wire.messages(db.engine)
    with db.transaction() as unit:
        unit.later(inserting(db.inbox), {"event_id": str(uuid.uuid4()),
                                         "event_type": "issue_submitted",
                                         "received_at": unit.now})
        unit.publish("issue_routed", ISSUE, tracking_no="HB202611000001", title="村道塌方",
                     status="open", tier="village", station_id="st-1", version=2, note="two")
    (message,) = sent
    assert message.startswith(b"BEGIN;INSERT INTO inbox") and b";INSERT INTO outbox" in message
    assert message.endswith(b";COMMIT")


def test_a_mark_the_database_refuses_is_kept_and_made_by_the_next_sweep(
        routing, tap, database_url, monkeypatch, caplog):
    monkeypatch.setattr(soon, "DELAY", 0.5)
    down = Outage(database_url("routing"))
    try:
        db = routing(down.url)
        route(db, "published while the database goes away")
        wait_until(lambda: db.relay.published == 1, message="the event confirmed")
        with down.refusing():
            wait_until(lambda: "writes left for the next transaction failed" in caplog.text,
                       timeout=20,
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
