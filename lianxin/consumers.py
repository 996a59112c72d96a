"""AMQP consumer plumbing: ``@subscribe(event)`` on a service method, and no message lost.

nameko acks and drops a message whose body cannot be decoded (kombu only logs it).
Our handlers' queue consumer keeps such a message in the service's dead-letter
table with the decoding error instead.
"""
from nameko.events import EventHandler
from nameko.messaging import QueueConsumer

from lianxin.contracts import publisher
from lianxin.db import Database


class KeepingQueueConsumer(QueueConsumer):
    def on_decode_error(self, message, exc):
        event_type = message.delivery_info.get("routing_key", "?")
        body = message.body.decode("utf-8", "replace") if isinstance(message.body, bytes) \
            else str(message.body)
        database = next(d for d in self.container.dependencies if isinstance(d, Database))
        database.keep_dead_letter(event_type, body, f"undecodable ({message.content_type}): {exc!r}")
        message.ack()


class KeepingEventHandler(EventHandler):
    queue_consumer = KeepingQueueConsumer()


def subscribe(event_type):
    """Handle ``event_type`` from whichever service the contract says publishes it.

    The method must be named ``on_<event_type>``: the queue names derive from it."""
    return KeepingEventHandler.decorator(publisher(event_type), event_type)

