"""The sweep's figures for ``lianxin bench``.

- **One sweep of N due timers**, in this process, on a scratch copy of routing's
  database (SQLite in a temporary folder): N issues open at village stations whose
  time limit ran out, each fired as routing's sweep fires it (the overdue notice, the
  escalation to the town, the town's limits armed, the events in the outbox).
- **The sweep's effect on end-to-end issues/s**, on the running system when its clock
  can be moved (``make run``): issues left open at village stations, then the clock
  moved past their limit while the end-to-end bench runs again.
"""
import tempfile
import time
import uuid
from datetime import timedelta

from sqlalchemy import insert
from sqlalchemy.orm import sessionmaker

from lianxin import clock, timers
from lianxin.db import Unit, make_engine, migrate, migrations_of

BATCH = 1000


class ScratchUnits:
    """Units of work on a scratch database, as ``Database.transaction`` gives them."""

    def __init__(self, engine, outbox):
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.outbox = outbox

    def transaction(self):
        return _Transaction(self)

    def note_sweep(self, began, fired):
        pass


class _Transaction:
    def __init__(self, units):
        self.units = units

    def __enter__(self):
        self.session = self.units.sessions()
        return Unit(self.session, self.units.outbox, "routing")

    def __exit__(self, kind, error, trace):
        if kind is None:
            self.session.commit()
        else:
            self.session.rollback()
        self.session.close()


def seed_due(engine, data, count):
    """``count`` issues open at a village station whose time limit ran out 60 days ago,
    each with its due timer; their ids."""
    from services.routing.models import IssueRow, Timer
    village, station = next(iter(data.ladder.village_stations.items()))
    started = clock.now() - timedelta(days=60)
    days = data.rules.limits.days("village")
    schedule = timers.schedule(data.calendar, started, days)
    seeded = []
    with engine.begin() as connection:
        for first in range(0, count, BATCH):
            ids = [str(uuid.uuid4()) for _ in range(min(BATCH, count - first))]
            connection.execute(insert(IssueRow), [
                {"id": i, "tracking_no": f"BENCH{n:08d}", "status": "open", "tier": "village",
                 "station_id": station, "category": "roads", "title": "压测", "returns": 0,
                 "village_code": village, "channel": "hotline", "cooperating": [],
                 "version": 1, "received_at": started} for n, i in enumerate(ids, first)])
            connection.execute(insert(Timer), [
                {"kind": "village", "subject_id": i, "issue_id": i, "holder": station,
                 "days": days, "started_at": started, "state": "pending", **schedule}
                for i in ids])
            seeded += ids
    return seeded


def sweep_rate(config, count):
    """``(fired, seconds, cpu_seconds)`` of one sweep of ``count`` due village timers."""
    from services.routing import app
    from services.routing.models import Base
    from services.routing.service import load_routing_data
    data = load_routing_data(config)
    with tempfile.TemporaryDirectory(prefix="lianxin-timers-") as folder:
        engine = make_engine(f"sqlite:///{folder}/routing.db")
        migrate(engine, migrations_of("routing"))
        seed_due(engine, data, count)
        units = ScratchUnits(engine, Base.metadata.tables["outbox"])
        wall, cpu = time.perf_counter(), time.process_time()
        fired = app.sweep(units, data)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        engine.dispose()
    return fired, wall, cpu
