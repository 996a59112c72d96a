"""Each service's own database: engine, tables shared by all, migrations, units of work.

A worker changes state and records the events of that change in one transaction
(``Database.transaction``); after commit the outbox is relayed to RabbitMQ
(``lianxin.outbox``). A consumer (``Database.consume``, ``lianxin.inbox``) records
each ``event_id`` in the inbox in the same transaction as its work.
"""
import fcntl
import functools
import logging
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timezone
from pathlib import Path

import eventlet
from alembic import command
from alembic.config import Config
from nameko.extensions import DependencyProvider
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool

from lianxin import bus, clock, contracts, idempotency, inbox
from lianxin.batches import Batcher
from lianxin.errors import NotFound
from lianxin.outbox import LEASE, Relay
from lianxin.pgtransactions import HoldingConnection, begin_with_first_statement, holding
from lianxin.retries import Attempts
from lianxin.soon import Soon
from lianxin.statements import inserting

log = logging.getLogger(__name__)
IDLE_TEST_SECONDS = 1.0   # a PostgreSQL connection unused this long is tested before use


def utcnow():
    """Now, from the one clock (``lianxin.clock``)."""
    return clock.now()


class UtcDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite too)."""
    impl = DateTime
    cache_ok = True

    def __init__(self, timezone=True):
        super().__init__(timezone=True)

    def process_bind_param(self, value, dialect):
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


def service_base():
    """A new declarative base for one service's tables, with its outbox, inbox and
    dead-letter tables already on it (the same three in every service)."""
    class Base(DeclarativeBase):
        pass

    class Outbox(Base):
        __tablename__ = "outbox"
        id = Column(Integer, primary_key=True)
        event_id = Column(String(36), nullable=False, unique=True)
        event_type = Column(String(64), nullable=False)
        payload = Column(JSON, nullable=False)
        created_at = Column(UtcDateTime(), nullable=False)
        sent_at = Column(UtcDateTime(), index=True)
        # a relay's lease on an unsent row, so that two replicas never both publish it
        claim = Column(String(36))
        claimed_until = Column(UtcDateTime())

    class Inbox(Base):
        __tablename__ = "inbox"
        event_id = Column(String(36), primary_key=True)
        event_type = Column(String(64), nullable=False)
        received_at = Column(UtcDateTime(), nullable=False)

    class DeadLetter(Base):
        __tablename__ = "dead_letters"
        id = Column(Integer, primary_key=True)
        event_type = Column(String(64), nullable=False)
        payload = Column(Text, nullable=False)
        error = Column(Text, nullable=False)
        received_at = Column(UtcDateTime(), nullable=False)
        # dead (the message is bad) | parked (retries ran out) | replayed | discarded
        status = Column(String(16), nullable=False, default="dead", server_default="dead",
                        index=True)
        attempts = Column(Integer, nullable=False, default=0, server_default="0")
        updated_at = Column(UtcDateTime())

    idempotency.add_table(Base, UtcDateTime)
    return Base


def load_one(session, column, value, field, lock=False):
    """The row whose ``column`` equals ``value``, or ``NotFound`` naming ``field``;
    ``lock`` holds the row for update until the transaction ends."""
    query = select(column.class_).where(column == str(value))
    row = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise missing(field, value)
    return row


def missing(field, value):
    """The ``NotFound`` for no row whose ``field`` is ``value``."""
    return NotFound(f"no {field.removesuffix('_id').replace('_', ' ')} {value}",
                    {field: ["not found"]})


# SQLite reads the pages its cache lacks from a memory map of the database file instead
# of a read() each: 30-40 % fewer read calls per service under the bench. The mapped
# pages are the file's, shared with the system's cache; a service's RSS counts those it
# touched (3-7 MB after 6,000 issues).
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


def make_engine(url):
    """An engine for ``url``; SQLite gets one connection per process, WAL, and its file
    read through a memory map (``SQLITE_MMAP_BYTES``).

    PostgreSQL goes through psycopg2 (libpq, in C), made to wait on the network through
    eventlet's hub (psycogreen) so that a query never blocks the process's other work;
    rows changed together (a meeting's issues) go a hundred to a round trip, and a
    transaction's BEGIN goes with its first statement (``lianxin.pgtransactions``)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    if not url.startswith("sqlite"):
        options = {}
        if url.startswith("postgresql+psycopg2://"):
            from psycogreen.eventlet import patch_psycopg
            patch_psycopg()
            options = {"executemany_mode": "values_plus_batch",
                       "connect_args": {"connection_factory": HoldingConnection}}
        engine = create_engine(url, pool_size=10, max_overflow=10, **options)
        if engine.dialect.driver == "psycopg2":
            begin_with_first_statement(engine)
        _test_when_idle(engine, IDLE_TEST_SECONDS)
        return engine
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, poolclass=QueuePool, pool_size=1, max_overflow=0,
                           pool_timeout=60)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    return engine


