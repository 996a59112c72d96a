"""Intake's use cases on an in-memory database: submission, timeline, feedback, contact."""
import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from lianxin.errors import BadValue, NotAllowed, NotFound, NotYours
from lianxin.rulesfile import MonthDays
from lianxin.web import Caller
from services.intake import app
from services.intake.models import Base, FeedbackRow
from tests.unit.conftest import NOW, VILLAGE, VILLAGE_STATION, an_event, migration_diff

MONTH_DAYS = MonthDays()

VOTER = {"name": "张三", "phone": "13900000001", "id_number": "61090219800101123X",
         "email": "zhangsan@example.com"}
PLACEMENT = {"tier": "village", "station_id": VILLAGE_STATION}
DISTRICT = Caller("district")
SETTINGS = SimpleNamespace(tracking_prefix="HB", timezone=ZoneInfo("Asia/Shanghai"),
                           duplicate_window=timedelta(hours=72))


@pytest.fixture
def db(unit_of):
    return unit_of(Base, "intake")


def submit(db, **changes):
    submission = {"channel": "hotline", "category": "roads", "title": "村道塌方",
                  "description": "雨后村道塌方，车辆无法通行", "village_code": VILLAGE,
                  "voter": VOTER, **changes}
    with db.unit() as unit:
        receipt = app.submit(unit, submission, PLACEMENT, SETTINGS)
    return SimpleNamespace(**receipt), unit.published


def routed(issue_id, version, status="open", tier="town", station_id="st-610902101",
           event_type="issue_routed", **data):
    """A routing event that says where the issue is after its step."""
    return an_event(event_type, issue_id, tracking_no="HB202611000001", title="村道塌方",
                    version=version, status=status, tier=tier, station_id=station_id, **data)


def project(db, event, event_type="issue_routed"):
    with db.unit() as unit:
        app.project(unit, event, event_type=event_type)


def handled(db):
    """A submitted issue that routing has since resolved."""
    row, _ = submit(db)
    project(db, routed(row.id, 2, status="handled", tier="village", station_id=VILLAGE_STATION,
                       event_type="issue_resolved"), "issue_resolved")
    return row


def test_a_submission_keeps_the_voter_details_and_announces_the_issue_without_them(db):
    row, published = submit(db)
    with db.session() as session:
        stored = app.load(session, row.id)
    assert (stored.voter_name, stored.voter_phone, stored.voter_id_number, stored.voter_email) \
        == ("张三", "13900000001", "61090219800101123X", "zhangsan@example.com")
    assert (stored.status, stored.tier, stored.current_station_id) == \
        ("open", "village", VILLAGE_STATION)
    [event] = published
    assert event["issue_id"] == row.id and event["tracking_no"] == row.tracking_no
    assert event["category"] == "roads" and event["village_code"] == VILLAGE
    text = json.dumps(event, ensure_ascii=False)
    assert not any(value in text for value in VOTER.values())
    assert db.outbox_types() == ["issue_submitted"]


def test_a_tracking_number_is_the_prefix_the_month_and_a_six_digit_sequence(db):
    first, _ = submit(db)
    second, _ = submit(db)
    assert first.tracking_no == "HB202611000001"
    assert second.tracking_no == "HB202611000002"
    with db.session() as session:
        assert app.find(session, "HB202611000002").id == second.id


def test_an_issue_solved_on_the_spot_is_handled_from_the_start(db):
    row, [event] = submit(db, channel="visit", representative_id="R013", resolution="已现场修复")
    assert row.status == "handled"
    assert event["resolution"] == "已现场修复" and event["representative_id"] == "R013"
    with db.session() as session:
        [step] = app.view(session, row.id, DISTRICT)["timeline"]
    assert (step["event_type"], step["status"], step["note"]) == \
        ("issue_submitted", "handled", "已现场修复")


def test_a_placement_naming_something_unknown_is_refused_by_field():
    with pytest.raises(BadValue) as refused:
        app.check_placement({"errors": {"village_code": ["unknown village 'x'"]}})
    assert refused.value.fields == {"village_code": ["unknown village 'x'"]}
    app.check_placement(PLACEMENT)


