"""The grid system's feed pages by change id: a change committed after the cursor passed
its id would never be read. On PostgreSQL two projections run at once, so ids must
become visible in their order."""
from types import SimpleNamespace

import eventlet
import pytest
from sqlalchemy.orm import sessionmaker

from lianxin.db import Unit, make_engine, migrate, migrations_of
from services.intake.grid import status
from services.intake.models import Base
from tests.support import databases
from tests.support.broker import wait_until

pytestmark = pytest.mark.skipif(databases.BACKEND != "postgresql",
                                reason="SQLite has one writer at a time")


def change(session, issue_id):
    """Record a change of ``issue_id`` in ``session``'s transaction, not committed."""
    row = SimpleNamespace(id=issue_id, tracking_no="HB202611000001", status="open",
                          tier="village", current_station_id="st-1", department=None)
    unit = Unit(session, Base.metadata.tables["outbox"], "intake")
    status.record(unit, row, "issue_routed", {"occurred_at": unit.now})


def test_a_change_committed_late_is_not_passed_by_the_feeds_cursor(database_url):
    engine = make_engine(database_url("intake"))
    migrate(engine, migrations_of("intake"))
    sessions = sessionmaker(engine, expire_on_commit=False)
    first, second, reader = sessions(), sessions(), sessions()
    try:
        change(first, "early")                     # takes the lower id, commits last

        def later():
            change(second, "late")
            second.commit()
        done = eventlet.spawn(later)
        wait_until(lambda: done.dead or databases.waiting_on_a_lock(engine), timeout=10)
        seen = status.feed(reader, 0, 100)
        reader.rollback()
        first.commit()
        done.wait()
        rest = status.feed(reader, seen["next"], 100)

        read = [c["issue_id"] for c in seen["changes"] + rest["changes"]]
        assert sorted(read) == ["early", "late"]
    finally:
        for session in (first, second, reader):
            session.close()
        engine.dispose()
