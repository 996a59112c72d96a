"""The bench's floor runs on the real broker and leaves nothing behind."""
import pytest
from amqp.exceptions import NotFound
from kombu import Connection

from lianxin.tools import benchcost
from lianxin.tools.floor import QUEUE, floor


def test_the_floor_counts_the_publisher_and_the_consumer_and_drops_its_queue(amqp_uri):
    least = floor(amqp_uri, 100, 10, benchcost.engine_cpu)
    assert least["publish"]["publisher"] > 0 and least["deliver"]["consumer"] > 0
    with Connection(amqp_uri, connect_timeout=5) as connection, pytest.raises(NotFound):
        connection.default_channel.queue_declare(QUEUE, passive=True)
