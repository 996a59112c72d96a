"""The web console as a process beside the four services, driven over HTTP as its
users would: a station takes an issue and escalates it, the district meets (over the
API), a department accepts and completes, the voter follows it and rates it; and the
refusals: a failed login and the lockout, a POST without its CSRF token, another
department's assignment."""
import io
import re
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from tests.e2e.client import Lianxin
from tests.e2e.console import Person, console_system
from tests.support.broker import free_port, wait_until
from tests.support.databases import query

pytestmark = pytest.mark.e2e
VILLAGE = "610902101002"                  # 白庙村, whose station the sample user baimiao is


@pytest.fixture(scope="module")
def lianxin(amqp_uri, tmp_path_factory):
    with console_system(amqp_uri, tmp_path_factory.mktemp("console")) as system:
        yield system


@pytest.fixture
def person(lianxin):
    return lambda: Person(lianxin.urls["console"])


@pytest.fixture(scope="module")
def api(lianxin):
    """The services' APIs with the sample keys, for what the console does not do yet."""
    return Lianxin(lianxin.urls)


def take_an_issue(station, **fields):
    """A reception at the station, through its form: the receipt's id, number and code."""
    station.get("/station/take")
    response = station.post("/station/take", {
        "channel": "reception", "village_code": VILLAGE, "category": "roads",
        "title": "村道塌方", "description": "三组村道塌方，出行困难", "voter_name": "王五",
        "voter_phone": "13900000001", **fields})
    assert response.status_code == 201, response.text
    issue_id = re.search(r'href="/station/issues/([0-9a-f-]{36})"', response.text).group(1)
    tracking_no = re.search(r'<dd class="code">(HB\d+)</dd>', response.text).group(1)
    code = re.findall(r'<dd class="code">([^<]+)</dd>', response.text)[1]
    return issue_id, tracking_no, code


def test_a_whole_life_across_the_roles(lianxin, person, api):
    station = person()
    assert station.log_in("baimiao").url.endswith("/station")
    issue_id, tracking_no, code = take_an_issue(station)
    page = f"/station/issues/{issue_id}"
    station.shows(page, f"{page}/escalate")             # routing holds it at the station
    escalated = station.post(f"{page}/escalate", {"reason": "needs_department",
                                                  "note": "需交通部门"})
    assert escalated.url.endswith("?done=escalate") and "问题已上报上一级" in escalated.text
    station.shows(page, "经办人：李明")                  # the step names who took it

    town = person()
    town.log_in("guanmiao")
    town.shows("/station", tracking_no)
    town.shows(page, f"{page}/escalate")
    assert town.post(f"/station/issues/{issue_id}/escalate", {
        "reason": "needs_department", "note": "需区交通运输局"}).status_code == 200

    district = person()
    district.log_in("district")
    district.shows("/district/ledger", tracking_no)
    wait_until(lambda: api.route(issue_id)["issue"]["tier"] == "district", timeout=15,
               message="the issue at the district")
    district.shows("/district/agenda", tracking_no)
    held = district.post("/district/agenda", {"held_on": "2026-11-30",
                                              f"action-{issue_id}": "refer",
                                              f"department-{issue_id}": "jtj"})
    assert held.url.endswith("/district/hearing?done=meeting"), held.text
    district.shows("/district/hearing", tracking_no)
    signed = district.post("/district/hearing", {"held_on": "2026-11-30",
                                                 "attendee-jtj": "张局长",
                                                 "undertaking-jtj": "月底前修复"})
    assert "面对面交办已记录" in signed.text, signed.text

    department = person()
    department.log_in("jtj")
    department.shows("/department", tracking_no)
    assignment = re.search(r'href="(/department/assignments/[0-9a-f-]{36})"',
                           department.page).group(1)
    department.get(assignment)
    assert "三组村道塌方，出行困难" in department.page and "张局长" in department.page
    assert "已签收交办件" in department.post(f"{assignment}/accept", {}).text
    completed = department.post(f"{assignment}/complete", {"result": "已修复通行"})
    assert "交办件已办结" in completed.text

    voter = person()
    voter.get("/track")
    wait_until(lambda: "已办结，待评价" in voter.post(
        "/track", {"tracking_no": tracking_no, "access_code": code}).text,
        timeout=15, interval=0.3, message="the voter sees it handled")
    rated = voter.post("/track/feedback", {"tracking_no": tracking_no, "access_code": code,
                                           "rating": "satisfied", "comment": "很及时"})
    assert rated.status_code == 200 and "选民评价已记录" in rated.text
    wait_until(lambda: "已销号" in voter.post(
        "/track", {"tracking_no": tracking_no, "access_code": code}).text,
        timeout=15, interval=0.3, message="the voter sees it closed")
    assert "13900000001" not in voter.page and "13900000001" not in department.page

    who = {(row[0], row[1], row[3]) for row in query(
        lianxin.databases["console"], "SELECT username, action, target, outcome FROM audit")}
    assert {("baimiao", "escalate", "ok"), ("guanmiao", "escalate", "ok"),
            ("jtj", "accept", "ok"), ("jtj", "complete", "ok"),
            ("district", "meeting", "ok"), ("district", "hearing", "ok"),
            ("-", "voter_feedback", "ok"), ("baimiao", "take", "ok")} <= who