def _test_when_idle(engine, seconds):
    """Test a pooled connection with a round trip before use only when it has sat unused
    for ``seconds``: one the server dropped meanwhile (a restart, an idle timeout) is
    replaced instead of failing the work, and under load no round trip is spent on it."""
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _test(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("idle_from", 0.0) < seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc   # the pool connects afresh


def migrations_of(service):
    """Where a service's Alembic revisions live (relative to the project's root)."""
    return f"services/{service}/migrations"


def migrate(engine, migrations_dir):
    """Bring the schema to the newest Alembic revision of ``migrations_dir``, holding a
    lock so that replicas starting together migrate one after the other."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    with _migration_lock(engine), engine.begin() as connection:
        one_at_a_time(connection, "lianxin-migrate")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def one_at_a_time(connection, name):
    """On PostgreSQL, hold lock ``name`` until the transaction ends, so that transactions
    taking it run one after another (SQLite has one writer at a time already).
    ``connection`` is a Connection or a Session; a Session asks for the lock once per
    transaction (a lock taken inside a savepoint is asked for again: rolling the savepoint
    back lets it go)."""
    dialect = getattr(connection, "dialect", None) or connection.get_bind().dialect
    if dialect.name != "postgresql":
        return
    held = connection.info.setdefault(LOCKS_HELD, {}) if isinstance(connection, Session) else None
    if held is not None and name in held and held[name] is connection.get_transaction():
        return
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
    if held is not None and connection.get_nested_transaction() is None:
        held[name] = connection.get_transaction()


LOCKS_HELD = "lianxin.locks"    # a Session's held locks: {name: the transaction holding it}


@contextmanager
def _migration_lock(engine):
    """A file lock beside a SQLite database (PostgreSQL locks inside the transaction)."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.migrate-lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Unit:
    """One transaction as a worker sees it: the session, the time, and ``publish``.

    Events are written to the outbox together as the transaction commits, under the
    lease ``claim`` (the relay's of this process) when given, for the relay to publish
    straight after commit (``lianxin.outbox``). Rows given to ``later`` are written then
    too, each statement's with one ``executemany``. An event or a row recorded inside a
    savepoint that rolls back is forgotten with it, so the outbox, the tables and the
    relay get exactly what the transaction commits."""

    def __init__(self, session, outbox, service, now=None, actor=None, claim=None):
        self.session = session
        self.now = now or utcnow()
        self.actor = actor           # the front end's user on whose behalf it acts, if any
        self._outbox = outbox
        self._service = service
        self._claim = claim
        self.outbound = []           # each event recorded: its id, type and payload
        self._savepoints = []        # the innermost savepoint each was recorded in, or None
        self._stored = 0             # how many of them the outbox holds
        self._later = []             # (statement, row, innermost savepoint, returned rows' list)
        session.info.setdefault(UNITS, []).append(self)

    def publish(self, event_type, issue_id, **data):
        if contracts.publisher(event_type) != self._service:
            raise ValueError(f"{self._service} does not publish {event_type}")
        payload = contracts.new_event(event_type, issue_id, now=self.now, **data)
        self.outbound.append({"event_id": payload["event_id"], "event_type": event_type,
                              "payload": payload})
        self._savepoints.append(self.session.get_nested_transaction())
        return payload

    def later(self, statement, *rows):
        """Run ``statement`` with ``rows`` as the transaction commits, in one
        ``executemany`` with the other rows given it (one round trip on PostgreSQL, and
        SQLAlchemy's cost paid once): for rows that nothing in the transaction reads,
        such as inbox entries or the steps of a history. Returns a list that then holds
        what a ``RETURNING`` statement returned for these rows, in their order (the
        statement's ``returning`` needs ``sort_by_parameter_order=True``)."""
        written, savepoint = [], self.session.get_nested_transaction()
        self._later.extend((statement, row, savepoint, written) for row in rows)
        return written

    def pending(self, statement):
        """The rows given to ``later`` for ``statement`` and not yet written."""
        return [row for given, row, _, _ in self._later if given is statement]

    @property
    def published(self):
        """The payloads of the events recorded, in order."""
        return [event["payload"] for event in self.outbound]

    def store(self):
        """Write the rows given to ``later`` since the last ``store``, then the events
        recorded since then to the outbox, in one statement each: the session runs it as
        it commits (``_store_outbound``)."""
        self.write_later()
        rows = [{"event_id": e["event_id"], "event_type": e["event_type"],
                 "payload": e["payload"], "created_at": self.now, "claim": self._claim,
                 "claimed_until": self.now + LEASE if self._claim else None}
                for e in self.outbound[self._stored:]]
        self._stored = len(self.outbound)
        if rows:
            with holding(self.session.connection()):     # it goes with the COMMIT
                self.session.execute(inserting(self._outbox), rows)

    def write_later(self):
        """Write the rows given to ``later`` now, one statement each; on PostgreSQL those
        that return nothing go with the transaction's next statement or its ``COMMIT``
        (``lianxin.pgtransactions.holding``)."""
        if self._later:
            self.session.flush()     # rows the ORM holds go first: a later row may refer to one
            for (statement, _), entries in _grouped(self._later).items():
                if not statement.returning_column_descriptions:
                    with holding(self.session.connection()):
                        self.session.execute(statement, [row for row, _ in entries])
                    continue
                result = self.session.execute(statement, [row for row, _ in entries])
                for (_, written), found in zip(entries, result.all(), strict=True):
                    written.append(found)
            self._later = []

    def savepoint(self):
        """``session.begin_nested()``, the rows given to ``later`` written first: they
        belong to the transaction around it, and a query inside finds them."""
        self.write_later()
        return self.session.begin_nested()

    def forget(self, savepoint):
        """``savepoint`` rolled back: so did the events recorded within it."""
        recorded = zip(self.outbound, self._savepoints, strict=True)
        kept = [(event, inner) for event, inner in recorded if not _within(inner, savepoint)]
        self.outbound = [event for event, _ in kept]
        self._savepoints = [inner for _, inner in kept]
        self._later = [(statement, row, inner, written)
                       for statement, row, inner, written in self._later
                       if not _within(inner, savepoint)]


UNITS = "lianxin.units"    # the key of a session's units in ``Session.info``


def _grouped(later):
    """``{(statement, its columns): [(row, its list of returned rows), ...]}``: one
    ``executemany`` takes rows of one statement that name the same columns. A table's
    statements come before those of the tables that refer to it (its rows before the
    rows that name them), otherwise in the order each was first given."""
    groups = {}
    for statement, row, _, written in later:
        groups.setdefault((statement, tuple(row)), []).append((row, written))
    return dict(sorted(groups.items(), key=lambda group: _rank(group[0][0].table)))


@functools.cache
def _rank(table):
    """Where ``table`` comes in its metadata's order of dependency (referred first)."""
    return table.metadata.sorted_tables.index(table)


def _within(transaction, savepoint):
    while transaction is not None:
        if transaction is savepoint:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "before_commit")
