"""The fault suite: the four services as processes, issues played through them while
a real fault strikes, then every issue counted (``tests/faults/play.py``)."""
import json
import threading
import uuid

import pytest
from sqlalchemy.engine import make_url

from lianxin import contracts
from lianxin.config import SERVICES
from tests.faults.conftest import assert_clean
from tests.faults.play import Play
from tests.support import databases
from tests.support.broker import send, send_raw, wait_until
from tests.support.proxy import Proxy

pytestmark = pytest.mark.faults
ISSUES = 30


def pause(seconds):
    """How long a fault lasts (not a stand-in for waiting on a condition)."""
    threading.Event().wait(seconds)


def played(lianxin, issues=ISSUES, during=None, settle=True):
    """Play ``issues`` with ``during(play)`` struck after a third, then let them settle."""
    play = Play(lianxin)
    play.start_clerk()
    play.submit(issues // 3)
    if during:
        during(play)
    play.submit(issues - issues // 3, start=issues // 3)
    if settle:
        play.wait_settled()
        play.stop_clerk()
    return play


def test_baseline(system, report):
    lianxin = system()
    lianxin.start()
    outcome = played(lianxin).outcome("baseline")
    report(outcome)
    assert_clean(outcome)
    assert outcome.dead_lettered == 0


@pytest.mark.parametrize("victim", SERVICES)
def test_a_service_killed_mid_flow_loses_and_doubles_nothing(system, report, victim):
    lianxin = system()
    lianxin.start()

    def kill(play):
        lianxin.kill(victim)
        if victim != "intake":
            play.submit(3, start=1000)       # taken while the victim is down
        lianxin.start(victim)
    outcome = played(lianxin, during=kill).outcome(f"SIGKILL {victim} mid-flow")
    if victim == "notify":       # what the killed process left 'sending' was sent again
        resent = databases.query(lianxin.databases["notify"], "select count(*) from "
                                 "notifications where attempts > 1")[0][0]
        outcome.notes = f"{resent} messages sent again after NOTIFY_STUCK_AFTER=5 s"
    report(outcome)
    assert_clean(outcome)


def test_a_ten_second_broker_cut_loses_and_doubles_nothing(system, report, amqp_uri):
    target = make_url(amqp_uri)
    proxy = Proxy(target.port or 5672)
    try:
        lianxin = system(env={"AMQP_URI": amqp_uri.replace(f":{target.port}/",
                                                           f":{proxy.port}/")})
        lianxin.start()

        def cut(play):
            proxy.cut()
            play.submit(5, start=1000)       # intake takes issues with the broker gone
            pause(10)
            proxy.restore()
        outcome = played(lianxin, during=cut).outcome("broker cut 10 s")
    finally:
        proxy.close()
    report(outcome)
    assert_clean(outcome)
    assert all(lianxin.procs[name].poll() is None for name in SERVICES), "a service exited"


def test_a_ten_second_database_outage_loses_and_doubles_nothing(system, outage, report):
    db = outage("routing")
    lianxin = system(databases={"routing": db.url})
    lianxin.start()

    def refuse(play):
        with db.refusing():
            play.submit(5, start=1000)
            pause(10)
    outcome = played(lianxin, during=refuse).outcome("database outage 10 s (routing)")
    retries = lianxin.log("routing").count("goes back on the queue")
    outcome.notes = f"{retries} deliveries put back while it was out"
    report(outcome)
    assert_clean(outcome)
    assert outcome.dead_lettered == 0


def test_every_event_delivered_three_times_takes_effect_once(system, report, amqp_uri):
    lianxin = system()
    lianxin.start()
    play = played(lianxin)
    expected = 0
    for service in SERVICES:
        for event_type, payload in databases.query(lianxin.databases[service],
                                                   "select event_type, payload from outbox"):
            payload = payload if isinstance(payload, dict) else json.loads(payload)
            for _ in range(2):
                send(amqp_uri, service, event_type, payload)
            expected += 2 * len(contracts.EVENTS[event_type][2])

    def repeated():
        return sum(lianxin.health(name)["events"]["repeated"] for name in SERVICES)
    wait_until(lambda: repeated() >= expected, timeout=120,
               message=f"{expected} repeated deliveries recognised")
    outcome = play.outcome("3x delivery of every event",
                           notes=f"{expected} repeats ignored")
    report(outcome)
    assert_clean(outcome)
    assert outcome.dead_lettered == 0


POISON = [
    ("not JSON", "{broken", "application/json"),
    ("not JSON at all", "plain words", "text/plain"),
    ("JSON but not an object", "[1, 2, 3]", "application/json"),
    ("missing its fields", '{"issue_id": "x"}', "application/json"),
    ("wrong types", '{"event_id": 5, "occurred_at": "yesterday", "issue_id": [], '
                    '"rating": "great"}', "application/json"),
]


def test_poison_messages_are_kept_as_dead_letters_and_the_service_carries_on(
        system, report, amqp_uri):
    lianxin = system()
    lianxin.start()
    for _, body, content_type in POISON:
        send_raw(amqp_uri, "intake", "feedback_received", body, content_type)
    unknown = contracts.new_event("assignment_completed", uuid.uuid4(), tracking_no="HB1",
                                  title="t", assignment_id=str(uuid.uuid4()), department="jtj",
                                  lead=True, note="x")
    send(amqp_uri, "departments", "assignment_completed", unknown)     # names no known issue
    kinds = len(POISON) + 1
    wait_until(lambda: lianxin.health("routing")["events"]["dead_lettered"] >= kinds,
               timeout=60, message=f"{kinds} poison messages kept")
    outcome = played(lianxin).outcome("poison messages of six kinds",
                                      notes=f"{kinds} kept by routing, 1 by intake")
    report(outcome)
    assert_clean(outcome)
    assert outcome.dead_lettered == kinds + 1   # intake's timeline cannot take it either
    replay = lianxin.cli("dead-letters", "replay", "--service", "routing", "--status", "dead")
    assert "routing: 3 replayed" in replay.stdout, replay.stdout + replay.stderr
    assert replay.stdout.count("not replayed: its body is not") == 3   # not JSON objects
    wait_until(lambda: lianxin.health("routing")["events"]["dead_lettered"] >= kinds + 3,
               message="the replayed poison kept again, through the inbox")
    outcome.replayed = 3
    discard = lianxin.cli("dead-letters", "discard", "--status", "dead")
    assert "routing: 6 discarded" in discard.stdout, discard.stdout + discard.stderr
    assert "intake: 1 discarded" in discard.stdout


@pytest.mark.skipif(databases.BACKEND != "postgresql", reason="replicas share PostgreSQL")
def test_two_replicas_of_routing_and_notify_started_together_double_nothing(
        system, report, amqp_uri):
    lianxin = system()
    lianxin.start("intake", "departments", wait=False)
    for name in ("routing", "notify"):
        lianxin.start(name, wait=False)
        lianxin.start_replica(name, 2)
    lianxin.wait_healthy()
    tap = bus_tap(amqp_uri)
    outcome = played(lianxin, issues=60).outcome("2 replicas of routing and notify (PostgreSQL)")
    published = tap()
    repeats = len(published) - len(set(published))
    outcome.notes = f"{len(published)} events published, {repeats} published twice"
    report(outcome)
    assert_clean(outcome)


def bus_tap(amqp_uri):
    """Every event id published from now on; call the result to read them."""
    from kombu import Connection, Queue
    from nameko.events import get_event_exchange
    connection = Connection(amqp_uri)
    channel = connection.channel()
    queues = [Queue(f"tap-{service}-{uuid.uuid4().hex[:6]}", get_event_exchange(service, {}),
                    routing_key="#", exclusive=True)(channel) for service in SERVICES]
    for queue in queues:
        queue.declare()

    def read():
        ids = []
        for queue in queues:
            while (message := queue.get(no_ack=True)) is not None:
                ids.append(message.payload["event_id"])
        return ids
    return read

