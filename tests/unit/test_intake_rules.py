"""Intake: what each channel requires, tracking numbers, when feedback is taken."""
from datetime import datetime, timezone

import pytest
from marshmallow import ValidationError

from lianxin.errors import NotAllowed
from services.intake import domain
from services.intake.schemas import SubmissionIn

VOTER = {"name": "张三", "phone": "13900000000"}


def submission(**changes):
    return {"channel": "hotline", "category": "roads", "title": "t", "description": "d",
            "village_code": "610902101002", "voter": VOTER, **changes}


def test_a_visit_names_the_representative_who_collected_it():
    assert "representative_id" in domain.channel_errors(submission(channel="visit"))


def test_a_reception_names_the_station_that_received_it():
    assert "station_id" in domain.channel_errors(submission(channel="reception"))


@pytest.mark.parametrize("channel", ["hotline", "online"])
def test_hotline_and_online_issues_carry_no_station(channel):
    assert "station_id" in domain.channel_errors(submission(channel=channel, station_id="st-1"))


def test_a_grid_report_names_its_grid():
    assert "grid_id" in domain.channel_errors(submission(channel="grid"))


def test_the_schema_reports_channel_errors_by_field():
    with pytest.raises(ValidationError) as raised:
        SubmissionIn().load(submission(channel="visit"))
    assert "representative_id" in raised.value.messages


def test_oversized_text_and_unknown_channels_are_refused_by_field():
    with pytest.raises(ValidationError) as raised:
        SubmissionIn().load(submission(channel="fax", title="x" * 201))
    assert {"channel", "title"} <= set(raised.value.messages)


def test_a_phone_number_must_look_like_one():
    with pytest.raises(ValidationError) as raised:
        SubmissionIn().load(submission(voter={"name": "张三", "phone": "call me"}))
    assert "voter" in raised.value.messages


def test_a_tracking_number_has_prefix_month_and_sequence():
    at = datetime(2026, 11, 27, tzinfo=timezone.utc)
    assert domain.tracking_no("HB", at, 42) == "HB202611000042"


def test_feedback_is_taken_only_when_handled_and_once_per_handling():
    domain.check_feedback("handled", False)
    with pytest.raises(NotAllowed):
        domain.check_feedback("open", False)
    with pytest.raises(NotAllowed):
        domain.check_feedback("handled", True)


def test_only_a_newer_routing_event_moves_the_projection():
    assert domain.is_newer(3, 2) and not domain.is_newer(2, 2) and not domain.is_newer(None, 0)
