"""The whole life of issues across four running services, over HTTP only."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.client import DISTRICT_STATION, TOWN_STATION, VILLAGE_STATION, Lianxin
from tests.faults.play import Outcome
from tests.support.broker import wait_until
from tests.support.databases import query

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def lx(system):
    return Lianxin(system.urls)


def told(lx, issue_id, event_type, kind):
    """The sent notification of ``event_type`` to ``kind`` about the issue, once sent."""
    return wait_until(lambda: [n for n in lx.notifications(issue_id) if n["event_type"] == event_type
                               and n["recipient_kind"] == kind and n["status"] == "sent"],
                      timeout=15, message=f"{kind} told of {event_type}")[0]


def test_escalated_village_to_district_referred_completed_and_closed(lx):
    issue = lx.submit()
    assert (issue["status"], issue["tier"]) == ("open", "village")
    lx.wait(issue["id"], station_id=VILLAGE_STATION)
    escalate = {"reason": "needs_funding", "note": "需资金修复"}
    assert lx.act(issue["id"], "escalate", VILLAGE_STATION, **escalate).status_code == 200
    lx.wait(issue["id"], tier="town")
    escalate = {"reason": "needs_department", "note": "需交通部门"}
    assert lx.act(issue["id"], "escalate", TOWN_STATION, **escalate).status_code == 200
    lx.wait(issue["id"], tier="district", station_id=DISTRICT_STATION)
    assert lx.meeting({"issue_id": issue["id"], "action": "refer"}).status_code == 201
    lx.wait(issue["id"], status="referred", department="jtj")
    work = lx.assignment("jtj", issue["id"])
    assert lx.work("jtj", work["id"], "accept").status_code == 200
    assert lx.work("jtj", work["id"], "progress", note="已勘察").status_code == 200
    assert lx.work("jtj", work["id"], "complete", result="已修复通行").status_code == 200
    lx.wait(issue["id"], status="handled")
    assert lx.feedback(issue["id"], "satisfied").status_code == 200
    view = lx.wait(issue["id"], status="closed")
    steps = [s["event_type"] for s in view["timeline"]]
    for step in ("issue_submitted", "issue_routed", "issue_escalated", "issue_referred",
                 "assignment_created", "assignment_accepted", "assignment_progressed",
                 "assignment_completed", "issue_resolved", "feedback_received", "issue_closed"):
        assert step in steps
    assert "已修复通行" in told(lx, issue["id"], "issue_resolved", "voter")["body"]
    assert told(lx, issue["id"], "issue_closed", "voter")["recipient_id"] == issue["id"]
    assert told(lx, issue["id"], "assignment_created", "department")["recipient_id"] == "jtj"
    assert told(lx, issue["id"], "issue_routed", "station")["recipient_id"] == VILLAGE_STATION
    receipt = told(lx, issue["id"], "issue_submitted", "voter")
    assert issue["tracking_no"] in receipt["body"]
    by_number = lx.call("intake", "GET", "/issues", params={
        "tracking_no": issue["tracking_no"], "access_code": issue["access_code"]})
    assert by_number.status_code == 200 and by_number.json()["status"] == "closed", by_number.text
    voter_steps = [s["event_type"] for s in by_number.json()["timeline"]]
    assert "assignment_created" not in voter_steps and "issue_referred" in voter_steps
    assert "区交通运输局" in told(lx, issue["id"], "issue_referred", "voter")["body"]


def test_solved_on_the_spot_at_a_visit_awaits_feedback_then_closes(lx):
    issue = lx.submit(channel="visit", representative_id="R013", resolution="当场协调解决")
    assert issue["status"] == "handled"
    lx.wait(issue["id"], status="handled", station_id=VILLAGE_STATION)
    assert told(lx, issue["id"], "issue_routed", "representative")["recipient_id"] == "R013"
    assert lx.feedback(issue["id"], "basically_satisfied").status_code == 200
    assert lx.feedback(issue["id"], "satisfied").status_code == 409  # once per handling
    lx.wait(issue["id"], status="closed")


def test_unsatisfied_feedback_reopens_at_the_station_that_handled_it(lx):
    issue = lx.submit(channel="reception", station_id=TOWN_STATION)
    lx.wait(issue["id"], tier="town")
    assert lx.act(issue["id"], "resolve", TOWN_STATION, resolution="已答复").status_code == 200
    lx.wait(issue["id"], status="handled")
    assert lx.feedback(issue["id"], "unsatisfied").status_code == 200
    lx.wait(issue["id"], status="open", tier="town", station_id=TOWN_STATION)
    assert told(lx, issue["id"], "issue_reopened", "station")["recipient_id"] == TOWN_STATION
    assert lx.act(issue["id"], "resolve", TOWN_STATION, resolution="重新处理").status_code == 200
    lx.wait(issue["id"], status="handled")
    assert lx.feedback(issue["id"], "satisfied").status_code == 200
    lx.wait(issue["id"], status="closed")


def test_forwarded_to_the_city_and_handled_when_the_city_replies(lx):
    issue = lx.submit(category="funding", channel="online")
    assert issue["tier"] == "district"
    lx.wait(issue["id"], station_id=DISTRICT_STATION)
    assert lx.meeting({"issue_id": issue["id"], "action": "city", "note": "需市区联动"}).status_code == 201
    lx.wait(issue["id"], status="forwarded", tier="city")
    reply = lx.act(issue["id"], "city-reply", "district", reply="市发改委已列入计划")
    assert reply.status_code == 200
    lx.wait(issue["id"], status="handled")


def test_answered_directly_at_the_meeting(lx):
    issue = lx.submit(category="funding", channel="online")
    lx.wait(issue["id"], station_id=DISTRICT_STATION)
    held = lx.meeting({"issue_id": issue["id"], "action": "reply", "note": "已纳入明年预算"})
    assert held.status_code == 201, held.text
    assert lx.wait(issue["id"], status="handled")["tier"] == "district"


def test_a_returned_assignment_goes_back_to_the_district_and_is_reassigned(lx):
    issue = lx.submit(category="funding", channel="online")
    lx.wait(issue["id"], station_id=DISTRICT_STATION)
    held = lx.meeting({"issue_id": issue["id"], "action": "refer", "department": "czj",
                       "cooperating": ["fgj"]})
    assert held.status_code == 201, held.text
    first = lx.assignment("czj", issue["id"])
    helper = lx.assignment("fgj", issue["id"], lead=False)
    assert (helper["department"], helper["lead"]) == ("fgj", False)
    assert lx.work("czj", first["id"], "return", reason="应由发改局牵头").status_code == 200
    lx.wait(issue["id"], status="open", tier="district", department=None)
    again = lx.meeting({"issue_id": issue["id"], "action": "refer", "department": "fgj"})
    assert again.status_code == 201, again.text
    lx.wait(issue["id"], status="referred", department="fgj")
    second = lx.assignment("fgj", issue["id"])
    assert second["id"] != helper["id"]
    assert lx.work("czj", first["id"], "complete", result="迟到的办结").status_code == 409
    assert lx.work("fgj", second["id"], "accept").status_code == 200
    assert lx.work("fgj", second["id"], "complete", result="项目已立项").status_code == 200
    lx.wait(issue["id"], status="handled", department="fgj")


def test_a_grid_report_starts_at_the_village_station(lx):
    issue = lx.submit(channel="grid", grid_id="G-610902101002-1")
    assert lx.wait(issue["id"], station_id=VILLAGE_STATION)["channel"] == "grid"


def test_callers_act_only_on_what_is_theirs(lx):
    issue = lx.submit(category="funding", channel="online")
    lx.wait(issue["id"], station_id=DISTRICT_STATION)
    assert lx.act(issue["id"], "resolve", VILLAGE_STATION, resolution="x").status_code == 403
    assert lx.meeting({"issue_id": issue["id"], "action": "refer"}, holder=TOWN_STATION).status_code == 403
    held = lx.meeting({"issue_id": issue["id"], "action": "refer"})
    assert held.status_code == 201, held.text
    work = lx.assignment("fgj", issue["id"])
    assert lx.work("czj", work["id"], "accept").status_code == 404
    assert lx.call("routing", "GET", f"/issues/{issue['id']}/route",
                   headers={"Authorization": "Bearer not-a-key"}).status_code == 401
    assert lx.call("routing", "GET", "/ledger", params={"month": "2026-11"}).status_code == 401


def test_bad_input_is_a_4xx_naming_the_field_and_nothing_is_stored(lx):
    before = lx.ledger(this_month()).json()
    cases = [
        ({"village_code": "000"}, "village_code"),
        ({"channel": "fax"}, "channel"),
        ({"title": "长" * 201}, "title"),
        ({"category": "weather"}, "category"),
        ({"voter": {"name": "王五"}}, "voter"),
        ({"channel": "reception"}, "station_id"),
        ({"channel": "grid", "grid_id": "G-nowhere"}, "grid_id"),
    ]
    for change, field in cases:
        body = {"channel": "hotline", "category": "roads", "title": "t", "description": "d",
                "village_code": "610902101002", "voter": {"name": "王五", "phone": "13900000001"},
                **change}
        response = lx.call("intake", "POST", "/issues", json=body)
        assert response.status_code == 422 and field in response.json()["fields"], (change, response.text)
    broken = lx.call("intake", "POST", "/issues", data=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    issue = lx.submit()
    lx.wait(issue["id"], station_id=VILLAGE_STATION)
    assert lx.feedback(issue["id"], "satisfied").status_code == 409
    assert lx.feedback(issue["id"], "delighted").status_code == 422
    after = lx.ledger(this_month()).json()
    assert after["summary"]["total"] == before["summary"]["total"] + 1
    assert all(lx.call(s, "GET", "/health").ok for s in lx.urls)


def test_the_ledger_counts_the_month_by_tier_station_category_department_status(lx):
    at_village = lx.submit()
    lx.wait(at_village["id"], station_id=VILLAGE_STATION)
    referred = lx.submit(category="funding", channel="online")
    lx.wait(referred["id"], station_id=DISTRICT_STATION)
    held = lx.meeting({"issue_id": referred["id"], "action": "refer", "department": "czj"})
    assert held.status_code == 201, held.text
    lx.wait(referred["id"], status="referred", department="czj")
    ledger = lx.ledger(this_month()).json()
    items = {item["id"]: item for item in ledger["items"]}
    assert (items[at_village["id"]]["tier"], items[at_village["id"]]["station_id"],
            items[at_village["id"]]["category"], items[at_village["id"]]["status"]) == (
        "village", VILLAGE_STATION, "roads", "open")
    assert (items[referred["id"]]["tier"], items[referred["id"]]["department"],
            items[referred["id"]]["category"], items[referred["id"]]["status"]) == (
        "district", "czj", "funding", "referred")
    summary = ledger["summary"]
    assert summary["total"] == len(ledger["items"])
    for dimension in ("by_tier", "by_station", "by_category", "by_department", "by_status"):
        assert sum(summary[dimension].values()) == summary["total"], dimension
    assert summary["by_tier"]["village"] >= 1 and summary["by_tier"]["district"] >= 1
    assert summary["by_department"]["czj"] >= 1 and summary["by_status"]["referred"] >= 1
    assert summary["by_category"]["funding"] >= 1 and summary["by_station"][VILLAGE_STATION] >= 1
    csv = lx.ledger(this_month(), format="csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    rows = csv.text.strip().splitlines()
    assert len(rows) == summary["total"] + 1
    assert any(referred["tracking_no"] in row for row in rows[1:])


@pytest.mark.parametrize("service", ["intake", "routing", "departments", "notify"])
def test_each_service_serves_its_openapi_document(lx, service):
    response = lx.call(service, "GET", "/openapi.json")
    assert response.status_code == 200, response.text
    spec = response.json()
    assert spec["openapi"].startswith("3.") and "/health" in spec["paths"]
    assert spec["components"]["schemas"]


def this_month():
    return datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


CANARY = {"name": "金丝雀", "phone": "13912345678", "id_number": "61240119851231002X",
          "email": "canary.voter@example.org"}


@pytest.mark.faults
def test_personal_data_stays_in_intake(lx, system, report):
    """A voter's name, phone, ID number and email, after a whole life of their issue,
    are in intake's database and nowhere else: no log, not the notifications sink,
    not another service's database."""
    assert len(CANARY["id_number"]) == 18
    issue = lx.submit(voter=CANARY)
    lx.wait(issue["id"], station_id=VILLAGE_STATION)
    for holder in (VILLAGE_STATION, TOWN_STATION):
        moved = lx.act(issue["id"], "escalate", holder, reason="needs_department",
                       note="需部门办理")
        assert moved.status_code == 200, moved.text
    lx.wait(issue["id"], tier="district", station_id=DISTRICT_STATION)
    held = lx.meeting({"issue_id": issue["id"], "action": "refer"})
    assert held.status_code == 201, held.text
    work = lx.assignment("jtj", issue["id"])
    assert lx.work("jtj", work["id"], "accept").status_code == 200
    assert lx.work("jtj", work["id"], "complete", result="已修复").status_code == 200
    lx.wait(issue["id"], status="handled")
    assert lx.feedback(issue["id"], "satisfied").status_code == 200
    lx.wait(issue["id"], status="closed")
    told(lx, issue["id"], "issue_closed", "voter")          # the last message is in the sink

    sink = system.logs / "notifications.log"
    assert issue["tracking_no"] in sink.read_text(encoding="utf-8")
    logs = sorted(system.logs.glob("*.log"))
    assert {log.name for log in logs} >= {"notifications.log", "intake.log", "routing.log",
                                          "departments.log", "notify.log"}
    for log in logs:
        text = log.read_text(encoding="utf-8", errors="replace")
        assert [field for field, value in CANARY.items() if value in text] == [], log.name
    for service in ("routing", "departments", "notify"):
        dump = str(dump_database(system.databases[service]))
        assert issue["id"] in dump, service                    # the scan sees the issue's rows
        assert [field for field, value in CANARY.items() if value in dump] == [], service
    intake = str(dump_database(system.databases["intake"]))
    assert [field for field, value in CANARY.items() if value in intake] == list(CANARY)
    report(Outcome("canary voter: name, phone, ID, email", 1, reached=1,
                   notes=f"none in {len(logs)} logs or 3 other databases"))


