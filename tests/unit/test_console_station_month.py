"""A liaison station's month in the console, the services stood in for: the visit log,
the reception-day rosters and the monthly review worksheet list what the services
return, send what was typed with the station's key, show a refusal beside its input,
and are the station's pages only."""
import re
import uuid

import pytest

from tests.support.console import audit, text

VILLAGE = "st-610902101002"            # 白庙村, the sample user baimiao's
TOWN = "st-610902101"                  # 关庙镇, guanmiao's
FIRST, SECOND = str(uuid.uuid4()), str(uuid.uuid4())


def a_visit(**changes):
    return {"id": str(uuid.uuid4()), "representative_id": "R013", "village_code": "610902101002",
            "visited_on": "2026-11-03", "voters_met": 14, "note": "三组修路", "recorded_by": VILLAGE,
            "recorded_at": "2026-11-03T08:00:00+00:00", **changes}


def an_open_issue(issue_id, title):
    return {"id": issue_id, "tracking_no": f"HB2026110000{title[-1]}", "status": "open",
            "tier": "village", "station_id": VILLAGE, "category": "roads", "title": title,
            "village_code": "610902101002"}


def the_open_issues(services):
    services.answer("GET", "routing", f"/stations/{VILLAGE}/issues", 200,
                    [an_open_issue(FIRST, "村道塌方1"), an_open_issue(SECOND, "饮水不足2")])
    services.answer("GET", "routing", f"/stations/{VILLAGE}/reviews", 200, [])


# who may open them ---------------------------------------------------------------------
@pytest.mark.parametrize("username", ["jtj", "district", "director"])
@pytest.mark.parametrize("path", ["/station/visits", "/station/receptions", "/station/review"])
def test_the_months_pages_of_a_station_are_refused_to_another_role(browser, services, username,
                                                                   path):
    browser.log_in(username)
    response = browser.get(path)
    assert response.status_code == 403 and "此页面属于其他角色" in text(response)
    assert not services.calls


# the visit log -------------------------------------------------------------------------
def test_the_visit_log_lists_the_visits_to_the_stations_villages_of_the_month(browser, services):
    services.answer("GET", "intake", "/visits", 200, [
        a_visit(), a_visit(representative_id="R007", village_code="610902001001", voters_met=3,
                           note="别村的走访")])
    browser.log_in("baimiao")
    page = text(browser.get("/station/visits"))
    assert services.made("GET", "/visits")[0].params == {"month": "2026-11"}
    assert "马建国" in page and "白庙村" in page and "三组修路" in page
    assert "别村的走访" not in page and "共走访 1 次，见到选民 14 人" in page


def test_a_visit_is_sent_with_the_stations_key_and_audited(browser, services, console):
    services.answer("GET", "intake", "/visits", 200, [])
    services.answer("POST", "intake", "/visits", 201, a_visit())
    browser.log_in("baimiao")
    browser.get("/station/visits")
    response = browser.post("/station/visits", {
        "representative_id": "R013", "village_code": "610902101002", "visited_on": "2026-10-30",
        "voters_met": "14", "note": " 三组修路 "})
    assert response.headers["Location"] == "/station/visits?month=2026-10&done=visit"
    sent = services.made("POST", "/visits")[0]
    assert sent.body == {"representative_id": "R013", "village_code": "610902101002",
                         "visited_on": "2026-10-30", "voters_met": 14, "note": "三组修路"}
    assert sent.headers["Authorization"] == "Bearer station-610902101002-key"
    assert sent.headers["Idempotency-Key"]
    assert audit(console)[-1] == ("baimiao", "visit", VILLAGE, "ok")
    assert "走访已记录" in text(browser.get(response.headers["Location"]))


