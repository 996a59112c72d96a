"""The district's month on an in-memory database: the ledger frozen at month end, the
agenda built from it, and a meeting recorded against that agenda."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lianxin.errors import BadValue, NotAllowed, NotFound
from services.routing import app, ledger, month
from services.routing.models import Base, LedgerMonthRow
from tests.unit.conftest import placed

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
TZ = "Asia/Shanghai"


@pytest.fixture
def db(unit_of):
    store = unit_of(Base, "routing")
    store.now = NOVEMBER
    return store


@pytest.fixture
def place(db, routing_data):
    """An issue placed in November; funding ones wait at the district."""
    return lambda at=NOVEMBER, category="funding": placed(db, routing_data, at,
                                                          category=category)


def freeze(db, name="2026-11", at=NOVEMBER + timedelta(days=18)):
    with db.unit(at) as unit:
        row = month.freeze(unit, name, TZ, "district office")
    return row


def test_a_frozen_month_keeps_its_items_and_a_hash_of_them(db, place):
    issue_id = place()
    row = freeze(db)
    assert [i["id"] for i in row.items] == [issue_id]
    assert row.content_hash == ledger.content_hash(row.items, row.summary)
    assert row.summary["total"] == 1


def test_a_month_is_frozen_once_and_never_rewritten(db, place):
    place()
    first = freeze(db)
    place(at=NOVEMBER + timedelta(days=1))
    with pytest.raises(NotAllowed) as refused:
        freeze(db)
    assert refused.value.fields == {"month": ["frozen already: a snapshot is never rewritten"]}
    with db.session() as session:
        assert month.snapshot(session, "2026-11").content_hash == first.content_hash


@pytest.mark.parametrize("name, reason", [("2026-12", "is in the future"),
                                          ("2026-10", "is before the system's first issue")])
def test_a_month_in_the_future_or_before_the_first_issue_is_refused(db, place, name, reason):
    place()
    with pytest.raises(BadValue) as refused:
        freeze(db, name)
    assert refused.value.fields == {"month": [reason]}
    with db.session() as session:
        assert session.get(LedgerMonthRow, name) is None


def test_the_month_freezes_by_itself_when_it_ends(db, routing_data, place):
    place()
    db.now = NOVEMBER
    app.sweep(db, routing_data)                        # arms November's end
    db.now = datetime(2026, 12, 1, 0, 1, tzinfo=SHANGHAI)
    app.sweep(db, routing_data)
    with db.session() as session:
        row = month.snapshot(session, "2026-11")
        assert row.frozen_by == "month end"
        app.sweep(db, routing_data)                    # December's end armed, nothing again
        assert month.snapshot(session, "2026-11").frozen_at == row.frozen_at
        assert [t["limit"] for t in app.deadlines(session) if t["limit"] != "review"] == \
            ["district"]


def test_the_ledger_freezes_after_the_day_the_rules_name(db, routing_data, place):
    from dataclasses import replace

    from lianxin.rulesfile import MonthDays
    data = replace(routing_data, rules=replace(routing_data.rules,
                                               month=MonthDays(freeze_day=20)))
    place()
    app.sweep(db, data)
    db.now = datetime(2026, 11, 20, 23, 59, tzinfo=SHANGHAI)
    app.sweep(db, data)
    with db.session() as session, pytest.raises(NotFound):
        month.snapshot(session, "2026-11")
    db.now = datetime(2026, 11, 21, 0, 0, tzinfo=SHANGHAI)
    app.sweep(db, data)
    db.now = datetime(2026, 11, 28, 0, 0, tzinfo=SHANGHAI)
    app.sweep(db, data)                                # frozen once: never armed again
    with db.session() as session:
        assert month.snapshot(session, "2026-11").frozen_at == \
            datetime(2026, 11, 21, 0, 0, tzinfo=SHANGHAI)


def test_a_station_with_open_issues_not_reviewed_by_the_review_day_is_supervised(
        db, routing_data, place):
    from tests.unit.conftest import DISTRICT_STATION, TOWN_STATION
    waiting = place(at=NOVEMBER + timedelta(days=10), category="land")   # starts at the town
    app.sweep(db, routing_data)                         # arms November's reviews (the 25th)
    db.now = datetime(2026, 11, 25, 23, 59, tzinfo=SHANGHAI)
    app.sweep(db, routing_data)
    assert not [e for e in db.published if "month" in e]
    db.now = datetime(2026, 11, 26, 0, 0, tzinfo=SHANGHAI)
    app.sweep(db, routing_data)
    [told] = [e for e in db.published if "open_issues" in e]   # stations holding nothing: none
    assert (told["station_id"], told["supervisor_id"], told["month"], told["open_issues"]) == \
        (TOWN_STATION, DISTRICT_STATION, "2026-11", 1)
    with db.session() as session:
        [late] = [t for t in app.deadlines(session, holders=[TOWN_STATION])
                  if t["issue_id"] is None]
        assert (late["limit"], late["state"], late["issue_id"]) == ("review", "overdue", None)
    review(db, routing_data, TOWN_STATION,
           [{"issue_id": waiting, "decision": "keep", "note": "待测绘"}])
    with db.session() as session:
        assert [t["limit"] for t in app.deadlines(session, holders=[TOWN_STATION])] == ["town"]


def test_the_agenda_is_every_issue_waiting_at_the_district_by_category_overdue_first(
        db, routing_data, place):
    later = place(at=NOVEMBER + timedelta(days=1))
    overdue = place(at=NOVEMBER + timedelta(days=2))
    land = place(category="land")                       # starts at the town: not on it
    with db.unit() as unit:
        app.load(unit.session, overdue).overdue_since = NOVEMBER + timedelta(days=20)
    freeze(db)
    with db.session() as session:
        agenda = month.agenda(session, "2026-11")
    assert [g["category"] for g in agenda["groups"]] == ["funding"]
    assert [i["id"] for i in agenda["groups"][0]["items"]] == [overdue, later]
    assert agenda["groups"][0]["items"][0]["history"][0]["event_type"] == "issue_routed"
    assert land not in {i["id"] for g in agenda["groups"] for i in g["items"]}


def test_an_agenda_of_a_month_not_frozen_is_not_found(db):
    with db.session() as session, pytest.raises(NotFound):
        month.agenda(session, "2026-11")


def test_a_meeting_decides_an_issue_off_its_agenda_only_with_a_reason(db, routing_data, place):
    on = place()
    freeze(db)
    off = place(at=NOVEMBER + timedelta(days=19))
    meeting = {"held_on": date(2026, 11, 30), "agenda": "2026-11", "decisions": [
        {"issue_id": on, "action": "reply", "note": "已答复"},
        {"issue_id": off, "action": "reply", "note": "已答复"}]}
    with pytest.raises(BadValue) as refused, db.unit() as unit:
        app.hold_meeting(unit, meeting, {}, routing_data)
    assert refused.value.fields == {"decisions.1": {
        "off_agenda_reason": ["required for an issue not on the agenda"]}}
    meeting["decisions"][1]["off_agenda_reason"] = "群众反映强烈，临时增加"
    with db.unit() as unit:
        record = app.hold_meeting(unit, meeting, {}, routing_data)
    assert record.agenda == "2026-11"
    assert [d["off_agenda_reason"] for d in record.decisions if "off_agenda_reason" in d] == \
        ["群众反映强烈，临时增加"]


def review(db, routing_data, station, decisions, held_on=date(2026, 11, 28)):
    from services.routing import reviews
    with db.unit() as unit:
        return reviews.hold_review(unit, station, {"month": "2026-11", "held_on": held_on,
                                                   "decisions": decisions}, routing_data)


def test_a_village_review_decides_every_open_issue_at_once(db, routing_data, place):
    from tests.unit.conftest import TOWN_STATION, VILLAGE_STATION
    kept, solved, raised = (place(category="roads") for _ in range(3))
    row = review(db, routing_data, VILLAGE_STATION, [
        {"issue_id": kept, "decision": "keep", "note": "下月继续跟进"},
        {"issue_id": solved, "decision": "resolve", "note": "村两委协调已解决"},
        {"issue_id": raised, "decision": "escalate", "reason": "beyond_authority",
         "note": "超出村级权限"}])
    with db.session() as session:
        assert app.load(session, kept).status == "open"
        assert app.load(session, solved).status == "handled"
        assert app.load(session, raised).station_id == TOWN_STATION
    [escalated] = [e for e in db.published if e.get("reason") == "beyond_authority"]
    assert escalated["review_id"] == row.id
    with db.session() as session:
        from sqlalchemy import select

        from services.routing.models import StepRow
        assert session.execute(select(StepRow.review_id).where(
            StepRow.issue_id == raised, StepRow.event_type == "issue_escalated")).scalar() == row.id


def test_a_review_that_misses_an_open_issue_changes_nothing(db, routing_data, place):
    from tests.unit.conftest import VILLAGE_STATION
    decided, missed = place(category="roads"), place(category="roads")
    with pytest.raises(BadValue) as refused:
        review(db, routing_data, VILLAGE_STATION,
               [{"issue_id": decided, "decision": "resolve", "note": "已解决"}])
    assert refused.value.fields == {"decisions": [f"no decision for open issue {missed}"]}
    with db.session() as session:
        assert app.load(session, decided).status == "open"


def test_routings_part_of_the_circular_counts_the_month_and_finds_repeat_issues(
        db, routing_data, place, ladder):
    from services.routing import reports
    from tests.unit.conftest import TOWN_STATION
    first, _, _ = (place(at=NOVEMBER + timedelta(days=n), category="roads") for n in range(3))
    with db.unit(NOVEMBER + timedelta(days=3)) as unit:
        app.act(unit, first, "resolve", routing_data, note="已修复")
    with db.session() as session:
        part = reports.circular(session, "2026-11", routing_data, NOVEMBER + timedelta(days=4))
        with pytest.raises(BadValue):
            reports.circular(session, "2026-12", routing_data, NOVEMBER + timedelta(days=4))
    assert (part["totals"]["received"], part["totals"]["resolved"]) == (3, 1)
    assert part["by_town"][TOWN_STATION]["received"] == 3
    assert part["by_category"] == {"roads": 3}
    [cluster] = part["clusters"]
    assert (cluster["category"], cluster["count"]) == ("roads", 3)


def test_a_forwarded_issue_keeps_what_the_city_was_asked_and_answered(db, routing_data, place):
    issue_id = place()
    with db.session() as session, pytest.raises(NotFound):
        month.city_record(session, issue_id)
    with db.unit() as unit:
        app.act(unit, issue_id, "city", routing_data, note="请市人大协调跨区供水")
    with db.session() as session:
        [waiting] = month.city_record(session, issue_id)
    assert (waiting["asked"], waiting["answer"]) == ("请市人大协调跨区供水", None)
    with db.unit(NOVEMBER + timedelta(days=5)) as unit:
        app.act(unit, issue_id, "city_reply", routing_data, note="市水务局已安排")
    with db.session() as session:
        [answered] = month.city_record(session, issue_id)
    assert answered["answer"] == "市水务局已安排"
    assert answered["answered_at"] == NOVEMBER + timedelta(days=5)


def test_the_emergency_pool_funds_only_issues_that_went_up_for_want_of_money(
        db, routing_data, place):
    from decimal import Decimal

    from services.routing import funds
    poor, other = place(category="roads"), place(category="roads")
    with db.unit() as unit:
        app.act(unit, poor, "escalate", routing_data, reason="needs_funding", note="缺资金")
    allocation = {"amount": Decimal("30000.00"), "source_department": "czj",
                  "allocated_on": date(2026, 11, 20)}
    with db.unit() as unit, pytest.raises(NotAllowed):
        funds.allocate(unit, other, allocation, {"czj"})
    with db.unit() as unit:
        row = funds.allocate(unit, poor, allocation, {"czj"})
    with db.unit() as unit:
        funds.spend(unit, row.id, Decimal("12000.00"))
    with db.unit() as unit, pytest.raises(BadValue):
        funds.spend(unit, row.id, Decimal("20000.00"))            # more than is left
    with db.session() as session:
        statement = funds.statement(session, "2026-11", TZ, Decimal("500000"))
    assert (statement["allocated"], statement["spent"], statement["left"]) == \
        (Decimal("30000.00"), Decimal("12000.00"), Decimal("470000.00"))