def test_the_district_office_downloads_the_months_circular_as_a_workbook_and_a_picture(
        person):
    district = person()
    district.log_in("district")
    district.get("/district/reports?month=2026-11")
    workbook = district.http.get(district.url + "/district/reports/circular-2026-11.xlsx")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    sheets = load_workbook(io.BytesIO(workbook.content)).sheetnames
    assert len(sheets) >= 5 and all(sheets), sheets
    picture = district.http.get(district.url + "/district/reports/circular-2026-11.png")
    assert picture.status_code == 200 and picture.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_form_refused_by_its_service_shows_the_error_beside_the_field(person, lianxin):
    station = person()
    station.log_in("baimiao")
    response = station.post("/station/take", {"channel": "reception", "village_code": VILLAGE,
                                              "category": "roads", "title": "村道塌方",
                                              "description": "塌方", "voter_name": "王五",
                                              "voter_phone": "phone?"})
    assert response.status_code == 422
    assert re.search(r'id="take-voter_phone-error">请填写电话号码', response.text)
    assert 'value="phone?"' in response.text and 'value="王五"' in response.text


def test_a_failed_login_and_then_the_lockout(person):
    stranger = person()
    stranger.get("/login")
    refused = stranger.post("/login", {"username": "director", "password": "guess"})
    assert refused.status_code == 401 and "用户名或密码不正确" in refused.text
    for _ in range(3):
        stranger.post("/login", {"username": "director", "password": "guess"})
    locked = stranger.post("/login", {"username": "director", "password": "guess"})
    assert locked.status_code == 429 and "账户已锁定" in locked.text
    right = stranger.post("/login", {"username": "director", "password": "director-sample"})
    assert right.status_code == 429


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(person, api):
    station = person()
    station.log_in("baimiao")
    issue_id, _, _ = take_an_issue(station, title="CSRF")
    page = f"/station/issues/{issue_id}"
    station.shows(page, f"{page}/resolve")
    refused = station.post(f"{page}/resolve", {"resolution": "伪造"}, csrf=False)
    assert refused.status_code == 403 and "表单已失效" in refused.text
    assert api.route(issue_id)["issue"]["status"] == "open"


def test_another_stations_issue_is_refused(person):
    station = person()
    station.log_in("baimiao")
    issue_id, _, _ = take_an_issue(station, title="别站不可见")
    station.shows(f"/station/issues/{issue_id}", "/resolve")
    neighbour = person()
    neighbour.log_in("guanmiao-sq")
    response = neighbour.get(f"/station/issues/{issue_id}")
    assert response.status_code == 404 and "别站不可见" not in response.text


def test_another_departments_assignment_is_refused(person, api):
    issue = api.submit(category="funding", title="跨部门不可见")     # starts at the district
    assert api.meeting({"issue_id": issue["id"], "action": "refer",
                        "department": "jtj"}).status_code == 201
    assignment = api.assignment("jtj", issue["id"])
    jtj = person()
    jtj.log_in("jtj")
    assert "跨部门不可见" in jtj.get(f"/department/assignments/{assignment['id']}").text
    other = person()
    other.log_in("nlsj")
    response = other.get(f"/department/assignments/{assignment['id']}")
    assert response.status_code == 404 and "跨部门不可见" not in response.text
    assert other.get("/station").status_code == 403


@pytest.mark.parametrize("env, named", [
    ({"ENVIRONMENT": "production"}, "CONSOLE_SECRET"),
    ({"ENVIRONMENT": "production", "CONSOLE_SECRET": ""}, "CONSOLE_SECRET"),
    ({"API_KEYS_FILE": "no/such/keys.yml"}, "no/such/keys.yml"),
    ({"CONSOLE_LANGUAGE": "fr"}, "CONSOLE_LANGUAGE"),
])
def test_the_console_refuses_to_start_with_a_broken_configuration_naming_it(lianxin, env, named):
    done = subprocess.run([sys.executable, "-m", "lianxin", "serve", "console"],
                          env={**lianxin.env, "CONSOLE_PORT": str(free_port()), **env},
                          capture_output=True, text=True, timeout=60)
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "console cannot start" in output and named in output, output
    assert "Traceback" not in output