def test_a_refused_visit_shows_the_error_beside_its_field_keeping_what_was_typed(
        browser, services, console):
    services.answer("GET", "intake", "/visits", 200, [])
    services.answer("POST", "intake", "/visits", 422, {
        "error": "unprocessable_entity", "message": "invalid request",
        "fields": {"voters_met": ["Not a valid integer."]}})
    browser.log_in("baimiao")
    browser.get("/station/visits")
    response = browser.post("/station/visits", {
        "representative_id": "R013", "village_code": "610902101002", "visited_on": "2026-11-03",
        "voters_met": "十几个", "note": "三组<修路>"})
    page = text(response)
    assert response.status_code == 422
    assert services.made("POST", "/visits")[0].body["voters_met"] == "十几个"
    met = re.search(r'<input id="visit-voters_met"[^>]*>\s*(?:<p[^>]*>[^<]*</p>\s*)*', page)
    assert 'value="十几个"' in met.group(0) and "请填写整数" in met.group(0)
    assert "三组&lt;修路&gt;</textarea>" in page and 'value="R013" selected' in page
    assert audit(console)[-1] == ("baimiao", "visit", VILLAGE, "422")


# reception days ------------------------------------------------------------------------
ROSTERS = [{"station_id": TOWN, "on": "2026-11-16", "representative_ids": ["R004", "R002"]},
           {"station_id": "st-610902102", "on": "2026-11-16", "representative_ids": ["R005"]}]


def test_a_town_station_sees_its_own_rosters_and_may_set_one(browser, services):
    services.answer("GET", "intake", "/reception-days", 200, ROSTERS)
    browser.log_in("guanmiao")
    page = text(browser.get("/station/receptions?month=2026-11"))
    assert services.made("GET", "/reception-days")[0].params == {"month": "2026-11"}
    assert "陈志强、李秀兰" in page and "洪山镇" not in page
    assert 'action="/station/receptions"' in page and 'name="rep-R006"' in page
    assert 'name="rep-R013"' not in page          # a town representative receives no one


def test_a_village_station_sees_its_towns_rosters_without_the_form(browser, services):
    services.answer("GET", "intake", "/reception-days", 200, ROSTERS)
    browser.log_in("baimiao")
    page = text(browser.get("/station/receptions"))
    assert "陈志强、李秀兰" in page and "刘芳" not in page and "关庙镇" in page
    assert 'method="post" action="/station/receptions"' not in page


def test_a_roster_sends_the_day_and_the_representatives_checked(browser, services, console):
    services.answer("GET", "intake", "/reception-days", 200, [])
    services.answer("POST", "intake", "/reception-days", 201, ROSTERS[0])
    browser.log_in("guanmiao")
    browser.get("/station/receptions")
    response = browser.post("/station/receptions", {"on": "2026-12-15", "rep-R004": "1",
                                                    "rep-R002": "1"})
    assert response.headers["Location"] == "/station/receptions?month=2026-12&done=roster"
    sent = services.made("POST", "/reception-days")[0]
    assert sent.body == {"on": "2026-12-15", "representative_ids": ["R002", "R004"],
                         "station_id": TOWN}
    assert sent.headers["Authorization"] == "Bearer station-610902101-key"
    assert audit(console)[-1] == ("guanmiao", "roster", TOWN, "ok")


def test_a_refused_roster_shows_the_error_beside_the_representatives_keeping_those_checked(
        browser, services):
    services.answer("GET", "intake", "/reception-days", 200, [])
    services.answer("POST", "intake", "/reception-days", 422, {
        "error": "unprocessable_entity", "message": "invalid request",
        "fields": {"representative_ids": {"0": ["unknown representative"]},
                   "on": ["Not a valid date."]}})
    browser.log_in("guanmiao")
    browser.get("/station/receptions")
    response = browser.post("/station/receptions", {"on": "12月15日", "rep-R005": "1"})
    page = text(response)
    assert response.status_code == 422
    assert re.search(r'name="rep-R005" value="1" [^>]*checked', page)
    assert not re.search(r'name="rep-R004" value="1" [^>]*checked', page)
    assert 'id="roster-representative_ids-error">不是有效的选项' in page
    assert 'value="12月15日"' in page and "请输入日期" in page


