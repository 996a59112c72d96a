"""The web console in a real browser: Debian's Chromium driven by Playwright, through a
whole life across the roles (a station takes an issue and escalates it, the town sends
it up, the district meets, the department accepts and completes it, the voter rates it
on a 375 px phone), and the refusals (a failed login, a POST without its CSRF token,
another department's page). Every page opened is saved under var/screenshots/."""
import asyncio
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.client import Lianxin
from tests.e2e.console import console_system
from tests.support.broker import wait_until

pytestmark = pytest.mark.e2e
CHROMIUM = os.environ.get("LIANXIN_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path("var/screenshots")
VILLAGE = "610902101002"                  # 白庙村, whose station the sample user baimiao is

if not shutil.which(CHROMIUM) and os.environ.get("CI") != "true":
    pytest.skip(f"no Chromium at {CHROMIUM} (scripts/browser.sh installs it)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def lianxin(amqp_uri, tmp_path_factory):
    with console_system(amqp_uri, tmp_path_factory.mktemp("chromium")) as system:
        yield system


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium (never a downloaded one). Playwright's driver is not stopped: its
    stop waits forever under the tests' eventlet hub; it ends with the test process. Its
    event loop is unmarked as running, so that later tests may run their own."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    playwright = sync_api.sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                         args=["--no-sandbox", "--disable-gpu"])
    yield browser
    browser.close()
    asyncio.events._set_running_loop(None)


class Person:
    """One user's browser window: log in, open, fill and press, a screenshot of each page."""

    def __init__(self, chromium, url, width=1280):
        self.url = url
        self.context = chromium.new_context(viewport={"width": width, "height": 900},
                                            locale="zh-CN", timezone_id="Asia/Shanghai")
        self.page = self.context.new_page()

    def open(self, path, shot):
        self.page.goto(self.url + path)
        return self.shot(shot)

    def shot(self, name):
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        return self.page

    def log_in(self, username, password=None, shot=None):
        self.open("/login", "login")
        self.page.fill("#login-username", username)
        self.page.fill("#login-password", password or f"{username}-sample")
        self.page.click("form[action='/login'] button[type=submit]")
        return self.shot(shot or f"{username}-home")

    def until_shows(self, path, text, shot):
        """Open ``path`` until it shows ``text`` (the services work in the background)."""
        wait_until(lambda: text in self.open(path, shot).content(), timeout=20, interval=0.5,
                   message=f"{path} shows {text!r}")
        return self.page

    def press(self, action, shot, **fields):
        """Fill the form posting to ``action`` and submit it."""
        form = self.page.locator(f"form[method='post'][action='{action}']")
        for name, value in fields.items():
            target = form.locator(f"[name='{name}']")
            if target.evaluate("e => e.tagName") == "SELECT":
                target.select_option(value)
            else:
                target.fill(value)
        form.locator("button[type=submit]").click()
        return self.shot(shot)


def test_a_whole_life_across_the_roles_in_chromium(lianxin, chromium):
    url = lianxin.urls["console"]
    station = Person(chromium, url)
    station.log_in("baimiao", shot="station-issues")
    station.open("/station/take", "station-take")
    station.press("/station/take", "station-receipt", channel="reception", voter_name="王五",
                  voter_phone="13900000001", village_code=VILLAGE, category="roads",
                  title="村道塌方", description="三组村道塌方，出行困难")
    receipt = station.page.content()
    tracking_no = re.search(r'<dd class="code">(HB\d+)</dd>', receipt).group(1)
    code = re.findall(r'<dd class="code">([^<]+)</dd>', receipt)[1]
    issue = re.search(r'href="(/station/issues/[0-9a-f-]{36})"', receipt).group(1)
    station.until_shows(issue, f"{issue}/escalate", "station-issue")
    page = station.press(f"{issue}/escalate", "station-escalated", reason="needs_department",
                         note="需交通部门")
    assert "问题已上报上一级" in page.content()

    town = Person(chromium, url)
    town.log_in("guanmiao", shot="town-issues")
    town.until_shows(issue, f"{issue}/escalate", "town-issue")
    assert "经办人：李明" in town.page.content()
    town.press(f"{issue}/escalate", "town-escalated", reason="needs_department",
               note="需区交通运输局")

    district = Person(chromium, url)
    district.log_in("district", shot="district-overview")
    district.until_shows("/district/ledger", tracking_no, "district-ledger")
    api = Lianxin(lianxin.urls)
    issue_id = issue.rsplit("/", 1)[1]
    wait_until(lambda: api.route(issue_id)["issue"]["tier"] == "district", timeout=20,
               message="the issue at the district")
    district.until_shows("/district/agenda", tracking_no, "district-agenda")
    page = district.press("/district/agenda", "district-meeting-held", **{
        f"action-{issue_id}": "refer", f"department-{issue_id}": "jtj",
        f"note-{issue_id}": "限期修复"})
    assert "主任会议决定已记录" in page.content()
    district.until_shows("/district/hearing", tracking_no, "district-hearing")
    page = district.press("/district/hearing", "district-hearing-held",
                          **{"attendee-jtj": "张局长", "undertaking-jtj": "月底前修复"})
    assert "面对面交办已记录" in page.content()

    department = Person(chromium, url)
    department.log_in("jtj", shot="department-assignments")
    department.until_shows("/department", tracking_no, "department-assignments")
    assignment = re.search(r'href="(/department/assignments/[0-9a-f-]{36})"',
                           department.page.content()).group(1)
    department.open(assignment, "department-assignment")
    assert "三组村道塌方，出行困难" in department.page.content()
    department.press(f"{assignment}/accept", "department-accepted")
    page = department.press(f"{assignment}/complete", "department-completed", result="已修复通行")
    assert "交办件已办结" in page.content()

    voter = Person(chromium, url, width=375)
    voter.open("/track", "voter-track")

    def handled():
        voter.open("/track", "voter-track")
        voter.press("/track", "voter-status", tracking_no=tracking_no, access_code=code)
        return "已办结，待评价" in voter.page.content()
    wait_until(handled, timeout=20, interval=0.5, message="the voter sees it handled")
    width = voter.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the voter's page is {width} px wide on a 375 px phone"
    page = voter.press("/track/feedback", "voter-rated", rating="satisfied")
    assert "选民评价已记录" in page.content()
    assert "13900000001" not in page.content() + department.page.content()


def test_a_failed_login_stays_on_the_login_page_with_the_reason(lianxin, chromium):
    stranger = Person(chromium, lianxin.urls["console"])
    page = stranger.log_in("director", password="guess", shot="login-failed")
    assert "/login" in page.url and "用户名或密码不正确" in page.content()


def test_a_post_without_its_csrf_token_is_refused(lianxin, chromium):
    station = Person(chromium, lianxin.urls["console"])
    station.log_in("baimiao")
    response = station.page.request.post(lianxin.urls["console"] + "/station/take",
                                         form={"channel": "reception", "title": "伪造"})
    assert response.status == 403


def test_another_departments_page_is_refused_without_its_data(lianxin, chromium):
    api = Lianxin(lianxin.urls)
    issue = api.submit(category="funding", channel="online", title="别的部门的交办件")
    api.wait(issue["id"], tier="district")
    assert api.meeting({"issue_id": issue["id"], "action": "refer",
                        "department": "nlsj"}).status_code == 201
    theirs = api.assignment("nlsj", issue["id"])
    department = Person(chromium, lianxin.urls["console"])
    department.log_in("jtj")
    page = department.open(f"/department/assignments/{theirs['id']}", "department-refused")
    assert "别的部门的交办件" not in page.content()
    assert page.evaluate("document.title") and "404" in page.content()


EVERY_PAGE = {      # each role's pages, as its navigation offers them
    "baimiao": ["/station", "/station/take", "/station/visits", "/station/receptions",
                "/station/review"],
    "guanmiao": ["/station/receptions"],
    "jtj": ["/department", "/department?status=all"],
    "district": ["/district", "/district/ledger", "/district/agenda", "/district/hearing",
                 "/district/extensions", "/district/funds", "/district/reports",
                 "/district/dead-letters", "/district/directory", "/district/grid"],
    "director": ["/district", "/district/agenda", "/district/reports"],
}


@pytest.mark.parametrize("username", list(EVERY_PAGE))
def test_every_page_of_a_role_opens_in_chromium_and_is_saved(lianxin, chromium, username):
    person = Person(chromium, lianxin.urls["console"])
    person.log_in(username)
    for path in EVERY_PAGE[username]:
        response = person.page.goto(person.url + path)
        name = f"{username}{path.replace('/', '-').replace('?', '-').replace('=', '-')}"
        person.shot(name)
        assert response.status == 200, f"{path}: {response.status}"
        assert person.page.locator("main h1").count() == 1, path
