"""Routing's use cases on an in-memory database: placing, acting, meetings, the ledger."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from lianxin.errors import BadValue, NotAllowed, NotFound, NotYours
from lianxin.web import Caller
from services.routing import app, domain, ledger, month
from services.routing.models import Base, MeetingRow, Timer
from tests.unit.conftest import (
    DISTRICT_STATION,
    NOW,
    TOWN_STATION,
    VILLAGE,
    VILLAGE_STATION,
    an_event,
    migration_diff,
)

DISTRICT = Caller("district")


@pytest.fixture
def db(unit_of):
    return unit_of(Base, "routing")


@pytest.fixture
def place(db, routing_data):
    """``place(**submission)``: a submitted issue placed by routing; its id and events."""
    def place(received=NOW, **changes):
        submitted = {"tracking_no": "HB202611000001", "channel": "hotline", "category": "roads",
                     "title": "村道塌方", "village_code": VILLAGE, **changes}
        event = an_event("issue_submitted", uuid.uuid4(), **submitted)
        event["occurred_at"] = received
        with db.unit() as unit:
            app.place_issue(unit, event, data=routing_data)
        return event["issue_id"], unit.published
    return place


@pytest.fixture
def act(db, routing_data):
    """``act(issue_id, action, caller=None, **params)`` in a transaction of its own."""
    def act(issue_id, action, caller=None, now=None, **params):
        with db.unit(now) as unit:
            row = app.act(unit, issue_id, action, routing_data, caller, **params)
        return row, unit.published
    return act


@pytest.fixture
def at_district(place, act):
    """An issue escalated to the district office."""
    def at_district(**changes):
        issue_id, _ = place(**changes)
        act(issue_id, "escalate", reason="beyond_authority")
        act(issue_id, "escalate", reason="needs_funding")
        return issue_id
    return at_district


def stored(db, issue_id):
    with db.session() as session:
        return app.load(session, issue_id)


@pytest.mark.parametrize("category, station_id, tier, start", [
    ("roads", None, "village", VILLAGE_STATION),
    ("land", None, "town", TOWN_STATION),
    ("funding", None, "district", DISTRICT_STATION),
    ("roads", TOWN_STATION, "town", TOWN_STATION),
])
def test_a_submitted_issue_starts_open_at_the_station_its_category_or_collector_names(
        db, place, category, station_id, tier, start):
    issue_id, [event] = place(category=category, station_id=station_id)
    row = stored(db, issue_id)
    assert (row.status, row.tier, row.station_id, row.version) == ("open", tier, start, 1)
    assert event["issue_id"] == str(issue_id)
    assert (event["status"], event["tier"], event["station_id"], event["version"]) == \
        ("open", tier, start, 1)
    assert db.outbox_types() == ["issue_routed"]


def test_an_issue_solved_on_the_spot_is_routed_then_resolved_at_once(db, place):
    issue_id, published = place(channel="visit", representative_id="R013",
                                 resolution="已现场修复")
    assert [(e["status"], e["version"]) for e in published] == [("open", 1), ("handled", 2)]
    assert published[1]["note"] == "已现场修复"
    assert db.outbox_types() == ["issue_routed", "issue_resolved"]
    assert stored(db, issue_id).status == "handled"


def test_the_station_holding_an_issue_may_resolve_it(db, place, act):
    issue_id, _ = place()
    row, [event] = act(issue_id, "resolve", Caller("station", VILLAGE_STATION), note="已修复")
    assert (row.status, row.version) == ("handled", 2)
    assert (event["status"], event["note"], event["station_id"]) == \
        ("handled", "已修复", VILLAGE_STATION)


@pytest.mark.parametrize("caller", [Caller("station", TOWN_STATION), DISTRICT])
def test_a_caller_not_holding_an_issue_cannot_act_on_it(db, place, act, caller):
    issue_id, _ = place()
    with pytest.raises(NotYours) as refused:
        act(issue_id, "resolve", caller, note="已修复")
    assert refused.value.fields == {"issue_id": [f"held by {VILLAGE_STATION}"]}
    assert stored(db, issue_id).status == "open"
    assert db.outbox_types() == ["issue_routed"]


def test_the_district_office_acts_on_issues_the_district_holds(place, act):
    issue_id, _ = place(category="funding")
    row, _ = act(issue_id, "resolve", DISTRICT, note="已答复")
    assert row.status == "handled"


def test_acting_on_an_unknown_issue_is_not_found(act):
    with pytest.raises(NotFound):
        act("0b7c1c52-0d7e-4d0e-8a8a-3c0f2b1e9d77", "resolve", note="x")


def test_escalation_climbs_village_then_town_then_district_and_stops_there(db, place, act):
    issue_id, _ = place()
    _, [to_town] = act(issue_id, "escalate", Caller("station", VILLAGE_STATION),
                       reason="beyond_authority", note="需镇协调")
    _, [to_district] = act(issue_id, "escalate", Caller("station", TOWN_STATION),
                           reason="needs_funding")
    assert (to_town["tier"], to_town["station_id"], to_town["from_station_id"]) == \
        ("town", TOWN_STATION, VILLAGE_STATION)
    assert (to_town["reason"], to_town["note"]) == ("beyond_authority", "需镇协调")
    assert (to_district["tier"], to_district["station_id"], to_district["version"]) == \
        ("district", DISTRICT_STATION, 3)
    with pytest.raises(NotAllowed) as refused:
        act(issue_id, "escalate", DISTRICT, reason="other")
    assert "tier" in refused.value.fields
    assert stored(db, issue_id).version == 3


def test_an_escalation_needs_a_known_reason(place, act):
    issue_id, _ = place()
    with pytest.raises(BadValue) as refused:
        act(issue_id, "escalate", reason="bored")
    assert set(refused.value.fields) == {"reason"}


def test_a_meeting_applies_every_decision_and_records_them(db, routing_data, at_district):
    first, second = at_district(), at_district()
    meeting = {"held_on": date(2026, 11, 28), "decisions": [
        {"issue_id": first, "action": "refer", "note": "请交通局办理"},
        {"issue_id": second, "action": "city", "note": None}]}
    with db.unit() as unit:
        record = app.hold_meeting(unit, meeting, {0: {"department": "jtj", "cooperating": ["czj"]}},
                                  routing_data)
    assert [(e["status"], e["department"]) for e in unit.published] == \
        [("referred", "jtj"), ("forwarded", None)]
    assert unit.published[0]["cooperating"] == ["czj"]
    referred = stored(db, first)
    assert (referred.status, referred.department, referred.cooperating) == \
        ("referred", "jtj", ["czj"])
    assert stored(db, second).tier == "city"
    with db.session() as session:
        [kept] = session.query(MeetingRow).all()
    assert kept.id == record.id and kept.held_on == date(2026, 11, 28)
    assert kept.decisions[0] == {"issue_id": str(first), "action": "refer", "note": "请交通局办理",
                                 "department": "jtj", "cooperating": ["czj"]}


def test_issues_placed_together_are_written_with_one_statement_per_table(db, routing_data):
    events = [an_event("issue_submitted", uuid.uuid4(), tracking_no=f"HB20261100000{n}",
                       channel="hotline", category="roads", title="村道塌方", village_code=VILLAGE)
              for n in range(3)]
    statements = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    with db.unit() as unit:
        for submitted in events:
            app.place_issue(unit, submitted, data=routing_data)
    for table in ("issues", "steps", "timers"):
        assert len([s for s in statements if s.startswith(f"INSERT INTO {table} ")]) == 1
    with db.session() as session:
        for submitted in events:
            issue_id = str(submitted["issue_id"])
            assert app.load(session, issue_id).station_id == VILLAGE_STATION
            assert [d["limit"] for d in app.deadlines(session, issue_id=issue_id)] == ["village"]


def test_a_meeting_ends_and_starts_its_issues_time_limits_with_one_statement_each(
        db, routing_data, at_district):
    issues = [at_district() for _ in range(4)]
    meeting = {"held_on": date(2026, 11, 28), "decisions": [
        {"issue_id": i, "action": "refer", "note": None} for i in issues]}
    statements = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    with db.unit() as unit:
        app.hold_meeting(unit, meeting, {n: {"department": "jtj", "cooperating": []}
                                         for n in range(4)}, routing_data)
    assert len([s for s in statements if s.startswith("UPDATE timers")]) == 1
    assert len([s for s in statements if s.startswith("INSERT INTO timers")]) == 1
    with db.session() as session:
        running = session.execute(select(Timer.subject_id, Timer.kind)
                                  .where(Timer.state == "pending")).all()
    expected = [(str(i), limit.name) for i in issues
                for limit in domain.time_limits(app.to_issue(stored(db, i)))]
    assert expected and sorted(running) == sorted(expected)    # those at the district ended


def test_a_meeting_with_one_refused_decision_applies_none_and_names_it(db, routing_data, place,
                                                                       at_district):
    first = at_district()
    at_village, _ = place()
    meeting = {"held_on": date(2026, 11, 28), "decisions": [
        {"issue_id": first, "action": "reply", "note": "已答复"},
        {"issue_id": at_village, "action": "reply", "note": "已答复"}]}
    before = db.outbox_types()
    with pytest.raises(NotAllowed) as refused, db.unit() as unit:
        app.hold_meeting(unit, meeting, {}, routing_data)
    assert set(refused.value.fields) == {"decisions.1"}
    assert "tier" in refused.value.fields["decisions.1"]
    assert refused.value.message.startswith("decision 1: ")
    assert stored(db, first).status == "open"
    assert db.outbox_types() == before
    with db.session() as session:
        assert session.query(MeetingRow).count() == 0


def test_a_meeting_decision_on_an_unknown_issue_is_named_not_found(db, routing_data):
    meeting = {"held_on": date(2026, 11, 28), "decisions": [
        {"issue_id": "0b7c1c52-0d7e-4d0e-8a8a-3c0f2b1e9d77", "action": "reply"}]}
    with pytest.raises(NotFound) as refused, db.unit() as unit:
        app.hold_meeting(unit, meeting, {}, routing_data)
    assert refused.value.fields == {"decisions.0": {"issue_id": ["not found"]}}


def test_departments_are_asked_only_about_referrals_with_the_issue_category(db, at_district):
    issue_id = at_district(category="water")
    decisions = [{"issue_id": issue_id, "action": "reply"},
                 {"issue_id": issue_id, "action": "refer", "cooperating": ["czj"]}]
    with db.session() as session:
        assert app.referral_asks(session, decisions) == {
            1: {"category": "water", "department": None, "cooperating": ["czj"]}}


def test_checked_referrals_key_the_answers_by_decision_or_name_each_bad_one():
    asks = {0: {}, 2: {}}
    good = {"department": "jtj", "cooperating": []}
    assert app.checked_referrals(asks, [good, {"department": "mzj", "cooperating": ["czj"]}]) == \
        ({0: good, 2: {"department": "mzj", "cooperating": ["czj"]}}, {})
    referrals, refused = app.checked_referrals(
        asks, [good, {"errors": {"department": ["unknown department 'x'"]}}])
    assert referrals == {0: good}
    assert isinstance(refused[2], BadValue)
    assert refused[2].fields == {"department": ["unknown department 'x'"]}


def test_a_meeting_names_every_refused_decision_at_once(db, routing_data, place, at_district):
    first, (at_village, _) = at_district(), place()
    meeting = {"held_on": date(2026, 11, 28), "decisions": [
        {"issue_id": at_village, "action": "reply", "note": "已答复"},
        {"issue_id": first, "action": "refer"},
        {"issue_id": "0b7c1c52-0d7e-4d0e-8a8a-3c0f2b1e9d77", "action": "reply", "note": "x"}]}
    unknown_department = {1: BadValue("unknown", {"department": ["unknown department 'x'"]})}
    with pytest.raises(NotAllowed) as refused, db.unit() as unit:
        app.hold_meeting(unit, meeting, {}, routing_data, unknown_department)
    assert set(refused.value.fields) == {"decisions.0", "decisions.1", "decisions.2"}
    assert stored(db, first).status == "open"


@pytest.fixture
def referred(db, routing_data, at_district):
    """An issue the meeting referred to jtj, with czj cooperating."""
    issue_id = at_district()
    meeting = {"held_on": date(2026, 11, 28), "decisions": [
        {"issue_id": issue_id, "action": "refer"}]}
    with db.unit() as unit:
        app.hold_meeting(unit, meeting, {0: {"department": "jtj", "cooperating": ["czj"]}},
                         routing_data)
    return issue_id


ASSIGNMENT_EVENT = {"complete": "assignment_completed", "return": "assignment_returned"}


def assignment(db, routing_data, issue_id, action, department="jtj", lead=True, note="已办结"):
    event = an_event(ASSIGNMENT_EVENT[action], issue_id, tracking_no="HB202611000001",
                     title="村道塌方", assignment_id=uuid.uuid4(), department=department,
                     lead=lead, note=note)
    with db.unit() as unit:
        app.on_assignment(unit, event, action=action, data=routing_data)
    return unit.published


def test_a_completed_lead_assignment_handles_the_issue(db, routing_data, referred):
    [event] = assignment(db, routing_data, referred, "complete")
    assert (event["status"], event["department"], event["note"]) == ("handled", "jtj", "已办结")
    assert stored(db, referred).status == "handled"


def test_a_returned_lead_assignment_reopens_the_issue_at_the_district(db, routing_data, referred):
    [event] = assignment(db, routing_data, referred, "return", note="不属本局职责")
    row = stored(db, referred)
    assert (row.status, row.tier, row.station_id, row.department, row.cooperating) == \
        ("open", "district", DISTRICT_STATION, None, [])
    assert event["department"] is None and event["status"] == "open"


def test_a_cooperating_assignment_does_not_move_the_issue(db, routing_data, referred):
    assert assignment(db, routing_data, referred, "complete", department="czj", lead=False) == []
    assert stored(db, referred).status == "referred"


def test_an_assignment_superseded_by_a_later_referral_does_not_move_the_issue(db, routing_data,
                                                                              referred):
    assert assignment(db, routing_data, referred, "complete", department="mzj") == []
    assignment(db, routing_data, referred, "complete")
    assert assignment(db, routing_data, referred, "return") == []
    assert stored(db, referred).status == "handled"


def feedback(db, routing_data, issue_id, rating, now=None):
    with db.unit(now) as unit:
        app.on_feedback(unit, an_event("feedback_received", issue_id, rating=rating),
                        data=routing_data)
    return unit.published


def test_satisfied_feedback_closes_a_handled_issue(db, routing_data, place, act):
    issue_id, _ = place()
    act(issue_id, "resolve", note="已修复")
    [event] = feedback(db, routing_data, issue_id, "basically_satisfied")
    assert (event["status"], event["rating"]) == ("closed", "basically_satisfied")
    assert stored(db, issue_id).closed_at == NOW


def test_unsatisfied_feedback_reopens_the_issue_at_the_station_holding_it(db, routing_data, at_district,
                                                                        act):
    issue_id = at_district()
    act(issue_id, "reply", note="已答复")
    [event] = feedback(db, routing_data, issue_id, "unsatisfied")
    assert (event["status"], event["tier"], event["station_id"]) == \
        ("open", "district", DISTRICT_STATION)
    assert stored(db, issue_id).closed_at is None


def test_feedback_on_an_issue_not_handled_is_not_allowed(db, routing_data, place):
    issue_id, _ = place()
    with pytest.raises(NotAllowed):
        feedback(db, routing_data, issue_id, "satisfied")


def test_a_station_lists_its_own_issues_oldest_first_filtered_by_status(db, place, act):
    late, _ = place(received=NOW + timedelta(hours=1))
    early, _ = place()
    done, _ = place(received=NOW + timedelta(hours=2))
    place(category="land")
    act(done, "resolve", note="已修复")
    with db.session() as session:
        assert [r.id for r in app.station_issues(session, VILLAGE_STATION)] == \
            [str(early), str(late), str(done)]
        assert [r.id for r in app.station_issues(session, VILLAGE_STATION, "open")] == \
            [str(early), str(late)]


def test_a_station_lists_its_issues_of_one_category(db, place):
    roads, _ = place()
    water, _ = place(category="water")
    with db.session() as session:
        assert [r.id for r in app.station_issues(session, VILLAGE_STATION, category="water")] \
            == [str(water)]
        assert [r.id for r in app.station_issues(session, VILLAGE_STATION, "open", "roads")] \
            == [str(roads)]


def test_a_station_sees_only_its_own_issues_and_the_district_any(ladder):
    app.check_station_access(DISTRICT, VILLAGE_STATION, ladder)
    app.check_station_access(Caller("station", VILLAGE_STATION), VILLAGE_STATION, ladder)
    with pytest.raises(NotYours):
        app.check_station_access(Caller("station", TOWN_STATION), VILLAGE_STATION, ladder)
    with pytest.raises(NotFound):
        app.check_station_access(DISTRICT, "st-nowhere", ladder)


def test_the_history_lists_every_step_in_version_order(db, place, act):
    issue_id, _ = place()
    act(issue_id, "escalate", reason="beyond_authority", now=NOW + timedelta(hours=2))
    act(issue_id, "resolve", note="已修复", now=NOW + timedelta(hours=1))
    with db.session() as session:
        row, steps = app.history(session, issue_id)
    assert row.status == "handled"
    assert [(s.version, s.event_type, s.tier) for s in steps] == \
        [(1, "issue_routed", "village"), (2, "issue_escalated", "town"),
         (3, "issue_resolved", "town")]
    assert steps[1].reason == "beyond_authority"


# the monthly ledger: an item stays on it until it is written off ------------------

START, END = ledger.month_bounds("2026-11", "Asia/Shanghai")


def on_ledger(db, place, act, received, closed=None):
    """Whether an issue received and closed at these times is on November's ledger."""
    issue_id, _ = place(received=received)
    if closed is not None:
        act(issue_id, "resolve", note="已修复", now=closed)
        act(issue_id, "close", rating="satisfied", now=closed)
    with db.session() as session:
        return str(issue_id) in {i["id"] for i in month.ledger_items(session, START, END)}


