"""Departments' use cases on an in-memory database: assignments, their lifecycle, their
time limits (签收, 办结) and extensions (延期)."""
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from lianxin.errors import BadValue, NotAllowed, NotFound
from lianxin.workdays import WorkCalendar
from services.departments import app, domain
from services.departments.models import AssignmentRow, Base, Timer
from services.departments.service import DepartmentsData
from tests.unit.conftest import DISTRICT_STATION, NOW, an_event, migration_diff

ISSUE = uuid.UUID("3f2b8c1e-6a4d-4b7e-9c0f-2d1e5a6b7c8d")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def data(directory, ruleset):
    """The sample directory's departments, the shipped rules (accept 2, complete 15
    working days; one extension of at most 15 days), China's calendar."""
    return DepartmentsData(domain.Catalog.from_directory(directory), ruleset, WorkCalendar(),
                           DISTRICT_STATION)


@pytest.fixture
def db(unit_of, data):
    store = unit_of(Base, "departments")
    store.data = data
    return store


def refer(db, issue_id=ISSUE, department="jtj", cooperating=("czj",), now=None):
    """Routing's referral of an issue, received by departments."""
    event = an_event("issue_referred", issue_id, tracking_no="HB202611000001", title="村道塌方",
                     version=4, status="referred", tier="district", station_id=DISTRICT_STATION,
                     department=department, category="roads", cooperating=list(cooperating),
                     note="请牵头办理")
    with db.unit(now) as unit:
        app.create_assignments(unit, event, data=db.data)
    return unit.published


def listed(db, department, **filters):
    with db.session() as session:
        return app.assignments(session, department, **filters)


def act(db, assignment_id, action, department="jtj", note=None, now=None):
    with db.unit(now) as unit:
        row = app.act(unit, assignment_id, action, department, note, data=db.data)
    return row, unit.published


@pytest.fixture
def lead(db):
    """The id of jtj's lead assignment of a new referral."""
    refer(db)
    return listed(db, "jtj")[0].id


def test_a_referral_assigns_the_lead_and_each_cooperating_department(db):
    published = refer(db, cooperating=("czj", "mzj"))
    assert [(e["department"], e["lead"]) for e in published] == \
        [("jtj", True), ("czj", False), ("mzj", False)]
    assert {e["issue_id"] for e in published} == {str(ISSUE)}
    assert all(e["note"] == "请牵头办理" and e["tracking_no"] == "HB202611000001"
               for e in published)
    [row] = listed(db, "czj")
    assert (row.issue_id, row.lead, row.status, row.category, row.brief) == \
        (str(ISSUE), False, "assigned", "roads", "请牵头办理")
    assert published[1]["assignment_id"] == row.id
    assert db.outbox_types() == ["assignment_created"] * 3


def test_a_department_moves_its_own_assignment_one_step(db, lead):
    row, [event] = act(db, lead, "accept", note="已签收")
    assert row.status == "accepted"
    assert (event["assignment_id"], event["department"], event["lead"], event["note"]) == \
        (lead, "jtj", True, "已签收")
    assert db.outbox_types()[-1] == "assignment_accepted"


def test_another_departments_assignment_is_not_found(db, lead):
    with pytest.raises(NotFound) as refused:
        act(db, lead, "accept", department="czj")
    assert refused.value.fields == {"assignment_id": ["not found"]}
    assert listed(db, "jtj")[0].status == "assigned"
    with db.session() as session, pytest.raises(NotFound):
        app.detail(session, lead, "czj")


def test_completing_keeps_the_result(db, lead):
    act(db, lead, "accept")
    row, [event] = act(db, lead, "complete", note="道路已修复")
    assert (row.status, row.result) == ("completed", "道路已修复")
    assert event["note"] == "道路已修复"
    assert db.outbox_types()[-1] == "assignment_completed"


