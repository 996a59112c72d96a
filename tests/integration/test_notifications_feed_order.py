"""``GET /notifications?after_id=`` pages by message id: a message committed after the
cursor passed its id would never be read. On PostgreSQL two transactions queue messages
at once (a batch of events and a request, or two replicas), so ids must become visible
in their order."""
import eventlet
import pytest
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

from lianxin.db import Unit, make_engine, migrate, migrations_of, one_at_a_time
from services.notify import app
from services.notify.models import Base
from tests.support import databases
from tests.support.broker import wait_until
from tests.unit.conftest import an_event

pytestmark = pytest.mark.skipif(databases.BACKEND != "postgresql",
                                reason="SQLite has one writer at a time")
ISSUES = ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"]


def queue(session, issue_id, write=False):
    """Queue the department's message of an assignment of ``issue_id`` in ``session``'s
    transaction, not committed; ``write`` puts its row in the table meanwhile, as the
    commit does just before it commits."""
    unit = Unit(session, Base.metadata.tables["outbox"], "notify")
    event = an_event("assignment_created", issue_id, tracking_no="HB202611000001",
                     title="村道塌方", assignment_id=issue_id, department="jtj", lead=True,
                     note=None)
    app.queue_messages(unit, event, event_type="assignment_created",
                       templates={"assignment_created": {"department": "{title}"}},
                       display_names={}, default_channel="log")
    if write:
        unit.write_later()


def test_a_message_committed_late_is_not_passed_by_a_readers_cursor(database_url):
    engine = make_engine(database_url("notify"))
    migrate(engine, migrations_of("notify"))
    sessions = sessionmaker(engine, expire_on_commit=False)
    first, second, reader = sessions(), sessions(), sessions()
    try:
        queue(first, ISSUES[0], write=True)          # takes the lower id, commits last

        def later():
            queue(second, ISSUES[1])
            second.commit()
        done = eventlet.spawn(later)
        wait_until(lambda: done.dead or databases.waiting_on_a_lock(engine), timeout=10)
        seen = [(n.id, n.issue_id) for n in app.listing(reader)]
        reader.rollback()
        first.commit()
        done.wait()
        rest = app.listing(reader, after_id=max((i for i, _ in seen), default=0))

        read = [issue for _, issue in seen] + [n.issue_id for n in rest]
        assert sorted(read) == ISSUES
    finally:
        for session in (first, second, reader):
            session.close()
        engine.dispose()


def locks_asked(engine):
    """The statements asking PostgreSQL for an advisory lock, as they are sent."""
    asked = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: asked.append(statement)
                 if "pg_advisory_xact_lock" in statement else None)
    return asked


def test_a_transaction_queuing_many_messages_asks_for_the_lock_once(database_url):
    engine = make_engine(database_url("notify"))
    migrate(engine, migrations_of("notify"))
    asked = locks_asked(engine)
    with sessionmaker(engine)() as session:
        for issue_id in ISSUES:
            queue(session, issue_id)
        session.commit()
        assert len(asked) == 1
        queue(session, ISSUES[0])                   # the next transaction asks again
        session.commit()
    engine.dispose()
    assert len(asked) == 2


def test_a_lock_taken_in_a_savepoint_rolled_back_is_asked_for_again(database_url):
    engine = make_engine(database_url("notify"))
    asked = locks_asked(engine)
    with sessionmaker(engine)() as session:
        savepoint = session.begin_nested()
        one_at_a_time(session, "lianxin-notifications")
        savepoint.rollback()
        one_at_a_time(session, "lianxin-notifications")
        one_at_a_time(session, "lianxin-notifications")
        session.commit()
    engine.dispose()
    assert len(asked) == 2