def at(month, day, hour=0):
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def test_an_item_still_open_from_an_earlier_month_stays_on_the_ledger(db, place, act):
    assert on_ledger(db, place, act, received=at(9, 3))


def test_an_item_closed_before_the_month_is_written_off(db, place, act):
    assert not on_ledger(db, place, act, received=at(9, 3), closed=at(10, 20))


def test_an_item_closed_during_the_month_is_on_it(db, place, act):
    assert on_ledger(db, place, act, received=at(10, 3), closed=at(11, 20))


def test_an_item_received_after_the_month_is_not_on_it(db, place, act):
    assert not on_ledger(db, place, act, received=at(12, 2))


def test_the_month_runs_by_the_district_clock(db, place, act):
    # 2026-10-31 16:00 UTC is midnight of 1 November in Shanghai
    assert on_ledger(db, place, act, received=at(10, 1), closed=at(10, 31, 16))
    assert not on_ledger(db, place, act, received=at(10, 1), closed=at(10, 31, 15))
    assert not on_ledger(db, place, act, received=at(11, 30, 16))


def test_ledger_items_carry_every_issue_column(db, place):
    place(received=at(11, 5))
    with db.session() as session:
        [item] = month.ledger_items(session, START, END)
    assert (item["status"], item["station_id"], item["closed_at"]) == \
        ("open", VILLAGE_STATION, None)
    assert item["received_at"] == at(11, 5)