@pytest.mark.parametrize("done, action", [
    ((), "complete"),
    ((), "progress"),
    (("return",), "accept"),
    (("accept", "complete"), "return"),
    (("accept", "complete"), "progress"),
])
def test_a_step_the_lifecycle_does_not_allow_is_refused_and_changes_nothing(db, lead, done,
                                                                            action):
    for step in done:
        act(db, lead, step, note="x")
    before = db.outbox_types()
    with pytest.raises(NotAllowed) as refused:
        act(db, lead, action, note="x")
    assert "status" in refused.value.fields
    assert db.outbox_types() == before


def test_an_assignment_may_be_returned_before_or_after_it_is_accepted(db):
    refer(db, cooperating=())
    refer(db, issue_id=uuid.uuid4(), cooperating=(), now=NOW + timedelta(hours=1))
    first, second = listed(db, "jtj")
    act(db, second.id, "accept")
    for assignment in (first, second):
        row, [event] = act(db, assignment.id, "return", note="不属本局职责")
        assert row.status == "returned" and event["note"] == "不属本局职责"


def test_the_detail_lists_every_step_in_order(db, lead):
    act(db, lead, "accept", note="已签收")
    act(db, lead, "progress", note="已勘察")
    act(db, lead, "complete", note="已修复")
    with db.session() as session:
        detail = app.detail(session, lead, "jtj")
    assert (detail["id"], detail["status"], detail["result"]) == (lead, "completed", "已修复")
    assert [(s.action, s.status, s.note) for s in detail["steps"]] == [
        ("assign", "assigned", "请牵头办理"), ("accept", "accepted", "已签收"),
        ("progress", "accepted", "已勘察"), ("complete", "completed", "已修复")]


def test_a_department_lists_its_assignments_oldest_first_by_status_or_issue(db, lead):
    other = uuid.uuid4()
    refer(db, issue_id=other, cooperating=(), now=NOW + timedelta(hours=1))
    act(db, lead, "accept")
    assert [r.issue_id for r in listed(db, "jtj")] == [str(ISSUE), str(other)]
    assert [r.issue_id for r in listed(db, "jtj", status="assigned")] == [str(other)]
    assert [r.id for r in listed(db, "jtj", issue_id=ISSUE)] == [lead]
    assert listed(db, "mzj") == []


def test_the_district_office_lists_every_departments_or_only_the_leads(db, lead):
    assert {(r.department, r.lead) for r in listed(db, None)} == {("jtj", True), ("czj", False)}
    assert [r.id for r in listed(db, None, lead=True)] == [lead]


def test_the_district_office_lists_the_extensions_still_to_decide_with_their_assignment(
        db, handling):
    ask(db, handling, days=5, reason="需协调资金")
    with db.session() as session:
        [waiting] = app.extensions(session, "requested")
        assert app.extensions(session, "granted") == []
    assert (waiting["assignment_id"], waiting["department"], waiting["tracking_no"],
            waiting["days"], waiting["reason"]) == (handling, "jtj", "HB202611000001", 5,
                                                     "需协调资金")
    decide(db, handling, True, "同意")
    with db.session() as session:
        assert app.extensions(session, "requested") == []
        assert [e["status"] for e in app.extensions(session)] == ["granted"]


def test_the_migrations_build_exactly_the_departments_tables(tmp_path):
    assert migration_diff(Base, "departments", tmp_path) == []


def test_when_the_lead_completes_the_cooperating_assignments_still_open_are_closed(db, lead):
    [helper] = listed(db, "czj")
    act(db, lead, "accept")
    act(db, lead, "complete", note="已修复")
    [helper] = listed(db, "czj")
    assert helper.status == "closed"
    with pytest.raises(NotAllowed):
        act(db, helper.id, "accept", department="czj")


def test_when_the_lead_returns_the_cooperating_assignments_are_cancelled(db, lead):
    act(db, lead, "return", note="不属本部门")
    assert [row.status for row in listed(db, "czj")] == ["cancelled"]


def test_a_new_referral_cancels_what_is_still_open_of_the_old_one(db, lead):
    refer(db, department="mzj", cooperating=())
    assert [row.status for row in listed(db, "jtj")] == ["cancelled"]
    assert [row.status for row in listed(db, "czj")] == ["cancelled"]
    assert [row.status for row in listed(db, "mzj")] == ["assigned"]


