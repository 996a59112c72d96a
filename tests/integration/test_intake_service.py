"""Intake against the real broker and database; it needs no other service."""
import json
import uuid

import eventlet
import pytest
import requests

from lianxin import contracts
from services.intake import app
from services.intake.service import IntakeService
from tests.integration.conftest import auth, wait_for_repeats
from tests.support.broker import send, send_raw, wait_until
from tests.support.databases import query

pytestmark = pytest.mark.integration
ISSUE = {"channel": "hotline", "category": "roads", "title": "村道塌方",
         "description": "白庙村三组村道塌方", "village_code": "610902101002",
         "voter": {"name": "张三", "phone": "13900000000", "id_number": "61240119900101123X"}}


@pytest.fixture
def intake(start):
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
    good = http.post(f"{url}/issues", json=ISSUE)
    assert good.status_code == 201, good.text
    events.wait_for("issue_submitted", lambda p: p["issue_id"] == good.json()["id"])
    assert [p["village_code"] for name, p in events.seen if name == "issue_submitted"] == [
        ISSUE["village_code"]]


def test_malformed_json_is_a_400_and_the_service_keeps_running(intake, http):
    _, url = intake
    response = http.post(f"{url}/issues", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
    health = http.get(f"{url}/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def submit(http, url, **changes):
    response = http.post(f"{url}/issues", json={**ISSUE, **changes})
    assert response.status_code == 201, response.text
    return response.json()


def test_the_timeline_projects_routing_events_and_ignores_a_second_delivery(intake, amqp_uri, http):
    container, url = intake
    issue = submit(http, url)
    routed = contracts.new_event("issue_escalated", issue["id"], tracking_no=issue["tracking_no"],
                                 title="t", version=2, status="open", tier="town",
                                 station_id="st-610902101", from_station_id="st-610902101002",
                                 reason="needs_funding", note="需资金")
    send(amqp_uri, "routing", "issue_escalated", routed)
    send(amqp_uri, "routing", "issue_escalated", routed)
    counts = wait_for_repeats(http, url, repeated=1, handled=1)
    assert (counts["handled"], counts["repeated"], counts["dead_lettered"]) == (1, 1, 0)
    response = http.get(f"{url}/issues/{issue['id']}", headers=auth("district"))
    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["tier"], view["station_id"]) == ("town", "st-610902101")
    assert [s["event_type"] for s in view["timeline"]] == ["issue_submitted", "issue_escalated"]
    assert rows(container, "select count(*) from inbox") == [(1,)]
    assert rows(container, "select count(*) from dead_letters") == [(0,)]


def test_feedback_on_an_open_issue_is_a_conflict_and_publishes_nothing(intake, amqp_uri, tap, http):
    _, url = intake
    issue = submit(http, url)
    events = tap("intake")
    code = issue["access_code"]
    response = http.post(f"{url}/issues/{issue['id']}/feedback",
                         json={"rating": "satisfied", "access_code": code})
    assert response.status_code == 409 and "status" in response.json()["fields"]
    send(amqp_uri, "routing", "issue_resolved", contracts.new_event(
        "issue_resolved", issue["id"], tracking_no=issue["tracking_no"], title="t", version=2,
        status="handled", tier="village", station_id="st-610902101002", note="已修复"))
    wait_until(lambda: http.get(f"{url}/issues/{issue['id']}", params={"access_code": code}
                                ).json()["status"] == "handled")
    accepted = http.post(f"{url}/issues/{issue['id']}/feedback",
                         json={"rating": "unsatisfied", "access_code": code})
    assert accepted.status_code == 200, accepted.text
    events.wait_for("feedback_received", lambda p: p["issue_id"] == issue["id"])
    ratings = [p["rating"] for name, p in events.seen if name == "feedback_received"]
    assert ratings == ["unsatisfied"]


def test_a_malformed_event_is_kept_as_a_dead_letter_and_the_service_carries_on(intake, amqp_uri, http):
    container, url = intake
    send(amqp_uri, "routing", "issue_routed", {"issue_id": "not-a-uuid", "surprise": True})
    dead = wait_until(lambda: rows(container, "select event_type, error from dead_letters"))
    assert dead[0][0] == "issue_routed" and "invalid" in dead[0][1]
    assert http.get(f"{url}/health").status_code == 200
    listed = http.get(f"{url}/dead-letters", headers=auth("district"))
    assert listed.status_code == 200, listed.text
    newest = listed.json()[0]
    assert newest["event_type"] == "issue_routed" and "surprise" in newest["payload"]


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
    issue = submit(http, url)
    from nameko.standalone.rpc import ServiceRpcProxy
    with ServiceRpcProxy("intake", container.config) as proxy:
        assert proxy.contact("voter", issue["id"])["phone"] == "13900000000"
        assert proxy.contact("voter", str(uuid.uuid4())) is None


def test_an_unknown_issue_id_or_tracking_number_is_a_404(intake, http):
    _, url = intake
    submit(http, url)
    by_id = http.get(f"{url}/issues/{uuid.uuid4()}")
    assert by_id.status_code == 404 and by_id.json()["error"] == "not_found", by_id.text
    by_number = http.get(f"{url}/issues", params={"tracking_no": "HB000000000000"})
    assert by_number.status_code == 404 and "tracking_no" in by_number.json()["fields"]
    feedback = http.post(f"{url}/issues/{uuid.uuid4()}/feedback", json={"rating": "satisfied"})
    assert feedback.status_code == 404


def test_a_body_over_64_kib_is_a_413_and_nothing_is_stored(intake, http):
    container, url = intake
    too_big = {**ISSUE, "description": "塌" * (64 * 1024)}
    response = http.post(f"{url}/issues", json=too_big)
    assert response.status_code == 413 and response.json()["error"], response.text
    assert rows(container, "select count(*) from issues") == [(0,)]


def test_a_voter_gets_a_receipt_while_no_other_service_runs(start, http):
    container, url = start(IntakeService)           # routing, departments, notify: none
    response = http.post(f"{url}/issues", json=ISSUE, timeout=10)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert len(receipt["access_code"]) == 8 and receipt["tier"] == "village"
    assert rows(container, "select count(*) from outbox") == [(1,)]   # waits for routing


def test_the_same_idempotency_key_twice_makes_one_issue(intake, http):
    container, url = intake
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = http.post(f"{url}/issues", json=ISSUE, headers=key)
    again = http.post(f"{url}/issues", json=ISSUE, headers=key)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert rows(container, "select count(*) from issues") == [(1,)]
    other = http.post(f"{url}/issues", json={**ISSUE, "title": "另一件事"}, headers=key)
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["fields"]


def test_a_stranger_without_the_access_code_neither_reads_nor_rates_an_issue(intake, http):
    _, url = intake
    issue = submit(http, url)
    assert http.get(f"{url}/issues/{issue['id']}").status_code == 404
    assert http.get(f"{url}/issues", params={"tracking_no": issue["tracking_no"]}
                    ).status_code == 404
    wrong = http.post(f"{url}/issues/{issue['id']}/feedback",
                      json={"rating": "satisfied", "access_code": "AAAAAAAA"})
    assert wrong.status_code == 404
    other_station = http.get(f"{url}/issues/{issue['id']}", headers=auth("st-610902001"))
    assert other_station.status_code == 403
    mine = http.get(f"{url}/issues", params={"tracking_no": issue["tracking_no"],
                                             "access_code": issue["access_code"]})
    assert mine.status_code == 200 and mine.json()["id"] == issue["id"]


@pytest.mark.parametrize("text", ["村道\x00塌方", "村道\ud800塌方"])
def test_text_a_database_cannot_keep_is_a_422_naming_the_field(intake, http, text):
    container, url = intake
    response = http.post(f"{url}/issues", json={**ISSUE, "title": text})
    assert response.status_code == 422 and "title" in response.json()["fields"], response.text
    assert rows(container, "select count(*) from issues") == [(0,)]


def test_a_chunked_body_over_64_kib_is_a_413_not_read_as_empty(intake, http):
    _, url = intake
    body = json.dumps({**ISSUE, "description": "塌" * (64 * 1024)}).encode()
    chunks = (body[i:i + 8192] for i in range(0, len(body), 8192))
    response = http.post(f"{url}/issues", data=chunks, headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text


def test_an_unknown_path_or_method_is_answered_in_json(intake, http):
    _, url = intake
    missing = http.get(f"{url}/nowhere")
    wrong = http.delete(f"{url}/issues")
    assert (missing.status_code, wrong.status_code) == (404, 405)
    assert missing.json()["error"] == "not_found" and "POST" in wrong.headers["Allow"]


def test_submissions_arriving_together_share_a_transaction_and_a_bad_one_fails_alone(start, http):
    container, url = start(IntakeService, CONSUME_BATCH=6)    # four batches, one failing
    batcher = next(d for d in container.dependencies if hasattr(d, "together"))._batchers
    pool = eventlet.GreenPool(24)
    bodies = [{**ISSUE, "title": f"村道塌方{n}"} for n in range(24)]
    bodies[3] = {**ISSUE, "visit_id": str(uuid.uuid4())}          # a visit nobody made

    def post(body):
        with requests.Session() as session:
            return session.post(f"{url}/issues", json=body, timeout=10)
    responses = list(pool.imap(post, bodies))
    assert [r.status_code for r in responses] == [201] * 3 + [422] + [201] * 20
    assert "visit_id" in responses[3].json()["fields"]
    assert len({r.json()["tracking_no"] for r in responses if r.status_code == 201}) == 23
    assert rows(container, "select count(*) from issues") == [(23,)]
    assert rows(container, "select count(*) from outbox") == [(23,)]
    submitted = batcher[app.submit_placed]
    assert submitted.items > submitted.batches, (submitted.items, submitted.batches)


def test_a_submission_made_on_a_named_users_behalf_keeps_who_made_it(intake, http):
    container, url = intake
    response = http.post(f"{url}/issues", json=ISSUE, headers={"X-Lianxin-Actor": "console:7"})
    assert response.status_code == 201, response.text
    assert rows(container, "select event_type, actor from timeline") == [
        ("issue_submitted", "console:7")]
