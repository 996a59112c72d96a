"""The routing rules: where an issue starts and what each step may do."""
import pytest

from lianxin import directory
from lianxin.errors import BadValue, NotAllowed
from services.routing import domain
from tests.unit.conftest import DISTRICT_STATION, TOWN_STATION, VILLAGE, VILLAGE_STATION, an_issue


def start(ladder, rules, category="roads", station_id=None):
    return directory.start_station(category=category, village_code=VILLAGE, station_id=station_id,
                                ladder=ladder, rules=rules)


def test_an_issue_with_no_station_starts_at_the_village_station(ladder, rules):
    assert start(ladder, rules).id == VILLAGE_STATION


def test_an_issue_collected_at_a_station_starts_at_that_station(ladder, rules):
    assert start(ladder, rules, station_id=TOWN_STATION).tier == "town"


def test_rules_file_categories_start_at_the_district_or_the_town(ladder, rules):
    assert start(ladder, rules, category="funding").id == DISTRICT_STATION
    assert start(ladder, rules, category="land").id == TOWN_STATION


def test_unknown_references_are_named_field_by_field(ladder):
    errors = directory.check_origin(village_code="nowhere", station_id="st-x",
                                 representative_id="R999", category="weather", ladder=ladder)
    assert set(errors) == {"village_code", "station_id", "representative_id", "category"}


def test_a_grid_report_names_a_known_grid_of_its_village(ladder):
    known = dict(village_code=VILLAGE, station_id=None, representative_id=None,
                 category="roads", ladder=ladder)
    assert directory.check_origin(grid_id="G-610902101002-1", **known) == {}
    assert "grid_id" in directory.check_origin(grid_id="G-nowhere", **known)
    assert "grid_id" in directory.check_origin(grid_id="G-610902001001-1", **known)


def test_escalation_climbs_one_tier_to_the_parent_station(ladder):
    town = domain.decide(an_issue(), "escalate", ladder, reason="needs_funding", note="n")
    assert (town.issue.tier, town.issue.station_id) == ("town", TOWN_STATION)
    assert town.event == "issue_escalated" and town.data["from_station_id"] == VILLAGE_STATION
    district = domain.decide(town.issue, "escalate", ladder, reason="cross_boundary", note="n")
    assert (district.issue.tier, district.issue.station_id) == ("district", DISTRICT_STATION)
    assert district.issue.version == 3


def test_the_district_cannot_escalate_it_decides_at_a_meeting(ladder):
    with pytest.raises(NotAllowed) as raised:
        domain.decide(an_issue(tier="district", station_id=DISTRICT_STATION), "escalate", ladder,
                      reason="other", note="n")
    assert "tier" in raised.value.fields


def test_escalation_needs_a_known_reason(ladder):
    with pytest.raises(BadValue):
        domain.decide(an_issue(), "escalate", ladder, reason="bored", note="n")


def test_only_district_items_are_referred_forwarded_or_answered(ladder):
    for action in domain.MEETING_ACTIONS:
        with pytest.raises(NotAllowed):
            domain.decide(an_issue(), action, ladder, note="n")


def test_a_referral_sets_lead_and_cooperating_departments(ladder):
    decision = domain.decide(an_issue(tier="district", station_id=DISTRICT_STATION), "refer",
                             ladder, department="jtj", cooperating=["czj"])
    assert decision.issue.status == "referred"
    assert (decision.issue.department, decision.issue.cooperating) == ("jtj", ("czj",))


def test_forwarding_to_the_city_then_a_city_reply_handles_it(ladder):
    forwarded = domain.decide(an_issue(tier="district", station_id=DISTRICT_STATION), "city",
                              ladder, note="市区联动")
    assert (forwarded.issue.status, forwarded.issue.tier) == ("forwarded", "city")
    replied = domain.decide(forwarded.issue, "city_reply", ladder, note="市里已安排")
    assert replied.issue.status == "handled" and replied.event == "issue_resolved"


def test_a_returned_assignment_reopens_the_issue_at_the_district_without_department(ladder):
    referred = an_issue(status="referred", tier="district", station_id=DISTRICT_STATION,
                        department="jtj")
    returned = domain.decide(referred, "return", ladder, note="不属本部门职责")
    assert (returned.issue.status, returned.issue.tier, returned.issue.department) == (
        "open", "district", None)


@pytest.mark.parametrize("rating,status,event", [
    ("satisfied", "closed", "issue_closed"),
    ("basically_satisfied", "closed", "issue_closed"),
    ("unsatisfied", "open", "issue_reopened"),
])
def test_feedback_closes_or_reopens_at_the_tier_that_handled_it(ladder, rating, status, event):
    handled = an_issue(status="handled", tier="town", station_id=TOWN_STATION)
    decision = domain.decide(handled, domain.feedback_action(rating), ladder, rating=rating)
    assert (decision.issue.status, decision.event) == (status, event)
    assert (decision.issue.tier, decision.issue.station_id) == ("town", TOWN_STATION)


def test_feedback_on_an_open_issue_is_a_conflict(ladder):
    with pytest.raises(NotAllowed):
        domain.decide(an_issue(), "close", ladder, rating="satisfied")


def test_every_event_states_where_the_issue_is_now(ladder):
    decision = domain.decide(an_issue(), "resolve", ladder, note="已修复")
    fields = domain.event_fields(decision)
    assert fields["status"] == "handled" and fields["station_id"] == VILLAGE_STATION
    assert fields["version"] == 2 and fields["note"] == "已修复"


def test_every_action_has_a_placement_rule():
    assert set(domain.TRANSITIONS) == set(domain.PLACE)


def test_only_the_parties_to_an_issue_may_read_its_route():
    stations, departments = {VILLAGE_STATION, TOWN_STATION}, {"jtj", None}
    assert domain.is_party("district", None, stations, departments)
    assert domain.is_party("station", TOWN_STATION, stations, departments)
    assert domain.is_party("department", "jtj", stations, departments)
    assert not domain.is_party("station", "st-610902001", stations, departments)
    assert not domain.is_party("department", "czj", stations, departments)
