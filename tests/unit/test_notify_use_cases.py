"""Notify's use cases on an in-memory database: queueing, claiming, sending, retrying."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from lianxin.config import read_yaml
from lianxin.errors import BadValue
from services.notify import app
from services.notify.models import Base, NotificationRow, Preference
from tests.unit.conftest import NOW, TOWN_STATION, VILLAGE_STATION, an_event, migration_diff

ISSUE = "3f2b8c1e-6a4d-4b7e-9c0f-2d1e5a6b7c8d"
MAX_ATTEMPTS = 3


@pytest.fixture
def db(unit_of):
    return unit_of(Base, "notify")


@pytest.fixture(scope="module")
def templates():
    return read_yaml("data/templates.yml")


def queue(db, templates, event_type, voter_channel=None, **data):
    event = an_event(event_type, ISSUE, tracking_no="HB202611000001", title="村道塌方",
                     version=2, status="open", **data)
    with db.unit() as unit:
        return app.queue_messages(unit, event, event_type=event_type, templates=templates,
                                  display_names={"jtj": "区交通运输局"},
                                  default_channel="log", voter_channel=voter_channel)


def test_a_grid_reports_leader_and_member_are_told_by_text_like_its_voter(db, templates):
    queued = queue(db, templates, "issue_escalated", voter_channel="sms", tier="town",
                   station_id=TOWN_STATION, from_station_id=VILLAGE_STATION,
                   reason="beyond_authority", note="需镇协调", grid_id="WG0001",
                   grid_member_id="WH0001")
    assert sorted((r.recipient_kind, r.recipient_id, r.channel) for r in queued) == [
        ("grid_leader", "WG0001", "sms"), ("grid_member", "WH0001", "sms"),
        ("station", TOWN_STATION, "log"), ("voter", ISSUE, "sms")]


def stored(db, **changes):
    """A notification as an earlier worker left it."""
    row = NotificationRow(**{
        "issue_id": ISSUE, "event_id": str(uuid.uuid4()), "event_type": "issue_routed",
        "recipient_kind": "station", "recipient_id": VILLAGE_STATION, "channel": "log",
        "body": "新问题", "status": "pending", "attempts": 0, "created_at": NOW,
        "next_attempt_at": NOW, **changes})
    with db.unit() as unit:
        unit.session.add(row)
    return row.id


def rows(db):
    with db.session() as session:
        query = select(NotificationRow).order_by(NotificationRow.id)
        return {r.id: r for r in session.execute(query).scalars()}


def test_an_event_queues_one_claimed_message_per_recipient_its_templates_name(db, templates):
    with db.unit() as unit:
        app.set_preference(unit, "station", TOWN_STATION, "smtp")
    queued = queue(db, templates, "issue_escalated", tier="town", station_id=TOWN_STATION,
                   representative_id="R013", from_station_id=VILLAGE_STATION,
                   reason="needs_funding", note="需镇协调资金")
    by_kind = {r.recipient_kind: r for r in queued}
    assert set(by_kind) == {"voter", "station", "representative"}
    assert (by_kind["voter"].recipient_id, by_kind["representative"].recipient_id) == \
        (ISSUE, "R013")
    assert (by_kind["station"].recipient_id, by_kind["station"].channel) == (TOWN_STATION, "smtp")
    assert by_kind["voter"].channel == by_kind["representative"].channel == "log"
    assert "镇级中心联络站" in by_kind["voter"].body and "需要资金" in by_kind["voter"].body
    assert {(r.status, r.attempts, r.next_attempt_at) for r in queued} == {("sending", 0, NOW)}
    assert len(rows(db)) == 3


def test_the_district_office_overdue_at_the_district_is_told_once_as_holder_and_supervisor(
        db, templates):
    queued = queue(db, templates, "issue_overdue", tier="district", station_id="st-610902",
                   supervisor_id="st-610902", limit="district",
                   due_at="2026-12-16T00:00:00+08:00")
    assert [(r.recipient_kind, r.recipient_id) for r in queued] == [("station", "st-610902")]


def test_a_notice_of_the_month_is_queued_without_an_issue(db, templates):
    queued = queue_notice(db, templates, "reception_duty_due", station_id=TOWN_STATION,
                          representative_id="R004", on="2026-12-15")
    assert [(r.recipient_kind, r.recipient_id, r.issue_id) for r in queued] == [
        ("representative", "R004", None)]
    assert "2026-12-15" in queued[0].body


def queue_notice(db, templates, event_type, **data):
    from lianxin import contracts
    event = contracts.schema(event_type).load(contracts.new_event(event_type, None, **data))
    with db.unit() as unit:
        return app.queue_messages(unit, event, event_type=event_type, templates=templates,
                                  display_names={}, default_channel="log")


def test_a_recipient_the_event_does_not_name_gets_no_message(db, templates):
    queued = queue(db, templates, "issue_routed", tier="village", station_id=VILLAGE_STATION)
    assert [(r.recipient_kind, r.recipient_id) for r in queued] == [("station", VILLAGE_STATION)]


def test_only_due_pending_or_failed_messages_under_the_attempt_limit_are_claimed_once(db):
    due = stored(db)
    failed = stored(db, status="failed", attempts=MAX_ATTEMPTS - 1, last_error="timeout")
    stored(db, status="failed", attempts=MAX_ATTEMPTS)
    stored(db, next_attempt_at=NOW + timedelta(seconds=1))
    stored(db, status="sending")
    stored(db, status="sent", attempts=1)
    with db.unit() as unit:
        claimed = app.claim_due(unit, MAX_ATTEMPTS)
    assert sorted(r.id for r in claimed) == [due, failed]
    assert {r.status for r in claimed} == {"sending"}
    with db.unit() as unit:
        assert app.claim_due(unit, MAX_ATTEMPTS) == []
    assert [r.status for r in rows(db).values()] == \
        ["sending", "sending", "failed", "pending", "sending", "sent"]


def test_claiming_takes_no_more_than_the_limit_oldest_first(db):
    ids = [stored(db) for _ in range(3)]
    with db.unit() as unit:
        assert [r.id for r in app.claim_due(unit, MAX_ATTEMPTS, limit=2)] == ids[:2]


def test_a_sent_message_is_recorded_sent_and_a_failed_one_is_due_again_after_a_back_off(db):
    sent, failed, again = (stored(db, status="sending"), stored(db, status="sending"),
                           stored(db, status="sending", attempts=2))
    with db.unit() as unit:
        timed_out = app.Outcome("log", "TimeoutError: timed out")
        app.record_outcomes(unit, {sent: app.Outcome("log"), failed: timed_out, again: timed_out})
    kept = rows(db)
    assert (kept[sent].status, kept[sent].attempts, kept[sent].sent_at,
            kept[sent].last_error) == ("sent", 1, NOW, None)
    assert (kept[failed].status, kept[failed].attempts, kept[failed].last_error) == \
        ("failed", 1, "TimeoutError: timed out")
    assert kept[failed].next_attempt_at == NOW + timedelta(seconds=2)
    assert kept[again].next_attempt_at == NOW + timedelta(seconds=8)
    assert kept[failed].sent_at is None


class Recorder:
    """A channel that keeps what it was asked to send."""

    def __init__(self):
        self.sent = []

    def send(self, address, subject, body, meta):
        self.sent.append((address, body, meta))


class Unreachable:
    def send(self, address, subject, body, meta):
        raise ConnectionError(f"cannot reach {address}")


CONTACTS = {("station", VILLAGE_STATION): {"email": "st@example.com", "webhook": None},
            ("station", TOWN_STATION): {"email": None, "webhook": "https://hook.example/t"}}


def send(db, channels, **changes):
    """Send one stored notification through ``channels``: its error, None once sent."""
    row_id = stored(db, status="sending", **changes)
    with db.session() as session:
        row = session.get(NotificationRow, row_id)
    outcomes = app.send_all([row], channels, lambda kind, id: CONTACTS.get((kind, id)))
    return outcomes[row_id].error


def test_a_message_is_sent_to_the_address_its_channel_needs(db):
    smtp, log = Recorder(), Recorder()
    assert send(db, {"smtp": smtp}, channel="smtp") is None
    assert send(db, {"log": log}, channel="log") is None
    [(address, body, meta)] = smtp.sent
    assert (address, body) == ("st@example.com", "新问题")
    assert meta["recipient"] == f"station:{VILLAGE_STATION}" and meta["issue_id"] == ISSUE
    assert log.sent[0][0] is None


def test_a_recipient_without_an_address_for_the_channel_fails_without_sending(db):
    smtp = Recorder()
    error = send(db, {"smtp": smtp}, channel="smtp", recipient_id=TOWN_STATION)
    assert error == f"LookupError: station {TOWN_STATION} has no email"
    assert smtp.sent == []


def test_a_channel_failure_is_reported_without_the_recipient_address(db):
    error = send(db, {"webhook": Unreachable()}, channel="webhook", recipient_id=TOWN_STATION)
    assert error == "ConnectionError: cannot reach <address>"


def test_messages_left_sending_by_a_stopped_worker_become_due_again(db):
    stuck = stored(db, status="sending", next_attempt_at=NOW - timedelta(minutes=6))
    recent = stored(db, status="sending", next_attempt_at=NOW - timedelta(minutes=4))
    with db.unit() as unit:
        app.release_stuck(unit, timedelta(minutes=5))
    kept = rows(db)
    assert (kept[stuck].status, kept[stuck].last_error) == \
        ("failed", "interrupted while sending")
    assert kept[recent].status == "sending"
    with db.unit() as unit:
        assert [r.id for r in app.claim_due(unit, MAX_ATTEMPTS)] == [stuck]


def test_a_preference_is_set_per_recipient_and_replaced_by_the_next(db):
    with db.unit() as unit:
        app.set_preference(unit, "representative", "R013", "smtp")
    with db.unit() as unit:
        assert app.set_preference(unit, "representative", "R013", "webhook") == \
            {"recipient_kind": "representative", "recipient_id": "R013", "channel": "webhook"}
    with db.session() as session:
        [kept] = session.execute(select(Preference)).scalars().all()
    assert kept.channel == "webhook"


def test_a_preference_for_an_unknown_kind_of_recipient_is_refused(db):
    with pytest.raises(BadValue) as refused, db.unit() as unit:
        app.set_preference(unit, "mayor", "M1", "smtp")
    assert set(refused.value.fields) == {"kind"}


def test_the_listing_filters_by_issue_event_and_status_and_pages_after_an_id(db):
    other = "0b7c1c52-0d7e-4d0e-8a8a-3c0f2b1e9d77"
    first = stored(db)
    second = stored(db, status="sent")
    third = stored(db, issue_id=other, event_type="issue_closed")
    fourth = stored(db, event_type="issue_closed", status="failed")
    with db.session() as session:
        def ids(**query):
            return [r.id for r in app.listing(session, **query)]
        assert ids() == [first, second, third, fourth]
        assert ids(issue_id=ISSUE) == [first, second, fourth]
        assert ids(event_type="issue_closed") == [third, fourth]
        assert ids(status="sent") == [second]
        assert ids(after_id=second) == [third, fourth]
        assert ids(after_id=first, limit=2) == [second, third]
        assert ids(issue_id=uuid.UUID(other)) == [third]
        assert ids(issue_id=other, status="failed") == []


def test_the_migrations_build_exactly_the_notify_tables(tmp_path):
    assert migration_diff(Base, "notify", tmp_path) == []
