"""The grid system's boundary without a broker: signatures, category codes, and the
status changes owed to the grid system, in order per issue."""
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from lianxin import signing
from lianxin.errors import BadValue, Unauthenticated
from services.intake.grid import settings, status
from services.intake.grid.models import DeliveryRow
from services.intake.models import Base

SECRET, BODY = "grid-sample-secret", b'{"report_id": "WG-0001"}'
# the worked example of docs/integrations.md (checked there with openssl)
EXAMPLE = {signing.TIMESTAMP: "1796083200", signing.NONCE: "4f1c2a9b8e7d6c5b4a39281706f5e4d3",
           signing.SIGNATURE: "1f9c0b58beb6a6f0879535ba728865754010d1b16ad39110170654db99cd94f5"}


def test_the_worked_example_of_the_integration_guide_verifies():
    assert signing.check(SECRET, EXAMPLE, "POST", "/grid/reports", BODY, 300,
                         now=1796083200 + 299) == EXAMPLE[signing.SIGNATURE]


@pytest.mark.parametrize("change", ["secret", "method", "path", "body", "nonce"])
def test_a_signature_covers_the_secret_method_path_body_and_nonce(change):
    args = {"secret": SECRET, "method": "POST", "path": "/grid/reports", "body": BODY}
    given = dict(EXAMPLE)
    if change == "nonce":
        given[signing.NONCE] = "0" * 32
    else:
        args[change] = {"secret": "other", "method": "PUT", "path": "/grid/reports?x=1",
                        "body": BODY + b" "}[change]
    with pytest.raises(Unauthenticated) as refused:
        signing.check(args["secret"], given, args["method"], args["path"], args["body"], 300,
                      now=1796083200)
    assert signing.SIGNATURE in refused.value.fields


@pytest.mark.parametrize("moment", [1796083200 + 301, 1796083200 - 301])
def test_a_request_older_or_further_ahead_than_the_skew_is_refused(moment):
    with pytest.raises(Unauthenticated) as refused:
        signing.check(SECRET, EXAMPLE, "POST", "/grid/reports", BODY, 300, now=moment)
    assert signing.TIMESTAMP in refused.value.fields


def grid(**changes):
    section = {"secret": SECRET, "max_skew": 300, "webhook_url": "http://grid/hook",
               "webhook_timeout": 1, "push": "reports", "max_attempts": 3,
               "file": "data/grid.yml", **changes}
    return settings.load(section, ["roads", "neighbourhood", "land", "water", "agriculture",
                                   "welfare", "safety", "housing", "environment", "education",
                                   "health", "employment"])


def test_a_grid_code_maps_to_a_category_else_to_the_fallback():
    assert grid().category("DLJT") == "roads"
    assert grid().category("QTSX") == "neighbourhood"
    without = settings.GridSettings(**{**grid().__dict__, "fallback": None})
    with pytest.raises(BadValue) as refused:
        without.category("QTSX")
    assert "QTSX" in refused.value.fields["category"][0]


