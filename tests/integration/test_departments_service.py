"""Departments against the real broker and database."""
import uuid

import pytest

from lianxin import contracts
from services.departments.service import DepartmentsService
from tests.integration.conftest import auth
from tests.support.broker import send

pytestmark = pytest.mark.integration


def referred(department="jtj", cooperating=()):
    return contracts.new_event(
        "issue_referred", uuid.uuid4(), tracking_no="HB202611000007", title="村道塌方",
        version=4, status="referred", tier="district", station_id="st-610902",
        department=department, cooperating=list(cooperating), category="roads", note="请办理")


@pytest.fixture
def departments(start):
    return start(DepartmentsService)


def assign(amqp_uri, events, **kwargs):
    event = referred(**kwargs)
    send(amqp_uri, "routing", "issue_referred", event)
    created = events.wait_for("assignment_created", lambda p: p["issue_id"] == event["issue_id"])
    return event, created


def test_a_referral_creates_a_lead_and_cooperating_assignments(departments, amqp_uri, tap):
    events = tap("departments")
    event = referred(cooperating=["czj"])
    send(amqp_uri, "routing", "issue_referred", event)
    lead = events.wait_for("assignment_created", lambda p: p["lead"])
    helper = events.wait_for("assignment_created", lambda p: not p["lead"])
    assert (lead["department"], helper["department"]) == ("jtj", "czj")
    assert lead["tracking_no"] == "HB202611000007"


def test_accept_progress_complete_in_order(departments, amqp_uri, tap, http):
    _, url = departments
    events = tap("departments")
    _, created = assign(amqp_uri, events)
    base = f"{url}/assignments/{created['assignment_id']}"
    early = http.post(f"{base}/complete", json={"result": "已修复"}, headers=auth("jtj"))
    assert early.status_code == 409 and "status" in early.json()["fields"]
    accepted = http.post(f"{base}/accept", headers=auth("jtj"))
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted", accepted.text
    assert http.post(f"{base}/progress", json={"note": "已勘察"}, headers=auth("jtj")).status_code == 200
    done = http.post(f"{base}/complete", json={"result": "已修复"}, headers=auth("jtj"))
    assert done.status_code == 200 and done.json()["status"] == "completed", done.text
    completed = events.wait_for("assignment_completed")
    assert completed["lead"] and completed["note"] == "已修复"
    detail = http.get(base, headers=auth("jtj"))
    assert detail.status_code == 200, detail.text
    assert [s["action"] for s in detail.json()["steps"]] == ["assign", "accept", "progress", "complete"]


def test_a_department_sees_and_acts_on_its_own_assignments_only(departments, amqp_uri, tap, http):
    _, url = departments
    events = tap("departments")
    _, created = assign(amqp_uri, events)
    theirs = http.get(f"{url}/assignments", headers=auth("czj"))
    assert theirs.status_code == 200 and theirs.json() == []
    ours = http.get(f"{url}/assignments", headers=auth("jtj"))
    assert ours.status_code == 200 and [a["id"] for a in ours.json()] == [created["assignment_id"]]
    other = http.post(f"{url}/assignments/{created['assignment_id']}/accept", headers=auth("czj"))
    assert other.status_code == 404
    assert http.get(f"{url}/assignments").status_code == 401
    ours = http.get(f"{url}/assignments", headers=auth("jtj"), params={"department": "czj"})
    assert [a["id"] for a in ours.json()] == [created["assignment_id"]]   # never another's
    supervising = http.get(f"{url}/assignments", headers=auth("district"),
                           params={"department": "jtj", "lead": "true"})
    assert supervising.status_code == 200
    assert [a["id"] for a in supervising.json()] == [created["assignment_id"]]
    assert http.get(f"{url}/assignments", headers=auth("district"),
                    params={"department": "czj"}).json() == []


def test_returning_needs_a_reason_and_announces_it(departments, amqp_uri, tap, http):
    _, url = departments
    events = tap("departments")
    _, created = assign(amqp_uri, events)
    base = f"{url}/assignments/{created['assignment_id']}"
    missing = http.post(f"{base}/return", json={}, headers=auth("jtj"))
    assert missing.status_code == 422 and "reason" in missing.json()["fields"]
    returned = http.post(f"{base}/return", json={"reason": "不属本部门职责"}, headers=auth("jtj"))
    assert returned.status_code == 200, returned.text
    assert events.wait_for("assignment_returned")["note"] == "不属本部门职责"


def test_the_department_list_shows_each_default_category(departments, http):
    _, url = departments
    response = http.get(f"{url}/departments")
    assert response.status_code == 200, response.text
    listed = {d["code"]: d for d in response.json()}
    assert "roads" in listed["jtj"]["categories"] and len(listed) == 12
