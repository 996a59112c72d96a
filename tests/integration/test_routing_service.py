"""Routing against the real broker and database, with a stand-in for departments' RPC."""
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from lianxin import contracts
from lianxin.config import read_yaml
from services.routing.service import RoutingService
from tests.integration.conftest import FakeDepartments, auth, service_events, wait_for_repeats
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


def test_a_submitted_issue_is_placed_at_its_village_station_once(routing, amqp_uri, tap, http):
    container, url = routing
    events = tap("routing")
    event = submitted()
    send(amqp_uri, "intake", "issue_submitted", event)
    send(amqp_uri, "intake", "issue_submitted", event)
    counts = wait_for_repeats(http, url, repeated=1, handled=1)
    assert (counts["handled"], counts["repeated"], counts["dead_lettered"]) == (1, 1, 0)
    routed = events.wait_for("issue_routed")
    assert (routed["tier"], routed["station_id"], routed["version"]) == ("village", VILLAGE_STATION, 1)
    assert count(container, "select count(*) from inbox") == 1
    assert count(container, "select count(*) from issues") == 1
    assert count(container, "select count(*) from dead_letters") == 0
    assert events.names().count("issue_routed") == 1


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
    assert (referred["department"], referred["status"], referred["category"]) == (
        "fgj", "referred", "funding")


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
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")   # ledger months are local
    response = http.get(f"{url}/ledger", params={"month": month}, headers=auth("district"))
    assert response.status_code == 200, response.text
    ledger = response.json()
    assert ledger["summary"]["total"] == 2 and ledger["summary"]["by_tier"] == {"district": 1, "village": 1}
    csv = http.get(f"{url}/ledger", params={"month": month, "format": "csv"}, headers=auth("district"))
    assert csv.status_code == 200
    assert csv.headers["Content-Type"].startswith("text/csv") and len(csv.text.strip().splitlines()) == 3
    bad = http.get(f"{url}/ledger", params={"month": "2026-13"}, headers=auth("district"))
    assert bad.status_code == 422 and "month" in bad.json()["fields"]


def test_feedback_closes_a_handled_issue(routing, amqp_uri, tap, http):
    _, url = routing
    events = tap("routing")
    issue_id = place(amqp_uri, events)
    resolved = http.post(f"{url}/issues/{issue_id}/resolve", json={"resolution": "已修复"},
                         headers=auth(VILLAGE_STATION))
    assert resolved.status_code == 200 and resolved.json()["status"] == "handled", resolved.text
    send(amqp_uri, "intake", "feedback_received",
         contracts.new_event("feedback_received", issue_id, rating="basically_satisfied"))
    closed = events.wait_for("issue_closed")
    assert (closed["rating"], closed["status"]) == ("basically_satisfied", "closed")


def test_a_repeat_whose_work_is_refused_is_a_repeat_not_a_dead_letter(routing, amqp_uri, tap,
                                                                      http):
    """The second delivery of feedback finds the issue closed: its work is refused, and the
    inbox, which holds the first, shows it is only a repeat."""
    container, url = routing
    events = tap("routing")
    issue_id = place(amqp_uri, events)
    resolved = http.post(f"{url}/issues/{issue_id}/resolve", json={"resolution": "已修复"},
                         headers=auth(VILLAGE_STATION))
    assert resolved.status_code == 200, resolved.text
    feedback = contracts.new_event("feedback_received", issue_id, rating="satisfied")
    send(amqp_uri, "intake", "feedback_received", feedback)
    events.wait_for("issue_closed")
    send(amqp_uri, "intake", "feedback_received", feedback)
    counts = wait_for_repeats(http, url, repeated=1, handled=2)
    assert (counts["repeated"], counts["dead_lettered"]) == (1, 0)
    assert count(container, "select count(*) from dead_letters") == 0
    assert events.names().count("issue_closed") == 1


def test_the_station_list_is_every_station_of_the_directory(routing, http):
    _, url = routing
    directory = read_yaml("data/hanbin.yml")
    villages = [v for town in directory["towns"] for v in town["villages"]]
    response = http.get(f"{url}/stations")
    assert response.status_code == 200, response.text
    stations = {s["id"]: s for s in response.json()}
    assert len(stations) == 1 + len(directory["towns"]) + len(villages)
    assert stations[VILLAGE_STATION] == {
        "id": VILLAGE_STATION, "tier": "village", "place_code": "610902101002",
        "place_name": "白庙村", "name": "白庙村人大代表联络站", "parent_id": TOWN_STATION}
    assert stations[TOWN_STATION]["parent_id"] == DISTRICT
    assert stations[DISTRICT]["parent_id"] is None


def test_a_station_sees_its_own_issues_and_the_district_sees_any_stations(
        routing, amqp_uri, tap, http):
    _, url = routing
    events = tap("routing")
    issue_id = place(amqp_uri, events)
    own = http.get(f"{url}/stations/{VILLAGE_STATION}/issues", headers=auth(VILLAGE_STATION))
    assert own.status_code == 200 and [i["id"] for i in own.json()] == [issue_id]
    by_district = http.get(f"{url}/stations/{VILLAGE_STATION}/issues", headers=auth("district"))
    assert by_district.status_code == 200 and [i["id"] for i in by_district.json()] == [issue_id]
    filtered = http.get(f"{url}/stations/{VILLAGE_STATION}/issues", params={"status": "closed"},
                        headers=auth("district"))
    assert filtered.status_code == 200 and filtered.json() == []
    other = http.get(f"{url}/stations/{VILLAGE_STATION}/issues", headers=auth(TOWN_STATION))
    assert other.status_code == 403 and other.json()["error"] == "forbidden", other.text
    unknown = http.get(f"{url}/stations/st-nowhere/issues", headers=auth("district"))
    assert unknown.status_code == 404 and "station_id" in unknown.json()["fields"]
    assert http.get(f"{url}/stations/{VILLAGE_STATION}/issues",
                    headers=auth("jtj")).status_code == 403


