"""Notify's use cases: queue the messages an event calls for, deliver, retry."""
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update

from lianxin import clock
from lianxin.db import one_at_a_time
from lianxin.errors import BadValue, NotFound
from services.notify import domain
from services.notify.channels import Refused
from services.notify.models import NotificationRow, Preference

log = logging.getLogger(__name__)
SUBJECT = "连心桥 · 人大代表联系群众"


def queue_messages(unit, event, *, event_type, templates, display_names, default_channel,
                   voter_channel=None, zone=None):
    """One notification per recipient the templates name for this event, claimed
    ('sending') for the worker that queued it to send straight after commit: the list
    returned holds them once the transaction has written them, with the notifications of
    the events handled with it, in one statement (``Unit.later``). A recipient's
    preference chooses its channel; without one a voter, a grid leader or a grid member is
    told by ``voter_channel`` (sms when a gateway is configured) and everyone else by
    ``default_channel``.

    ``GET /notifications`` pages by id, so ids must become visible in their order: on
    PostgreSQL one transaction at a time queues messages (SQLite has one writer)."""
    # people reached only by phone: a voter, a grid's leader or member
    defaults = dict.fromkeys(("voter", "grid_leader", "grid_member"),
                             voter_channel or default_channel)
    messages = domain.messages(event_type, event, templates, display_names, zone)
    if not messages:
        return []
    one_at_a_time(unit.session, "lianxin-notifications")
    issue_id, event_id = _text(event.get("issue_id")), str(event["event_id"])
    return unit.later(QUEUED, *[{
        "issue_id": issue_id, "event_id": event_id, "event_type": event_type,
        "recipient_kind": m.recipient_kind, "recipient_id": m.recipient_id, "body": m.body,
        "status": "sending", "attempts": 0, "created_at": unit.now, "next_attempt_at": unit.now,
        "of_kind": m.recipient_kind, "of_id": m.recipient_id,
        "otherwise": defaults.get(m.recipient_kind, default_channel)} for m in messages])


NOTIFICATIONS = NotificationRow.__table__
# each message's channel: its recipient's preference, read in the same statement
CHOSEN = (select(Preference.channel).where(Preference.recipient_kind == bindparam("of_kind"),
                                           Preference.recipient_id == bindparam("of_id"))
          .scalar_subquery())
QUEUED = (insert(NOTIFICATIONS).values(channel=func.coalesce(CHOSEN, bindparam("otherwise")))
          .returning(*NOTIFICATIONS.c, sort_by_parameter_order=True))
SENT = (update(NOTIFICATIONS).where(NOTIFICATIONS.c.id == bindparam("row"))
        .values(status="sent", sent_at=bindparam("at"), last_error=None, channel=bindparam("by"),
                attempts=NOTIFICATIONS.c.attempts + 1))


def _text(value):
    return None if value is None else str(value)


def claim_due(unit, max_attempts, limit=100):
    """Claim pending or failed notifications that are due, each for this worker only:
    the update's status condition lets one claimant win a row."""
    due = unit.session.execute(
        select(NotificationRow.id).where(NotificationRow.status.in_(("pending", "failed")),
                                         NotificationRow.attempts < max_attempts,
                                         NotificationRow.next_attempt_at <= unit.now)
        .order_by(NotificationRow.id).limit(limit)).scalars().all()
    claimed = [row_id for row_id in due if unit.session.execute(
        update(NotificationRow).where(NotificationRow.id == row_id,
                                      NotificationRow.status.in_(("pending", "failed")))
        .values(status="sending", next_attempt_at=unit.now)).rowcount == 1]
    if not claimed:
        return []
    return unit.session.execute(select(NotificationRow)
                                .where(NotificationRow.id.in_(claimed))).scalars().all()


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed notification: sent by ``channel`` (``error`` None) ``at``
    that moment, or not and why; ``final`` when the far end refused it and sending again
    would not change that."""
    channel: str
    error: str | None = None
    final: bool = False
    at: datetime | None = field(default=None, compare=False)


def send_all(rows, channels, contact, fallback=None):
    """Send each claimed notification: ``{id: Outcome}``. An SMS to a recipient with no
    mobile number, or while no gateway is configured, goes by ``fallback`` (the default
    channel) instead. No transaction is open while the network is used."""
    return {row.id: _send(row, channels, contact, fallback) for row in rows}


def record_soon(unit, results):
    """``record_outcomes`` of the results of ``send_all`` that waited for a transaction to
    ride with (``lianxin.soon``): nothing waits on them but the record itself."""
    record_outcomes(unit, {row_id: outcome for outcomes in results
                           for row_id, outcome in outcomes.items()})


def record_outcomes(unit, outcomes):
    """Record every outcome of ``send_all``: sent, at the moment it was; refused for good;
    or failed, and due again after a back-off. The sent, the common case, are written as
    the transaction commits, with those of the outcomes recorded with them, in one
    statement."""
    for row_id, outcome in outcomes.items():
        if outcome.error is None:
            unit.later(SENT, {"row": row_id, "by": outcome.channel,
                              "at": outcome.at or unit.now})
    unsent = [row_id for row_id, outcome in outcomes.items() if outcome.error is not None]
    if not unsent:
        return
    for stored in unit.session.execute(select(NotificationRow).where(
            NotificationRow.id.in_(unsent))).scalars():
        outcome = outcomes[stored.id]
        stored.attempts += 1
        stored.channel = outcome.channel
        if outcome.final:
            stored.status, stored.last_error = "refused", outcome.error
        else:
            stored.status, stored.last_error = "failed", outcome.error
            stored.next_attempt_at = domain.retry_at(stored.attempts, unit.now)


def _send(row, channels, contact, fallback):
    """The outcome of one send; its error never holds the recipient's address."""
    channel, address = row.channel, None
    try:
        channel, address = _route(row, channels, contact, fallback)
        channels[channel].send(address, SUBJECT, row.body, {
            "notification_id": row.id, "issue_id": row.issue_id, "event": row.event_type,
            "recipient": f"{row.recipient_kind}:{row.recipient_id}"})
    except Refused as exc:
        log.warning("notification %s via %s refused (%s)", row.id, channel, exc)
        return Outcome(channel, _without(str(exc), address), final=not exc.retry)
    except Exception as exc:
        log.warning("notification %s via %s failed (%s)", row.id, channel, type(exc).__name__)
        return Outcome(channel, _without(f"{type(exc).__name__}: {exc}", address))
    return Outcome(channel, at=clock.now())


