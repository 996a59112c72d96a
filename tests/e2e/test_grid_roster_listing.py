"""Intake's copy of the grid roster, read by the district office: each grid with its
leader's name and head count, a page at a time or one village's, and never a phone."""
import json

import pytest
import requests

from lianxin import signing
from lianxin.tools.gridsim import SECRET, hanbin_roster
from tests.e2e.client import VILLAGE, Lianxin

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def lx(system):
    roster = hanbin_roster()
    for method, body in (("PUT", roster), ("PATCH", {"remove": {"grids": ["WG0001"]}})):
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        sent = requests.request(method, system.urls["intake"] + "/grid/roster", data=raw,
                                timeout=120, headers={
                                    "Content-Type": "application/json",
                                    **signing.headers(SECRET, method, "/grid/roster", raw)})
        assert sent.status_code == 200, sent.text
    return Lianxin(system.urls)


def listed(lx, holder="district", **params):
    return lx.call("intake", "GET", "/grid/roster", holder, params=params)


def test_the_district_office_reads_the_roster_a_page_at_a_time_with_a_summary(lx):
    first = listed(lx, limit=100)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["summary"]["grids"] == 575 and body["summary"]["removed_grids"] == 1
    assert body["summary"]["people"] == 3054 - 6          # those of the removed grid not counted
    assert body["summary"]["last_changed_at"]
    assert (body["total"], body["page"], len(body["grids"])) == (576, 1, 100)
    last = listed(lx, limit=100, page=6).json()
    assert len(last["grids"]) == 76 and last["grids"][-1] == {**last["grids"][-1],
                                                              "id": "WG0001", "removed": True}


def test_a_grid_names_its_leader_and_counts_its_members_but_no_phone(lx):
    grids = listed(lx, village_code=VILLAGE, limit=1000).json()["grids"]
    assert grids and {g["village_code"] for g in grids} == {VILLAGE}
    assert listed(lx, village_code="610902001001").json()["grids"][0] == {
        "id": "WG0000", "name": "第0网格", "village_code": "610902001001", "households": 30,
        "leader": "王建华", "members": 5, "removed": False}
    text = listed(lx, limit=1000).text
    assert '"phone"' not in text and "13800000001" not in text and "13500000000" not in text


def test_the_roster_is_the_district_offices_to_read_only(lx):
    assert listed(lx, holder=None).status_code == 401
    assert listed(lx, holder="st-610902101002").status_code == 403
    assert listed(lx, village_code="x" * 65).status_code == 422
