"""A whole month in the district, December 2026, played on the movable clock through
the four services' HTTP endpoints, then the month's circular checked figure by figure
against the issues that were played.

The rules are the shipped ones but for the freeze day, the 28th, so that the meeting,
the hearing, the department's work and the voter's rating all fall in the month.

| issue | how it came | what the month did with it |
|---|---|---|
| A | visit of R013 (走访) | resolved by the village station; satisfied, closed |
| B | hotline | escalated by the village for want of funds; pool money; resolved by the town; basically satisfied, closed |
| C | hotline, funding | waits at the district, overdue on the 16th; on the agenda; referred to jtj at the meeting; hearing; completed; unsatisfied, reopened |
| F | reception day at the town (R004 on duty) | resolved by the town on the spot; satisfied, closed |
| E | hotline, land | starts at the town; the town's review escalates it; on the agenda; forwarded to the city |
| D | hotline | kept by the village review; escalated by time on the 29th |
| G | hotline, another village | its station holds no review: supervised on the 26th; escalated by time on the 30th |
"""
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from openpyxl import load_workbook

from tests.e2e.client import DISTRICT_STATION, TOWN_STATION, VILLAGE, VILLAGE_STATION, Lianxin
from tests.e2e.timed import move, no_tracebacks, timed_system
from tests.support.broker import wait_until

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = "2026-12"
OTHER_VILLAGE, OTHER_STATION = "610902101001", "st-610902101001"
VISITOR, ON_DUTY = "R013", ("R002", "R004")      # a town-level; a city and a district one


