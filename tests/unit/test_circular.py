"""The monthly circular (通报): its tables from the services' parts, towns and
departments ranked, and its files (the workbook opened with openpyxl, the picture with
Pillow)."""
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from PIL import Image, ImageStat

from lianxin.tools import report
from lianxin.tools.circular import compose
from services.intake.reports import satisfaction
from services.routing.domain import recurring

ROUTING = {"month": "2026-11",
           "totals": {"received": 5, "resolved": 3, "closed": 2, "open_at_end": 3,
                      "escalated_by_time": 1, "overdue_now": 1, "station_limits": 4,
                      "station_limits_in_time": 3},
           "by_town": {"st-610902101": {"received": 3, "resolved": 2, "limits": 2, "in_time": 2},
                       "st-610902102": {"received": 2, "resolved": 1, "limits": 2, "in_time": 1,
                                        "escalated_by_time": 1}},
           "by_category": {"roads": 4, "water": 1}, "by_channel": {"hotline": 5},
           "open_by_tier": {"town": 2, "district": 1}, "open_by_station": {},
           "overdue": [{"tracking_no": "HB202611000004", "title": "饮水管道破裂",
                        "station_id": "st-610902102", "overdue_since": "2026-11-20T08:00:00+08:00"}],
           "clusters": [{"village_code": "610902101002", "category": "roads", "count": 3,
                         "tracking_nos": ["HB1", "HB2", "HB3"]}]}
DEPARTMENTS = {"month": "2026-11", "departments": {
    "jtj": {"assigned": 2, "completed": 1, "returned": 1, "complete_limits": 2,
            "complete_in_time": 1},
    "slj": {"assigned": 1, "completed": 1, "complete_limits": 1, "complete_in_time": 1}}}
FEEDBACK = {"month": "2026-11", "ratings": {"satisfied": 2, "basically_satisfied": 1,
                                            "unsatisfied": 1},
            "satisfaction": 0.75, "taken_by_phone": 1,
            "by_town": {"st-610902101": {"satisfied": 1, "satisfaction": 1.0},
                        "st-610902102": {"unsatisfied": 1, "satisfaction": 0.0}}}
REPRESENTATIVES = {"month": "2026-11", "representatives": {
    "R001": {"visits": 2, "voters_met": 30, "issues": 3, "issues_closed": 1, "issues_open": 2},
    "R002": {"visits": 4, "voters_met": 12}}}
NAMES = {"representatives": {"R001": "张建国", "R002": "李秀英"},
         "stations": {"st-610902101": "关庙镇", "st-610902102": "洪山镇"},
         "villages": {"610902101002": "白庙村"}, "categories": {"roads": "道路交通"},
         "departments": {"jtj": "区交通运输局", "slj": "区水利局"}}


def tables():
    return {t.name: t for t in compose(ROUTING, DEPARTMENTS, FEEDBACK, REPRESENTATIVES, NAMES)}


def test_the_overview_gives_the_months_figures_and_rates():
    rows = dict(tables()["overview"].rows)
    assert rows["收到问题（件）"] == 5 and rows["超时自动上报（件）"] == 1
    assert rows["联络站按时办理率"] == "75.0%"
    assert rows["部门按时办结率"] == "66.7%"
    assert rows["群众满意率"] == "75.0%"


def test_towns_are_ranked_by_limits_kept_then_satisfaction():
    assert [row[:2] for row in tables()["towns"].rows] == [[1, "关庙镇"], [2, "洪山镇"]]


def test_departments_are_ranked_by_completions_in_time_then_fewest_returns():
    ranked = tables()["departments"].rows
    assert [row[1] for row in ranked] == ["区水利局", "区交通运输局"]
    assert ranked[1][4] == 1 and ranked[1][8] == "50.0%"


def test_a_month_with_no_issues_is_an_empty_circular_not_an_error():
    empty_routing = {**ROUTING, "totals": dict.fromkeys(ROUTING["totals"], 0), "by_town": {},
                     "by_category": {}, "by_channel": {}, "open_by_tier": {}, "overdue": [],
                     "clusters": []}
    empty = {t.name: t for t in compose(empty_routing, {"departments": {}},
                                        {"ratings": {}, "satisfaction": None, "by_town": {}},
                                        {"representatives": {}}, NAMES)}
    assert dict(empty["overview"].rows)["群众满意率"] == "—"
    assert empty["towns"].rows == [] and empty["clusters"].rows == []


def test_the_workbook_has_a_sheet_per_table_with_chinese_headers_frozen(tmp_path):
    report.write_all(tmp_path, "2026-11", [ROUTING, DEPARTMENTS, FEEDBACK, REPRESENTATIVES], NAMES)
    book = load_workbook(tmp_path / "circular-2026-11.xlsx")
    assert book.sheetnames[:3] == ["总体情况", "镇（街道）排名", "承办部门排名"]
    sheet = book["总体情况"]
    assert [c.value for c in sheet[1]] == ["指标", "数值"] and sheet[1][0].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].value == 5
    assert sheet.column_dimensions["A"].width >= len("联络站按时办理率") * 2


def test_the_picture_is_a_chart_not_a_blank_page(tmp_path):
    [path] = [p for p in report.write_all(tmp_path, "2026-11", [ROUTING, DEPARTMENTS, FEEDBACK, REPRESENTATIVES],
                                          NAMES) if p.suffix == ".png"]
    with Image.open(path) as image:
        assert image.size == (1400, 1000)
        stat = ImageStat.Stat(image.convert("L"))
        assert stat.extrema[0][0] < 100 and stat.stddev[0] > 10     # dark marks on white


def test_satisfaction_is_satisfied_and_basically_satisfied_over_all_ratings():
    assert satisfaction({"satisfied": 2, "basically_satisfied": 1, "unsatisfied": 1}) == 0.75
    assert satisfaction({"satisfied": 0, "basically_satisfied": 0, "unsatisfied": 0}) is None


@pytest.mark.parametrize("days, least, expected", [
    ((0, 1, 40, 41, 42), 3, [2, 3, 4]), ((0, 10, 20), 3, [0, 1, 2]), ((0, 31, 62), 2, [])])
def test_repeat_issues_are_those_of_one_village_and_category_within_the_window(days, least,
                                                                                expected):
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    moments = [start + timedelta(days=d) for d in days]
    assert recurring(moments, timedelta(days=30), least) == expected


def test_the_work_record_lists_each_representatives_visits_and_issues_most_visits_first():
    assert tables()["representatives"].rows == [["李秀英", 4, 12, 0, 0, 0, 0],
                                                ["张建国", 2, 30, 3, 1, 2, 0]]
