"""The district office's month-end and oversight pages in-process, the services stood in
for: the meeting recorded against the agenda, the hearing, extensions decided, the
emergency pool, and what a director may only read."""
import re
import uuid

from services.console import domain, sheets
from tests.support.console import text

ON_AGENDA, LATE, DECIDED = (str(uuid.uuid4()) for _ in range(3))
ASSIGNMENT = str(uuid.uuid4())
DISTRICT_STATION = "st-610902"


def an_item(issue_id, title, **more):
    return {"id": issue_id, "tracking_no": f"HB{issue_id[:6]}", "title": title,
            "station_id": DISTRICT_STATION, "received_at": "2026-11-02T01:00:00+00:00",
            "overdue_since": None, "returns": 0, "history": [], **more}


def an_agenda(services):
    services.answer("GET", "routing", "/agenda", 200, {
        "month": "2026-11", "content_hash": "ab" * 32, "total": 2,
        "groups": [{"category": "roads", "items": [an_item(ON_AGENDA, "村道塌方"),
                                                   an_item(DECIDED, "桥梁修缮")]}]})
    services.answer("GET", "routing", f"/stations/{DISTRICT_STATION}/issues", 200, [
        an_item(ON_AGENDA, "村道塌方", status="open"), an_item(LATE, "饮水困难", status="open")])


# the rules of the sheets ---------------------------------------------------------------
def test_a_meeting_sheet_decides_what_waits_at_the_district_on_and_off_the_agenda():
    agenda = {"groups": [{"items": [{"id": ON_AGENDA}, {"id": DECIDED}]}]}
    sheet = domain.meeting_sheet(agenda, [{"id": ON_AGENDA}, {"id": LATE}])
    assert sheet.ids == [ON_AGENDA, LATE]
    assert [i["id"] for i in sheet.decided] == [DECIDED]


def test_only_the_rows_filled_in_are_sent_and_a_refusal_goes_beside_its_row():
    row = sheets.decision(frozenset({ON_AGENDA}))
    form = sheets.Sheet("decisions", *sheets.MEETING, row).form(
        {"held_on": "2026-11-30", f"action-{LATE}": "reply", f"note-{LATE}": "已答复",
         f"off_agenda_reason-{LATE}": "冻结后到达"}, [ON_AGENDA, LATE], extra={"agenda": "2026-11"})
    payload = form.payload(form.values({"held_on": "2026-11-30"}))
    assert payload == {"held_on": "2026-11-30", "agenda": "2026-11", "decisions": [
        {"issue_id": LATE, "action": "reply", "note": "已答复",
         "off_agenda_reason": "冻结后到达"}]}
    assert form.errors({"decisions": {"0": {"note": ["Missing data for required field."]}}}) \
        == {f"note-{LATE}": ["This field is required."]}


# the meeting and the hearing -------------------------------------------------------------
def test_the_meeting_page_lists_the_agenda_and_the_late_issues_and_records_the_decisions(
        browser, services):
    an_agenda(services)
    services.answer("POST", "routing", "/meetings", 201, {"id": "m1", "decisions": []})
    browser.log_in("district")
    page = text(browser.get("/district/agenda?month=2026-11"))
    assert "村道塌方" in page and "饮水困难" in page and "在区级待办、未列入议程的问题" in page
    assert f'name="action-{DECIDED}"' not in page and "已作决定" in page
    response = browser.post("/district/agenda?month=2026-11", {
        "held_on": "2026-11-30", f"action-{ON_AGENDA}": "refer", f"department-{ON_AGENDA}": "jtj",
        f"note-{ON_AGENDA}": "限期修复"})
    assert response.headers["Location"] == "/district/hearing?done=meeting"
    [sent] = services.made("POST", "/meetings")
    assert sent.body == {"held_on": "2026-11-30", "agenda": "2026-11", "decisions": [
        {"issue_id": ON_AGENDA, "action": "refer", "department": "jtj", "note": "限期修复"}]}
    assert sent.headers["Authorization"] == "Bearer district-office-key"


def test_a_refused_decision_is_shown_beside_its_row_keeping_every_row_as_typed(browser,
                                                                                 services):
    an_agenda(services)
    services.answer("POST", "routing", "/meetings", 422, {
        "error": "unprocessable_entity", "message": "invalid request",
        "fields": {"decisions": {"0": {"note": ["a reply or forward needs a note"]}}}})
    browser.log_in("district")
    browser.get("/district/agenda?month=2026-11")
    response = browser.post("/district/agenda?month=2026-11", {
        "held_on": "2026-11-30", f"action-{LATE}": "reply",
        f"off_agenda_reason-{LATE}": "冻结后到达"})
    page = text(response)
    assert response.status_code == 422
    cell = re.search(rf'<div class="cell invalid">\s*<input name="note-{LATE}"[^>]*>\s*'
                     r'<p class="error">([^<]+)</p>', page)
    assert cell and cell.group(1) == "请检查此项。"
    assert 'value="冻结后到达"' in page and '<option value="reply" selected>' in page


def test_a_meeting_that_decides_nothing_sends_nothing(browser, services):
    an_agenda(services)
    browser.log_in("district")
    browser.get("/district/agenda?month=2026-11")
    response = browser.post("/district/agenda?month=2026-11", {"held_on": "2026-11-30"})
    assert response.status_code == 422 and "请至少对一件问题作出决定" in text(response)
    assert not services.made("POST", "/meetings")


