"""The relay's publisher on the real broker: a batch confirmed whole, in order, and a
cut connection that fails its batch and is opened again for the next."""
import socket

import pytest

from lianxin.bus import EventPublisher, Unconfirmed
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
