"""The relay's publisher on the real broker: a batch confirmed whole, persistent, and a
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


def test_a_batch_is_published_in_order_persistent_and_counted_once_confirmed(amqp_uri, tap):
    publisher = EventPublisher(amqp_uri, SERVICE)
    try:
        assert publisher.publish([("first", {"n": 1}), ("second", {"n": 2})]) == 2
        assert publisher.publish([("third", {"n": 3})]) == 1
    finally:
        publisher.close()
    wait_until(lambda: len(tap.names()) == 3, message="three events on the tap")
    assert tap.seen == [("first", {"n": 1}), ("second", {"n": 2}), ("third", {"n": 3})]


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
