"""The web console's pages in-process, the services stood in for: logins and their
lockout, sessions that run out and come back, CSRF, each role's own pages only, form
errors beside their fields, the user named in every call, and the audit."""
import re
import uuid
from datetime import timedelta

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

from services.console import i18n
from tests.support.console import Browser, audit, text

ISSUE = str(uuid.uuid4())
OTHERS = str(uuid.uuid4())
STATION = "st-610902101002"            # 白庙村, the sample user baimiao's
AT = "2026-11-10T01:00:00+00:00"


def an_issue(**changes):
    issue = {"id": ISSUE, "tracking_no": "HB202611000001", "status": "open", "tier": "village",
             "station_id": STATION, "category": "roads", "title": "村道塌方",
             "description": "三组村道塌方，出行困难", "village_code": "610902101002",
             "channel": "reception", "received_at": AT, "submitted_at": AT, "timeline": [
                 {"event_type": "issue_submitted", "occurred_at": AT, "status": "open",
                  "tier": "village", "station_id": STATION}]}
    return {**issue, **changes}


def held_by_the_station(services, **changes):
    issue = an_issue(**changes)
    services.answer("GET", "intake", f"/issues/{ISSUE}", 200, issue)
    services.answer("GET", "routing", f"/issues/{ISSUE}/route", 200, {"issue": issue, "steps": []})
    return issue


# logging in ------------------------------------------------------------------
def test_a_page_of_a_role_sends_a_stranger_to_log_in_and_back_to_it(browser):
    response = browser.get(f"/station/issues/{ISSUE}?x=1")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/login?next=%2Fstation%2Fissues%2F{ISSUE}%3Fx%3D1"
    browser.get(response.headers["Location"])
    logged_in = browser.post("/login", {"username": "baimiao", "password": "baimiao-sample",
                                        "next": f"/station/issues/{ISSUE}?x=1"})
    assert logged_in.headers["Location"] == f"/station/issues/{ISSUE}?x=1"


def test_login_goes_to_the_role_home_and_never_to_another_site(browser):
    browser.get("/login")
    response = browser.post("/login", {"username": "jtj", "password": "jtj-sample",
                                       "next": "//evil.example/"})
    assert response.headers["Location"] == "/department"


