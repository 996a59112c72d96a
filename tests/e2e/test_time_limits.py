"""Time moves issues: the four services as processes sharing a test clock that the
tests move forward, from Monday 28 September 2026 (National Day week ahead).

The tests run in file order on one system and one clock, which only goes forward; each
test creates its own issues. Default time limits (data/rules.yml): village 5, town 7,
accept 2, complete 15 working days; one extension; two returns.
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from lianxin import clock
from lianxin.workdays import WorkCalendar
from tests.e2e.client import DISTRICT_STATION, TOWN_STATION, VILLAGE_STATION, Lianxin
from tests.e2e.timed import move, no_tracebacks, now, timed_system
from tests.support.broker import wait_until

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI)
CALENDAR = WorkCalendar()


@pytest.fixture(scope="module")
def timed(amqp_uri, tmp_path_factory):
    """The system on a test clock set to ``START``; ``move(timed, to=...)`` moves it."""
    system = timed_system(amqp_uri, tmp_path_factory.mktemp("timed"), START)
    try:
        yield system
    finally:
        system.stop()
        no_tracebacks(system, "routing", "departments")


@pytest.fixture(scope="module")
def lianxin(timed):
    return Lianxin(timed.urls)


def test_a_holiday_week_pauses_the_count_and_a_village_issue_left_alone_goes_up_by_itself(
        timed, lianxin):
    issue = lianxin.submit()   # Monday 28 September, 09:00
    [limit] = [d for d in lianxin.deadlines("routing", VILLAGE_STATION)
               if d["issue_id"] == issue["id"]]
    # 5 working days: 29, 30 September, 8, 9 October and Saturday 10 October (调休)
    assert limit["limit"] == "village"
    assert datetime.fromisoformat(limit["due_at"]) == datetime(2026, 10, 11, tzinfo=SHANGHAI)
    assert lianxin.deadlines("routing", "district", issue_id=issue["id"]) == [limit]

    move(timed, datetime(2026, 10, 7, 12, 0, tzinfo=SHANGHAI))     # Mon–Fri would be past
    assert lianxin.route(issue["id"])["issue"]["tier"] == "village"
    assert lianxin.told(issue["id"], "issue_overdue") == []

    move(timed, datetime(2026, 10, 10, 8, 0, tzinfo=SHANGHAI))     # the last day begins
    wait_until(lambda: lianxin.told(issue["id"], "issue_reminded"), timeout=15,
               message="the village station reminded")
    assert lianxin.told(issue["id"], "issue_reminded") == [("station", VILLAGE_STATION)]
    assert lianxin.route(issue["id"])["issue"]["tier"] == "village"

    move(timed, datetime(2026, 10, 11, 0, 30, tzinfo=SHANGHAI))    # run out
    lianxin.wait(issue["id"], tier="town", station_id=TOWN_STATION)
    wait_until(lambda: len(lianxin.told(issue["id"], "issue_overdue")) == 2, timeout=15,
               message="the station and its town told")
    assert lianxin.told(issue["id"], "issue_overdue") == [("station", TOWN_STATION),
                                                          ("station", VILLAGE_STATION)]
    # the town's 7 working days: 12–16 and 19–20 October
    [limit] = [d for d in lianxin.deadlines("routing", TOWN_STATION)
               if d["issue_id"] == issue["id"]]
    assert datetime.fromisoformat(limit["due_at"]) == datetime(2026, 10, 21, tzinfo=SHANGHAI)

    move(timed, datetime(2026, 10, 21, 1, 0, tzinfo=SHANGHAI))
    lianxin.wait(issue["id"], tier="district", station_id=DISTRICT_STATION)
    steps = lianxin.route(issue["id"])["steps"]
    assert [s["reason"] for s in steps if s["event_type"] == "issue_escalated"] == \
        ["overdue", "overdue"]
    # the voter heard how it stands, though nobody moved it for a week and more
    voter = lianxin.issue(issue["id"], holder=None)
    assert "issue_progress" in [s["event_type"] for s in voter["timeline"]]
    assert "issue_overdue" not in [s["event_type"] for s in voter["timeline"]]


def at_department(timed, lianxin, department="jtj"):
    """A new issue escalated by hand to the district and referred to ``department``."""
    issue = lianxin.submit()
    lianxin.act(issue["id"], "escalate", VILLAGE_STATION, reason="beyond_authority", note="村里")
    lianxin.wait(issue["id"], tier="town")
    lianxin.act(issue["id"], "escalate", TOWN_STATION, reason="needs_department", note="镇里")
    lianxin.wait(issue["id"], tier="district")
    response = lianxin.meeting({"issue_id": issue["id"], "action": "refer",
                                "department": department})
    assert response.status_code == 201, response.text
    return issue, lianxin.assignment(department, issue["id"])


def test_a_department_that_does_not_accept_in_time_is_reminded_then_supervised(timed, lianxin):
    issue, assignment = at_department(timed, lianxin)
    [limit] = [d for d in lianxin.deadlines("departments", "jtj")
               if d["assignment_id"] == assignment["id"]]
    assert limit["limit"] == "accept" and limit["state"] == "pending"

    move(timed, datetime.fromisoformat(limit["remind_at"]) + timedelta(minutes=1))
    wait_until(lambda: lianxin.told(issue["id"], "assignment_reminded"), timeout=15,
               message="the department reminded")
    assert lianxin.told(issue["id"], "assignment_reminded") == [("department", "jtj")]

    move(timed, datetime.fromisoformat(limit["due_at"]) + timedelta(minutes=1))
    wait_until(lambda: len(lianxin.told(issue["id"], "assignment_overdue")) == 2, timeout=15,
               message="the department and the district office told")
    assert lianxin.told(issue["id"], "assignment_overdue") == \
        [("department", "jtj"), ("station", DISTRICT_STATION)]
    [limit] = [d for d in lianxin.deadlines("departments", "district", overdue="true")
               if d["assignment_id"] == assignment["id"]]
    assert limit["state"] == "overdue"

    # accepting ends the overdue state and starts the time to complete
    assert lianxin.work("jtj", assignment["id"], "accept").status_code == 200
    [limit] = [d for d in lianxin.deadlines("departments", "jtj")
               if d["assignment_id"] == assignment["id"]]
    assert limit["limit"] == "complete" and limit["state"] == "pending"


def accepted(timed, lianxin, department="jtj"):
    issue, assignment = at_department(timed, lianxin, department)
    assert lianxin.work(department, assignment["id"], "accept").status_code == 200
    [limit] = [d for d in lianxin.deadlines("departments", department)
               if d["assignment_id"] == assignment["id"]]
    return issue, assignment, limit


def test_an_extension_granted_moves_the_deadline_and_one_refused_does_not(timed, lianxin):
    _, granted, before = accepted(timed, lianxin)
    ask = {"days": 5, "reason": "需协调资金，施工需两周"}
    # only the department holding it may ask, and only the district office may decide
    assert lianxin.work("zjj", granted["id"], "extension", **ask).status_code == 404
    assert lianxin.call("departments", "POST", f"/assignments/{granted['id']}/extension",
                        VILLAGE_STATION, json=ask).status_code == 403
    assert lianxin.work("jtj", granted["id"], "extension", **ask).status_code == 201
    assert lianxin.work("jtj", granted["id"], "extension/grant").status_code == 403
    assert lianxin.call("departments", "POST", f"/assignments/{granted['id']}/extension/grant",
                        VILLAGE_STATION, json={}).status_code == 403
    response = lianxin.call("departments", "POST",
                            f"/assignments/{granted['id']}/extension/grant", "district",
                            json={"note": "同意"})
    assert response.status_code == 200, response.text
    [after] = [d for d in lianxin.deadlines("departments", "jtj")
               if d["assignment_id"] == granted["id"]]
    old_due = datetime.fromisoformat(before["due_at"])
    assert datetime.fromisoformat(after["due_at"]) == \
        CALENDAR.add_working_days(old_due - timedelta(microseconds=1), 5).at
    # at most one extension by default
    assert lianxin.work("jtj", granted["id"], "extension", **ask).status_code == 409

    _, refused, before = accepted(timed, lianxin)
    assert lianxin.work("jtj", refused["id"], "extension", **ask).status_code == 201
    response = lianxin.call("departments", "POST",
                            f"/assignments/{refused['id']}/extension/refuse", "district",
                            json={"note": "按期办结"})
    assert response.status_code == 200, response.text
    [after] = [d for d in lianxin.deadlines("departments", "jtj")
               if d["assignment_id"] == refused["id"]]
    assert after["due_at"] == before["due_at"]


def test_a_third_return_sends_the_issue_to_a_meeting_instead_of_a_department(timed, lianxin):
    issue, assignment = at_department(timed, lianxin, "jtj")
    for department, next_department in (("jtj", "zjj"), ("zjj", "nlsj")):
        assert lianxin.work(department, assignment["id"], "return",
                            reason="不属于本单位职责").status_code == 200
        lianxin.wait(issue["id"], status="open", tier="district")
        response = lianxin.act(issue["id"], "refer", "district", department=next_department)
        assert response.status_code == 200, response.text
        assignment = lianxin.assignment(next_department, issue["id"])
    assert lianxin.work("nlsj", assignment["id"], "return",
                        reason="不属于本单位职责").status_code == 200
    lianxin.wait(issue["id"], status="open", tier="district")

    response = lianxin.act(issue["id"], "refer", "district", department="fgj")
    assert response.status_code == 409, response.text
    assert "meeting" in response.json()["message"]
    assert lianxin.route(issue["id"])["issue"]["returns"] == 3
    response = lianxin.meeting({"issue_id": issue["id"], "action": "refer", "department": "fgj"})
    assert response.status_code == 201, response.text


def test_the_month_freezes_by_itself_at_its_end_and_its_meeting_decides_its_agenda(timed,
                                                                                   lianxin):
    issue = lianxin.submit(category="funding")          # waits at the district
    month = f"{now(timed).astimezone(SHANGHAI):%Y-%m}"
    year, number = map(int, month.split("-"))
    move(timed, datetime(year + number // 12, number % 12 + 1, 1, 0, 5, tzinfo=SHANGHAI))
    snapshot = wait_until(lambda: lianxin.call("routing", "GET", "/ledger/snapshot", "district",
                                               params={"month": month}), timeout=15,
                          message=f"the ledger of {month} frozen")
    assert snapshot.json()["frozen_by"] == "month end" and len(snapshot.json()["content_hash"]) == 64
    again = lianxin.call("routing", "POST", "/ledger/freeze", "district", json={"month": month})
    assert again.status_code == 409 and "month" in again.json()["fields"]

    agenda = lianxin.call("routing", "GET", "/agenda", "district", params={"month": month}).json()
    assert issue["id"] in {i["id"] for g in agenda["groups"] for i in g["items"]}
    late = lianxin.submit(category="funding")           # after the freeze: not on the agenda
    decide = {"held_on": f"{now(timed):%Y-%m-%d}", "agenda": month, "decisions": [
        {"issue_id": issue["id"], "action": "reply", "note": "已答复"},
        {"issue_id": late["id"], "action": "reply", "note": "已答复"}]}
    refused = lianxin.call("routing", "POST", "/meetings", "district", json=decide)
    assert refused.status_code == 422 and "decisions.1" in refused.json()["fields"]
    assert lianxin.issue(late["id"])["status"] == "open"
    decide["decisions"][1]["off_agenda_reason"] = "群众反映强烈"
    assert lianxin.call("routing", "POST", "/meetings", "district", json=decide).status_code == 201

    out = timed.workdir / "reports"
    done = timed.cli("report", "--month", month, "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    overview = dict(load_workbook(out / f"circular-{month}.xlsx")["总体情况"].values)
    received = [i for i in snapshot.json()["items"]
                if f"{datetime.fromisoformat(i['received_at']).astimezone(SHANGHAI):%Y-%m}" == month]
    assert overview["收到问题（件）"] == len(received) > 0
    assert (out / f"circular-{month}.png").stat().st_size > 10_000


def test_a_village_review_decides_its_worksheet_and_only_that_station_may_hold_it(timed,
                                                                                  lianxin):
    issue = lianxin.submit()
    worksheet = lianxin.call("routing", "GET", f"/stations/{VILLAGE_STATION}/issues",
                             VILLAGE_STATION, params={"status": "open"}).json()
    decisions = [{"issue_id": row["id"], "decision": "keep", "note": "继续跟进"}
                 for row in worksheet if row["id"] != issue["id"]]
    decisions.append({"issue_id": issue["id"], "decision": "escalate",
                      "reason": "beyond_authority", "note": "村两委研判：超出村级权限"})
    body = {"month": f"{now(timed):%Y-%m}", "held_on": f"{now(timed):%Y-%m-%d}",
            "decisions": decisions}
    path = f"/stations/{VILLAGE_STATION}/reviews"
    assert lianxin.call("routing", "POST", path, "st-610902101001", json=body).status_code == 403
    assert lianxin.call("routing", "POST", f"/stations/{DISTRICT_STATION}/reviews", "district",
                        json={**body, "decisions": []}).status_code == 409
    response = lianxin.call("routing", "POST", path, VILLAGE_STATION, json=body)
    assert response.status_code == 201, response.text
    lianxin.wait(issue["id"], tier="town")
    [step] = [s for s in lianxin.route(issue["id"])["steps"]
              if s["event_type"] == "issue_escalated"]
    assert step["reason"] == "beyond_authority"


def test_a_timer_due_while_its_service_is_stopped_fires_once_after_it_restarts(timed, lianxin):
    issue = lianxin.submit()
    [limit] = [d for d in lianxin.deadlines("routing", VILLAGE_STATION)
               if d["issue_id"] == issue["id"]]
    timed.stop("routing")
    clock.move(timed.clock_file, to=datetime.fromisoformat(limit["due_at"]) + timedelta(hours=1))
    timed.start("routing")
    lianxin.wait(issue["id"], tier="town")
    timed.start_replica("routing", 2)       # a second replica sweeping the same timers
    timed.wait_healthy("routing#2")
    move(timed, now(timed) + timedelta(seconds=1))
    steps = lianxin.route(issue["id"])["steps"]
    assert [s["event_type"] for s in steps].count("issue_overdue") == 1
    assert [s["event_type"] for s in steps].count("issue_escalated") == 1
    wait_until(lambda: len(lianxin.told(issue["id"], "issue_overdue")) == 2, timeout=15,
               message="the overdue notice sent")
    assert len(lianxin.told(issue["id"], "issue_overdue")) == 2