def test_a_grid_file_naming_a_category_the_directory_lacks_stops_intake(tmp_path):
    path = tmp_path / "grid.yml"
    path.write_text("categories: {DLJT: roadz}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="roadz"):
        grid(file=str(path))


@pytest.fixture
def db(unit_of):
    return unit_of(Base, "intake")


def owe(db, issue_id, *events):
    row = SimpleNamespace(id=issue_id, tracking_no="HB202611000001", status="open",
                          tier="village", current_station_id="st-1", department=None)
    for event_type in events:
        with db.unit() as unit:
            status.record(unit, row, event_type, {"occurred_at": db.now, "note": "内部"})


def test_only_the_earliest_change_an_issue_owes_is_due(db):
    owe(db, "a", "issue_routed", "issue_escalated", "issue_resolved")
    owe(db, "b", "issue_routed")
    with db.unit() as unit:
        assert [(r.issue_id, r.seq) for r in status.due(unit)] == [("a", 1), ("b", 1)]


def test_a_push_refused_stops_the_sweep_and_a_change_is_parked_after_its_tries(db):
    owe(db, "a", "issue_routed", "issue_escalated")
    calls = []

    def down(url, **kwargs):
        calls.append(url)
        return SimpleNamespace(status_code=503)
    for _ in range(3):
        assert status.push_due(db, grid(), down) == 0
        with db.unit() as unit:
            for row in unit.session.query(DeliveryRow):
                row.next_attempt_at = db.now           # due again at once
    assert len(calls) == 3                             # one try a sweep: the first change
    with db.session() as session:
        first, second = session.query(DeliveryRow).order_by(DeliveryRow.seq)
        assert (first.status, first.attempts, first.last_error) == ("parked", 3, "HTTP 503")
        assert (second.status, second.attempts) == ("pending", 0)
    with db.unit() as unit:
        assert status.due(unit) == []                  # the parked change blocks the next
        assert status.replay(unit) == 1
    assert status.push_due(db, grid(), lambda url, **kw: SimpleNamespace(status_code=204)) == 2


def test_the_grid_is_told_only_the_notes_a_voter_may_read(db):
    owe(db, "a", "issue_escalated", "issue_resolved")
    with db.session() as session:
        notes = [r.payload["note"] for r in session.query(DeliveryRow).order_by(DeliveryRow.seq)]
    assert notes == [None, "内部"]


def checked(grids=(), people=(), known_grids=()):
    from lianxin import directory
    from lianxin.config import read_yaml
    from services.intake.grid import roster
    ladder = directory.from_directory(read_yaml("data/hanbin.yml"))
    return roster.check(grids, people, villages=ladder.village_stations,
                        known_grids=known_grids, representatives=ladder.representatives)


def a_person(n, **changes):
    return {"row": n, "id": f"P{n}", "name": f"人{n}", "phone": f"1390000{n:04d}",
            "line": "household_head", "role": "member", "grid_id": "WG1", **changes}


def test_a_roster_row_with_an_unknown_village_or_a_duplicate_id_is_rejected_with_its_row():
    found = checked(grids=[{"row": 2, "id": "WG1", "name": "一", "village_code": "610902101002"},
                           {"row": 3, "id": "WG1", "name": "一", "village_code": "610902101002"},
                           {"row": 4, "id": "WG2", "name": "二", "village_code": "999"}])
    assert list(found.grids) == ["WG1"]
    assert [(r["row"], r["reason"]) for r in found.rejected] == [
        (3, "grid WG1 is written twice"), (4, "unknown village 999")]


def test_a_grid_leader_of_two_grids_and_a_second_leader_are_rejected_the_rest_kept():
    found = checked(people=[a_person(2, role="leader"),
                            a_person(3, role="leader"),                       # WG1's second
                            a_person(4, role="leader", grid_id="WG2", phone="13900000002"),
                            a_person(5), a_person(6, phone="12")],
                    known_grids=["WG1", "WG2"])
    assert sorted(found.people) == ["P2", "P5"]
    assert [(r["row"], r["reason"][:24]) for r in found.rejected] == [
        (3, "grid WG1 already has a l"), (4, "already the leader of gr"), (6, "phone: must be a phone n")]


def test_a_representative_is_matched_by_id_else_by_phone_and_a_clash_is_reported():
    found = checked(people=[a_person(2, id="R013", line="representative"),
                            a_person(3, line="representative", phone="13800000004"),   # R004's
                            a_person(4, id="R002", line="representative",
                                     phone="13800000003")],                          # R003's
                    known_grids=["WG1"])
    assert (found.people["R013"]["representative_id"], found.people["P3"]["representative_id"],
            found.people["R002"]["representative_id"]) == ("R013", "R004", None)
    assert [c["row"] for c in found.conflicts] == [4] and found.matched == 2


def test_a_full_roster_marks_what_it_leaves_out_removed_and_a_second_changes_nothing(db):
    from services.intake.grid import roster
    grids = [{"row": 2, "id": "WG1", "name": "一", "village_code": "610902101002"},
             {"row": 3, "id": "WG2", "name": "二", "village_code": "610902101002"}]
    people = [a_person(2), a_person(3, grid_id="WG2")]
    with db.unit() as unit:
        first = roster.apply(unit, checked(grids, people), full=True)
    with db.unit() as unit:
        again = roster.apply(unit, checked(grids, people), full=True)
    with db.unit() as unit:
        shorter = roster.apply(unit, checked(grids[:1], people[:1]), full=True)
        assert roster.active_grids(unit.session) == {"WG1": "610902101002"}
    assert (first["grids"]["added"], first["people"]["added"]) == (2, 2)
    assert (again["grids"]["unchanged"], again["people"]["unchanged"]) == (2, 2)
    assert (shorter["grids"]["removed"], shorter["people"]["removed"]) == (1, 1)


def test_no_transaction_is_open_while_the_grid_systems_webhook_is_waited_on(db):
    owe(db, "a", "issue_routed", "issue_escalated")
    owe(db, "b", "issue_routed")
    open_transactions = []
    event.listen(db.engine, "begin", lambda connection: open_transactions.append(connection))
    for ended in ("commit", "rollback"):
        event.listen(db.engine, ended, lambda connection: open_transactions.clear())
    seen_open = []

    def waiting(url, **kwargs):
        seen_open.append(len(open_transactions))
        return SimpleNamespace(status_code=204)
    assert status.push_due(db, grid(), waiting) == 3
    assert seen_open == [0, 0, 0]


def test_a_change_claimed_by_a_sweep_is_not_due_to_another_until_its_lease_ends(db):
    owe(db, "a", "issue_routed")
    with db.unit() as unit:
        assert [r.seq for r in status.due(unit)] == [1]

    def meanwhile(url, **kwargs):               # another sweep looks while this one posts
        with db.unit() as unit:
            assert status.due(unit) == []
        return SimpleNamespace(status_code=204)
    assert status.push_due(db, grid(), meanwhile) == 1
