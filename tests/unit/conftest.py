"""Unit tests of the rules and use cases: plain objects, the sample directory, an
in-memory SQLite database per test, no broker."""
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from lianxin import contracts, rulesfile
from lianxin import directory as ladders
from lianxin.config import read_yaml
from lianxin.db import Unit, migrate
from lianxin.workdays import WorkCalendar
from services.routing.domain import Issue
from tests.support.console import Browser, Clock, FakeServices, make_console


@pytest.fixture(scope="session")
def directory():
    return read_yaml("data/hanbin.yml")


@pytest.fixture(scope="session")
def ladder(directory):
    return ladders.from_directory(directory)


@pytest.fixture(scope="session")
def ruleset(directory):
    """The shipped rules file, checked against the sample directory."""
    return rulesfile.read("data/rules.yml", categories=[c["code"] for c in directory["categories"]],
                          departments=[d["code"] for d in directory["departments"]])


@pytest.fixture(scope="session")
def rules(ruleset):
    """Where issues start."""
    return ruleset.start


@pytest.fixture(scope="session")
def routing_data(ladder, ruleset):
    from services.routing.service import RoutingData
    return RoutingData(ladder, ruleset, "Asia/Shanghai", WorkCalendar())


VILLAGE = "610902101002"          # 白庙村, 关庙镇
VILLAGE_STATION = "st-610902101002"
TOWN_STATION = "st-610902101"
DISTRICT_STATION = "st-610902"


def an_issue(**changes):
    base = dict(id="i-1", status="open", tier="village", station_id=VILLAGE_STATION,
                category="roads", title="村道塌方", village_code=VILLAGE, channel="hotline",
                tracking_no="HB202611000001", version=1)
    return Issue(**{**base, **changes})


NOW = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)


class Store:
    """One service's tables in a fresh in-memory SQLite database."""

    def __init__(self, base, service):
        self.engine = create_engine("sqlite://", poolclass=StaticPool,
                                    connect_args={"check_same_thread": False})
        base.metadata.create_all(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.outbox = base.metadata.tables["outbox"]
        self.service = service
        self.now = NOW
        self.published = []     # every event committed, oldest first

    @contextmanager
    def unit(self, now=None):
        """One transaction, as ``Database.transaction`` runs it: commit, or roll back on error."""
        with self.sessions() as session:
            unit = Unit(session, self.outbox, self.service, now or self.now)
            try:
                yield unit
                session.commit()
                self.published.extend(unit.published)
            except BaseException:
                session.rollback()
                raise

    transaction = unit      # what lianxin.timers sweeps in, as Database.transaction

    def note_sweep(self, began, fired):
        self.swept = (began, fired)

    @contextmanager
    def session(self):
        with self.sessions() as session:
            yield session

    def outbox_types(self):
        """The types of the committed events, oldest first."""
        with self.engine.connect() as connection:
            return connection.execute(select(self.outbox.c.event_type)
                                      .order_by(self.outbox.c.id)).scalars().all()


@pytest.fixture
def unit_of():
    """``unit_of(Base, service)``: a new in-memory database of that service's tables."""
    stores = []

    def make(base, service):
        stores.append(Store(base, service))
        return stores[-1]

    yield make
    for store in stores:
        store.engine.dispose()


def an_event(event_type, issue_id, **data):
    """An event as its consumers receive it: a new payload loaded by its schema."""
    schema = contracts.schema(event_type)
    return schema.load(contracts.new_event(event_type, issue_id, now=NOW, **data))


def migration_diff(base, service, tmp_path):
    """What differs between ``base``'s tables and those ``service``'s migrations build."""
    engine = create_engine(f"sqlite:///{tmp_path / service}.db")
    migrate(engine, f"services/{service}/migrations")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, base.metadata)
    engine.dispose()
    return diff


def placed(db, data, at, **changes):
    """The id of a new issue routing placed at ``at`` (a hotline road issue unless changed)."""
    from services.routing import app
    submitted = {"tracking_no": "HB202611000001", "channel": "hotline", "category": "roads",
                 "title": "村道塌方", "village_code": VILLAGE, **changes}
    event = an_event("issue_submitted", uuid.uuid4(), **submitted)
    event["occurred_at"] = at
    with db.unit(at) as unit:
        app.place_issue(unit, event, data=data)
    return str(event["issue_id"])


# the web console in-process, the services stood in for (tests/support/console.py) --------
@pytest.fixture
def services():
    return FakeServices()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def console(tmp_path, services, clock):
    return make_console(tmp_path, services, clock)


@pytest.fixture
def browser(console):
    return Browser(console)
