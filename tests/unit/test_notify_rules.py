"""Notify: who is told of each event, what they read, and when a failure is retried."""
from datetime import datetime, timedelta, timezone

from lianxin.config import read_yaml
from services.notify import domain

TEMPLATES = read_yaml("data/templates.yml")
EVENT = {"issue_id": "i-1", "tracking_no": "HB202611000001", "title": "村道塌方",
         "station_id": "st-610902101", "representative_id": "R013", "tier": "town",
         "reason": "needs_funding", "note": "需资金"}


def test_an_escalation_tells_the_voter_the_new_station_and_the_representative():
    told = {m.recipient_kind: m for m in domain.messages("issue_escalated", EVENT, TEMPLATES)}
    assert set(told) == {"voter", "station", "representative"}
    assert told["voter"].recipient_id == "i-1" and told["station"].recipient_id == "st-610902101"
    assert "HB202611000001" in told["voter"].body and "需要资金" in told["voter"].body


def test_no_message_for_a_recipient_the_event_does_not_name():
    event = {**EVENT, "representative_id": None}
    kinds = {m.recipient_kind for m in domain.messages("issue_escalated", event, TEMPLATES)}
    assert "representative" not in kinds


def test_a_department_is_told_of_each_new_assignment():
    event = {"issue_id": "i-1", "department": "jtj", "tracking_no": "HB1", "title": "t"}
    (message,) = domain.messages("assignment_created", event, TEMPLATES)
    assert (message.recipient_kind, message.recipient_id) == ("department", "jtj")


def test_messages_are_in_chinese_by_default():
    (message,) = domain.messages("issue_submitted", EVENT, TEMPLATES)
    assert "受理" in message.body


def test_a_referral_names_the_department_by_its_name():
    event = {**EVENT, "department": "jtj"}
    told = {m.recipient_kind: m for m in domain.messages("issue_referred", event, TEMPLATES,
                                                          {"jtj": "区交通运输局"})}
    assert "区交通运输局" in told["voter"].body and "jtj" not in told["voter"].body


def test_a_missing_placeholder_renders_empty_not_an_error():
    assert domain.render("编号 {tracking_no}{nothing}", {"tracking_no": "HB1"}) == "编号 HB1"


def test_retries_back_off_doubling_up_to_a_cap():
    now = datetime(2026, 11, 27, tzinfo=timezone.utc)
    gaps = [domain.retry_at(n, now) - now for n in (1, 2, 3, 20)]
    assert gaps[:3] == [timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=8)]
    assert gaps[3] == timedelta(seconds=300)


def test_every_template_names_a_known_recipient_kind():
    for event_type, recipients in TEMPLATES.items():
        if event_type != "names":
            assert set(recipients) <= set(domain.RECIPIENT_FIELDS), event_type
