"""``GET /notifications?after_id=`` pages by message id: a message committed after the
cursor passed its id would never be read. On PostgreSQL two transactions queue messages
at once (a batch of events and a request, or two replicas), so ids must become visible
in their order."""
import eventlet
import pytest
from sqlalchemy.orm import sessionmaker

from lianxin.db import Unit, make_engine, migrate, migrations_of
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
