"""Routing against the real broker and database, with a stand-in for departments' RPC."""
import uuid

import pytest

from lianxin import contracts
from services.routing.service import RoutingService
from tests.integration.conftest import FakeDepartments, auth
from tests.support.broker import send, wait_until
from tests.support.databases import query

pytestmark = pytest.mark.integration
VILLAGE_STATION, TOWN_STATION, DISTRICT = "st-610902101002", "st-610902101", "st-610902"


@pytest.fixture
def routing(start, stand_in):
    stand_in(FakeDepartments)
    return start(RoutingService)


def submitted(category="roads", **changes):
    return contracts.new_event("issue_submitted", uuid.uuid4(), **{
        "tracking_no": f"HB{uuid.uuid4().int % 10**12:012d}", "channel": "hotline",
        "category": category, "title": "村道塌方", "village_code": "610902101002",
        "station_id": None, "representative_id": None, "resolution": None, **changes})


def place(amqp_uri, events, **changes):
    event = submitted(**changes)
    send(amqp_uri, "intake", "issue_submitted", event)
    events.wait_for("issue_routed", lambda p: p["issue_id"] == event["issue_id"])
    return event["issue_id"]


def count(container, sql):
    return query(container.config["DATABASE_URL"], sql)[0][0]


def test_a_submitted_issue_is_placed_at_its_village_station_once(routing, amqp_uri, tap):
    container, url = routing
    events = tap("routing")
    event = submitted()
    send(amqp_uri, "intake", "issue_submitted", event)
    send(amqp_uri, "intake", "issue_submitted", event)
    routed = events.wait_for("issue_routed")
    assert (routed["tier"], routed["station_id"], routed["version"]) == ("village", VILLAGE_STATION, 1)
    wait_until(lambda: count(container, "select count(*) from inbox") == 1)
    assert count(container, "select count(*) from issues") == 1


def test_solved_on_the_spot_is_routed_then_resolved_at_once(routing, amqp_uri, tap):
    events = tap("routing")
    send(amqp_uri, "intake", "issue_submitted", submitted(resolution="当场解决"))
    resolved = events.wait_for("issue_resolved")
    assert (resolved["status"], resolved["version"], resolved["note"]) == ("handled", 2, "当场解决")


def test_a_station_escalates_what_it_holds_and_nothing_else(routing, amqp_uri, tap, http):
    _, url = routing
    events = tap("routing")
    issue_id = place(amqp_uri, events)
    body = {"reason": "needs_funding", "note": "需资金"}
    other = http.post(f"{url}/issues/{issue_id}/escalate", json=body, headers=auth(TOWN_STATION))
    assert other.status_code == 403
    moved = http.post(f"{url}/issues/{issue_id}/escalate", json=body, headers=auth(VILLAGE_STATION))
    assert moved.status_code == 200 and moved.json()["station_id"] == TOWN_STATION
    escalated = events.wait_for("issue_escalated")
    assert escalated["from_station_id"] == VILLAGE_STATION and escalated["reason"] == "needs_funding"


def test_a_wrong_reason_is_a_422_and_changes_nothing(routing, amqp_uri, tap, http):
    container, url = routing
    events = tap("routing")
    issue_id = place(amqp_uri, events)
    response = http.post(f"{url}/issues/{issue_id}/escalate", json={"reason": "bored", "note": "x"},
                         headers=auth(VILLAGE_STATION))
    assert response.status_code == 422 and "reason" in response.json()["fields"]
    assert count(container, "select version from issues") == 1


def test_a_meeting_refers_with_the_default_department_all_or_nothing(routing, amqp_uri, tap, http):
    container, url = routing
    events = tap("routing")
    a = place(amqp_uri, events, category="funding")
    b = place(amqp_uri, events)  # still at the village: the meeting cannot decide it
    meeting = {"held_on": "2026-11-30", "decisions": [{"issue_id": a, "action": "refer"},
                                                      {"issue_id": b, "action": "reply", "note": "答复"}]}
    refused = http.post(f"{url}/meetings", json=meeting, headers=auth("district"))
    assert refused.status_code == 409 and "decisions.1" in refused.json()["fields"]
    assert count(container, "select count(*) from meetings") == 0
    meeting["decisions"].pop()
    assert http.post(f"{url}/meetings", json=meeting, headers=auth(VILLAGE_STATION)).status_code == 403
    held = http.post(f"{url}/meetings", json=meeting, headers=auth("district"))
    assert held.status_code == 201, held.text
    referred = events.wait_for("issue_referred")
    assert (referred["department"], referred["status"], referred["category"]) == ("jtj", "referred", "funding")


def test_an_unknown_department_in_a_referral_is_a_422(routing, amqp_uri, tap, http):
    _, url = routing
    events = tap("routing")
    issue_id = place(amqp_uri, events, category="funding")
    meeting = {"held_on": "2026-11-30",
               "decisions": [{"issue_id": issue_id, "action": "refer", "department": "nasa"}]}
    response = http.post(f"{url}/meetings", json=meeting, headers=auth("district"))
    assert response.status_code == 422 and "decisions.0" in response.json()["fields"]


def test_the_ledger_counts_this_month_in_json_and_csv(routing, amqp_uri, tap, http):
    _, url = routing
    events = tap("routing")
    place(amqp_uri, events)
    place(amqp_uri, events, category="funding")
    month = contracts.new_event("feedback_received", uuid.uuid4(), rating="satisfied")["occurred_at"][:7]
    ledger = http.get(f"{url}/ledger", params={"month": month}, headers=auth("district")).json()
    assert ledger["summary"]["total"] == 2 and ledger["summary"]["by_tier"] == {"district": 1, "village": 1}
    csv = http.get(f"{url}/ledger", params={"month": month, "format": "csv"}, headers=auth("district"))
    assert csv.headers["Content-Type"].startswith("text/csv") and len(csv.text.strip().splitlines()) == 3
    bad = http.get(f"{url}/ledger", params={"month": "2026-13"}, headers=auth("district"))
    assert bad.status_code == 422 and "month" in bad.json()["fields"]


def test_feedback_closes_a_handled_issue(routing, amqp_uri, tap, http):
    _, url = routing
    events = tap("routing")
    issue_id = place(amqp_uri, events)
    http.post(f"{url}/issues/{issue_id}/resolve", json={"resolution": "已修复"}, headers=auth(VILLAGE_STATION))
    send(amqp_uri, "intake", "feedback_received",
         contracts.new_event("feedback_received", issue_id, rating="basically_satisfied"))
    closed = events.wait_for("issue_closed")
    assert (closed["rating"], closed["status"]) == ("basically_satisfied", "closed")
