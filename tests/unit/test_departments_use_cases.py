"""Departments' use cases on an in-memory database: assignments and their lifecycle."""
import uuid
from datetime import timedelta

import pytest

from lianxin.errors import NotAllowed, NotFound
from services.departments import app
from services.departments.models import Base
from tests.unit.conftest import DISTRICT_STATION, NOW, an_event, migration_diff

ISSUE = uuid.UUID("3f2b8c1e-6a4d-4b7e-9c0f-2d1e5a6b7c8d")


@pytest.fixture
def db(unit_of):
    return unit_of(Base, "departments")


def refer(db, issue_id=ISSUE, department="jtj", cooperating=("czj",), now=None):
    """Routing's referral of an issue, received by departments."""
    event = an_event("issue_referred", issue_id, tracking_no="HB202611000001", title="村道塌方",
                     version=4, status="referred", tier="district", station_id=DISTRICT_STATION,
                     department=department, category="roads", cooperating=list(cooperating),
                     note="请牵头办理")
    with db.unit(now) as unit:
        app.create_assignments(unit, event)
    return unit.published


def listed(db, department, **filters):
    with db.session() as session:
        return app.assignments(session, department, **filters)


def act(db, assignment_id, action, department="jtj", note=None):
    with db.unit() as unit:
        row = app.act(unit, assignment_id, action, department, note)
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


def test_a_cooperating_assignment_completed_before_the_lead_stays_completed(db, lead):
    [helper] = listed(db, "czj")
    act(db, helper.id, "accept", department="czj")
    act(db, helper.id, "complete", department="czj", note="已配合")
    act(db, lead, "accept")
    act(db, lead, "complete", note="已修复")
    assert [row.status for row in listed(db, "czj")] == ["completed"]
