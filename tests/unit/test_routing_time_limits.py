"""Routing's time limits on an in-memory database: timers armed and closed with the
steps, and what a sweep fires (docs/configuration.md, "Time limits")."""
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import eventlet
import pytest
from sqlalchemy import select, update

from lianxin import timers
from lianxin.errors import NotAllowed
from lianxin.workdays import WorkCalendar
from services.routing import app, domain
from services.routing.models import Base, Timer
from tests.unit.conftest import (
    DISTRICT_STATION,
    TOWN_STATION,
    VILLAGE_STATION,
    an_event,
    an_issue,
    placed,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI)      # National Day week ahead


@pytest.fixture
def db(unit_of):
    return unit_of(Base, "routing")


@pytest.fixture
def place(db, routing_data):
    return lambda at=MONDAY, **changes: placed(db, routing_data, at, **changes)


def sweep(db, routing_data, at):
    """One sweep at ``at``: the events it published."""
    db.now, seen = at, len(db.published)
    app.sweep(db, routing_data)
    return db.published[seen:]


def open_timers(db, issue_id):
    with db.session() as session:
        return {t.kind: t for t in session.execute(select(Timer).where(
            Timer.issue_id == issue_id, Timer.state.in_(("pending", "reminded", "overdue"))))
            .scalars()}


def test_an_open_village_issue_must_be_resolved_or_escalated_in_five_working_days(db, place):
    issue_id = place()
    timers = open_timers(db, issue_id)
    assert set(timers) == {"village", "keep_in_loop"}
    # 29, 30 September, then 8, 9 October and the make-up Saturday 10 October
    assert timers["village"].due_at == datetime(2026, 10, 11, tzinfo=SHANGHAI)
    assert timers["village"].remind_at == datetime(2026, 10, 10, tzinfo=SHANGHAI)
    assert timers["village"].holder == VILLAGE_STATION


def test_the_reminder_fires_once_when_the_last_working_day_begins(db, routing_data, place):
    issue_id = place()
    assert sweep(db, routing_data, datetime(2026, 10, 9, 23, 0, tzinfo=SHANGHAI)) == []
    [reminded] = sweep(db, routing_data, datetime(2026, 10, 10, 8, 0, tzinfo=SHANGHAI))
    assert reminded["issue_id"] == issue_id and reminded["limit"] == "village"
    assert sweep(db, routing_data, datetime(2026, 10, 10, 9, 0, tzinfo=SHANGHAI)) == []


def test_a_village_issue_left_alone_goes_up_a_tier_with_the_reason_overdue(db, routing_data,
                                                                           place):
    issue_id = place()
    events = sweep(db, routing_data, datetime(2026, 10, 11, 0, 30, tzinfo=SHANGHAI))
    kinds = [e for e in events if e.get("limit") != "keep_in_loop"]
    overdue = next(e for e in kinds if "supervisor_id" in e and e["version"] == 1)
    escalated = next(e for e in events if e.get("reason") == "overdue")
    assert overdue["station_id"] == VILLAGE_STATION and overdue["supervisor_id"] == TOWN_STATION
    assert escalated["station_id"] == TOWN_STATION and escalated["tier"] == "town"
    timers = open_timers(db, issue_id)
    assert set(timers) == {"town", "keep_in_loop"}
    # the town's seven working days: 12 to 16 and 19 to 20 October
    assert timers["town"].due_at == datetime(2026, 10, 21, tzinfo=SHANGHAI)
    # both fired once: the next sweep fires nothing more for the village
    assert [e for e in sweep(db, routing_data, datetime(2026, 10, 11, 1, 0, tzinfo=SHANGHAI))
            if e["issue_id"] == issue_id] == []


def test_an_issue_overdue_at_the_district_stays_overdue_until_it_moves(db, routing_data, place):
    issue_id = place(category="funding")          # starts at the district
    due = open_timers(db, issue_id)["district"].due_at
    [overdue] = [e for e in sweep(db, routing_data, due + timedelta(hours=1))
                 if e.get("limit") == "district" and "supervisor_id" in e]
    assert overdue["supervisor_id"] == DISTRICT_STATION
    with db.session() as session:
        assert app.load(session, issue_id).overdue_since == due + timedelta(hours=1)
    assert open_timers(db, issue_id)["district"].state == "overdue"
    with db.unit(due + timedelta(hours=2)) as unit:
        app.act(unit, issue_id, "reply", routing_data, note="已答复")
    with db.session() as session:
        assert app.load(session, issue_id).overdue_since is None
    assert set(open_timers(db, issue_id)) == {"feedback"}


def test_a_handled_issue_without_feedback_asks_its_station_to_call_the_voter_back(
        db, routing_data, place):
    issue_id = place(resolution="已当场解决")
    timer = open_timers(db, issue_id)["feedback"]
    assert timer.remind_at is None
    [callback] = sweep(db, routing_data, timer.due_at)
    assert callback["station_id"] == VILLAGE_STATION and callback["limit"] == "feedback"


def test_the_voter_hears_how_an_open_issue_stands_every_few_working_days(db, routing_data):
    issue = an_issue(status="referred", tier="district", station_id=DISTRICT_STATION)
    assert domain.time_limits(issue) == [domain.Limit("keep_in_loop", domain.VOTER, False)]


def test_keep_in_loop_comes_round_again_after_it_fires(db, routing_data, place):
    issue_id = place(category="funding")
    loop = open_timers(db, issue_id)["keep_in_loop"]
    events = sweep(db, routing_data, loop.due_at)
    assert [e["limit"] for e in events if e.get("limit") == "keep_in_loop"] == ["keep_in_loop"]
    again = open_timers(db, issue_id)["keep_in_loop"]
    assert again.id != loop.id and again.due_at > loop.due_at