def test_a_newer_routing_event_moves_the_issue_and_joins_the_timeline(db):
    row, _ = submit(db)
    project(db, routed(row.id, 2, reason=None, note="上报镇中心站"))
    with db.session() as session:
        seen = app.view(session, row.id, DISTRICT)
    assert (seen["status"], seen["tier"], seen["station_id"]) == ("open", "town", "st-610902101")
    assert [s["event_type"] for s in seen["timeline"]] == ["issue_submitted", "issue_routed"]
    assert seen["timeline"][1]["note"] == "上报镇中心站"


def test_an_older_or_repeated_version_joins_the_timeline_but_does_not_move_the_issue(db):
    row, _ = submit(db)
    project(db, routed(row.id, 3, tier="district", station_id="st-610902"))
    project(db, routed(row.id, 2, tier="town", station_id="st-610902101"))
    project(db, routed(row.id, 3, tier="town", station_id="st-610902101"))
    with db.session() as session:
        stored = app.load(session, row.id)
        seen = app.view(session, row.id, DISTRICT)
    assert (stored.version, stored.tier, stored.current_station_id) == \
        (3, "district", "st-610902")
    assert len(seen["timeline"]) == 4


def test_an_assignment_event_joins_the_timeline_without_moving_the_issue(db):
    row, _ = submit(db)
    event = an_event("assignment_accepted", row.id, tracking_no=row.tracking_no, title="村道塌方",
                     assignment_id="5b0c4bb2-6f3c-4e43-9a3d-1f1f6b7f7c11", department="jtj",
                     lead=True, note="已签收")
    project(db, event, "assignment_accepted")
    with db.session() as session:
        stored = app.load(session, row.id)
        timeline = app.view(session, row.id, DISTRICT)["timeline"]
    assert (stored.version, stored.status, stored.department) == (0, "open", None)
    assert (timeline[-1]["event_type"], timeline[-1]["department"]) == \
        ("assignment_accepted", "jtj")


def test_events_handled_together_read_their_issues_once_and_write_each_once_at_its_newest(db):
    first, _ = submit(db)
    second, _ = submit(db)
    steps = [("issue_routed", routed(first.id, 1, tier="village", station_id=VILLAGE_STATION)),
             ("issue_routed", routed(second.id, 1)),
             ("issue_routed", routed(first.id, 2)),
             ("issue_routed", routed(first.id, 1, tier="village", station_id=VILLAGE_STATION))]
    told = []
    statements = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    with db.unit() as unit:
        app.lock_issues(unit, [step for _, step in steps])
        for event_type, step in steps:
            app.project(unit, step, event_type=event_type,
                        also=lambda unit, issue, kind, step: told.append((kind, issue.tier)))
    assert len([s for s in statements if s.startswith("SELECT")]) == 1
    assert len([s for s in statements if s.startswith("UPDATE issues")]) == 1
    assert told == [("issue_routed", "village"), ("issue_routed", "town"),
                    ("issue_routed", "town"), ("issue_routed", "town")]
    with db.session() as session:
        assert [(app.load(session, row.id).version, app.load(session, row.id).tier)
                for row in (first, second)] == [(2, "town"), (1, "town")]
        assert len(app.view(session, first.id, DISTRICT)["timeline"]) == 4


def test_a_routing_event_for_an_unknown_issue_is_not_found(db):
    with pytest.raises(NotFound):
        project(db, routed("0b7c1c52-0d7e-4d0e-8a8a-3c0f2b1e9d77", 2))


def test_feedback_is_taken_once_per_handling_and_announced(db):
    row = handled(db)
    with db.unit() as unit:
        app.give_feedback(unit, row.id, {"rating": "satisfied", "comment": "很及时",
                                         "access_code": row.access_code})
    [event] = unit.published
    assert event["rating"] == "satisfied" and event["issue_id"] == row.id
    with pytest.raises(NotAllowed) as refused, db.unit() as unit:
        app.give_feedback(unit, row.id, {"rating": "unsatisfied", "access_code": row.access_code})
    assert "already" in refused.value.message
    with db.session() as session:
        [feedback] = session.execute(select(FeedbackRow)).scalars().all()
        last = app.view(session, row.id, DISTRICT)["timeline"][-1]
    assert last["event_type"] == "feedback_received"
    assert (feedback.rating, feedback.comment) == ("satisfied", "很及时")
    assert db.outbox_types() == ["issue_submitted", "feedback_received"]


