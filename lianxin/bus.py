"""RabbitMQ topology and publishing, derived from the event contract.

Queue names are exactly those nameko's ``event_handler`` uses, so declaring them
up front (at every service start, and by ``lianxin declare``) means no event is
dropped because its consumer has not started yet.
"""
from __future__ import annotations

from collections.abc import Iterator

from kombu import Connection, Queue
from nameko.amqp.publish import Publisher
from nameko.events import get_event_exchange

from lianxin.contracts import EVENTS, handler_name, publisher


def queue_name(event_type: str, consumer: str) -> str:
    return f"evt-{publisher(event_type)}-{event_type}--{consumer}.{handler_name(event_type)}"


def topology() -> Iterator[Queue]:
    """Every durable queue the contract implies, bound to its publisher's exchange."""
    for event_type, (source, _, consumers) in EVENTS.items():
        exchange = get_event_exchange(source, {})
        for consumer in consumers:
            yield Queue(queue_name(event_type, consumer), exchange=exchange,
                        routing_key=event_type, durable=True, auto_delete=False)


def declare_topology(amqp_uri: str) -> int:
    """Declare every exchange and queue; safe to repeat. Returns the queue count."""
    queues = list(topology())
    with Connection(amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        for queue in queues:
            queue(channel).declare()
    return len(queues)


def event_publisher(amqp_uri: str, service: str) -> Publisher:
    """A publisher to ``service``'s event exchange that waits for broker confirms."""
    exchange = get_event_exchange(service, {})
    return Publisher(amqp_uri, exchange=exchange, declare=[exchange], serializer="json",
                     use_confirms=True)