def test_a_closed_issue_has_no_time_limits():
    assert domain.time_limits(an_issue(status="closed")) == []


def test_an_issue_returned_more_often_than_allowed_goes_to_a_meeting(db, routing_data, place):
    issue_id = place(category="funding")
    for number in range(1, 4):
        with db.unit() as unit:
            row = app.load(unit.session, issue_id, lock=True)
            app.act_on(unit, row, "refer", routing_data, department="jtj")
            row.department = "jtj"
            app.on_assignment(unit, an_event("assignment_returned", issue_id, tracking_no="t",
                                             title="t", assignment_id=uuid.uuid4(),
                                             department="jtj", lead=True, note="不属本局"),
                              action="return", data=routing_data)
        if number < 3:
            with db.unit() as unit:
                app.check_reassignable(app.load(unit.session, issue_id), routing_data)
    with db.unit() as unit, pytest.raises(NotAllowed) as refused:
        app.refer(unit, issue_id, {"department": "zjj", "cooperating": []}, routing_data)
    assert refused.value.fields == {"issue_id": ["returned 3 times, more than the 2 the rules "
                                                 "allow"]}
    _, steps = app.history(db.sessions(), issue_id)
    assert domain.TO_MEETING_NOTE in steps[-1].note


def test_a_deadline_over_a_year_the_calendar_lacks_is_provisional_until_the_year_is_added(
        db, routing_data, place):
    issue_id = place(at=datetime(2027, 2, 1, 9, 0, tzinfo=SHANGHAI))
    timer = open_timers(db, issue_id)["village"]
    assert timer.provisional and timer.due_at == datetime(2027, 2, 9, tzinfo=SHANGHAI)
    published = WorkCalendar.from_file({"years": {2027: {"holidays": ["2027-02-05",
                                                                      "2027-02-08"]}}})
    with db.unit(datetime(2027, 2, 1, 10, 0, tzinfo=SHANGHAI)) as unit:
        from lianxin import timers
        assert timers.recompute_provisional(unit, Timer, published) == 2   # and keep_in_loop
    timer = open_timers(db, issue_id)["village"]
    # 2, 3, 4, then 9 and 10 February: 5 and 8 are days off
    assert not timer.provisional and timer.due_at == datetime(2027, 2, 11, tzinfo=SHANGHAI)


def test_provisional_deadlines_are_counted_again_once_for_each_calendar_a_process_sweeps_with(
        db, place):
    issue_id = place(at=datetime(2027, 2, 1, 9, 0, tzinfo=SHANGHAI))
    published = WorkCalendar.from_file({"years": {2027: {"holidays": ["2027-02-05",
                                                                      "2027-02-08"]}}})
    assert timers.recount_provisional(db, Timer, WorkCalendar()) == 0
    assert timers.recount_provisional(db, Timer, published) == 2
    with db.unit() as unit:           # a deadline no calendar could give: left as it is
        unit.session.execute(update(Timer).where(Timer.issue_id == issue_id)
                             .values(provisional=True))
    assert timers.recount_provisional(db, Timer, published) == 0
    assert open_timers(db, issue_id)["village"].provisional
    assert timers.recount_provisional(db, Timer, replace(published)) == 2


def test_the_due_list_is_sorted_by_deadline_and_leaves_out_the_voters_own(db, place):
    later = place(at=MONDAY + timedelta(days=1))
    sooner = place()
    with db.session() as session:
        listed = app.deadlines(session, [VILLAGE_STATION])
    assert [d["issue_id"] for d in listed] == [sooner, later]
    assert {d["limit"] for d in listed} == {"village"}


def test_a_stations_issue_held_by_another_has_its_supervisor_a_tier_up(ladder):
    assert domain.supervisor(an_issue(), ladder) == TOWN_STATION
    assert domain.supervisor(replace(an_issue(), station_id=DISTRICT_STATION), ladder) == \
        DISTRICT_STATION


def test_a_timer_ended_by_the_one_fired_before_it_in_the_same_sweep_does_not_fire(
        db, routing_data):
    with db.unit(MONDAY) as unit:
        for kind in ("village", "keep_in_loop"):
            timers.arm(unit, Timer, routing_data.calendar, kind=kind, subject_id="i-9",
                       issue_id="i-9", holder=VILLAGE_STATION, days=1, remind=False)
    fired = []

    def fire(unit, timer, stage):
        fired.append(timer.kind)
        timers.close(unit, Timer, timer.subject_id)      # as an escalation ends them all

    db.now = MONDAY + timedelta(days=30)
    assert timers.fire_due(db, Timer, fire) == 1
    assert fired == ["village"] and open_timers(db, "i-9") == {}


def test_a_long_sweep_lets_the_service_answer_between_its_batches(db):
    """SQLite never yields to eventlet's hub: a sweep of thousands of timers would hold
    every request and event of the service until it ended."""
    with db.unit() as unit:
        unit.session.add_all(Timer(kind="village", subject_id=str(n), issue_id=str(n),
                                   holder=VILLAGE_STATION, days=5, started_at=db.now,
                                   due_at=db.now, state="pending", fire_at=db.now)
                             for n in range(6))
    happened = []
    eventlet.spawn(happened.append, "a request answered")
    fired = timers.fire_due(db, Timer, lambda unit, timer, stage: happened.append(stage),
                            limit=2)
    assert fired == 6
    assert happened[:3] == ["overdue", "overdue", "a request answered"]