def test_feedback_is_taken_again_once_a_reopened_issue_is_handled_again(db):
    row = handled(db)
    with db.unit() as unit:
        app.give_feedback(unit, row.id, {"rating": "unsatisfied", "access_code": row.access_code})
    project(db, routed(row.id, 3, status="open", tier="village", station_id=VILLAGE_STATION,
                       event_type="issue_reopened"), "issue_reopened")
    project(db, routed(row.id, 4, status="handled", tier="village", station_id=VILLAGE_STATION,
                       event_type="issue_resolved"), "issue_resolved")
    with db.unit() as unit:
        app.give_feedback(unit, row.id, {"rating": "satisfied", "access_code": row.access_code})
    assert unit.published[0]["rating"] == "satisfied"


def test_feedback_on_an_issue_solved_on_the_spot_is_taken_once_for_that_handling(db):
    row, _ = submit(db, channel="visit", representative_id="R013", resolution="已现场修复")
    with db.unit() as unit:
        app.give_feedback(unit, row.id, {"rating": "satisfied", "access_code": row.access_code})
    project(db, routed(row.id, 1, tier="village", station_id=VILLAGE_STATION))
    project(db, routed(row.id, 2, status="handled", tier="village", station_id=VILLAGE_STATION,
                       event_type="issue_resolved", note="已现场修复"), "issue_resolved")
    with pytest.raises(NotAllowed), db.unit() as unit:
        app.give_feedback(unit, row.id, {"rating": "unsatisfied", "access_code": row.access_code})


def test_feedback_on_an_issue_not_yet_handled_is_not_allowed(db):
    row, _ = submit(db)
    with pytest.raises(NotAllowed) as refused, db.unit() as unit:
        app.give_feedback(unit, row.id, {"rating": "satisfied", "access_code": row.access_code})
    assert refused.value.fields == {"status": ["is open; feedback needs handled"]}
    with db.session() as session:
        assert session.execute(select(FeedbackRow)).first() is None


def test_contact_gives_the_voter_details_and_nothing_for_an_unknown_issue(db):
    row, _ = submit(db)
    with db.session() as session:
        assert app.contact(session, row.id) == VOTER
        assert app.contact(session, "0b7c1c52-0d7e-4d0e-8a8a-3c0f2b1e9d77") is None


def test_viewing_or_finding_an_unknown_issue_is_not_found(db):
    with db.session() as session:
        with pytest.raises(NotFound) as by_id:
            app.view(session, "0b7c1c52-0d7e-4d0e-8a8a-3c0f2b1e9d77")
        with pytest.raises(NotFound) as by_number:
            app.find(session, "HB202611999999")
    assert by_id.value.fields == {"issue_id": ["not found"]}
    assert by_number.value.fields == {"tracking_no": ["not found"]}


def test_the_migrations_build_exactly_the_intake_tables(tmp_path):
    assert migration_diff(Base, "intake", tmp_path) == []


def test_the_voter_sees_the_voter_steps_with_the_receipt_code_and_nothing_without_it(db):
    row, _ = submit(db)
    project(db, routed(row.id, 2, event_type="issue_escalated", from_station_id=VILLAGE_STATION,
                       reason="needs_funding", note="需镇财政配套"), "issue_escalated")
    with db.session() as session:
        voter = app.view(session, row.id, access_code=row.access_code.lower())
        with pytest.raises(NotFound):
            app.view(session, row.id, access_code="WRONG123")
        with pytest.raises(NotFound):
            app.view(session, row.id)
    assert [s["event_type"] for s in voter["timeline"]] == ["issue_submitted", "issue_escalated"]
    assert voter["timeline"][1]["note"] is None          # an internal note stays inside


def test_a_station_that_neither_took_nor_holds_an_issue_cannot_read_or_rate_it(db):
    row, _ = submit(db)
    with db.session() as session:
        assert app.view(session, row.id, Caller("station", VILLAGE_STATION))["id"] == row.id
        with pytest.raises(NotYours):
            app.view(session, row.id, Caller("station", "st-610902001"))


def test_a_station_records_feedback_taken_by_phone_marked_as_its_own(db):
    row = handled(db)
    with db.unit() as unit:
        app.give_feedback(unit, row.id, {"rating": "satisfied"}, Caller("station", VILLAGE_STATION))
    with db.session() as session:
        [kept] = session.execute(select(FeedbackRow)).scalars().all()
    assert kept.taken_by == VILLAGE_STATION