def at(day, hour=9, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def system(amqp_uri, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("month")
    rules = yaml.safe_load(open("data/rules.yml", encoding="utf-8"))
    rules["month"]["freeze_day"] = 28
    (workdir / "rules.yml").write_text(yaml.safe_dump(rules, allow_unicode=True), "utf-8")
    running = timed_system(amqp_uri, workdir, at(1), RULES_FILE=str(workdir / "rules.yml"))
    try:
        yield running
    finally:
        running.stop()
        no_tracebacks(running, "intake", "routing", "departments", "notify")


@pytest.fixture(scope="module")
def lx(system):
    return Lianxin(system.urls)


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture(scope="module")
def month(system, lx):
    """The month played, in date order; what each step returned, by name."""
    played = {}
    # 1 December: a visit and the issue raised at it; two by hotline; the roster
    played["visit"] = ok(lx.call("intake", "POST", "/visits", VILLAGE_STATION, json={
        "representative_id": VISITOR, "village_code": VILLAGE, "visited_on": "2026-12-01",
        "voters_met": 12}), 201)
    played["A"] = lx.submit(channel="visit", representative_id=VISITOR,
                            visit_id=played["visit"]["id"])
    played["B"] = lx.submit()
    played["C"] = lx.submit(category="funding", title="村小学危房改造缺资金")
    played["roster"] = ok(lx.call("intake", "POST", "/reception-days", "district", json={
        "station_id": TOWN_STATION, "on": "2026-12-15", "representative_ids": list(ON_DUTY)}),
        201)
    # 2 and 3 December: the village resolves A and sends B up for want of funds; the pool
    # pays; the town resolves B; both voters rate
    move(system, at(2))
    ok(lx.act(played["A"]["id"], "resolve", VILLAGE_STATION, resolution="已修复"))
    ok(lx.act(played["B"]["id"], "escalate", VILLAGE_STATION, reason="needs_funding",
              note="修复需资金"))
    lx.wait(played["A"]["id"], status="handled")
    ok(lx.feedback(played["A"]["id"], "satisfied"))
    lx.wait(played["B"]["id"], tier="town")
    move(system, at(3))
    played["funds"] = ok(lx.call("routing", "POST", f"/issues/{played['B']['id']}/funds",
                                 "district", json={"amount": "20000.00",
                                                   "source_department": "czj",
                                                   "allocated_on": "2026-12-03"}), 201)
    ok(lx.call("routing", "POST", f"/funds/{played['funds']['id']}/spent", "district",
               json={"amount": "15000.00"}))
    ok(lx.act(played["B"]["id"], "resolve", TOWN_STATION, resolution="资金到位，已修复"))
    lx.wait(played["B"]["id"], status="handled")
    ok(lx.feedback(played["B"]["id"], "basically_satisfied"))
    # 14 December: the representatives on duty are told; 15th: the reception day
    move(system, at(14))
    played["duty notices"] = wait_until(
        lambda: (found := lx.notifications(event_type="reception_duty_due")) and
        len(found) == 2 and found, timeout=20, message="both representatives told")
    move(system, at(15, 10))
    played["F"] = lx.submit(channel="reception", station_id=TOWN_STATION, category="safety",
                            representative_id="R004", title="集镇路灯不亮")
    ok(lx.act(played["F"]["id"], "resolve", TOWN_STATION, resolution="当场协调供电所修复"))
    lx.wait(played["F"]["id"], status="handled")
    ok(lx.feedback(played["F"]["id"], "satisfied"))
    # 16th: C has waited at the district past its 10 working days
    move(system, at(16, 1))
    # 17th, 21st, 22nd: a land dispute at the town, two more road issues at villages
    move(system, at(17))
    played["E"] = lx.submit(category="land", title="宅基地界址纠纷")
    move(system, at(21))
    played["D"] = lx.submit(title="村道排水沟堵塞")
    move(system, at(22))
    played["G"] = lx.submit(village_code=OTHER_VILLAGE, title="社区路面破损")
    # 23rd: the village and town reviews (研判)
    move(system, at(23))
    played["village review"] = ok(lx.call(
        "routing", "POST", f"/stations/{VILLAGE_STATION}/reviews", VILLAGE_STATION, json={
            "month": MONTH, "held_on": "2026-12-23", "decisions": [
                {"issue_id": played["D"]["id"], "decision": "keep", "note": "下月继续跟进"}]}),
        201)
    played["town review"] = ok(lx.call(
        "routing", "POST", f"/stations/{TOWN_STATION}/reviews", TOWN_STATION, json={
            "month": MONTH, "held_on": "2026-12-23", "decisions": [
                {"issue_id": played["E"]["id"], "decision": "escalate",
                 "reason": "beyond_authority", "note": "镇逐项研判：涉及跨村土地"}]}), 201)
    lx.wait(played["E"]["id"], tier="district")
    # 26th: the review day is over; 29th: the ledger froze at the end of the 28th
    move(system, at(26, 0, 30))
    move(system, at(29, 0, 30))
    played["snapshot"] = ok(wait_until(lambda: lx.call(
        "routing", "GET", "/ledger/snapshot", "district", params={"month": MONTH}).ok and
        lx.call("routing", "GET", "/ledger/snapshot", "district", params={"month": MONTH}),
        timeout=20, message="the ledger frozen"))
    played["agenda"] = ok(lx.call("routing", "GET", "/agenda", "district",
                                  params={"month": MONTH}))
    played["meeting"] = ok(lx.call("routing", "POST", "/meetings", "district", json={
        "held_on": "2026-12-29", "agenda": MONTH, "decisions": [
            {"issue_id": item["id"], **({"action": "refer", "department": "jtj"}
                                        if item["id"] == played["C"]["id"] else
                                        {"action": "city", "note": "请市人大协调"})}
            for group in played["agenda"]["groups"] for item in group["items"]]}), 201)
    assignment = lx.assignment("jtj", played["C"]["id"])
    played["hearing"] = ok(lx.call("departments", "POST", "/hearings", "district", json={
        "held_on": "2026-12-29", "entries": [{
            "department": "jtj", "attendee": "区交通运输局 副局长", "undertaking": "寒假前完成危房改造",
            "assignment_ids": [assignment["id"]]}]}), 201)
    # 30th: jtj accepts and completes; 31st: the voter is not satisfied
    move(system, at(30))
    ok(lx.work("jtj", assignment["id"], "accept"))
    ok(lx.work("jtj", assignment["id"], "complete", result="已完成改造"))
    lx.wait(played["C"]["id"], status="handled")
    move(system, at(31, 10))
    ok(lx.feedback(played["C"]["id"], "unsatisfied"))
    lx.wait(played["C"]["id"], status="open")
    lx.wait(played["D"]["id"], tier="town")
    lx.wait(played["G"]["id"], tier="town")
    played["assignment"] = ok(lx.call("departments", "GET", f"/assignments/{assignment['id']}",
                                      "jtj"))
    return played


def test_the_representatives_on_duty_are_told_the_day_before_their_reception_day(month):
    told = month["duty notices"]
    assert sorted(n["recipient_id"] for n in told) == sorted(ON_DUTY)
    assert {n["recipient_kind"] for n in told} == {"representative"}
    assert all("2026-12-15" in n["body"] and n["issue_id"] is None for n in told)


def test_an_issue_taken_on_the_reception_day_is_marked_so(month, lx):
    assert lx.issue(month["F"]["id"])["reception_day"] is True
    assert lx.issue(month["A"]["id"])["reception_day"] is False


def test_what_a_review_escalates_names_the_review(month, lx):
    [step] = [s for s in lx.route(month["E"]["id"])["steps"]
              if s["event_type"] == "issue_escalated"]
    assert (step["station_id"], step["review_id"]) == (DISTRICT_STATION,
                                                      month["town review"]["id"])


def test_a_station_holding_open_issues_without_a_review_is_supervised(month, lx):
    told = lx.notifications(event_type="review_overdue")
    assert sorted((n["recipient_kind"], n["recipient_id"]) for n in told) == \
        [("station", TOWN_STATION), ("station", OTHER_STATION)]
    [late] = [d for d in lx.deadlines("routing", OTHER_STATION) if d["limit"] == "review"]
    assert late["state"] == "overdue" and late["issue_id"] is None
    assert not [d for d in lx.deadlines("routing", VILLAGE_STATION) if d["limit"] == "review"]


def test_the_ledger_froze_after_the_rules_freeze_day_with_what_was_open(month):
    snapshot = month["snapshot"]
    assert snapshot["frozen_by"] == "month end"
    assert datetime.fromisoformat(snapshot["frozen_at"]) >= at(29, 0, 0)
    ids = {item["id"] for item in snapshot["items"]}
    assert ids == {month[k]["id"] for k in "ABCDEFG"}


def test_the_meeting_decided_its_agenda_and_the_hearing_shows_on_the_assignment(month, lx):
    agenda = [item["id"] for g in month["agenda"]["groups"] for item in g["items"]]
    assert sorted(agenda) == sorted([month["C"]["id"], month["E"]["id"]])
    [first] = [g["items"][0] for g in month["agenda"]["groups"]
               if g["items"][0]["id"] == month["C"]["id"]]
    assert first["overdue_since"] is not None and first["history"]
    assert month["meeting"]["agenda"] == MONTH
    assert month["assignment"]["hearing"]["attendee"] == "区交通运输局 副局长"
    [record] = ok(lx.call("routing", "GET", f"/issues/{month['E']['id']}/city", "district"))
    assert record["asked"] == "请市人大协调" and record["answer"] is None


def test_the_circular_counts_the_month_that_was_played(month, system):
    out = system.workdir / "reports"
    done = system.cli("report", "--month", MONTH, "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    tables = json.loads((out / f"circular-{MONTH}.json").read_text("utf-8"))["tables"]
    overview = {row[0]: row[1] for row in tables["overview"]["rows"]}
    assert overview["收到问题（件）"] == 7                      # A to G
    assert overview["办结（件）"] == 4                          # A, B, F; C by jtj
    assert overview["销号（件）"] == 3                          # A, B, F closed
    assert overview["月末未销号（件）"] == 4                    # C, D, E, G
    assert overview["超时自动上报（件）"] == 2                  # D and G
    assert overview["群众满意率"] == "75.0%"                   # 3 of A, B, F, C
    assert (overview["应急资金池（元）"], overview["已安排（元）"], overview["已支出（元）"]) == \
        ("500000.00", "20000.00", "15000.00")
    channels = {row[0]: row[1] for row in tables["channels"]["rows"]}
    assert channels == {"走访": 1, "接访": 1, "热线": 5}
    by_tier = {row[0]: row[1] for row in tables["open_by_tier"]["rows"]}
    assert by_tier == {"镇级中心联络站": 2, "区人大代表之家": 1, "市人大": 1}
    ratings = {row[0]: row[1] for row in tables["ratings"]["rows"]}
    assert ratings == {"满意": 2, "基本满意": 1, "不满意": 1}
    [cluster] = tables["clusters"]["rows"]                      # A, B, D: roads, one village
    assert cluster[2] == 3
    work = {row[0]: row[1:] for row in tables["representatives"]["rows"]}
    assert work["马建国"][:3] == [1, 12, 1]                     # R013: a visit, 12 met, A
    assert work["陈志强"][-1] == 1 and work["李秀兰"][-1] == 1   # R004, R002 on duty
    # of the stations' 9 limits that ended: A's, B's two, F's and E's two kept; C's at
    # the district, D's and G's at their villages not
    assert overview["联络站按时办理率"] == "66.7%"
    assert overview["部门按时办结率"] == "100.0%"
    towns = {row[1]: row[2:] for row in tables["towns"]["rows"]}
    # both villages are in 关庙镇: its stations kept 5 of 7 limits (not D's or G's); the
    # district's own limits (C's late, E's kept) are ranked on their own line
    assert towns["关庙镇"] == [7, 4, 2, "71.4%", "75.0%"]
    [jtj] = tables["departments"]["rows"]
    assert jtj[1:] == ["区交通运输局", 1, 1, 0, 0, 0, "100.0%", "100.0%", 0]
    workbook = load_workbook(out / f"circular-{MONTH}.xlsx")
    assert dict(workbook["总体情况"].values)["收到问题（件）"] == 7


def test_the_reviews_are_on_record_by_station_and_month(month, lx):
    held = ok(lx.call("routing", "GET", f"/stations/{TOWN_STATION}/reviews", TOWN_STATION,
                      params={"month": MONTH}))
    assert [(r["id"], r["held_on"]) for r in held] == [(month["town review"]["id"],
                                                        "2026-12-23")]