# the monthly review --------------------------------------------------------------------
def test_the_review_page_lists_the_open_issues_and_the_reviews_held_this_month(browser,
                                                                               services):
    the_open_issues(services)
    services.answer("GET", "routing", f"/stations/{VILLAGE}/reviews", 200, [{
        "id": "r1", "station_id": VILLAGE, "month": "2026-11", "held_on": "2026-11-05",
        "recorded_at": "2026-11-05T02:00:00+00:00", "decisions": [
            {"issue_id": FIRST, "decision": "keep", "note": "等待"},
            {"issue_id": SECOND, "decision": "resolve", "note": "已修"}]}])
    browser.log_in("baimiao")
    page = text(browser.get("/station/review"))
    assert services.made("GET", f"/stations/{VILLAGE}/issues")[0].params == {"status": "open"}
    assert services.made("GET", f"/stations/{VILLAGE}/reviews")[0].params == {"month": "2026-11"}
    assert "村道塌方1" in page and "饮水不足2" in page
    assert f'name="decision-{FIRST}"' in page and f'name="note-{SECOND}"' in page
    assert "留本级继续办理 1 · 本级办结 1" in page


def test_the_review_worksheet_sends_one_decision_per_issue(browser, services, console):
    the_open_issues(services)
    services.answer("POST", "routing", f"/stations/{VILLAGE}/reviews", 201, {"id": "r1"})
    browser.log_in("baimiao")
    browser.get("/station/review")
    response = browser.post("/station/review?month=2026-11", {
        "held_on": "2026-11-25", f"decision-{FIRST}": "keep", f"note-{FIRST}": "等待施工",
        f"decision-{SECOND}": "escalate", f"reason-{SECOND}": "needs_funding",
        f"note-{SECOND}": "缺资金"})
    assert response.headers["Location"] == "/station/review?month=2026-11&done=review"
    sent = services.made("POST", f"/stations/{VILLAGE}/reviews")
    assert len(sent) == 1 and sent[0].body == {"held_on": "2026-11-25", "month": "2026-11",
                                               "decisions": [
        {"issue_id": FIRST, "decision": "keep", "note": "等待施工"},
        {"issue_id": SECOND, "decision": "escalate", "reason": "needs_funding", "note": "缺资金"}]}
    assert sent[0].headers["Authorization"] == "Bearer station-610902101002-key"
    assert audit(console)[-1] == ("baimiao", "review", f"{VILLAGE} 2026-11", "ok")
    assert "月度研判已记录" in text(browser.get(response.headers["Location"]))


def test_a_refused_decision_is_shown_beside_its_rows_input_keeping_the_worksheet(
        browser, services):
    the_open_issues(services)
    services.answer("POST", "routing", f"/stations/{VILLAGE}/reviews", 422, {
        "error": "unprocessable_entity", "message": "invalid request",
        "fields": {"decisions": {"1": {"note": ["Missing data for required field."],
                                       "reason": ["an escalation needs a reason"]}}}})
    browser.log_in("baimiao")
    browser.get("/station/review")
    response = browser.post("/station/review", {
        "held_on": "2026-11-25", f"decision-{FIRST}": "resolve", f"note-{FIRST}": "已修复",
        f"decision-{SECOND}": "escalate"})
    page = text(response)
    assert response.status_code == 422
    sent = services.made("POST", f"/stations/{VILLAGE}/reviews")[0].body["decisions"]
    assert sent[1] == {"issue_id": SECOND, "decision": "escalate"}
    note = re.search(rf'<input name="note-{SECOND}"[^>]*>\s*<p class="error">([^<]*)</p>', page)
    assert note and note.group(1) == "此项必填。"
    assert re.search(rf'name="reason-{SECOND}"[^>]*aria-invalid="true"', page)
    assert 'value="已修复"' in page and 'value="escalate" selected' in page
    assert not re.search(rf'name="note-{FIRST}"[^>]*aria-invalid', page)
