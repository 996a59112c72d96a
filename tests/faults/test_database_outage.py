"""A database that refuses work for a while loses no event: each waits on its queue."""
import uuid

import pytest

from lianxin import contracts
from tests.support import databases
from tests.support.broker import send, wait_until

pytestmark = pytest.mark.faults
ISSUES = 20


def submitted():
    return contracts.new_event("issue_submitted", uuid.uuid4(), tracking_no="HB202611000001",
                               channel="hotline", category="roads", title="村道塌方",
                               village_code="610902101002")


def test_events_that_arrive_while_the_database_refuses_are_handled_once_it_is_back(
        system, outage, amqp_uri):
    db = outage("routing")
    lianxin = system(databases={"routing": db.url}, env={"RETRY_LIMIT": "100"})
    lianxin.start("routing")
    with db.refusing():
        for _ in range(ISSUES):
            send(amqp_uri, "intake", "issue_submitted", submitted())
        wait_until(lambda: lianxin.log("routing").count("goes back on the queue") >= 3,
                   timeout=60, message="events retried against the refusing database")
    wait_until(lambda: count(db.url, "select count(*) from issues") == ISSUES, timeout=120,
               message=f"all {ISSUES} issues placed after the outage")
    assert count(db.url, "select count(*) from dead_letters") == 0
    assert count(db.url, "select count(*) from inbox") == ISSUES
    events = lianxin.health("routing")["events"]
    assert (events["handled"], events["retrying"]) == (ISSUES, 0) and events["retries"] >= 3


def count(url, sql):
    return databases.query(url, sql)[0][0]