def _without(error, address):
    return (error.replace(address, "<address>") if address else error)[:2000]


def _route(row, channels, contact, fallback):
    """The channel and address ``row`` goes by: its own, or ``fallback`` for an SMS to a
    recipient who gave no mobile number, or when SMS is no longer configured."""
    channel, details = row.channel, None
    if channel == "sms" and fallback:
        if channel in channels:
            details = contact(row.recipient_kind, row.recipient_id) or {}
        if channel not in channels or domain.address(channel, details) is None:
            channel = fallback
    if domain.address_field(channel) is None:
        return channel, None
    if details is None:
        details = contact(row.recipient_kind, row.recipient_id) or {}
    address = domain.address(channel, details)
    if address is None:
        raise LookupError(f"{row.recipient_kind} {row.recipient_id} has no "
                          f"{domain.address_name(channel)}")
    return channel, address


def release_stuck(unit, older_than):
    """Notifications left 'sending' by a stopped process become due again."""
    unit.session.execute(update(NotificationRow)
                         .where(NotificationRow.status == "sending",
                                NotificationRow.next_attempt_at < unit.now - older_than)
                         .values(status="failed", last_error="interrupted while sending"))


def check_kind(kind):
    if kind not in domain.RECIPIENT_KINDS:
        raise BadValue.field("kind", f"must be one of {', '.join(domain.RECIPIENT_KINDS)}")


def check_available(channel, channels):
    """A channel is chosen only when the configuration makes it (sms needs a gateway)."""
    if channel not in channels:
        raise BadValue.field("channel", f"{channel} is not configured here")


def check_reachable(kind, recipient_id, channel, details):
    """A channel is chosen only for a known recipient with the address it needs."""
    if details is None:
        raise NotFound(f"no {kind} {recipient_id}", {"recipient_id": ["not found"]})
    if domain.address_field(channel) is not None and domain.address(channel, details) is None:
        raise BadValue.field("channel", f"{kind} {recipient_id} has no "
                                        f"{domain.address_name(channel)} for {channel}")


def set_preference(unit, kind, recipient_id, channel):
    check_kind(kind)
    unit.session.merge(Preference(recipient_kind=kind, recipient_id=recipient_id, channel=channel))
    return {"recipient_kind": kind, "recipient_id": recipient_id, "channel": channel}


def listing(session, issue_id=None, event_type=None, status=None, after_id=None, limit=1000):
    """Messages oldest first; ``after_id`` pages through them, and a reader following it
    never passes a message committed later (``queue_messages``)."""
    query = select(NotificationRow).where(NotificationRow.id > (after_id or 0))
    for column, value in ((NotificationRow.issue_id, issue_id),
                          (NotificationRow.event_type, event_type),
                          (NotificationRow.status, status)):
        if value is not None:
            query = query.where(column == str(value))
    return session.execute(query.order_by(NotificationRow.id).limit(limit)).scalars().all()