def dump_database(url):
    from sqlalchemy import inspect

    from lianxin.db import make_engine
    engine = make_engine(url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    return [query(url, f"select * from {table}") for table in tables]


def test_a_step_taken_on_a_named_users_behalf_keeps_who_took_it_from_staff_not_the_voter(lx):
    issue = lx.submit()
    acting = {"X-Lianxin-Actor": "console:7"}
    response = lx.call("routing", "POST", f"/issues/{issue['id']}/escalate", VILLAGE_STATION,
                       headers=acting, json={"reason": "beyond_authority", "note": "需镇协调"})
    assert response.status_code == 200, response.text
    lx.wait(issue["id"], tier="town")
    [step] = [s for s in lx.route(issue["id"])["steps"] if s["event_type"] == "issue_escalated"]
    assert step["actor"] == "console:7"
    staff = wait_until(lambda: [s for s in lx.issue(issue["id"])["timeline"]
                                if s["event_type"] == "issue_escalated"], timeout=15,
                       message="intake's timeline has the escalation")
    assert staff[0]["actor"] == "console:7"
    voter = lx.issue(issue["id"], holder=None)["timeline"]
    assert all(s["actor"] is None for s in voter)
    unnamed = lx.act(issue["id"], "resolve", TOWN_STATION, resolution="已协调")
    assert unnamed.status_code == 200
    [resolved] = [s for s in lx.route(issue["id"])["steps"] if s["event_type"] == "issue_resolved"]
    assert resolved["actor"] is None


def test_each_service_tells_its_own_cpu_time_and_memory_for_the_bench(lx):
    for service in lx.urls:
        before = lx.call(service, "GET", "/health").json()["process"]
        lx.call(service, "GET", "/openapi.json")
        after = lx.call(service, "GET", "/health").json()["process"]
        assert after["pid"] == before["pid"] and after["cpu_seconds"] >= before["cpu_seconds"] > 0
        assert 20 < after["rss_mb"] <= after["peak_rss_mb"] < 1000, (service, after)
