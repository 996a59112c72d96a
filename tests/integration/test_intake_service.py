"""Intake against the real broker and database, with a stand-in for routing's RPC."""
import uuid

import pytest

from lianxin import contracts
from services.intake.service import IntakeService
from tests.integration.conftest import FakeRouting, auth
from tests.support.broker import send, send_raw, wait_until
from tests.support.databases import query

pytestmark = pytest.mark.integration
ISSUE = {"channel": "hotline", "category": "roads", "title": "村道塌方",
         "description": "白庙村三组村道塌方", "village_code": "610902101002",
         "voter": {"name": "张三", "phone": "13900000000", "id_number": "61240119900101123X"}}


@pytest.fixture
def intake(start, stand_in):
    stand_in(FakeRouting)
    container, url = start(IntakeService)
    return container, url


def rows(container, sql):
    return query(container.config["DATABASE_URL"], sql)


def test_a_submission_is_stored_numbered_and_announced_without_personal_data(intake, tap, http):
    container, url = intake
    events = tap("intake")
    response = http.post(f"{url}/issues", json=ISSUE)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["tracking_no"].startswith("HB") and (body["status"], body["tier"]) == ("open", "village")
    event = events.wait_for("issue_submitted")
    assert event["issue_id"] == body["id"] and event["tracking_no"] == body["tracking_no"]
    assert "张三" not in str(event) and "13900000000" not in str(event)
    assert rows(container, "select voter_name from issues") == [("张三",)]


def test_an_unknown_village_is_a_422_naming_the_field_and_nothing_is_stored(intake, tap, http):
    container, url = intake
    events = tap("intake")
    response = http.post(f"{url}/issues", json={**ISSUE, "village_code": "999"})
    assert response.status_code == 422 and "village_code" in response.json()["fields"]
    assert rows(container, "select count(*) from issues") == [(0,)]
    assert rows(container, "select count(*) from outbox") == [(0,)]
    assert events.names() == []


def test_malformed_json_is_a_400_and_the_service_keeps_running(intake, http):
    _, url = intake
    response = http.post(f"{url}/issues", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
    assert http.get(f"{url}/health").json()["status"] == "ok"


def test_the_timeline_projects_routing_events_and_ignores_a_second_delivery(intake, amqp_uri, http):
    container, url = intake
    issue = http.post(f"{url}/issues", json=ISSUE).json()
    routed = contracts.new_event("issue_escalated", issue["id"], tracking_no=issue["tracking_no"],
                                 title="t", version=2, status="open", tier="town",
                                 station_id="st-610902101", from_station_id="st-610902101002",
                                 reason="needs_funding", note="需资金")
    send(amqp_uri, "routing", "issue_escalated", routed)
    send(amqp_uri, "routing", "issue_escalated", routed)
    view = wait_until(lambda: (v := http.get(f"{url}/issues/{issue['id']}").json())["tier"] == "town" and v)
    assert view["station_id"] == "st-610902101"
    wait_until(lambda: rows(container, "select count(*) from inbox") == [(1,)])
    assert [s["event_type"] for s in view["timeline"]] == ["issue_submitted", "issue_escalated"]


def test_feedback_on_an_open_issue_is_a_conflict_and_publishes_nothing(intake, tap, http):
    container, url = intake
    issue = http.post(f"{url}/issues", json=ISSUE).json()
    events = tap("intake")
    response = http.post(f"{url}/issues/{issue['id']}/feedback", json={"rating": "satisfied"})
    assert response.status_code == 409 and "status" in response.json()["fields"]
    assert "feedback_received" not in events.names()


def test_a_malformed_event_is_kept_as_a_dead_letter_and_the_service_carries_on(intake, amqp_uri, http):
    container, url = intake
    send(amqp_uri, "routing", "issue_routed", {"issue_id": "not-a-uuid", "surprise": True})
    dead = wait_until(lambda: rows(container, "select event_type, error from dead_letters"))
    assert dead[0][0] == "issue_routed" and "invalid" in dead[0][1]
    assert http.get(f"{url}/health").status_code == 200
    listed = http.get(f"{url}/dead-letters", headers=auth("district")).json()
    assert listed[0]["event_type"] == "issue_routed" and "surprise" in listed[0]["payload"]


def test_an_undecodable_message_is_kept_as_a_dead_letter_not_dropped(intake, amqp_uri, http):
    container, url = intake
    send_raw(amqp_uri, "routing", "issue_routed", "{broken", "application/json")
    send_raw(amqp_uri, "routing", "issue_routed", "plain words", "text/plain")
    dead = wait_until(lambda: (rows := rows_of(container)) and len(rows) == 2 and rows)
    assert {payload for _, payload, _ in dead} == {"{broken", "plain words"}
    assert all("undecodable" in error for _, _, error in dead)
    assert http.get(f"{url}/health").status_code == 200


def rows_of(container):
    return rows(container, "select event_type, payload, error from dead_letters")


def test_the_contact_rpc_is_the_only_way_out_for_the_voters_details(intake, http):
    container, url = intake
    issue = http.post(f"{url}/issues", json=ISSUE).json()
    from nameko.standalone.rpc import ServiceRpcProxy
    with ServiceRpcProxy("intake", container.config) as proxy:
        assert proxy.contact("voter", issue["id"])["phone"] == "13900000000"
        assert proxy.contact("voter", str(uuid.uuid4())) is None