def test_an_unfrozen_month_offers_the_district_office_to_freeze_it(browser, services):
    services.answer("GET", "routing", "/agenda", 422, {"error": "x", "message": "not frozen",
                                                       "fields": {"month": ["not frozen"]}})
    services.answer("GET", "routing", f"/stations/{DISTRICT_STATION}/issues", 200, [])
    services.answer("POST", "routing", "/ledger/freeze", 201, {"month": "2026-11"})
    browser.log_in("district")
    page = text(browser.get("/district/agenda?month=2026-11"))
    assert "台账尚未冻结" in page and 'action="/district/ledger/freeze"' in page
    response = browser.post("/district/ledger/freeze", {"month": "2026-11"})
    assert response.headers["Location"] == "/district/agenda?month=2026-11&done=freeze"
    assert services.made("POST", "/ledger/freeze")[0].body == {"month": "2026-11"}


def test_the_hearing_signs_each_departments_waiting_lead_assignments(browser, services):
    services.answer("GET", "departments", "/assignments", 200, [
        {"id": ASSIGNMENT, "department": "jtj", "tracking_no": "HB1", "title": "村道塌方",
         "status": "assigned", "lead": True}])
    services.answer("POST", "departments", "/hearings", 201, {"id": "h1", "entries": []})
    browser.log_in("district")
    page = text(browser.get("/district/hearing"))
    assert services.calls[-1].params == {"status": "assigned", "lead": "true"}
    assert "区交通运输局" in page and 'name="attendee-jtj"' in page
    response = browser.post("/district/hearing", {
        "held_on": "2026-11-30", "attendee-jtj": "张局长", "undertaking-jtj": "月底前修复"})
    assert response.headers["Location"] == "/district/hearing?done=hearing"
    assert services.made("POST", "/hearings")[0].body == {"held_on": "2026-11-30", "entries": [
        {"department": "jtj", "attendee": "张局长", "undertaking": "月底前修复",
         "assignment_ids": [ASSIGNMENT]}]}


# extensions and the pool -----------------------------------------------------------------
def test_an_extension_is_granted_with_a_note_and_the_page_says_so(browser, services):
    services.answer("GET", "departments", "/extensions", 200, [
        {"id": 1, "assignment_id": ASSIGNMENT, "department": "jtj", "tracking_no": "HB1",
         "title": "村道塌方", "issue_id": ON_AGENDA, "days": 5, "reason": "需要招标",
         "status": "requested", "requested_at": "2026-11-09T01:00:00+00:00"}])
    services.answer("POST", "departments", f"/assignments/{ASSIGNMENT}/extension/grant", 200, {})
    browser.log_in("district")
    assert "需要招标" in text(browser.get("/district/extensions"))
    response = browser.post(f"/district/extensions/{ASSIGNMENT}/grant", {"note": "同意"})
    assert response.headers["Location"] == "/district/extensions?done=grant"
    assert services.made("POST", f"/assignments/{ASSIGNMENT}/extension/grant")[0].body == {
        "note": "同意"}
    assert "已批准延期" in text(browser.get(response.headers["Location"]))


def test_spending_more_than_is_left_is_refused_beside_the_amount(browser, services):
    services.answer("GET", "routing", "/funds", 200, {
        "month": "2026-11", "pool": "500000.00", "allocated": "20000.00", "spent": "0.00",
        "left": "480000.00", "allocations": [
            {"id": 7, "issue_id": ON_AGENDA, "amount": "20000.00", "spent": "0.00",
             "source_department": "czj", "allocated_on": "2026-11-09", "note": None}]})
    services.answer("POST", "routing", "/funds/7/spent", 422, {
        "error": "x", "message": "bad", "fields": {"amount": ["more than the 20000.00 left of it"]}})
    browser.log_in("district")
    assert "500000.00" in text(browser.get("/district/funds?month=2026-11"))
    response = browser.post("/district/funds/7/spent", {"amount": "30000"})
    assert response.status_code == 422
    assert re.search(r'<input name="amount" type="text" value="30000"[^>]*>\s*'
                     r'<p class="error">数值超出允许范围。</p>', text(response))


def test_funds_are_offered_only_for_an_issue_escalated_for_want_of_them(browser, services):
    issue = {"id": ON_AGENDA, "tracking_no": "HB1", "status": "open", "tier": "district",
             "station_id": DISTRICT_STATION, "category": "roads", "title": "村道塌方",
             "description": "塌方", "channel": "visit", "submitted_at": "2026-11-02T01:00:00Z",
             "timeline": []}
    services.answer("GET", "intake", f"/issues/{ON_AGENDA}", 200, issue)
    services.answer("GET", "routing", f"/issues/{ON_AGENDA}/route", 200, {
        "issue": issue, "steps": [{"event_type": "issue_escalated", "reason": "other"}]})
    browser.log_in("district")
    assert f"/district/issues/{ON_AGENDA}/funds" not in text(
        browser.get(f"/district/issues/{ON_AGENDA}"))
    services.answer("GET", "routing", f"/issues/{ON_AGENDA}/route", 200, {
        "issue": issue, "steps": [{"event_type": "issue_escalated", "reason": "needs_funding"}]})
    assert f"/district/issues/{ON_AGENDA}/funds" in text(browser.get(f"/district/issues/{ON_AGENDA}"))


def test_a_director_reads_the_month_end_pages_without_a_form_and_cannot_post(browser, services):
    an_agenda(services)
    browser.log_in("director")
    page = text(browser.get("/district/agenda?month=2026-11"))
    assert "村道塌方" in page and 'name="action-' not in page
    for path in ("/district/agenda?month=2026-11", "/district/hearing", "/district/ledger/freeze",
                 f"/district/extensions/{ASSIGNMENT}/grant", "/district/funds/7/spent"):
        assert browser.post(path, {"held_on": "2026-11-30"}).status_code == 403, path
    assert not [c for c in services.calls if c.method == "POST"]