def test_the_session_cookie_is_signed_httponly_samesite_lax_and_expires(browser):
    response = browser.log_in("baimiao")
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("lianxin_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=7200" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert "." in token    # the token and its signature


def test_a_wrong_password_is_refused_in_chinese_keeping_the_username(browser, console):
    browser.get("/login")
    response = browser.post("/login", {"username": "baimiao", "password": "wrong"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in text(response) and 'value="baimiao"' in text(response)
    assert audit(console)[-1] == ("baimiao", "login", "baimiao", "refused")


def test_five_failed_logins_lock_the_account_with_a_clear_message(browser, console):
    browser.get("/login")
    for _ in range(4):
        assert browser.post("/login", {"username": "baimiao", "password": "x"}).status_code == 401
    locked = browser.post("/login", {"username": "baimiao", "password": "x"})
    assert locked.status_code == 429
    assert "登录失败次数过多，账户已锁定至 2026-11-10 09:15" in text(locked)
    right = browser.post("/login", {"username": "baimiao", "password": "baimiao-sample"})
    assert right.status_code == 429
    assert audit(console)[-1][3] == "locked"


def test_a_login_without_its_csrf_token_is_refused(browser):
    browser.get("/login")
    response = browser.post("/login", {"username": "baimiao", "password": "baimiao-sample"},
                            csrf=False)
    assert response.status_code == 403 and "表单已失效" in text(response)


def test_an_expired_session_returns_to_login_and_then_to_where_the_user_was(browser, clock,
                                                                            services):
    held_by_the_station(services)
    browser.log_in("baimiao")
    assert browser.get(f"/station/issues/{ISSUE}").status_code == 200
    clock.now += timedelta(minutes=121)
    response = browser.get(f"/station/issues/{ISSUE}")
    assert response.status_code == 303
    assert response.headers["Location"] == (f"/login?next=%2Fstation%2Fissues%2F{ISSUE}"
                                            "&expired=1")
    page = browser.get(response.headers["Location"])
    assert "登录已过期" in text(page)
    back = browser.post("/login", {"username": "baimiao", "password": "baimiao-sample",
                                   "next": f"/station/issues/{ISSUE}"})
    assert back.headers["Location"] == f"/station/issues/{ISSUE}"


def test_a_session_used_within_its_lifetime_goes_on(browser, clock, services):
    held_by_the_station(services)
    browser.log_in("baimiao")
    for _ in range(3):
        clock.now += timedelta(minutes=100)
        assert browser.get(f"/station/issues/{ISSUE}").status_code == 200


def test_logout_ends_the_session(browser, services):
    browser.log_in("baimiao")
    browser.get("/")
    browser.get("/station/take")
    assert browser.post("/logout").headers["Location"] == "/login"
    assert browser.get("/station/take").status_code == 303


# CSRF and roles ----------------------------------------------------------------------------
def test_a_post_without_the_csrf_token_is_refused_and_nothing_is_sent(browser, services):
    held_by_the_station(services)
    browser.log_in("baimiao")
    browser.get(f"/station/issues/{ISSUE}")
    response = browser.post(f"/station/issues/{ISSUE}/resolve", {"resolution": "已修复"},
                            csrf=False)
    assert response.status_code == 403
    forged = browser.post(f"/station/issues/{ISSUE}/resolve",
                          {"resolution": "已修复", "csrf_token": "0" * 64}, csrf=False)
    assert forged.status_code == 403
    assert services.made("POST", f"/issues/{ISSUE}/resolve") == []


def test_a_csrf_token_of_another_session_is_refused(console, services):
    held_by_the_station(services)
    mine, theirs = Browser(console), Browser(console)
    mine.log_in("baimiao")
    theirs.log_in("baimiao")
    mine.get(f"/station/issues/{ISSUE}")
    theirs.get(f"/station/issues/{ISSUE}")
    response = mine.post(f"/station/issues/{ISSUE}/resolve",
                         {"resolution": "x", "csrf_token": theirs.csrf}, csrf=False)
    assert response.status_code == 403


@pytest.mark.parametrize("username, path", [
    ("baimiao", "/department"), ("baimiao", "/district"), ("jtj", "/station"),
    ("jtj", "/district/ledger"), ("district", "/station/take"), ("director", "/department"),
])
def test_a_page_of_another_role_is_refused(browser, username, path):
    browser.log_in(username)
    response = browser.get(path)
    assert response.status_code == 403 and "此页面属于其他角色" in text(response)


def test_another_stations_issue_is_not_found_and_shows_nothing_of_it(browser, services):
    services.answer("GET", "intake", f"/issues/{OTHERS}", 403, {
        "error": "forbidden", "message": "not yours", "fields": {"issue_id": ["held by st-x"]}})
    services.answer("GET", "routing", f"/issues/{OTHERS}/route", 200,
                    {"issue": an_issue(id=OTHERS, title="别人的问题"), "steps": []})
    browser.log_in("baimiao")
    response = browser.get(f"/station/issues/{OTHERS}")
    assert response.status_code == 404 and "别人的问题" not in text(response)


def test_another_departments_assignment_is_not_found(browser, services):
    services.answer("GET", "departments", f"/assignments/{OTHERS}", 404, {
        "error": "not_found", "message": "no assignment", "fields": {}})
    browser.log_in("jtj")
    assert browser.get(f"/department/assignments/{OTHERS}").status_code == 404
    assert browser.get("/department/assignments/not-a-uuid").status_code == 404


def test_a_director_reads_the_district_pages_with_the_district_key_and_never_posts(browser,
                                                                                   services):
    services.answer("GET", "routing", "/ledger", 200, {"month": "2026-11", "summary": {
        "total": 0}, "items": []})
    browser.log_in("director")
    assert browser.get("/district/ledger?month=2026-11").status_code == 200
    call = services.calls[-1]
    assert call.headers["Authorization"] == "Bearer district-office-key"
    assert call.params == {"month": "2026-11"}
    assert browser.post(f"/station/issues/{ISSUE}/resolve", {"resolution": "x"}).status_code == 403
    assert not [c for c in services.calls if c.method == "POST"]


# a station's pages -------------------------------------------------------------------------------
def test_every_call_on_a_users_behalf_carries_their_key_and_reference(browser, services):
    held_by_the_station(services)
    services.answer("POST", "routing", f"/issues/{ISSUE}/escalate", 200, an_issue(tier="town"))
    browser.log_in("baimiao")
    browser.get(f"/station/issues/{ISSUE}")
    browser.post(f"/station/issues/{ISSUE}/escalate", {"reason": "needs_funding", "note": "缺资金"})
    assert services.calls
    for call in services.calls:
        assert call.headers["Authorization"] == f"Bearer station-{STATION[3:]}-key"
        assert call.headers["X-Lianxin-Actor"] == "console:1"        # baimiao, 李明
    posted = services.made("POST", f"/issues/{ISSUE}/escalate")[0]
    assert posted.body == {"reason": "needs_funding", "note": "缺资金"}
    assert posted.headers["Idempotency-Key"]


def test_a_station_issue_page_offers_what_its_status_allows(browser, services):
    held_by_the_station(services)
    browser.log_in("baimiao")
    page = text(browser.get(f"/station/issues/{ISSUE}"))
    assert "三组村道塌方，出行困难" in page
    assert f"/station/issues/{ISSUE}/resolve" in page and f"/station/issues/{ISSUE}/escalate" in page
    assert f"/station/issues/{ISSUE}/feedback" not in page
    held_by_the_station(services, status="handled")
    page = text(browser.get(f"/station/issues/{ISSUE}"))
    assert f"/station/issues/{ISSUE}/resolve" not in page
    assert f"/station/issues/{ISSUE}/feedback" in page


def test_a_done_step_returns_to_the_issue_saying_so_and_is_audited(browser, services, console):
    held_by_the_station(services)
    services.answer("POST", "routing", f"/issues/{ISSUE}/resolve", 200, an_issue(status="handled"))
    browser.log_in("baimiao")
    browser.get(f"/station/issues/{ISSUE}")
    response = browser.post(f"/station/issues/{ISSUE}/resolve", {"resolution": "已修复"})
    assert response.headers["Location"] == f"/station/issues/{ISSUE}?done=resolve"
    assert "问题已办结" in text(browser.get(response.headers["Location"]))
    assert ("baimiao", "resolve", ISSUE, "ok") in audit(console)


def test_a_refused_form_shows_each_error_beside_its_field_in_chinese_keeping_what_was_typed(
        browser, services, console):
    services.answer("POST", "intake", "/issues", 422, {
        "error": "unprocessable_entity", "message": "invalid request",
        "fields": {"voter": {"phone": ["must be a phone number"]},
                   "title": ["Missing data for required field."]}})
    browser.log_in("baimiao")
    browser.get("/station/take")
    response = browser.post("/station/take", {
        "channel": "reception", "village_code": "610902101002", "category": "roads",
        "title": "", "description": "三组村道<塌方>", "voter_name": "王五",
        "voter_phone": "12ab"})
    page = text(response)
    assert response.status_code == 422
    phone = re.search(r'<input id="take-voter_phone"[^>]*>\s*(?:<p[^>]*>[^<]*</p>\s*)*', page)
    assert 'value="12ab"' in phone.group(0) and "请填写电话号码" in phone.group(0)
    assert re.search(r'id="take-title-error">此项必填。', page)
    assert "三组村道&lt;塌方&gt;</textarea>" in page
    assert 'value="610902101002" selected' in page
    sent = services.made("POST", "/issues")[0]
    assert sent.body["station_id"] == STATION and sent.body["voter"] == {
        "name": "王五", "phone": "12ab"}
    assert audit(console)[-1][1:] == ("take", STATION, "422")


def test_a_step_the_status_no_longer_allows_says_so_and_keeps_the_form(browser, services):
    held_by_the_station(services)
    services.answer("POST", "routing", f"/issues/{ISSUE}/resolve", 409, {
        "error": "conflict", "message": "cannot resolve", "fields": {"status": ["is handled"]}})
    browser.log_in("baimiao")
    browser.get(f"/station/issues/{ISSUE}")
    response = browser.post(f"/station/issues/{ISSUE}/resolve", {"resolution": "已修复"})
    assert response.status_code == 422
    assert "当前状态下不能进行此操作" in text(response) and "已修复</textarea>" in text(response)


def test_taking_an_issue_shows_the_receipt_once(browser, services):
    services.answer("POST", "intake", "/issues", 201, {
        "id": ISSUE, "tracking_no": "HB202611000009", "access_code": "K7Q2M9",
        "status": "open", "tier": "village", "possible_duplicate_of": None})
    browser.log_in("baimiao")
    browser.get("/station/take")
    response = browser.post("/station/take", {
        "channel": "visit", "representative_id": "R013", "village_code": "610902101002",
        "category": "roads", "title": "村道塌方", "description": "塌方",
        "voter_name": "王五", "voter_phone": "13900000001"})
    assert response.status_code == 201
    assert "HB202611000009" in text(response) and "K7Q2M9" in text(response)
    sent = services.made("POST", "/issues")[0].body
    assert sent["channel"] == "visit" and "station_id" not in sent


def test_a_service_that_does_not_answer_is_a_page_saying_so(browser, services):
    services.answer("GET", "routing", f"/stations/{STATION}/issues", 503, {})
    browser.log_in("baimiao")
    response = browser.get("/station")
    assert response.status_code == 503 and "暂时没有响应" in text(response)


# the voter ----------------------------------------------------------------------------------
def test_the_voter_page_calls_as_nobody_and_takes_the_rating_with_the_access_code(
        browser, services, console):
    handled = an_issue(status="handled")
    services.answer("GET", "intake", "/issues", 200, handled)
    services.answer("POST", "intake", f"/issues/{ISSUE}/feedback", 200, an_issue(status="closed"))
    browser.log_in("baimiao")         # a logged-in user's key is not used on the voter's page
    browser.get("/track")
    page = browser.post("/track", {"tracking_no": "HB202611000001", "access_code": "K7Q2M9"})
    assert page.status_code == 200 and "已办结，待评价" in text(page)
    assert "/track/feedback" in text(page)
    done = browser.post("/track/feedback", {"tracking_no": "HB202611000001",
                                            "access_code": "K7Q2M9", "rating": "satisfied"})
    assert done.status_code == 200 and "已销号" in text(done)
    posted = services.made("POST", f"/issues/{ISSUE}/feedback")[0]
    assert posted.body == {"rating": "satisfied", "access_code": "K7Q2M9"}
    assert all("Authorization" not in c.headers and "X-Lianxin-Actor" not in c.headers
               for c in services.calls)
    assert audit(console)[-1] == ("-", "voter_feedback", ISSUE, "ok")


def test_a_wrong_access_code_finds_nothing(browser, services):
    services.answer("GET", "intake", "/issues", 404, {"error": "not_found", "message": "x",
                                                      "fields": {}})
    browser.get("/track")
    response = browser.post("/track", {"tracking_no": "HB202611000001", "access_code": "nope"})
    assert response.status_code == 404 and "没有找到" in text(response)
    assert 'value="HB202611000001"' in text(response) and "nope" not in text(response)


def test_the_voter_page_fits_a_phone(browser):
    page = text(browser.get("/track"))
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'class="voter"' in page


# texts -------------------------------------------------------------------------------------
def test_every_text_of_the_pages_has_a_chinese_translation():
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = {message[2] for message in extract_from_dir(
        "services/console", [("**.py", "python"), ("**/templates/**.html", "jinja2")],
        keywords=keywords)}
    translations = i18n.translations("zh_CN")
    missing = sorted(m for m in found if translations.gettext(m) == m)
    assert not missing


def test_the_catalog_translates_each_text_once():
    ids = re.findall(r'^msgid "(.+)"$', i18n.catalog_path("zh_CN").read_text(encoding="utf-8"),
                     flags=re.M)
    assert sorted({m for m in ids if ids.count(m) > 1}) == []


# the district office and a department ----------------------------------------------------
def test_the_district_office_sees_every_stations_load_and_its_limits_run_out(browser, services):
    from tests.support.console import PLACES
    for station_id in PLACES.ladder.stations:
        held = [an_issue(), an_issue(status="handled"), an_issue(status="closed")] \
            if station_id == STATION else []
        services.answer("GET", "routing", f"/stations/{station_id}/issues", 200, held)
    services.answer("GET", "routing", "/deadlines", 200, [
        {"holder": STATION, "state": "overdue", "issue_id": ISSUE, "due_at": AT}])
    browser.log_in("district")
    page = text(browser.get("/district"))
    row = re.search(r'<tr class="tier-village overdue">\s*<td>白庙村人大代表联络站</td>(.*?)</tr>',
                    page, re.S)
    assert re.findall(r"<td>(?:<span class=\"badge\">)?(\d+)", row.group(1)) == ["2", "1", "1", "0", "1"]


def test_a_department_sees_the_voters_words_the_history_and_the_steps_it_may_take(browser,
                                                                                  services):
    assignment = {"id": OTHERS, "issue_id": ISSUE, "department": "jtj", "lead": True,
                  "status": "accepted", "category": "roads", "tracking_no": "HB202611000001",
                  "title": "村道塌方", "description": "三组村道塌方，出行困难", "created_at": AT,
                  "updated_at": AT, "due_at": AT, "steps": [
                      {"action": "accept", "status": "accepted", "actor": "console:4", "occurred_at": AT}],
                  "extensions": [], "hearing": None}
    services.answer("GET", "departments", f"/assignments/{OTHERS}", 200, assignment)
    services.answer("GET", "routing", f"/issues/{ISSUE}/route", 200, {"issue": an_issue(), "steps": [
        {"event_type": "issue_escalated", "station_id": STATION, "actor": "console:1",
         "reason": "needs_department", "occurred_at": AT}]})
    browser.log_in("jtj")
    page = text(browser.get(f"/department/assignments/{OTHERS}"))
    assert "三组村道塌方，出行困难" in page and "经办人：赵敏" in page and "经办人：李明" in page
    for step in ("progress", "complete", "return", "extension"):
        assert f"/department/assignments/{OTHERS}/{step}" in page
    assert f"/department/assignments/{OTHERS}/accept" not in page


def test_a_station_without_a_key_in_the_keys_file_is_told_so_and_calls_nothing(browser,
                                                                                console, services):
    del console.settings.api.keys[("station", STATION)]
    browser.log_in("baimiao")
    response = browser.get("/station")
    assert response.status_code == 500 and "缺少您所在联络站或部门的接口密钥" in text(response)
    assert services.calls == []