def test_a_stranger_without_the_access_code_cannot_rate_an_issue(db):
    row = handled(db)
    with pytest.raises(NotFound), db.unit() as unit:
        app.give_feedback(unit, row.id, {"rating": "satisfied"})
    with db.session() as session:
        assert session.execute(select(FeedbackRow)).scalars().all() == []


def test_the_same_voter_village_and_category_again_soon_is_flagged_as_a_likely_duplicate(db):
    first, _ = submit(db)
    second, [event] = submit(db)
    other, _ = submit(db, category="water")
    assert second.possible_duplicate_of == first.id and event["possible_duplicate_of"] == first.id
    assert first.possible_duplicate_of is None and other.possible_duplicate_of is None


def closed(db, at):
    """A handled issue the voter rated satisfied, which routing closed at ``at``."""
    row = handled(db)
    with db.unit() as unit:
        app.give_feedback(unit, row.id, {"rating": "satisfied", "access_code": row.access_code})
    event = routed(row.id, 3, status="closed", tier="village", station_id=VILLAGE_STATION,
                   event_type="issue_closed", rating="satisfied")
    event["occurred_at"] = at
    project(db, event, "issue_closed")
    return row


def test_a_closed_issue_is_reopened_by_unsatisfied_feedback_within_the_reopen_window(db):
    row = closed(db, NOW)
    window_ends = lambda issue: issue.closed_at + timedelta(days=3)   # noqa: E731
    with pytest.raises(NotAllowed) as refused, db.unit(NOW + timedelta(days=1)) as unit:
        app.give_feedback(unit, row.id, {"rating": "satisfied", "access_code": row.access_code},
                          reopen_until=window_ends)
    assert refused.value.fields == {"rating": ["the issue is closed: only unsatisfied reopens it"]}
    with db.unit(NOW + timedelta(days=1)) as unit:
        app.give_feedback(unit, row.id, {"rating": "unsatisfied", "comment": "又塌了",
                                         "access_code": row.access_code}, reopen_until=window_ends)
    assert unit.published[0]["rating"] == "unsatisfied"
    with pytest.raises(NotAllowed), db.unit(NOW + timedelta(days=1)) as unit:
        app.give_feedback(unit, row.id, {"rating": "unsatisfied",
                                         "access_code": row.access_code}, reopen_until=window_ends)


def test_after_the_reopen_window_a_closed_issue_stays_closed(db):
    row = closed(db, NOW)
    with pytest.raises(NotAllowed) as refused, db.unit(NOW + timedelta(days=4)) as unit:
        app.give_feedback(unit, row.id, {"rating": "unsatisfied", "access_code": row.access_code},
                          reopen_until=lambda issue: issue.closed_at + timedelta(days=3))
    assert "until" in refused.value.fields["status"][0]


VILLAGE_KEY = Caller("station", VILLAGE_STATION)


def a_visit(db, ladder, caller=VILLAGE_KEY, **changes):
    from datetime import date

    from services.intake import visits
    visit = {"representative_id": "R017", "village_code": VILLAGE,
             "visited_on": date(2026, 11, 8), "voters_met": 12, **changes}
    with db.unit() as unit:
        return visits.record(unit, visit, caller, ladder, today=date(2026, 11, 10))


def test_a_visit_is_recorded_by_the_villages_station_and_counted_in_the_work_record(db, ladder):
    from services.intake import visits
    row = a_visit(db, ladder)
    a_visit(db, ladder, caller=DISTRICT, voters_met=3)
    submit(db, channel="visit", representative_id="R017", visit_id=row.id)
    with db.session() as session:
        record = visits.work_record(session, "2026-11", "Asia/Shanghai")
    assert record["representatives"]["R017"] == {"visits": 2, "voters_met": 15, "issues": 1,
                                                 "issues_open": 1}


@pytest.mark.parametrize("changes, caller, refusal, field", [
    ({"representative_id": "R999"}, None, BadValue, "representative_id"),
    ({"visited_on": "future"}, None, BadValue, "visited_on"),
    ({}, Caller("station", "st-610902001001"), NotYours, "village_code")])
