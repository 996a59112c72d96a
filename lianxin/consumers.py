"""AMQP consumer plumbing: ``@subscribe(event)`` on a service method, and no message lost.

nameko acknowledges a message when its worker ends, even when the handler raised,
and acknowledges and drops a body it cannot decode. Our event handler puts a
message back on its queue when the handler raises ``Retry`` (the world failed, see
``lianxin.inbox``), and our queue consumer stores an undecodable body as a dead
letter before acknowledging it, or puts it back if it cannot be stored.
"""
import functools
import logging
from itertools import groupby

import eventlet
from amqp.exceptions import AMQPError
from kombu.exceptions import KombuError
from nameko.events import EventHandler
from nameko.messaging import QueueConsumer
from nameko.rpc import Rpc, RpcConsumer
from nameko.timer import Timer

from lianxin import bus
from lianxin.contracts import publisher
from lianxin.db import Database
from lianxin.retries import Retry

log = logging.getLogger(__name__)


class KeepingQueueConsumer(QueueConsumer):
    """nameko's queue consumer, which survives the broker connection being cut.

    An ack or requeue on a connection that is gone raises in nameko and kills the
    service; the broker has already taken the message back for redelivery (which
    the inbox makes harmless), so here it is only logged."""

    def setup(self):
        super().setup()
        self._acks = []

    def ack_message(self, message):
        """Acknowledged with the others that end in the same turn of eventlet's loop,
        in one write (``bus.one_write``); a service stopped before then has the broker
        deliver the message again, which the inbox makes harmless."""
        self._acks.append(message)
        if len(self._acks) == 1:
            eventlet.spawn_n(self._ack_waiting)

    def _ack_waiting(self):
        messages, self._acks = self._acks, []
        for connection, group in groupby(messages, lambda m: m.channel.connection):
            if connection is not None:      # closed: the broker has taken them back
                self._settle(list(group), functools.partial(self._ack_all, connection))

    def _ack_all(self, connection, messages):
        with bus.one_write(connection):
            for message in messages:
                super().ack_message(message)

    def stop(self):
        if self._acks:
            self._ack_waiting()
        super().stop()

    def requeue_message(self, message):
        self._settle(message, super().requeue_message)

    @staticmethod
    def _settle(messages, settle):
        """``settle(messages)`` (one message, or a list); a failure is only logged."""
        try:
            settle(messages)
        except (OSError, KombuError, AMQPError) as exc:
            log.warning("a message could not be settled (%s); the broker will deliver it "
                        "again", type(exc).__name__)

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

    def setup(self):
        """nameko's queue, declared with the arguments of QUEUE_TYPE (``lianxin.bus``)."""
        super().setup()
        self.queue.queue_arguments = bus.queue_arguments(
            self.container.config.get("QUEUE_TYPE") or "classic")

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


class ReplyKeepingRpcConsumer(RpcConsumer):
    """An RPC consumer whose service outlives a reply it cannot send.

    nameko lets a failure to publish an RPC reply (the broker connection was cut)
    kill the whole service; here the reply is given up with a warning instead: the
    caller's own timeout answers it, and the service resumes when the broker is back."""
    queue_consumer = KeepingQueueConsumer()

    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except Exception as exc:
            log.warning("an RPC reply could not be sent (%s); the caller will time out",
                        type(exc).__name__)
            return result, exc_info


class KeepingRpc(Rpc):
    rpc_consumer = ReplyKeepingRpcConsumer()


rpc = KeepingRpc.decorator


def consumers_alive(container):
    """Whether every message consumer of the service is still running."""
    consumers = [e for e in container.extensions if isinstance(e, QueueConsumer)]
    consumers += [e.queue_consumer for e in container.extensions if isinstance(e, RpcConsumer)]
    return all(c._gt is not None and not c._gt.dead for c in consumers)


class ConfiguredTimer(Timer):
    """nameko's timer, its interval read from the configuration, firing at start too:
    work that came due while the service was down is done as soon as it is back."""

    def __init__(self, setting, default, **kwargs):
        self.setting, self.default = setting, default
        super().__init__(interval=default, eager=True, **kwargs)

    def setup(self):
        self.interval = float(self.container.config.get(self.setting) or self.default)


every = ConfiguredTimer.decorator
