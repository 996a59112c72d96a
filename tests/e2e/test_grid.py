"""The 321 grid system as intake's neighbour: signed reports in (each once, however often
sent), and every change of those issues out to its webhook once and in order, also after
it was down, and in the feed it may poll instead."""
import time
import uuid

import pytest

from lianxin import signing
from lianxin.tools.gridsim import GridSystem, hanbin_roster
from tests.e2e.client import TOWN_STATION, VILLAGE_STATION, Lianxin
from tests.e2e.timed import no_tracebacks
from tests.support.broker import wait_until
from tests.support.processes import System

GRID, VILLAGE = "G-610902101002-1", "610902101002"


@pytest.fixture(scope="module")
def grid():
    simulated = GridSystem().start()
    yield simulated
    simulated.stop()


@pytest.fixture(scope="module")
def system(amqp_uri, tmp_path_factory, grid):
    running = System(amqp_uri, tmp_path_factory.mktemp("grid"),
                     env={"GRID_WEBHOOK_URL": grid.webhook_url, "GRID_INTERVAL": "0.3"})
    running.start()
    grid.intake_url = running.urls["intake"]
    try:
        yield running
    finally:
        running.stop()
        no_tracebacks(running, "intake", "routing")


@pytest.fixture(scope="module")
def lx(system):
    return Lianxin(system.urls)


def a_report(**changes):
    return {"report_id": f"WG-{uuid.uuid4().hex[:12]}", "grid_id": GRID, "reporter_id": "R013",
            "category": "DLJT", "title": "组道边坡垮塌", "description": "三组组道边坡垮塌，需清理",
            "resident": {"name": "王五", "phone": "13900000009"}, **changes}


def test_a_report_sent_again_and_again_is_one_issue(grid, lx):
    report = a_report()
    first = grid.report(report)
    assert first.status_code == 201, first.text
    again = [grid.report(report) for _ in range(3)]     # the grid system's retries
    assert [r.status_code for r in again] == [200, 200, 200]
    assert {r.json()["issue_id"] for r in again} == {first.json()["issue_id"]}
    assert "access_code" not in again[0].json()
    issue = lx.issue(first.json()["issue_id"])
    assert (issue["channel"], issue["category"], issue["station_id"]) == \
        ("grid", "roads", VILLAGE_STATION)


def test_an_unsigned_stale_wrongly_signed_or_replayed_report_is_refused(grid):
    import json
    report = a_report()
    raw = json.dumps(report, ensure_ascii=False).encode("utf-8")
    stale = signing.headers(grid.secret, "POST", "/grid/reports", raw, now=time.time() - 3600)
    forged = signing.headers("not-the-secret", "POST", "/grid/reports", raw)
    for headers, field in (({}, signing.TIMESTAMP), (stale, signing.TIMESTAMP),
                           (forged, signing.SIGNATURE)):
        refused = grid.report(report, headers=headers)
        assert refused.status_code == 401, refused.text
        assert field in refused.json()["fields"]
    signed = signing.headers(grid.secret, "POST", "/grid/reports", raw)
    assert grid.report(report, headers=signed).status_code == 201     # nothing was stored
    replayed = grid.report(report, headers=signed)
    assert replayed.status_code == 401 and "replay" in replayed.text


def test_a_category_the_grid_file_lacks_takes_the_fallback_and_an_unknown_grid_is_422(grid, lx):
    taken = grid.report(a_report(category="QTSX"))
    assert taken.status_code == 201, taken.text
    assert lx.issue(taken.json()["issue_id"])["category"] == "neighbourhood"
    refused = grid.report(a_report(grid_id="G-nowhere"))
    assert refused.status_code == 422 and "grid_id" in refused.json()["fields"]


def test_every_change_reaches_the_webhook_once_and_in_order_also_after_it_was_down(grid, lx):
    issue_id = grid.report(a_report()).json()["issue_id"]
    mine = lambda: [c for c in grid.received if c["issue_id"] == issue_id]  # noqa: E731
    wait_until(lambda: mine(), timeout=15, message="the placement pushed")
    grid.down = True
    assert lx.act(issue_id, "escalate", VILLAGE_STATION, reason="beyond_authority",
                  note="需镇里协调").status_code == 200
    lx.wait(issue_id, tier="town")
    assert lx.act(issue_id, "resolve", TOWN_STATION, resolution="镇里已组织清理").status_code == 200
    lx.wait(issue_id, status="handled")
    wait_until(lambda: grid.refused >= 2, timeout=15, message="pushes refused while down")
    assert len(mine()) == 1
    grid.down = False
    wait_until(lambda: len(mine()) == 3, timeout=30, message="the changes pushed once back")
    changes = mine()
    assert [c["seq"] for c in changes] == [1, 2, 3]
    assert [c["event"] for c in changes] == ["issue_routed", "issue_escalated", "issue_resolved"]
    assert changes[-1]["status"] == "handled" and changes[-1]["note"] == "镇里已组织清理"
    assert changes[1]["note"] is None                     # a station's internal note stays
    assert all("王五" not in str(c) and "13900000009" not in str(c) for c in changes)
    def log():           # a change is recorded sent once the grid system has answered
        return lx.call("intake", "GET", "/grid/deliveries", "district",
                       params={"issue_id": issue_id}).json()
    wait_until(lambda: [d["status"] for d in log()] == ["sent"] * 3, timeout=15,
               message="the delivery log shows the three changes sent")
    assert max(d["attempts"] for d in log()) >= 1
    feed = grid.feed(limit=1000)
    assert [c for c in feed["changes"] if c["issue_id"] == issue_id] == changes