def test_a_visit_by_someone_unknown_in_the_future_or_elsewhere_is_refused(db, ladder, changes,
                                                                           caller, refusal, field):
    from datetime import date
    if changes.get("visited_on") == "future":
        changes = {"visited_on": date(2026, 11, 11)}
    with pytest.raises(refusal) as refused:
        a_visit(db, ladder, **({"caller": caller} if caller else {}), **changes)
    assert field in refused.value.fields


def test_an_issue_names_only_a_visit_of_its_own_village_and_representative(db, ladder):
    from services.intake import visits
    row = a_visit(db, ladder)
    with db.session() as session, pytest.raises(BadValue) as refused:
        visits.check_visit(session, {"visit_id": row.id, "village_code": "610902101001",
                                     "representative_id": "R017"})
    assert refused.value.fields == {"visit_id": ["a visit of another village or representative"]}


def roster(db, ladder, caller=DISTRICT, month_days=MONTH_DAYS, **changes):
    from datetime import date

    from lianxin.workdays import WorkCalendar
    from services.intake import receptions
    planned = {"station_id": "st-610902101", "on": date(2026, 12, 15),
               "representative_ids": ["R002", "R004"], **changes}
    with db.unit() as unit:
        return receptions.plan(unit, planned, caller, ladder, WorkCalendar(), month_days)


def test_a_reception_day_is_the_15th_or_the_working_day_the_roster_names_instead(db, ladder):
    from datetime import date
    assert roster(db, ladder)["representative_ids"] == ["R002", "R004"]
    # 15 November 2026 is a Sunday: the roster names Monday the 16th
    assert roster(db, ladder, on=date(2026, 11, 16))["on"] == date(2026, 11, 16)
    with pytest.raises(BadValue) as refused:
        roster(db, ladder, on=date(2026, 12, 16))           # the 15th is a working day
    assert "on" in refused.value.fields
    with pytest.raises(NotAllowed):
        roster(db, ladder)                                   # a second roster for that day


def test_the_reception_day_is_the_day_the_rules_name(db, ladder):
    from datetime import date
    tenth = MonthDays(reception_day=10)
    assert roster(db, ladder, month_days=tenth, on=date(2026, 12, 10))["on"] == date(2026, 12, 10)
    with pytest.raises(BadValue) as refused:
        roster(db, ladder, month_days=tenth, on=date(2026, 12, 15))
    assert refused.value.fields == {"on": ["the reception day of 2026-12 is 2026-12-10"]}


def test_representatives_on_duty_are_told_once_the_day_before(db, ladder):
    from datetime import date

    from services.intake import receptions
    roster(db, ladder)                                              # for 15 December
    with db.unit() as unit:
        assert receptions.notify_due(unit, date(2026, 12, 13)) == 0
    with db.unit() as unit:
        assert receptions.notify_due(unit, date(2026, 12, 14)) == 2
        told = unit.published
    with db.unit() as unit:
        assert receptions.notify_due(unit, date(2026, 12, 14)) == 0   # once only
    assert {(e["representative_id"], e["on"], e["station_id"]) for e in told} == {
        ("R002", "2026-12-15", "st-610902101"), ("R004", "2026-12-15", "st-610902101")}
    assert all("issue_id" not in e for e in told)


@pytest.mark.parametrize("changes, caller, refusal, field", [
    ({"representative_ids": ["R007"]}, DISTRICT, BadValue, "representative_ids"),   # town level
    ({"station_id": VILLAGE_STATION}, DISTRICT, BadValue, "station_id"),
    ({}, Caller("station", "st-610902102"), NotYours, "station_id")])
def test_a_roster_of_the_wrong_people_place_or_planner_is_refused(db, ladder, changes, caller,
                                                                   refusal, field):
    with pytest.raises(refusal) as refused:
        roster(db, ladder, caller=caller, **changes)
    assert field in refused.value.fields


def test_an_issue_taken_at_a_town_station_on_its_reception_day_is_marked(db, ladder):
    from datetime import date
    roster(db, ladder, on=date(2026, 11, 16))
    db.now = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)         # 10:00 in Hanbin
    row, _ = submit(db, channel="reception", station_id="st-610902101")
    other, _ = submit(db, channel="reception", station_id="st-610902102")
    with db.session() as session:
        assert app.load(session, row.id).reception_day
        assert not app.load(session, other.id).reception_day
        from services.intake import visits
        record = visits.work_record(session, "2026-11", "Asia/Shanghai")
    assert record["representatives"]["R004"]["reception_days"] == 1
