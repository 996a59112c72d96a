"""The real RabbitMQ for tests: checking it answers, tapping and sending events."""
import socket
import time
from contextlib import closing

import pytest
from kombu import Connection, Exchange, Queue


def require(uri):
    try:
        with Connection(uri, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:
        pytest.fail(f"RabbitMQ does not answer at {uri} ({exc}); start it with "
                    "`rabbitmq-server -detached`", pytrace=False)


def free_port():
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EventTap:
    """Every event a service publishes, caught on a queue of the test's own."""

    def __init__(self, uri, service):
        self.connection = Connection(uri)
        exchange = Exchange(f"{service}.events", type="topic", durable=True)
        self.queue = Queue(f"tap-{service}-{time.monotonic_ns()}", exchange=exchange,
                           routing_key="#", exclusive=True)(self.connection.channel())
        exchange(self.queue.channel).declare()
        self.queue.declare()
        self.seen = []

    def drain(self):
        while (message := self.queue.get(no_ack=True)) is not None:
            self.seen.append((message.delivery_info["routing_key"], message.payload))

    def wait_for(self, event_type, predicate=lambda payload: True, timeout=10):
        """The first ``event_type`` payload matching ``predicate``, waiting until ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            self.drain()
            for name, payload in self.seen:
                if name == event_type and predicate(payload):
                    return payload
            if time.monotonic() > deadline:
                raise AssertionError(f"no {event_type} within {timeout}s; saw "
                                     f"{[name for name, _ in self.seen]}")
            time.sleep(0.05)

    def names(self):
        self.drain()
        return [name for name, _ in self.seen]

    def close(self):
        self.connection.close()


def send(uri, source, event_type, payload):
    """Publish ``payload`` as ``source``'s ``event_type``, as that service would."""
    with Connection(uri) as connection:
        exchange = Exchange(f"{source}.events", type="topic", durable=True)
        producer = connection.Producer(serializer="json")
        producer.publish(payload, exchange=exchange, routing_key=event_type, declare=[exchange])


def wait_until(condition, timeout=10, interval=0.05, message="condition"):
    """``condition()``'s first truthy value, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not met within {timeout}s")
        time.sleep(interval)


def send_raw(uri, source, event_type, body, content_type):
    """Publish a body that is not a JSON event at all."""
    with Connection(uri) as connection:
        exchange = Exchange(f"{source}.events", type="topic", durable=True)
        connection.Producer().publish(body, exchange=exchange, routing_key=event_type,
                                      content_type=content_type, content_encoding="utf-8",
                                      declare=[exchange])
