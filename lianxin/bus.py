"""RabbitMQ topology and publishing, derived from the event contract.

Queue names are exactly those nameko's ``event_handler`` uses, so declaring them
up front (at every service start, and by ``lianxin declare``) means no event is
dropped because its consumer has not started yet.
"""
from __future__ import annotations

import socket
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from amqp.exceptions import PreconditionFailed
from kombu import Connection, Producer, Queue
from nameko.constants import PERSISTENT
from nameko.events import get_event_exchange

from lianxin import readahead
from lianxin.contracts import EVENTS, handler_name, publisher

readahead.install()


def queue_name(event_type: str, consumer: str) -> str:
    return f"evt-{publisher(event_type)}-{event_type}--{consumer}.{handler_name(event_type)}"


QUEUE_TYPES = ("classic", "quorum")


class QueueTypeMismatch(Exception):
    """A queue exists on the broker as another type than QUEUE_TYPE asks for."""


def queue_arguments(queue_type: str = "classic") -> dict[str, str]:
    """The arguments every event queue is declared with: RabbitMQ's default (classic,
    durable) or its replicated kind (``quorum``, for a cluster). The services and
    ``lianxin declare`` both use this, so they never disagree."""
    if queue_type not in QUEUE_TYPES:
        raise ValueError(f"QUEUE_TYPE {queue_type!r} is not one of {', '.join(QUEUE_TYPES)}")
    return {} if queue_type == "classic" else {"x-queue-type": queue_type}


def topology(queue_type: str = "classic") -> Iterator[Queue]:
    """Every durable queue the contract implies, bound to its publisher's exchange."""
    arguments = queue_arguments(queue_type)
    for event_type, (source, _, consumers) in EVENTS.items():
        exchange = get_event_exchange(source, {})
        for consumer in consumers:
            yield Queue(queue_name(event_type, consumer), exchange=exchange,
                        routing_key=event_type, durable=True, auto_delete=False,
                        queue_arguments=arguments)


def declare_topology(amqp_uri: str, queue_type: str = "classic") -> int:
    """Declare every exchange and queue; safe to repeat. Returns the queue count. A
    queue already there as another type stops it, naming the queue and the way out."""
    queues = list(topology(queue_type))
    with Connection(amqp_uri, connect_timeout=5) as connection:
        for queue in queues:
            try:
                queue(connection.default_channel).declare()
            except PreconditionFailed as exc:
                raise QueueTypeMismatch(
                    f"queue {queue.name} exists with other arguments than QUEUE_TYPE="
                    f"{queue_type} asks for ({exc.reply_text}); a queue's type cannot change: "
                    "drain it, delete it (rabbitmqctl delete_queue), then declare again "
                    "(docs/performance.md, \"Queue type\")") from None
    return len(queues)


@contextmanager
def one_write(connection: Any) -> Iterator[None]:
    """The frames written on ``connection`` (py-amqp's) within the block go to its socket
    in one send as it ends, instead of a send each: a batch of publishes or acks costs
    one system call and one wake-up of the broker. Nothing is sent if the block raises;
    the caller closes the connection then (its frames cannot be taken back)."""
    transport = connection.transport
    frames: list[bytes] = []
    send = transport._write      # py-amqp's socket.sendall; frames arrive as a reused buffer
    transport._write = lambda frame: frames.append(bytes(frame))
    try:
        yield
    finally:
        transport._write = send
    if frames:
        transport.write(b"".join(frames))


CONFIRM_TIMEOUT = 10.0   # seconds a batch waits for the broker's confirms


class Unconfirmed(Exception):
    """The broker refused (nacked) a published event, or did not confirm it in time."""


class EventPublisher:
    """Publishes to one service's event exchange, persistent and with publisher
    confirms, on a connection and channel it keeps: a batch is sent whole, then
    waited for once, and is confirmed whole or not at all (``publish`` raises).

    A failure closes the connection; the next batch opens another. Not for two
    greenthreads at once (the outbox relay publishes under its lock)."""

    def __init__(self, amqp_uri: str, service: str, confirm_timeout: float = CONFIRM_TIMEOUT):
        self.amqp_uri = amqp_uri
        self.exchange = get_event_exchange(service, {})
        self.confirm_timeout = confirm_timeout
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._tag = 0                  # the channel's last delivery tag
        self._waiting: set[int] = set()
        self._nacked = False

    def publish(self, events: Iterable[tuple[str, Any]]) -> int:
        """Publish each ``(routing_key, payload)`` in order; return how many, once the
        broker has confirmed every one."""
        try:
            producer, count = self._producer or self._open(), 0
            with one_write(producer.channel.connection):
                for routing_key, payload in events:
                    producer.publish(payload, routing_key=routing_key,
                                     delivery_mode=PERSISTENT, retry=False)
                    self._tag += 1
                    self._waiting.add(self._tag)
                    count += 1
            self._wait()
            return count
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        connection, self._connection, self._producer = self._connection, None, None
        if connection is not None:
            try:
                connection.close()
            except Exception:   # already broken: nothing more to release
                pass

    def _open(self) -> Producer:
        self._connection = Connection(self.amqp_uri, connect_timeout=5)
        channel = self._connection.channel()
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        self._tag, self._waiting, self._nacked = 0, set(), False
        self._producer = Producer(channel, exchange=self.exchange, serializer="json",
                                  auto_declare=False)   # declared below, once
        self.exchange(channel).declare()
        return self._producer

    def _wait(self) -> None:
        assert self._connection is not None
        deadline = time.monotonic() + self.confirm_timeout
        while self._waiting and not self._nacked:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unconfirmed(f"{len(self._waiting)} events not confirmed in "
                                  f"{self.confirm_timeout:g} s")
            try:
                self._connection.drain_events(timeout=left)
            except socket.timeout:
                pass
        if self._nacked:
            raise Unconfirmed("the broker refused an event (basic.nack)")

    def _on_ack(self, tag: int, multiple: bool) -> None:
        self._waiting -= {t for t in self._waiting if t <= tag} if multiple else {tag}

    def _on_nack(self, tag: int, multiple: bool) -> None:
        self._nacked = True
