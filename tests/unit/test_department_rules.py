"""Departments: the category map, referrals, and an assignment's lifecycle."""
import pytest

from lianxin.errors import NotAllowed
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
