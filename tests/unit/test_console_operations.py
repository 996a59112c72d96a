"""The district office's operations pages, the services stood in for: the dead and
parked letters of each service to replay or discard (the district office only), the
directory, and intake's grid roster, with no phone number shown anywhere."""
import re

import pytest
from sqlalchemy import select

from services.console.models import AuditRow
from tests.support.console import PLACES, FakeServices, text

SERVICES = ("intake", "routing", "departments", "notify")
AT = "2026-11-10T01:00:00+00:00"

# a mobile number standing alone (not digits inside a longer code or a hex CSRF token)
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


@pytest.fixture
def services():
    fake = FakeServices()
    for service in SERVICES:
        fake.answer("GET", service, "/dead-letters", 200, lambda call: [
            letter for letter in LETTERS.get(call.service, [])
            if letter["status"] == call.params.get("status")])
    return fake


def a_letter(number, status="dead", **changes):
    return {"id": number, "event_type": "issue_routed", "payload": '{"phone": "13900000001"}',
            "error": "KeyError: 'station_id' " + "x" * 200, "status": status, "attempts": 3,
            "received_at": AT, "updated_at": None, **changes}


LETTERS = {"routing": [a_letter(7), a_letter(9, "parked")], "notify": [a_letter(3)]}


def test_the_district_office_sees_each_services_dead_and_parked_letters(browser, services):
    browser.log_in("district")
    page = text(browser.get("/district/dead-letters"))
    assert [c.params for c in services.made("GET", "/dead-letters")][:2] == [
        {"status": "dead"}, {"status": "parked"}]
    assert {c.service for c in services.made("GET", "/dead-letters")} == set(SERVICES)
    assert all(c.headers["Authorization"] == "Bearer district-office-key" for c in services.calls)
    for title in ("受理服务", "流转服务", "部门服务", "通知服务", "暂存", "转至联络站"):
        assert title in page
    routing = page[page.index("流转服务"):page.index("部门服务")]
    assert re.findall(r'name="id" value="(\d+)"', routing) == ["9", "7"]
    assert re.search(r">KeyError: &#39;station_id&#39; x{54}\.\.\.</td>", page)   # shortened
    assert "13900000001" not in page


def test_replaying_ticked_letters_says_how_many_and_why_others_were_refused(browser, services,
                                                                            console):
    services.answer("POST", "routing", "/dead-letters/replay", 200, {
        "done": {"9": "replayed"}, "refused": {"7": "already discarded"}})
    browser.log_in("district")
    browser.get("/district/dead-letters")
    sent = browser.post("/district/dead-letters/routing/replay", {"id": ["7", "9", "11"]})
    assert sent.status_code == 303
    assert services.made("POST", "/dead-letters/replay")[0].body == {"ids": [7, 9, 11]}
    page = text(browser.get(sent.headers["Location"]))
    assert "流转服务" in page and "已处理 1 条" in page
    assert "#7 已作废过。" in page and "#11 没有这条待处理的消息。" in page
    with console.settings.store.transaction() as session:
        row = session.execute(select(AuditRow).order_by(AuditRow.id.desc())).scalars().first()
        assert (row.username, row.action, row.target, row.outcome) == (
            "district", "dead_letters_replay", "routing", "ok")


def test_nothing_ticked_sends_nothing_rather_than_every_waiting_letter(browser, services):
    browser.log_in("district")
    browser.get("/district/dead-letters")
    refused = browser.post("/district/dead-letters/notify/discard", {"id": "x"})
    assert refused.status_code == 422 and "请至少勾选一条" in text(refused)
    assert not services.made("POST", "/dead-letters/discard")


def test_a_director_reads_dead_letters_but_cannot_replay_them(browser, services):
    browser.log_in("director")
    page = text(browser.get("/district/dead-letters"))
    assert "流转服务" in page and 'name="id"' not in page and "formaction" not in page
    response = browser.post("/district/dead-letters/routing/replay", {"id": "7"})
    assert response.status_code == 403
    assert not [c for c in services.calls if c.method == "POST"]


def test_a_station_cannot_open_the_operations_pages(browser):
    browser.log_in("baimiao")
    for path in ("/district/dead-letters", "/district/directory", "/district/grid"):
        assert browser.get(path).status_code == 403


def test_the_directory_lists_towns_stations_representatives_and_departments_but_no_phone(
        browser):
    browser.log_in("director")
    page = text(browser.get("/district/directory"))
    assert page.index("关庙镇") < page.index("白庙村人大代表联络站") < page.index("马建国")
    assert "区交通运输局" in page and "镇人大代表" in page
    assert not MOBILE.search(page)


ROSTER = {"summary": {"grids": 575, "removed_grids": 1, "people": 3048,
                      "last_changed_at": AT},
          "total": 2, "page": 1, "limit": 200, "grids": [
              {"id": "WG0006", "name": "第6网格", "village_code": "610902101002",
               "households": 36, "leader": "马建国", "members": 5, "removed": False},
              {"id": "WG0018", "name": "第18网格", "village_code": "610902101002",
               "households": None, "leader": None, "members": 0, "removed": True}]}


def test_the_grid_roster_page_shows_no_phone_numbers(browser, services):
    services.answer("GET", "intake", "/grid/roster", 200, ROSTER)
    browser.log_in("district")
    page = text(browser.get("/district/grid?village_code=610902101002&page=1"))
    assert services.made("GET", "/grid/roster")[0].params == {
        "village_code": "610902101002", "page": 1, "limit": 200}
    assert "3048" in page and "马建国" in page and "白庙村" in page and "已移除" in page
    assert '<option value="610902101002" selected>' in page
    assert not MOBILE.search(page)


def test_the_grid_roster_page_ignores_a_village_that_is_not_in_the_directory(browser,
                                                                              services):
    services.answer("GET", "intake", "/grid/roster", 200, ROSTER)
    browser.log_in("district")
    assert browser.get("/district/grid?village_code=nowhere&page=x").status_code == 200
    assert services.made("GET", "/grid/roster")[0].params == {"page": 1, "limit": 200}
    assert len(PLACES.villages) == page_options(text(browser.get("/district/grid")))


def page_options(page):
    return len(re.findall(r'<option value="\d+"', page))
