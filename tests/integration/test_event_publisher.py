"""The relay's publisher on the real broker: a batch confirmed whole, in order, and a
cut connection that fails its batch and is opened again for the next; a batch, and
the acknowledgements that end together, each written to the socket at once."""
import socket
import uuid

import pytest
from kombu import Connection, Producer, Queue
from kombu import Consumer as KombuConsumer

from lianxin.bus import EventPublisher, Unconfirmed
from lianxin.consumers import KeepingQueueConsumer
from tests.support.broker import EventTap, wait_until

SERVICE = "lianxin-publisher-test"


@pytest.fixture
def tap(amqp_uri):
    tap = EventTap(amqp_uri, SERVICE)
    yield tap
    tap.close()


def test_a_batch_is_published_in_order_and_counted_whole_though_confirms_come_meanwhile(amqp_uri, tap):
    publisher = EventPublisher(amqp_uri, SERVICE)
    batch = [(f"event-{n}", {"n": n}) for n in range(100)]   # confirms come in meanwhile
    try:
        assert publisher.publish(batch) == 100
        assert publisher.publish([("last", {"n": 100})]) == 1
    finally:
        publisher.close()
    wait_until(lambda: len(tap.names()) == 101, message="every event on the tap")
    assert tap.seen == [*batch, ("last", {"n": 100})]


def test_a_batch_on_a_cut_connection_fails_and_the_next_batch_opens_another(amqp_uri, tap):
    publisher = EventPublisher(amqp_uri, SERVICE)
    try:
        publisher.publish([("before", {})])
        publisher._connection.connection.sock.shutdown(socket.SHUT_RDWR)   # the cut
        with pytest.raises(OSError):
            publisher.publish([("lost", {})])
        assert publisher._connection is None
        assert publisher.publish([("after", {})]) == 1
    finally:
        publisher.close()
    wait_until(lambda: "after" in tap.names(), message="the event after the cut")
    assert "lost" not in tap.names()


def test_a_batch_not_confirmed_in_time_fails_and_its_connection_is_dropped(amqp_uri):
    publisher = EventPublisher(amqp_uri, SERVICE, confirm_timeout=0)
    with pytest.raises(Unconfirmed, match="not confirmed in 0 s"):
        publisher.publish([("late", {})])
    assert publisher._connection is None


def counting_writes(transport):
    """Counts what reaches ``transport``'s socket (py-amqp's ``_write``)."""
    writes = []
    send = transport._write
    transport._write = lambda data: (writes.append(bytes(data)), send(data))[1]
    return writes


def test_a_batch_goes_to_the_socket_in_one_write(amqp_uri, tap):
    publisher = EventPublisher(amqp_uri, SERVICE)
    try:
        publisher.publish([("first", {})])
        writes = counting_writes(publisher._connection.connection.transport)
        assert publisher.publish([(f"event-{n}", {"n": n}) for n in range(10)]) == 10
        assert len(writes) == 1
    finally:
        publisher.close()
    wait_until(lambda: len(tap.names()) == 11, message="every event on the tap")


def test_messages_acknowledged_in_one_turn_go_in_one_write_and_are_settled(amqp_uri):
    queue = Queue(f"lianxin-ack-test-{uuid.uuid4().hex[:8]}", durable=False, auto_delete=False)
    consumer = KeepingQueueConsumer()
    consumer._acks = []                 # what setup() makes, without a service container
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        queue(channel).declare()
        producer = Producer(channel, routing_key=queue.name, serializer="json")
        for n in range(5):
            producer.publish({"n": n})
        received = []
        with KombuConsumer(channel, [queue], callbacks=[lambda body, m: received.append(m)]):
            while len(received) < 5:
                connection.drain_events(timeout=5)
        writes = counting_writes(connection.connection.transport)
        for message in received:
            consumer.ack_message(message)
        wait_until(lambda: not consumer._acks and writes, message="the acks written")
        assert len(writes) == 1
    with Connection(amqp_uri) as connection:   # an unacked message would be back by now
        bound = queue(connection.channel())
        assert bound.queue_declare(passive=True).message_count == 0
        bound.delete()
