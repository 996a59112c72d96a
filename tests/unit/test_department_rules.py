"""Departments: the category map, referrals, an assignment's lifecycle, its time limits
and extensions."""
import pytest

from lianxin.errors import BadValue, NotAllowed
from services.departments import domain


@pytest.fixture(scope="module")
def catalog(directory):
    return domain.Catalog.from_directory(directory)


def test_a_referral_without_department_defaults_from_the_category_map(catalog):
    assert domain.referral(catalog, category="roads") == {"department": "jtj", "cooperating": []}


def test_a_named_lead_overrides_the_category_map(catalog):
    assert domain.referral(catalog, category="roads", department="czj")["department"] == "czj"


def test_unknown_departments_are_named(catalog):
    answer = domain.referral(catalog, category="roads", department="nasa", cooperating=["esa"])
    assert set(answer["errors"]) == {"department", "cooperating"}


def test_the_lead_cannot_also_cooperate(catalog):
    answer = domain.referral(catalog, category="roads", cooperating=["jtj"])
    assert "cooperating" in answer["errors"]


def test_a_category_map_to_an_unknown_department_is_refused_at_load(directory):
    broken = {**directory, "categories": [{"code": "x", "name": "x", "department": "nope"}]}
    with pytest.raises(ValueError):
        domain.Catalog.from_directory(broken)


@pytest.mark.parametrize("status,action,after", [
    ("assigned", "accept", "accepted"),
    ("accepted", "progress", "accepted"),
    ("accepted", "complete", "completed"),
    ("assigned", "return", "returned"),
    ("accepted", "return", "returned"),
])
def test_an_assignment_moves_assigned_accepted_completed_or_returned(status, action, after):
    assert domain.advance(status, action)[0] == after


@pytest.mark.parametrize("status,action", [
    ("assigned", "complete"), ("assigned", "progress"), ("completed", "return"),
    ("returned", "accept"), ("completed", "complete"),
])
def test_steps_out_of_order_are_conflicts(status, action):
    with pytest.raises(NotAllowed) as raised:
        domain.advance(status, action)
    assert raised.value.fields["status"]


@pytest.mark.parametrize("status,limit", [
    ("assigned", "accept"), ("accepted", "complete"), ("completed", None), ("returned", None),
    ("closed", None), ("cancelled", None),
])
def test_an_assigned_assignment_must_be_accepted_and_an_accepted_one_completed(status, limit):
    assert domain.time_limit(status) == limit


def test_only_a_limit_run_out_is_told_to_the_supervisor():
    assert (domain.supervised("reminded"), domain.supervised("overdue")) == (False, True)
    assert domain.TIMER_EVENTS == {"reminded": "assignment_reminded",
                                   "overdue": "assignment_overdue"}


ASK = dict(status="accepted", days=5, pending=False, granted=0, extensions_max=1,
           extension_max_days=15)


@pytest.mark.parametrize("days", [1, 15])
def test_an_accepted_assignment_may_ask_up_to_the_rules_days(days):
    domain.check_extension_request(**{**ASK, "days": days})


@pytest.mark.parametrize("changes,field", [
    ({"status": "assigned"}, "status"),
    ({"status": "completed"}, "status"),
    ({"pending": True}, "extension"),
    ({"granted": 1}, "extension"),
    ({"granted": 1, "extensions_max": 2, "pending": True}, "extension"),
    ({"extensions_max": 0}, "extension"),
])
def test_an_extension_is_asked_only_while_completing_one_at_a_time_and_so_many(changes, field):
    with pytest.raises(NotAllowed) as raised:
        domain.check_extension_request(**{**ASK, **changes})
    assert field in raised.value.fields


def test_a_second_extension_may_be_asked_when_the_rules_allow_two():
    domain.check_extension_request(**{**ASK, "granted": 1, "extensions_max": 2})


@pytest.mark.parametrize("days", [0, 16])
def test_more_days_than_the_rules_allow_are_a_bad_value(days):
    with pytest.raises(BadValue) as raised:
        domain.check_extension_request(**{**ASK, "days": days})
    assert "days" in raised.value.fields


def test_a_decision_needs_a_pending_request_on_an_assignment_still_handled():
    domain.check_extension_decision(status="accepted", pending=True)
    with pytest.raises(NotAllowed) as raised:
        domain.check_extension_decision(status="accepted", pending=False)
    assert "extension" in raised.value.fields
    with pytest.raises(NotAllowed) as raised:
        domain.check_extension_decision(status="completed", pending=True)
    assert "status" in raised.value.fields