def test_the_route_shows_the_issue_and_every_step_in_order(routing, amqp_uri, tap, http):
    _, url = routing
    events = tap("routing")
    issue_id = place(amqp_uri, events)
    for holder in (VILLAGE_STATION, TOWN_STATION):
        moved = http.post(f"{url}/issues/{issue_id}/escalate", headers=auth(holder),
                          json={"reason": "needs_funding", "note": f"{holder} 需资金"})
        assert moved.status_code == 200, moved.text
    stranger = http.get(f"{url}/issues/{issue_id}/route", headers=auth("jtj"))
    assert stranger.status_code == 403, stranger.text       # never referred to jtj
    response = http.get(f"{url}/issues/{issue_id}/route", headers=auth(TOWN_STATION))
    assert response.status_code == 200, response.text       # it passed through the town
    route = response.json()
    issue = route["issue"]
    assert (issue["id"], issue["status"], issue["tier"], issue["station_id"], issue["version"],
            issue["category"], issue["village_code"], issue["channel"]) == (
        issue_id, "open", "district", DISTRICT, 3, "roads", "610902101002", "hotline")
    assert [(s["event_type"], s["version"], s["tier"], s["station_id"], s["reason"])
            for s in route["steps"]] == [
        ("issue_routed", 1, "village", VILLAGE_STATION, None),
        ("issue_escalated", 2, "town", TOWN_STATION, "needs_funding"),
        ("issue_escalated", 3, "district", DISTRICT, "needs_funding")]
    assert route["steps"][1]["note"] == f"{VILLAGE_STATION} 需资金"
    missing = http.get(f"{url}/issues/{uuid.uuid4()}/route", headers=auth("district"))
    assert missing.status_code == 404


def refer(http, url, issue_id, department, cooperating=()):
    meeting = {"held_on": "2026-11-30", "decisions": [
        {"issue_id": issue_id, "action": "refer", "department": department,
         "cooperating": list(cooperating)}]}
    held = http.post(f"{url}/meetings", json=meeting, headers=auth("district"))
    assert held.status_code == 201, held.text


def assignment_event(event_type, issue_id, department, lead, note):
    return contracts.new_event(event_type, issue_id, tracking_no="HB202611000001", title="村道塌方",
                               assignment_id=str(uuid.uuid4()), department=department, lead=lead,
                               note=note)


def route_of(http, url, issue_id):
    response = http.get(f"{url}/issues/{issue_id}/route", headers=auth("district"))
    assert response.status_code == 200, response.text
    return response.json()["issue"]


def handled_after(http, url, sent):
    """The event counts once ``sent`` events have been handled, none dead-lettered."""
    counts = wait_until(lambda: (c := service_events(http, url))["handled"] >= sent and c,
                        message=f"{sent} events handled")
    assert counts["dead_lettered"] == 0
    return counts


def test_a_cooperating_department_completing_or_returning_does_not_move_the_issue(
        routing, amqp_uri, tap, http):
    _, url = routing
    events = tap("routing")
    issue_id = place(amqp_uri, events, category="funding")
    refer(http, url, issue_id, "czj", cooperating=["fgj"])
    before = route_of(http, url, issue_id)
    assert (before["status"], before["department"], before["cooperating"]) == (
        "referred", "czj", ["fgj"])
    already = service_events(http, url)["handled"]
    send(amqp_uri, "departments", "assignment_completed",
         assignment_event("assignment_completed", issue_id, "fgj", False, "配合完成"))
    send(amqp_uri, "departments", "assignment_returned",
         assignment_event("assignment_returned", issue_id, "fgj", False, "不属配合范围"))
    handled_after(http, url, already + 2)
    after = route_of(http, url, issue_id)
    assert (after["status"], after["department"], after["version"]) == (
        "referred", "czj", before["version"])
    send(amqp_uri, "departments", "assignment_completed",
         assignment_event("assignment_completed", issue_id, "czj", True, "已拨付"))
    resolved = events.wait_for("issue_resolved", lambda p: p["issue_id"] == issue_id)
    assert resolved["note"] == "已拨付"


def test_a_superseded_lead_completing_later_does_not_move_the_issue(routing, amqp_uri, tap, http):
    _, url = routing
    events = tap("routing")
    issue_id = place(amqp_uri, events, category="funding")
    refer(http, url, issue_id, "czj")
    send(amqp_uri, "departments", "assignment_returned",
         assignment_event("assignment_returned", issue_id, "czj", True, "应由发改局牵头"))
    returned = wait_until(lambda: (i := route_of(http, url, issue_id))["status"] == "open" and i)
    assert (returned["tier"], returned["department"]) == ("district", None)
    refer(http, url, issue_id, "fgj")
    before = route_of(http, url, issue_id)
    already = service_events(http, url)["handled"]
    send(amqp_uri, "departments", "assignment_completed",
         assignment_event("assignment_completed", issue_id, "czj", True, "迟到的办结"))
    handled_after(http, url, already + 1)
    after = route_of(http, url, issue_id)
    assert (after["status"], after["department"], after["version"]) == (
        "referred", "fgj", before["version"])
    route = http.get(f"{url}/issues/{issue_id}/route", headers=auth("district"))
    assert route.status_code == 200, route.text
    steps = route.json()["steps"]
    assert [(s["event_type"], s["department"]) for s in steps][-3:] == [
        ("issue_referred", "czj"), ("issue_routed", None), ("issue_referred", "fgj")]
    assert "迟到的办结" not in [s["note"] for s in steps]