def referral(issue_id, department="jtj", cooperating=("czj",)):
    return an_event("issue_referred", issue_id, tracking_no="HB202611000001", title="村道塌方",
                    version=4, status="referred", tier="district", station_id=DISTRICT_STATION,
                    department=department, category="roads", cooperating=list(cooperating),
                    note="请牵头办理")


def test_referrals_handled_together_are_written_with_one_statement_per_table(db):
    statements = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    issues = [uuid.uuid4() for _ in range(3)]
    with db.unit() as unit:
        for issue_id in issues:
            app.create_assignments(unit, referral(issue_id), data=db.data)
    for table in ("assignments", "assignment_steps", "timers"):
        assert len([s for s in statements if s.startswith(f"INSERT INTO {table} ")]) == 1
    for issue_id in issues:
        assert {(a.department, a.status) for a in listed_all(db, issue_id)} == {
            ("jtj", "assigned"), ("czj", "assigned")}
        assert all(timers_of(db, a.id) for a in listed_all(db, issue_id))


def test_a_referral_handled_with_an_earlier_one_of_its_issue_cancels_what_that_made(db):
    with db.unit() as unit:
        app.create_assignments(unit, referral(ISSUE, "jtj"), data=db.data)
        app.create_assignments(unit, referral(ISSUE, "mzj", cooperating=()), data=db.data)
    assert sorted((a.department, a.status) for a in listed_all(db, ISSUE)) == [
        ("czj", "cancelled"), ("jtj", "cancelled"), ("mzj", "assigned")]
    assert [kind for a in listed_all(db, ISSUE) for kind in timers_of(db, a.id)] == ["accept"]


def test_referrals_handled_together_look_for_what_is_still_open_with_one_statement(db):
    with db.unit() as unit:                     # open before the batch: superseded by it
        app.create_assignments(unit, referral(ISSUE, "jtj"), data=db.data)
    statements = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    batch = [referral(ISSUE, "mzj", cooperating=()), referral(uuid.uuid4()),
             referral(ISSUE, "sljj", cooperating=())]
    with db.unit() as unit:
        app.read_still_open(unit, batch)
        for referred in batch:
            app.create_assignments(unit, referred, data=db.data)
    assert len([s for s in statements if s.startswith("SELECT") and "FROM assignments" in s]) == 2
    assert sorted((a.department, a.status) for a in listed_all(db, ISSUE)) == [
        ("czj", "cancelled"), ("jtj", "cancelled"), ("mzj", "cancelled"), ("sljj", "assigned")]


def listed_all(db, issue_id):
    with db.session() as session:
        return session.execute(select(AssignmentRow).where(
            AssignmentRow.issue_id == str(issue_id))).scalars().all()


def test_a_cooperating_assignment_completed_before_the_lead_stays_completed(db, lead):
    [helper] = listed(db, "czj")
    act(db, helper.id, "accept", department="czj")
    act(db, helper.id, "complete", department="czj", note="已配合")
    act(db, lead, "accept")
    act(db, lead, "complete", note="已修复")
    assert [row.status for row in listed(db, "czj")] == ["completed"]


# time limits (docs/configuration.md, "Time limits") ------------------------------------

MONDAY = datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI)      # National Day week ahead


def timers_of(db, assignment_id, open_only=True):
    """The assignment's timers by time limit (its open ones, unless ``open_only`` is False)."""
    query = select(Timer).where(Timer.subject_id == assignment_id).order_by(Timer.id)
    if open_only:
        query = query.where(Timer.state.in_(("pending", "reminded", "overdue")))
    with db.session() as session:
        return {t.kind: t for t in session.execute(query).scalars()}


def sweep(db, at):
    """One sweep at ``at``: the events it published."""
    db.now, seen = at, len(db.published)
    app.sweep(db, db.data)
    return db.published[seen:]


def assignment(db, assignment_id):
    with db.session() as session:
        return session.get(AssignmentRow, assignment_id)


