"""The grid system's boundary without a broker: signatures, category codes, and the
status changes owed to the grid system, in order per issue."""
from types import SimpleNamespace

import pytest

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
