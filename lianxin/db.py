"""Each service's own database: engine, migrations, transactional outbox and inbox.

A worker changes state and records the events of that change in one transaction
(``Database.transaction``); after commit the outbox is relayed to RabbitMQ with
publisher confirms, and a background sweep re-sends whatever is still unconfirmed.
A consumer (``Database.consume``) records each ``event_id`` in the inbox in the same
transaction as its work, ignores a second delivery, and keeps any event it cannot
process in the dead-letter table with the error.
"""
import json
import logging
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import eventlet
from alembic import command
from alembic.config import Config
from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from sqlalchemy import (JSON, Column, DateTime, Integer, String, Text, TypeDecorator,
                        create_engine, event, insert, select, update)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.pool import QueuePool

from lianxin import bus, contracts
from lianxin.errors import NotFound

log = logging.getLogger(__name__)
RELAY_BATCH = 200


def utcnow():
    return datetime.now(timezone.utc)


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

    return Base


def load_one(session, column, value, field, lock=False):
    """The row whose ``column`` equals ``value``, or ``NotFound`` naming ``field``;
    ``lock`` holds the row for update until the transaction ends."""
    query = select(column.class_).where(column == str(value))
    row = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no {field.removesuffix('_id').replace('_', ' ')} {value}",
                       {field: ["not found"]})
    return row


def make_engine(url):
    """An engine for ``url``; SQLite gets one connection per process and WAL."""
    if url.startswith("postgresql://"):
        url = "postgresql+pg8000://" + url[len("postgresql://"):]
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
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
        cursor.close()

    return engine


def migrate(engine, migrations_dir):
    """Bring the schema to the newest Alembic revision of ``migrations_dir``."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Unit:
    """One transaction as a worker sees it: the session, the time, and ``publish``."""

    def __init__(self, session, outbox, service, now=None):
        self.session = session
        self.now = now or utcnow()
        self._outbox = outbox
        self._service = service
        self.published = []

    def publish(self, event_type, issue_id, **data):
        if contracts.publisher(event_type) != self._service:
            raise ValueError(f"{self._service} does not publish {event_type}")
        payload = contracts.new_event(event_type, issue_id, now=self.now, **data)
        self.session.execute(insert(self._outbox).values(
            event_id=payload["event_id"], event_type=event_type, payload=payload,
            created_at=self.now))
        self.published.append(payload)
        return payload


class Database(DependencyProvider):
    """nameko dependency: this service's database, with outbox relay and inbox."""

    def __init__(self, base, migrations_dir):
        self.base = base
        self.migrations_dir = migrations_dir

    def setup(self):
        self.config = config = self.container.config
        self.service = self.container.service_name
        self.engine = make_engine(config["DATABASE_URL"])
        migrate(self.engine, self.migrations_dir)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        tables = self.base.metadata.tables
        self.outbox, self.inbox, self.dead_letters = (
            tables["outbox"], tables["inbox"], tables["dead_letters"])
        self.interval = float(config.get("RELAY_INTERVAL", 2))
        self.publisher = bus.event_publisher(config["AMQP_URI"], self.service)
        bus.declare_topology(config["AMQP_URI"])
        self._relaying = threading.Lock()
        self.events = Counter()   # handled, repeated, dead_lettered: shown by /health
        self._dirty = False
        self._running = False

    def start(self):
        self._running = True
        self.container.spawn_managed_thread(self._sweep, identifier="outbox-sweep")

    def stop(self):
        self._running = False

    def kill(self):
        self._running = False

    def get_dependency(self, worker_ctx):
        return self

    @contextmanager
    def transaction(self):
        """Commit the work and its events together, then relay the events."""
        session = self.sessions()
        unit = Unit(session, self.outbox, self.service)
        try:
            yield unit
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        if unit.published:
            self.relay()

    @contextmanager
    def reading(self):
        """A short read-only session."""
        session = self.sessions()
        try:
            yield session
        finally:
            session.close()  # detaches without expiring, so results can still be dumped

    def consume(self, event_type, payload, handle, /, **context):
        """Run ``handle(unit, event, **context)`` once per event; keep what cannot be handled.

        Returns what ``handle`` returned, or None for a repeat or a dead letter."""
        try:
            event_data = contracts.schema(event_type).load(payload)
        except ValidationError as exc:
            return self.keep_dead_letter(event_type, payload, f"invalid: {exc.messages}")
        try:
            with self.transaction() as unit:
                event_id = str(event_data["event_id"])
                if unit.session.execute(select(self.inbox.c.event_id)
                                        .where(self.inbox.c.event_id == event_id)).first():
                    self.events["repeated"] += 1
                    return None
                unit.session.execute(insert(self.inbox).values(
                    event_id=event_id, event_type=event_type, received_at=unit.now))
                result = handle(unit, event_data, **context)
        except IntegrityError as exc:
            if self._seen(event_data["event_id"]):  # a concurrent second delivery won
                log.info("%s %s already handled", event_type, event_data["event_id"])
                self.events["repeated"] += 1
                return None
            log.exception("%s could not be handled; kept as a dead letter", event_type)
            self.keep_dead_letter(event_type, payload, f"{type(exc).__name__}: {exc}")
            return None
        except Exception as exc:  # the message is acked by nameko: keep it here
            log.exception("%s could not be handled; kept as a dead letter", event_type)
            self.keep_dead_letter(event_type, payload, f"{type(exc).__name__}: {exc}")
            return None
        self.events["handled"] += 1
        return result

    def _seen(self, event_id):
        with self.reading() as session:
            return session.execute(select(self.inbox.c.event_id)
                                   .where(self.inbox.c.event_id == str(event_id))).first()

    def keep_dead_letter(self, event_type, payload, error):
        """Store an event that could not be handled, as received, with the reason."""
        if not isinstance(payload, str):
            payload = json.dumps(payload, ensure_ascii=False, default=str)
        with self.transaction() as unit:
            unit.session.execute(insert(self.dead_letters).values(
                event_type=event_type, payload=payload,
                error=error[:4000], received_at=unit.now))
        self.events["dead_lettered"] += 1

    def relay(self):
        """Publish every unsent outbox event; one relay at a time per process."""
        self._dirty = True
        if not self._relaying.acquire(blocking=False):
            return
        try:
            while self._dirty:
                self._dirty = False
                self._send_pending()
        finally:
            self._relaying.release()

    def _send_pending(self):
        while True:
            with self.reading() as session:
                rows = session.execute(
                    select(self.outbox.c.id, self.outbox.c.event_type, self.outbox.c.payload)
                    .where(self.outbox.c.sent_at.is_(None))
                    .order_by(self.outbox.c.id).limit(RELAY_BATCH)).all()
            sent = []
            try:
                for row in rows:
                    self.publisher.publish(row.payload, routing_key=row.event_type)
                    sent.append(row.id)
            finally:
                if sent:
                    with self.transaction() as unit:
                        unit.session.execute(update(self.outbox)
                                             .where(self.outbox.c.id.in_(sent))
                                             .values(sent_at=unit.now))
            if len(rows) < RELAY_BATCH:
                return

    def _sweep(self):
        while self._running:
            eventlet.sleep(self.interval)
            try:
                self.relay()
            except Exception:
                log.warning("outbox relay failed; will retry", exc_info=True)