def _store_outbound(session):
    if session.get_nested_transaction() is not None:
        return           # a savepoint: what it recorded is stored with the transaction
    for unit in session.info.get(UNITS, ()):
        unit.store()


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction):
    if previous_transaction.nested:
        for unit in session.info.get(UNITS, ()):
            unit.forget(previous_transaction)


class Database(DependencyProvider):
    """nameko dependency: this service's database, its outbox relay and its inbox."""

    def __init__(self, base):
        self.base = base

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        self.engine = make_engine(config["DATABASE_URL"])
        migrate(self.engine, migrations_of(self.service))
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        tables = self.base.metadata.tables
        self.outbox, self.inbox, self.dead_letters = (
            tables["outbox"], tables["inbox"], tables["dead_letters"])
        self.idempotency_keys = tables["idempotency_keys"]
        self.interval = float(config.get("RELAY_INTERVAL", 2))
        self.amqp_uri = config["AMQP_URI"]
        self.soon = Soon(functools.partial(self.transaction, relay=False))
        self.relay = Relay(self, bus.EventPublisher(config["AMQP_URI"], self.service))
        self.attempts = Attempts(limit=int(config.get("RETRY_LIMIT", 10)))
        self.batch_limit = int(config["CONSUME_BATCH"])
        self._batchers = {}
        self.events = Counter()   # handled, repeated, dead_lettered, parked: shown by /health
        bus.declare_topology(config["AMQP_URI"], config.get("QUEUE_TYPE") or "classic")
        self.last_sweep = None     # when the newest sweep of due timers began, and fired
        self.recounted_with = None  # the calendar provisional deadlines were counted on
        self._running = False

    def start(self):
        self._running = True
        self.container.spawn_managed_thread(self._sweep, identifier="outbox-sweep")

    def stop(self):
        self._running = False
        self.soon.now()                  # events confirmed, not yet marked sent
        self.relay.publisher.close()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        actor = worker_ctx.data.get("actor")
        return Acting(self, actor) if actor else self

    @contextmanager
    def transaction(self, relay=True, actor=None):
        """Commit the work and its events together, then have them relayed in the
        background: the caller never waits on the broker, and a relay that fails is
        left to the sweep, never reported as the work's failure. The writes waiting in
        ``soon`` (``lianxin.soon``) are done in it, just before it commits."""
        session = self.sessions()
        unit = Unit(session, self.outbox, self.service, actor=actor,
                    claim=self.relay.token if relay else None)
        riding = {}
        try:
            yield unit
            riding = self.soon.take()     # writes nothing waits on go with it (lianxin.soon)
            self.soon.do(unit, riding)
            session.commit()
        except BaseException:
            session.rollback()
            self.soon.give_back(riding)
            raise
        finally:
            session.close()
        if relay and unit.outbound:
            self.relay.hand(unit.outbound)

    def together(self, work, item):
        """``work(unit, item)``'s result, in one transaction with the other items of
        ``work`` that arrive meanwhile (``lianxin.batches``: at most ``CONSUME_BATCH``)."""
        if work not in self._batchers:
            self._batchers[work] = Batcher(functools.partial(self._together, work),
                                           limit=self.batch_limit)
        return self._batchers[work](item)

    def _together(self, work, items):
        """The items in one transaction; ``work.prepare(unit, items)`` first, if ``work``
        has it, readies what they share (``inbox.prepare``)."""
        with self.transaction() as unit:
            if hasattr(work, "prepare"):
                work.prepare(unit, items)
            return [work(unit, item) for item in items]

    @contextmanager
    def reading(self):
        """A short read-only session."""
        session = self.sessions()
        try:
            yield session
        finally:
            session.close()  # detaches without expiring, so results can still be dumped

    def consume(self, event_type, payload, handle, /, **context):
        """Handle an event once, keep it as a dead letter, or raise ``Retry``
        (``lianxin.inbox``)."""
        return inbox.consume(self, event_type, payload, handle, context)

    def keep_dead_letter(self, event_type, payload, error):
        inbox.keep(self, event_type, payload, error)

    def health(self):
        """What this process has done with the events it received."""
        names = ("handled", "repeated", "dead_lettered", "parked")
        return {**{name: self.events[name] for name in names},
                "retrying": self.attempts.waiting, "retries": self.attempts.retried,
                "last_retry_error": self.attempts.last_error,
                "published": self.relay.published,
                "published_in_confirms": self.relay.confirms,
                "handled_in_transactions": getattr(self._batchers.get(inbox.receive),
                                                   "batches", 0),
                "timers_fired": self.events["timers_fired"],
                "last_timer_sweep": self.last_sweep and self.last_sweep.isoformat()}

    def note_sweep(self, began, fired):
        """A sweep of due timers (``lianxin.timers``) is over: shown by /health."""
        self.events["timers_fired"] += fired
        self.last_sweep = began

    def _sweep(self):
        while self._running:
            eventlet.sleep(self.interval)
            self.relay.sweep()


class Acting:
    """The database as a request made on a named user's behalf sees it: each unit of work
    knows who acts (``Unit.actor``)."""

    def __init__(self, db, actor):
        self._db, self._actor = db, actor

    def __getattr__(self, name):
        return getattr(self._db, name)

    def transaction(self, relay=True):
        return self._db.transaction(relay, actor=self._actor)

    def together(self, work, item):
        """A named user's work runs alone, as that user, not with others' work."""
        with self.transaction() as unit:
            return work(unit, item)