def ask(db, assignment_id, days=5, department="jtj", reason="需协调资金", now=None):
    with db.unit(now) as unit:
        answer = app.ask_extension(unit, assignment_id, department, days, reason, data=db.data)
    return answer, unit.published


def decide(db, assignment_id, grant, note=None, now=None):
    with db.unit(now) as unit:
        answer = app.decide_extension(unit, assignment_id, grant, note, data=db.data)
    return answer, unit.published


def test_each_new_assignment_must_be_accepted_in_two_working_days(db):
    refer(db, now=MONDAY)
    for department in ("jtj", "czj"):
        [row] = listed(db, department)
        [(limit, timer)] = timers_of(db, row.id).items()
        assert (limit, timer.holder, timer.issue_id, timer.days, timer.state) == \
            ("accept", department, str(ISSUE), 2, "pending")
        # 29 and 30 September; 1 October is National Day
        assert timer.due_at == datetime(2026, 10, 1, tzinfo=SHANGHAI)
        assert timer.remind_at == datetime(2026, 9, 30, tzinfo=SHANGHAI)
        assert row.due_at == timer.due_at and row.overdue_since is None


def test_accepting_ends_the_time_to_accept_and_starts_the_time_to_complete(db, lead):
    row, _ = act(db, lead, "accept", now=MONDAY)
    [accept] = [t for t in timers_of(db, lead, open_only=False).values() if t.kind == "accept"]
    assert accept.state == "done"
    [(limit, timer)] = timers_of(db, lead).items()
    assert (limit, timer.days, timer.holder) == ("complete", 15, "jtj")
    assert timer.due_at == datetime(2026, 10, 24, tzinfo=SHANGHAI)   # the make-up 10 October counts
    assert row.due_at == timer.due_at


def test_progress_keeps_the_time_to_complete_running(db, lead):
    act(db, lead, "accept")
    before = timers_of(db, lead)["complete"]
    act(db, lead, "progress", note="已勘察", now=NOW + timedelta(days=3))
    after = timers_of(db, lead)["complete"]
    assert (after.id, after.due_at, after.started_at) == (before.id, before.due_at, before.started_at)


@pytest.mark.parametrize("steps", [("accept", "complete"), ("return",), ("accept", "return")])
def test_completing_or_returning_ends_the_assignments_time_limits(db, lead, steps):
    for step in steps:
        act(db, lead, step, note="x")
    assert timers_of(db, lead) == {}
    assert assignment(db, lead).due_at is None


@pytest.mark.parametrize("lead_steps", [("accept", "complete"), ("return",)])
def test_closing_or_cancelling_the_cooperating_assignments_ends_their_time_limits(db, lead,
                                                                                   lead_steps):
    [helper] = listed(db, "czj")
    act(db, helper.id, "accept", department="czj")
    for step in lead_steps:
        act(db, lead, step, note="x")
    assert timers_of(db, helper.id) == {}


def test_a_new_referral_ends_the_old_assignments_time_limits(db, lead):
    refer(db, department="mzj", cooperating=(), now=NOW + timedelta(hours=1))
    assert timers_of(db, lead) == {}
    [new] = listed(db, "mzj")
    assert set(timers_of(db, new.id)) == {"accept"}


