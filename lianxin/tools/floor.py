"""The floor of the stack: what an event costs when nothing at all is done with it.

``lianxin bench`` publishes N events the way the outbox relay does (its
``EventPublisher``, persistent, with publisher confirms, each event confirmed alone
as a commit of one event is), then has a nameko service whose handler does nothing
consume them the way every service does (nameko's event handler, acknowledging each).
The CPU of the publisher, of the consumer and of RabbitMQ, divided by N, is the least
one published event and one delivery can cost on this machine before any database,
schema or rule. Times the events an issue publishes and the deliveries it takes, it is
the least an issue can cost here.

``python -m lianxin.tools.floor AMQP_URI COUNT MAX_WORKERS`` is the consumer: it
prints its CPU seconds from its first delivery to its last acknowledgement.
"""
import json
import subprocess
import sys
import uuid

import eventlet
from eventlet.event import Event

from lianxin.tools.benchcost import own_cpu

SOURCE, EVENT = "lianxin-floor", "tick"
QUEUE = f"evt-{SOURCE}-{EVENT}--floor.on_tick"
READY = "ready"


def _payload(n):
    """About the size of a real event (an issue referred to a department)."""
    return {"event_id": str(uuid.uuid4()), "occurred_at": "2026-11-28T09:00:00+00:00",
            "issue_id": str(uuid.uuid4()), "tracking_no": f"HB2026110{n:05d}",
            "status": "referred", "tier": "district", "station_id": "st-610902",
            "department": "fgj", "cooperating": [], "category": "funding", "version": 3,
            "title": "产业路项目资金申请", "note": "会议决定交办", "description": "压测" * 40}


def floor(amqp_uri, count, max_workers, engine_cpu):
    """``{"publish": {part: ms per event}, "deliver": {part: ms per event}}``, the parts
    being the publisher or the consumer, and each engine ``engine_cpu()`` sees that
    spent at least 0.01 ms an event."""
    from kombu import Connection, Queue
    from nameko.events import get_event_exchange

    from lianxin.bus import EventPublisher
    exchange = get_event_exchange(SOURCE, {})
    with Connection(amqp_uri, connect_timeout=5) as connection:
        Queue(QUEUE, exchange=exchange, routing_key=EVENT, durable=True)(
            connection.default_channel).declare()
    try:
        publisher = EventPublisher(amqp_uri, SOURCE)
        payloads = [_payload(n) for n in range(count)]
        engines, cpu = engine_cpu(), own_cpu()
        for payload in payloads:           # each a batch of its own, confirmed alone
            publisher.publish([(EVENT, payload)])
        publisher.close()
        published = {"publisher": own_cpu() - cpu, **_spent(engines, engine_cpu())}
        consumer = subprocess.Popen(
            [sys.executable, "-m", "lianxin.tools.floor", amqp_uri, str(count), str(max_workers)],
            stdout=subprocess.PIPE, text=True)
        if consumer.stdout.readline().strip() != READY:
            raise RuntimeError("the floor's consumer did not start")
        engines = engine_cpu()
        out, _ = consumer.communicate(timeout=300)
        delivered = {"consumer": float(out), **_spent(engines, engine_cpu())}
    finally:
        with Connection(amqp_uri, connect_timeout=5) as connection:
            connection.default_channel.queue_delete(QUEUE)
    return {phase: {part: 1000 * seconds / count for part, seconds in spent.items()
                    if 1000 * seconds / count >= 0.01}
            for phase, spent in (("publish", published), ("deliver", delivered))}


def _spent(before, after):
    return {name: seconds - before.get(name, seconds) for name, seconds in after.items()}


def consume(amqp_uri, count, max_workers):
    """Run a service whose handler does nothing until ``count`` events were handled and
    acknowledged; print the CPU seconds it took. The process is set up as ``lianxin
    serve`` sets up a service's: frames read ahead, the collector past what it loaded."""
    from nameko.containers import ServiceContainer
    from nameko.events import event_handler

    from lianxin import readahead
    from lianxin.cli import collect_garbage_less
    readahead.install()

    handled, all_handled = [], Event()

    class Floor:
        name = "floor"

        @event_handler(SOURCE, EVENT)
        def on_tick(self, payload):
            handled.append(payload["event_id"])
            if len(handled) == count:
                all_handled.send()

    container = ServiceContainer(Floor, {"AMQP_URI": amqp_uri, "max_workers": max_workers})
    collect_garbage_less()
    print(READY, flush=True)
    cpu = own_cpu()
    container.start()
    all_handled.wait()
    container.stop()            # lets the last workers finish and acknowledge
    print(json.dumps(own_cpu() - cpu), flush=True)


if __name__ == "__main__":
    eventlet.monkey_patch()
    consume(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
