"""A unit of work's events and rows given for later: what its transaction commits is what
the relay is handed and the tables hold."""
import pytest
from sqlalchemy import event, select

from lianxin import inbox, timers
from lianxin.statements import inserting
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


def received(unit, inbox, event_id):
    unit.later(inserting(inbox), {"event_id": event_id, "event_type": "issue_submitted",
                                  "received_at": unit.now})


def inbox_ids(store):
    inbox = Base.metadata.tables["inbox"]
    with store.engine.connect() as connection:
        return connection.execute(select(inbox.c.event_id).order_by(inbox.c.event_id)).scalars().all()


def test_rows_given_for_later_are_written_at_commit_in_one_statement(unit_of):
    store = unit_of(Base, "routing")
    statements = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: statements.append((sql, many)))
    inbox = Base.metadata.tables["inbox"]
    with store.unit() as unit:
        for event_id in ("a", "b", "c"):
            received(unit, inbox, event_id)
        assert inbox_ids(store) == []
    assert inbox_ids(store) == ["a", "b", "c"]
    assert [many for sql, many in statements if sql.startswith("INSERT INTO inbox")] == [True]


def test_rows_given_for_later_are_written_the_tables_they_refer_to_first(unit_of):
    store = unit_of(Base, "routing")
    statements = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *rest: statements.append(sql.split(" (")[0]))
    issue = {"id": "i-1", "tracking_no": "HB202611000001", "status": "open", "tier": "village",
             "station_id": "st-1", "category": "roads", "title": "村道塌方",
             "village_code": "610902101002", "channel": "hotline", "version": 1,
             "received_at": store.now, "cooperating": []}
    step = {"issue_id": "i-1", "event_type": "issue_routed", "version": 1, "status": "open",
            "tier": "village", "station_id": "st-1", "occurred_at": store.now}
    with store.unit() as unit:
        unit.later(inserting(Base.metadata.tables["steps"]), step)      # names the issue
        unit.later(inserting(Base.metadata.tables["issues"]), issue)
    assert [s for s in statements if s.startswith("INSERT")] == [
        "INSERT INTO issues", "INSERT INTO steps"]


def test_a_row_given_for_later_in_a_savepoint_rolled_back_is_not_written(unit_of):
    store = unit_of(Base, "routing")
    inbox = Base.metadata.tables["inbox"]
    with store.unit() as unit:
        received(unit, inbox, "kept")
        with pytest.raises(Failed), unit.session.begin_nested():
            received(unit, inbox, "undone")
            raise Failed
        with unit.session.begin_nested():
            received(unit, inbox, "released")
    assert inbox_ids(store) == ["kept", "released"]


def test_rows_given_for_later_are_found_inside_a_savepoint_and_outlive_its_rollback(unit_of):
    """A sweep fires each timer in a savepoint: a month frozen by one counts the steps the
    timers before it recorded, and a timer that fails undoes only its own."""
    store = unit_of(Base, "routing")
    inbox = Base.metadata.tables["inbox"]
    with store.unit() as unit:
        received(unit, inbox, "before")
        with pytest.raises(Failed), unit.savepoint():
            found = unit.session.execute(select(inbox.c.event_id)).scalars().all()
            received(unit, inbox, "inside")
            raise Failed
    assert found == ["before"]
    assert inbox_ids(store) == ["before"]


def test_each_caller_of_later_gets_what_returning_gave_for_its_own_rows(unit_of):
    store = unit_of(Base, "routing")
    inbox = Base.metadata.tables["inbox"]
    statement = inbox.insert().returning(inbox.c.event_id, sort_by_parameter_order=True)
    statements = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: statements.append(sql))

    def rows(*event_ids):
        return [{"event_id": e, "event_type": "issue_submitted", "received_at": store.now}
                for e in event_ids]
    with store.unit() as unit:
        first, second = unit.later(statement, *rows("a", "b")), unit.later(statement, *rows("c"))
        assert (first, second) == ([], [])
    assert ([r.event_id for r in first], [r.event_id for r in second]) == (["a", "b"], ["c"])
    assert len([sql for sql in statements if sql.startswith("INSERT INTO inbox")]) == 1


def test_a_batch_of_deliveries_readies_each_handler_once_with_its_own_events():
    readied = []

    def handle(unit, event):
        return event["n"]

    def other(unit, event):
        return -event["n"]
    handle.prepare = lambda unit, events: readied.append(("handle", [e["n"] for e in events]))
    deliveries = [inbox.Delivery(None, "issue_routed", str(n), {"n": n}, fn, {})
                  for n, fn in enumerate((handle, other, handle))]
    inbox.prepare("unit", deliveries)
    assert readied == [("handle", [0, 2])]
