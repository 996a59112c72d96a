"""A unit of work's events: what its transaction commits is what the relay is handed."""
import pytest

from lianxin import timers
from lianxin.workdays import WorkCalendar
from services.routing.models import Base, Timer

ISSUE = "00000000-0000-4000-8000-000000000001"


class Failed(Exception):
    pass


def routed(unit, note):
    return unit.publish("issue_routed", ISSUE, tracking_no="HB202611000001", title="村道塌方",
                        status="open", tier="village", station_id="st-1", version=1,
                        note=note)


def test_an_event_of_a_savepoint_rolled_back_is_neither_stored_nor_handed_on(unit_of):
    store = unit_of(Base, "routing")
    with store.unit() as unit:
        kept = routed(unit, "kept")
        with pytest.raises(Failed), unit.session.begin_nested():
            routed(unit, "undone")
            raise Failed
        after = routed(unit, "after")
    assert store.published == [kept, after]
    assert store.outbox_types() == ["issue_routed", "issue_routed"]


def test_a_savepoint_rolled_back_inside_one_released_undoes_only_its_own_events(unit_of):
    store = unit_of(Base, "routing")
    with store.unit() as unit:
        with unit.session.begin_nested():
            outer = routed(unit, "outer")
            with pytest.raises(Failed), unit.session.begin_nested():
                routed(unit, "inner")
                raise Failed
    assert store.published == [outer]
    assert store.outbox_types() == ["issue_routed"]


def test_a_time_limit_that_fails_after_recording_its_event_publishes_nothing(unit_of):
    store = unit_of(Base, "routing")
    with store.unit() as unit:
        timers.arm(unit, Timer, WorkCalendar(), kind="village", subject_id=ISSUE, issue_id=ISSUE,
                   holder="st-1", remind=False, days=1)

    def fire(unit, timer, stage):
        routed(unit, "told, then the step failed")
        raise Failed

    store.now = store.now.replace(year=store.now.year + 1)
    assert timers.fire_due(store, Timer, fire) == 0
    assert store.published == [] and store.outbox_types() == []
