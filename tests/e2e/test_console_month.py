"""A liaison station's month at the web console, against the real services: a visit
recorded and listed, a town's reception-day roster set and seen by its village, and the
monthly review that decides the station's open issue."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.console import Person, console_system

pytestmark = pytest.mark.e2e
VILLAGE = "610902101002"                  # 白庙村, whose station the sample user baimiao is


@pytest.fixture(scope="module")
def lianxin(amqp_uri, tmp_path_factory):
    with console_system(amqp_uri, tmp_path_factory.mktemp("console-month")) as system:
        yield system


@pytest.fixture
def person(lianxin):
    return lambda: Person(lianxin.urls["console"])


def test_a_visit_recorded_at_the_console_is_in_the_months_log(person):
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    station = person()
    station.log_in("baimiao")
    station.get("/station/visits")
    done = station.post("/station/visits", {"representative_id": "R013", "village_code": VILLAGE,
                                            "visited_on": f"{today}", "voters_met": "14",
                                            "note": "三组修路"})
    assert done.url.endswith(f"?month={today:%Y-%m}&done=visit"), done.text
    assert "走访已记录" in done.text and "三组修路" in done.text and "马建国" in done.text
    refused = station.post("/station/visits", {"representative_id": "R013",
                                               "village_code": VILLAGE, "visited_on": f"{today}",
                                               "voters_met": "十几个"})
    assert refused.status_code == 422 and "请填写整数" in refused.text


def test_a_towns_roster_is_seen_by_its_village_station(person):
    town = person()
    town.log_in("guanmiao")
    town.get("/station/receptions?month=2026-12")
    done = town.post("/station/receptions", {"on": "2026-12-15", "rep-R004": "1", "rep-R002": "1"})
    assert done.url.endswith("?month=2026-12&done=roster"), done.text
    village = person()
    village.log_in("baimiao")
    page = village.get("/station/receptions?month=2026-12").text
    assert "李秀兰" in page and "陈志强" in page and "2026-12-15" in page


def test_the_monthly_review_decides_the_stations_open_issue(person):
    station = person()
    station.log_in("baimiao")
    station.get("/station/take")
    taken = station.post("/station/take", {
        "channel": "reception", "village_code": VILLAGE, "category": "roads", "title": "村道塌方",
        "description": "三组村道塌方", "voter_name": "王五", "voter_phone": "13900000001"})
    issue_id = re.search(r'href="/station/issues/([0-9a-f-]{36})"', taken.text).group(1)
    station.shows("/station/review", f'name="decision-{issue_id}"')   # routing holds it
    today = f"{datetime.now(ZoneInfo('Asia/Shanghai')).date()}"
    refused = station.post("/station/review", {"held_on": today, f"decision-{issue_id}": "keep"})
    assert refused.status_code == 422 and "此项必填" in refused.text
    done = station.post("/station/review", {"held_on": today, f"decision-{issue_id}": "keep",
                                            f"note-{issue_id}": "等待施工"})
    assert "&done=review" in done.url and "月度研判已记录" in done.text, done.text
    assert "留本级继续办理 1" in done.text