def test_a_roster_of_hanbins_size_imports_reimports_unchanged_and_takes_a_delta(grid):
    roster = hanbin_roster()
    first = grid.roster(roster)
    assert (first["grids"]["added"], first["people"]["added"]) == (576, 3054)
    assert first["rejected"] == [] and first["conflicts"] == []
    assert first["representatives_matched"] == 18       # every one of the sample directory
    again = grid.roster(roster)
    assert (again["grids"]["unchanged"], again["people"]["unchanged"]) == (576, 3054)
    assert again["grids"]["added"] == again["people"]["changed"] == 0
    moved = {**roster["people"][1], "phone": "13511112222"}
    delta = grid.roster({"grids": [{"id": "WG9999", "name": "新网格", "village_code": VILLAGE}],
                         "people": [moved], "remove": {"people": [roster["people"][2]["id"]]}},
                        delta=True)
    assert (delta["grids"]["added"], delta["people"]["changed"], delta["people"]["removed"]) == \
        (1, 1, 1)


def test_a_grid_of_the_roster_takes_reports_and_a_removed_one_keeps_its_issues(grid, lx):
    roster = hanbin_roster()
    new_grid = {"row": 2, "id": "WG-NEW-1", "name": "新建网格", "village_code": VILLAGE}
    grid.roster({**roster, "grids": roster["grids"] + [new_grid]})
    taken = grid.report(a_report(grid_id="WG-NEW-1"))
    assert taken.status_code == 201, taken.text
    removed = grid.roster(roster)                              # the new grid left out
    assert removed["grids"]["removed"] == 1
    assert lx.issue(taken.json()["issue_id"])["station_id"] == VILLAGE_STATION
    refused = grid.report(a_report(grid_id="WG-NEW-1"))
    assert refused.status_code == 422 and "grid_id" in refused.json()["fields"]


def test_the_roster_export_is_imported_from_csv_and_xlsx_with_a_report(system, tmp_path):
    import csv

    from openpyxl import Workbook
    roster = hanbin_roster()
    for kind in ("grids", "people"):
        with (tmp_path / f"{kind}.csv").open("w", encoding="utf-8-sig", newline="") as handle:
            fields = [k for k in roster[kind][0] if k != "row"]
            writer = csv.DictWriter(handle, fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(roster[kind])
    bad = tmp_path / "people-bad.csv"
    bad.write_text("id,name,phone,line,role,grid_id\nX1,某,12,representative,member,WG0001\n",
                   encoding="utf-8")
    done = system.cli("grid", "import", str(tmp_path / "grids.csv"), str(tmp_path / "people.csv"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "unchanged" in done.stdout
    book = Workbook()
    book.active.title = "grids"
    book.active.append(["id", "name", "village_code", "households"])
    book.active.append(["WG-X", "表格网格", VILLAGE, 40])
    book.create_sheet("people").append(["id", "name", "phone", "line", "role", "grid_id"])
    book.save(tmp_path / "roster.xlsx")
    done = system.cli("grid", "import", "--delta", str(tmp_path / "roster.xlsx"), str(bad))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rejected people row 2 (X1): phone" in done.stdout


def test_the_grid_leader_and_the_reporting_member_are_told_of_each_step(grid, lx):
    roster = hanbin_roster()
    grid.roster(roster)
    leader, member = roster["people"][0], roster["people"][2]      # WG0000's leader, 户长
    issue_id = grid.report(a_report(grid_id="WG0000", reporter_id=member["id"])).json()[
        "issue_id"]
    told = wait_until(lambda: (found := lx.told(issue_id, "issue_routed")) and
                      len(found) == 3 and found, timeout=15, message="the grid's people told")
    assert told[:2] == [("grid_leader", "WG0000"), ("grid_member", member["id"])]
    assert told[2][0] == "station"
    assert leader["role"] == "leader" and member["line"] == "household_head"
    sent = wait_until(lambda: all(n["status"] == "sent" for n in lx.notifications(issue_id))
                      and lx.notifications(issue_id), timeout=15, message="all sent")
    assert all(leader["phone"] not in n["body"] for n in sent)