def test_a_department_is_reminded_then_supervised_once_each(db):
    refer(db, cooperating=(), now=MONDAY)
    [row] = listed(db, "jtj")
    assert sweep(db, datetime(2026, 9, 29, 23, 0, tzinfo=SHANGHAI)) == []

    [reminded] = sweep(db, datetime(2026, 9, 30, 8, 0, tzinfo=SHANGHAI))
    assert reminded["assignment_id"] == row.id and reminded["department"] == "jtj"
    assert (reminded["limit"], reminded["supervisor_id"]) == ("accept", None)
    assert datetime.fromisoformat(reminded["due_at"]) == datetime(2026, 10, 1, tzinfo=SHANGHAI)
    assert sweep(db, datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI)) == []
    assert assignment(db, row.id).overdue_since is None

    late = datetime(2026, 10, 1, 0, 1, tzinfo=SHANGHAI)
    [overdue] = sweep(db, late)
    assert (overdue["limit"], overdue["department"], overdue["supervisor_id"]) == \
        ("accept", "jtj", DISTRICT_STATION)
    assert sweep(db, late + timedelta(hours=1)) == []
    assert db.outbox_types()[-2:] == ["assignment_reminded", "assignment_overdue"]
    assert assignment(db, row.id).overdue_since == late
    assert timers_of(db, row.id)["accept"].state == "overdue"
    with db.session() as session:
        steps = app.detail(session, row.id, "jtj")["steps"]
    assert [(s.action, s.status, s.note) for s in steps[-2:]] == \
        [("reminded", "assigned", "accept"), ("overdue", "assigned", "accept")]

    # accepting late ends the overdue state and starts the time to complete
    accepted, _ = act(db, row.id, "accept", now=late + timedelta(days=1))
    assert accepted.overdue_since is None
    assert {k: t.state for k, t in timers_of(db, row.id).items()} == {"complete": "pending"}


def test_a_limit_run_out_before_any_sweep_is_told_overdue_without_a_reminder(db):
    refer(db, cooperating=(), now=MONDAY)
    [overdue] = sweep(db, datetime(2026, 10, 2, tzinfo=SHANGHAI))
    assert overdue["limit"] == "accept" and overdue["supervisor_id"] == DISTRICT_STATION
    assert db.outbox_types()[-1] == "assignment_overdue"


def test_two_sweeps_at_the_same_moment_fire_a_due_timer_once(db):
    refer(db, cooperating=(), now=MONDAY)
    at = datetime(2026, 10, 1, 0, 1, tzinfo=SHANGHAI)
    assert len(sweep(db, at)) == 1
    assert sweep(db, at) == []
    assert db.outbox_types().count("assignment_overdue") == 1


def test_the_deadlines_list_open_limits_soonest_first_by_department_or_overdue(db):
    refer(db, cooperating=("czj",), now=MONDAY)
    refer(db, issue_id=uuid.uuid4(), cooperating=(), now=MONDAY - timedelta(days=7))
    [older, newer] = listed(db, "jtj")
    act(db, listed(db, "czj")[0].id, "accept", department="czj", now=MONDAY)
    sweep(db, datetime(2026, 9, 29, 12, 0, tzinfo=SHANGHAI))   # older's limit ran out
    with db.session() as session:
        every = app.deadlines(session)
        mine = app.deadlines(session, ["jtj"])
        late = app.deadlines(session, None, overdue=True)
        on_time = app.deadlines(session, ["jtj"], overdue=False)
    assert [(d["assignment_id"], d["limit"], d["department"]) for d in every] == \
        [(older.id, "accept", "jtj"), (newer.id, "accept", "jtj"),
         (listed(db, "czj")[0].id, "complete", "czj")]
    assert [d["assignment_id"] for d in mine] == [older.id, newer.id]
    assert [(d["assignment_id"], d["state"]) for d in late] == [(older.id, "overdue")]
    assert [d["assignment_id"] for d in on_time] == [newer.id]
    first = every[0]
    assert (first["issue_id"], first["tracking_no"], first["title"], first["days"]) == \
        (older.issue_id, "HB202611000001", "村道塌方", 2)


# extensions (延期) -------------------------------------------------------------------

ACCEPTED = datetime(2026, 9, 9, 10, 0, tzinfo=SHANGHAI)   # 15 working days: to 30 September


@pytest.fixture
def handling(db):
    """jtj's lead assignment, accepted so that its time to complete ends on 30 September,
    the day before National Day week."""
    refer(db, cooperating=(), now=ACCEPTED - timedelta(days=1))
    [row] = listed(db, "jtj")
    act(db, row.id, "accept", now=ACCEPTED)
    assert timers_of(db, row.id)["complete"].due_at == datetime(2026, 10, 1, tzinfo=SHANGHAI)
    return row.id


