"""RabbitMQ topology and publishing, derived from the event contract.

Queue names are exactly those nameko's ``event_handler`` uses, so declaring them
up front (at every service start, and by ``lianxin declare``) means no event is
dropped because its consumer has not started yet.
"""
from __future__ import annotations

from collections.abc import Iterator

from amqp.exceptions import PreconditionFailed
from kombu import Connection, Queue
from nameko.amqp.publish import Publisher
from nameko.events import get_event_exchange

from lianxin.contracts import EVENTS, handler_name, publisher


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


def event_publisher(amqp_uri: str, service: str) -> Publisher:
    """A publisher to ``service``'s event exchange that waits for broker confirms."""
    exchange = get_event_exchange(service, {})
    return Publisher(amqp_uri, exchange=exchange, declare=[exchange], serializer="json",
                     use_confirms=True)