def test_the_migrations_build_exactly_the_routing_tables(tmp_path):
    assert migration_diff(Base, "routing", tmp_path) == []


def test_what_the_voter_wrote_travels_with_the_referral_to_the_department(db, routing_data, at_district):
    issue_id = at_district(description="三组村道塌方，车辆无法通行")
    assert stored(db, issue_id).description == "三组村道塌方，车辆无法通行"
    meeting = {"held_on": date(2026, 11, 28), "decisions": [{"issue_id": issue_id,
                                                             "action": "refer"}]}
    with db.unit() as unit:
        app.hold_meeting(unit, meeting, {0: {"department": "jtj", "cooperating": []}}, routing_data)
    assert unit.published[0]["description"] == "三组村道塌方，车辆无法通行"


def test_the_voters_comment_is_kept_with_the_step_their_feedback_caused(db, routing_data, place, act):
    issue_id, _ = place()
    act(issue_id, "resolve", note="已修复")
    with db.unit() as unit:
        app.on_feedback(unit, an_event("feedback_received", issue_id, rating="unsatisfied",
                                       comment="路面仍有积水"), data=routing_data)
    assert unit.published[0]["note"] == "路面仍有积水"
    with db.session() as session:
        _, steps = app.history(session, issue_id)
    assert steps[-1].note == "路面仍有积水"


def test_a_referral_of_an_unknown_issue_is_named_not_found_with_the_others(db, routing_data, at_district):
    known = at_district()
    meeting = {"held_on": date(2026, 11, 28), "decisions": [
        {"issue_id": "0b7c1c52-0d7e-4d0e-8a8a-3c0f2b1e9d77", "action": "refer"},
        {"issue_id": known, "action": "refer"}]}
    with pytest.raises(NotFound) as refused, db.unit() as unit:
        app.hold_meeting(unit, meeting, {1: {"department": "jtj", "cooperating": []}}, routing_data)
    assert set(refused.value.fields) == {"decisions.0"}


def test_unsatisfied_feedback_reopens_a_closed_issue(db, routing_data, place, act):
    issue_id, _ = place()
    act(issue_id, "resolve", note="已修复")
    feedback(db, routing_data, issue_id, "satisfied")
    [event] = feedback(db, routing_data, issue_id, "unsatisfied")
    assert (event["status"], event["station_id"]) == ("open", VILLAGE_STATION)
    assert stored(db, issue_id).closed_at is None