def test_an_extension_granted_moves_the_deadline_in_working_days_past_national_day(db, handling):
    asked_at = datetime(2026, 9, 25, 10, 0, tzinfo=SHANGHAI)
    answer, [requested] = ask(db, handling, days=5, reason="需协调资金", now=asked_at)
    assert (answer["status"], answer["days"], answer["reason"]) == ("requested", 5, "需协调资金")
    assert (requested["limit"], requested["days"], requested["note"],
            requested["supervisor_id"]) == ("complete", 5, "需协调资金", DISTRICT_STATION)
    assert datetime.fromisoformat(requested["due_at"]) == datetime(2026, 10, 1, tzinfo=SHANGHAI)
    assert timers_of(db, handling)["complete"].due_at == datetime(2026, 10, 1, tzinfo=SHANGHAI)

    answer, [granted] = decide(db, handling, True, "同意", now=asked_at + timedelta(days=1))
    # 1 to 7 October are National Day; 8, 9, the make-up Saturday 10, 12 and 13 October
    new_due = datetime(2026, 10, 14, tzinfo=SHANGHAI)
    assert (answer["status"], answer["decision_note"], answer["due_at"]) == \
        ("granted", "同意", new_due)
    assert (granted["limit"], granted["days"], granted["note"]) == ("complete", 5, "同意")
    assert datetime.fromisoformat(granted["due_at"]) == new_due
    timer = timers_of(db, handling)["complete"]
    assert (timer.due_at, timer.days, timer.state) == (new_due, 20, "pending")
    assert timer.remind_at == datetime(2026, 10, 13, tzinfo=SHANGHAI)
    assert db.outbox_types()[-2:] == ["extension_requested", "extension_granted"]
    with db.session() as session:
        detail = app.detail(session, handling, "jtj")
    assert [(e.days, e.status, e.decision_note) for e in detail["extensions"]] == \
        [(5, "granted", "同意")]
    assert detail["due_at"] == new_due
    assert [s.action for s in detail["steps"]][-2:] == ["ask_extension", "grant_extension"]


def test_an_extension_refused_moves_nothing(db, handling):
    ask(db, handling)
    answer, [refused] = decide(db, handling, False, "按期办结")
    assert answer["status"] == "refused" and answer["decision_note"] == "按期办结"
    assert datetime.fromisoformat(refused["due_at"]) == datetime(2026, 10, 1, tzinfo=SHANGHAI)
    assert refused["days"] == 5
    timer = timers_of(db, handling)["complete"]
    assert (timer.due_at, timer.days) == (datetime(2026, 10, 1, tzinfo=SHANGHAI), 15)
    assert db.outbox_types()[-1] == "extension_refused"


def test_an_extension_granted_after_the_limit_ran_out_ends_the_overdue_state(db, handling):
    sweep(db, datetime(2026, 10, 1, 0, 1, tzinfo=SHANGHAI))
    assert assignment(db, handling).overdue_since is not None
    ask(db, handling, days=5, now=datetime(2026, 10, 2, tzinfo=SHANGHAI))
    decide(db, handling, True, now=datetime(2026, 10, 3, tzinfo=SHANGHAI))
    assert assignment(db, handling).overdue_since is None
    timer = timers_of(db, handling)["complete"]
    assert (timer.state, timer.due_at) == ("pending", datetime(2026, 10, 14, tzinfo=SHANGHAI))
    # and the moved limit reminds and runs out again in its turn
    assert [e["limit"] for e in sweep(db, datetime(2026, 10, 13, 8, tzinfo=SHANGHAI))] == \
        ["complete"]
    assert db.outbox_types()[-1] == "assignment_reminded"


def test_no_more_extensions_than_the_rules_allow(db, handling):
    ask(db, handling)
    decide(db, handling, True)
    with pytest.raises(NotAllowed) as refused:
        ask(db, handling)
    assert "extension" in refused.value.fields


