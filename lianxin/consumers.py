"""AMQP consumer plumbing: ``@subscribe(event)`` on a service method, and no message lost.

nameko acknowledges a message when its worker ends, even when the handler raised,
and acknowledges and drops a body it cannot decode. Our event handler puts a
message back on its queue when the handler raises ``Retry`` (the world failed, see
``lianxin.inbox``), and our queue consumer stores an undecodable body as a dead
letter before acknowledging it, or puts it back if it cannot be stored.
"""
from nameko.events import EventHandler
from nameko.messaging import QueueConsumer

from lianxin.contracts import publisher
from lianxin.db import Database
from lianxin.retries import Retry


class KeepingQueueConsumer(QueueConsumer):
    def on_decode_error(self, message, exc):
        event_type = message.delivery_info.get("routing_key", "?")
        body = message.body.decode("utf-8", "replace") if isinstance(message.body, bytes) \
            else str(message.body)
        database = next(d for d in self.container.dependencies if isinstance(d, Database))
        try:
            database.keep_dead_letter(event_type, body,
                                      f"undecodable ({message.content_type}): {exc!r}")
        except Retry:
            self.requeue_message(message)
            return
        message.ack()


class KeepingEventHandler(EventHandler):
    queue_consumer = KeepingQueueConsumer()

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is not None and issubclass(exc_info[0], Retry):
            self.queue_consumer.requeue_message(message)
        else:
            self.queue_consumer.ack_message(message)


def subscribe(event_type):
    """Handle ``event_type`` from whichever service the contract says publishes it.

    The method must be named ``on_<event_type>``: the queue names derive from it."""
    return KeepingEventHandler.decorator(publisher(event_type), event_type,
                                         expected_exceptions=Retry)