def test_a_second_extension_is_allowed_when_the_rules_allow_two(db, handling, data):
    db.data = replace(data, rules=replace(data.rules, extensions_max=2))
    ask(db, handling)
    decide(db, handling, False)
    ask(db, handling)
    decide(db, handling, True)
    ask(db, handling)          # one refused, one granted: a second may still be granted
    decide(db, handling, True)
    with pytest.raises(NotAllowed):
        ask(db, handling)
    assert timers_of(db, handling)["complete"].days == 25


def test_one_request_at_a_time(db, handling):
    ask(db, handling)
    before = db.outbox_types()
    with pytest.raises(NotAllowed) as refused:
        ask(db, handling)
    assert refused.value.fields == {"extension": ["a request is pending"]}
    assert db.outbox_types() == before


def test_an_assignment_not_yet_accepted_cannot_be_extended(db, lead):
    with pytest.raises(NotAllowed) as refused:
        ask(db, lead)
    assert "status" in refused.value.fields


def test_more_days_than_the_rules_allow_are_refused(db, handling):
    with pytest.raises(BadValue) as refused:
        ask(db, handling, days=16)
    assert "days" in refused.value.fields


def test_another_departments_assignment_cannot_be_extended(db, handling):
    with pytest.raises(NotFound):
        ask(db, handling, department="czj")


def test_a_decision_needs_a_pending_request_and_a_known_assignment(db, handling):
    with pytest.raises(NotAllowed):
        decide(db, handling, True)
    ask(db, handling)
    decide(db, handling, False)
    with pytest.raises(NotAllowed):
        decide(db, handling, True)
    with pytest.raises(NotFound):
        decide(db, str(uuid.uuid4()), True)


def test_a_request_left_undecided_lapses_when_the_assignment_is_completed(db, handling):
    ask(db, handling)
    act(db, handling, "complete", note="已修复")
    with db.session() as session:
        [request] = app.detail(session, handling, "jtj")["extensions"]
    assert request.status == "lapsed"
    with pytest.raises(NotAllowed):
        decide(db, handling, True)


def test_departments_part_of_the_circular_counts_each_lead_departments_month(db, lead):
    from services.departments import reports
    act(db, lead, "accept")
    act(db, lead, "return", note="不属本局职责")
    with db.session() as session:
        part = reports.circular(session, "2026-11", "Asia/Shanghai")
        assert reports.circular(session, "2026-10", "Asia/Shanghai")["departments"] == {}
    jtj = part["departments"]["jtj"]
    assert (jtj["assigned"], jtj["returned"], jtj["accept_limits"], jtj["accept_in_time"]) == \
        (1, 1, 1, 1)
    # a cooperating department's limits count; only leads count as given
    assert "assigned" not in part["departments"]["czj"]


def hold_hearing(db, *entries):
    from datetime import date

    from services.departments import hearings
    with db.unit() as unit:
        return hearings.record(unit, {"held_on": date(2026, 12, 2), "entries": list(entries)},
                               db.data.catalog)


def test_a_hearing_is_shown_on_each_assignment_it_handed_over(db, lead):
    hold_hearing(db, {"department": "jtj", "attendee": "交通局 王局长",
                      "undertaking": "两周内完成修复", "assignment_ids": [lead]})
    with db.session() as session:
        shown = app.detail(session, lead, "jtj")["hearing"]
    assert (shown["held_on"], shown["attendee"], shown["undertaking"]) == \
        ("2026-12-02", "交通局 王局长", "两周内完成修复")


def test_a_department_signs_only_for_its_own_open_items_and_nothing_is_kept_otherwise(db, lead):
    from services.departments.models import HearingRow
    with pytest.raises(BadValue) as refused:
        hold_hearing(db, {"department": "czj", "attendee": "财政局 李科长",
                          "undertaking": "配合", "assignment_ids": [lead]},
                     {"department": "nasa", "attendee": "x", "undertaking": "y",
                      "assignment_ids": [lead]})
    assert set(refused.value.fields) == {"entries.0.assignment_ids", "entries.1.department"}
    with db.session() as session:
        assert session.query(HearingRow).count() == 0
        assert app.detail(session, lead, "jtj")["hearing"] is None
