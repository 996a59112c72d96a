"""The operator's rules file: defaults for what is left out, overrides by category and
department, and every mistake refused with the line it is on."""
import re
from textwrap import dedent

import pytest

from lianxin import rulesfile
from lianxin.config import read_yaml
from lianxin.rulesfile import DEFAULTS, LIMIT_NAMES, RulesError

CATEGORIES = ["roads", "land", "funding", "housing"]
DEPARTMENTS = ["jtj", "zrzyj", "zjj"]


def parse(text):
    return rulesfile.parse(dedent(text), categories=CATEGORIES, departments=DEPARTMENTS)


def refused(text, line, message):
    """The text is refused with a message that names the line and says ``message``."""
    with pytest.raises(RulesError, match=f"^rules.yml:{line}: .*{re.escape(message)}"):
        parse(text)


def test_an_empty_file_gives_every_default():
    for text in ("", "# nothing yet\n", "~\n"):
        rules = parse(text)
        assert rules.start.district_categories == rules.start.town_categories == frozenset()
        assert dict(rules.limits.default) == {name: DEFAULTS[name] for name in LIMIT_NAMES}
        assert (rules.extensions_max, rules.extension_max_days, rules.returns_max) == (1, 15, 2)
        assert rules.limits.days("village") == 5 and rules.limits.days("keep_in_loop") == 5


def test_a_section_left_out_or_empty_keeps_its_defaults():
    rules = parse("""\
        start:
        time_limits:
          default: {town: 9}
        extensions: {}
        """)
    assert rules.limits.days("town") == 9 and rules.limits.days("village") == 5
    assert (rules.extensions_max, rules.extension_max_days, rules.returns_max) == (1, 15, 2)


def test_the_shipped_rules_file_fits_the_sample_directory():
    directory = read_yaml("data/hanbin.yml")
    rules = rulesfile.read("data/rules.yml",
                           categories=[c["code"] for c in directory["categories"]],
                           departments=[x["code"] for x in directory["departments"]])
    assert rules.start.district_categories == {"funding"}
    assert rules.start.town_categories == {"land"}
    assert dict(rules.limits.default) == {name: DEFAULTS[name] for name in LIMIT_NAMES}
    assert (rules.extensions_max, rules.extension_max_days, rules.returns_max) == (1, 15, 2)


def test_the_months_days_count_from_its_start_or_back_from_its_end():
    from datetime import date
    days = parse("""\
        month: {reception_day: 10, review_day: -3}
        """).month
    assert (days.reception_day, days.review_day, days.freeze_day) == (10, -3, -1)
    assert days.on("review_day", 2027, 2) == date(2027, 2, 26)
    assert days.on("freeze_day", 2028, 2) == date(2028, 2, 29)
    assert days.on("reception_day", 2026, 11) == date(2026, 11, 10)


@pytest.mark.parametrize("value", ["0", "29", "-29", "true", "'15'", "", "[1]"])
def test_a_day_of_the_month_not_every_month_has_is_refused_naming_its_line(value):
    refused(f"""\
        month:
          reception_day: 15
          review_day: {value}
        """, 3, "month.review_day: a day of the month from 1 to 28")


def test_a_department_override_wins_over_a_category_override_which_wins_over_the_default():
    limits = parse("""\
        time_limits:
          default: {complete: 12}
          categories:
            land: {town: 10, complete: 18}
          departments:
            zjj: {complete: 20}
        """).limits
    assert limits.days("complete") == 12
    assert limits.days("complete", category="roads") == 12
    assert limits.days("complete", category="land") == 18
    assert limits.days("complete", category="land", department="zjj") == 20
    assert limits.days("complete", category="roads", department="jtj") == 12
    assert limits.days("town", category="land", department="zjj") == 10
    assert limits.days("town") == 7


def test_an_unknown_time_limit_is_a_key_error():
    with pytest.raises(KeyError):
        parse("").limits.days("county")


def test_zero_extensions_and_zero_returns_are_allowed():
    rules = parse("extensions: {max: 0}\nreturns: {max: 0}\n")
    assert (rules.extensions_max, rules.returns_max) == (0, 0)


def test_yaml_that_does_not_parse_names_its_line():
    refused("""\
        start:
          district: [funding
        time_limits:
          default: {village: 5}
        """, 3, "not valid YAML")


def test_a_character_yaml_does_not_allow_names_its_line():
    refused("start:\n  town: [land]\n  district: [\x07]\n", 3, "character #x0007 is not allowed")


def test_a_second_document_in_the_file_is_refused_naming_its_line():
    refused("start: {town: [land]}\n---\nreturns: {max: 1}\n", 2, "not valid YAML")


def test_an_unknown_top_level_key_is_refused_naming_its_line():
    refused("""\
        start:
          town: [land]
        timelimits:
          default: {village: 5}
        """, 3, "unknown key 'timelimits'; expected one of: start, time_limits, extensions, returns")


def test_an_unknown_key_in_a_section_is_refused_naming_the_keys_expected():
    refused("""\
        extensions:
          max: 1
          days: 10
        """, 3, "unknown key 'days' in extensions; expected one of: max, max_days")


def test_an_unknown_tier_such_as_county_is_refused_naming_its_line():
    refused("""\
        time_limits:
          default:
            village: 5
            county: 3
        """, 4, "unknown tier or time limit 'county'")


def test_an_unknown_tier_in_a_category_override_is_refused_naming_its_line():
    refused("""\
        time_limits:
          categories:
            land:
              twon: 10
        """, 4, "unknown tier or time limit 'twon'")


@pytest.mark.parametrize("value", ["0", "-3", "true", "1.5", "'5'", "five", "", "[5]"])
def test_a_time_limit_that_is_not_a_positive_integer_is_refused_naming_its_line(value):
    refused(f"""\
        time_limits:
          default:
            village: 5
            town: {value}
        """, 4, "town: a positive whole number expected")


def test_an_extension_of_zero_days_is_refused_naming_its_line():
    refused("""\
        extensions:
          max: 0
          max_days: 0
        """, 3, "extensions.max_days: a positive whole number expected, not '0'")


@pytest.mark.parametrize("value", ["-1", "false", "no", "2.0"])
def test_a_count_of_returns_that_is_not_a_whole_number_of_0_or_more_is_refused(value):
    refused(f"""\
        returns:
          max: {value}
        """, 2, "returns.max: 0 or more expected")


def test_an_unknown_category_is_refused_naming_its_line():
    refused("""\
        start:
          district: [funding]
          town:
            - land
            - farmland
        """, 5, "unknown category 'farmland'")


def test_an_unknown_category_override_is_refused_naming_its_line():
    refused("""\
        time_limits:
          categories:
            land: {town: 10}
            farmland: {town: 10}
        """, 4, "unknown category 'farmland'")


def test_an_unknown_department_is_refused_naming_its_line():
    refused("""\
        time_limits:
          departments:
            zjj: {complete: 20}
            housing: {complete: 20}
        """, 4, "unknown department 'housing'")


def test_a_department_override_of_a_limit_other_than_accept_or_complete_is_refused():
    refused("""\
        time_limits:
          departments:
            zjj:
              accept: 3
              town: 10
        """, 5, "'town' is not a time limit a department may override; "
                "expected one of: accept, complete")


def test_a_start_tier_that_is_not_a_list_is_refused_naming_its_line():
    refused("""\
        start:
          town: land
        """, 2, "a list of category codes expected, not 'land'")


def test_a_section_that_is_not_a_mapping_is_refused_naming_its_line():
    refused("""\
        start:
          town: [land]
        returns: 2
        """, 3, "a mapping expected, not '2'")


def test_a_key_written_twice_is_refused_naming_the_second():
    refused("""\
        time_limits:
          default:
            village: 5
            village: 6
        """, 4, "'village' is written twice")


def test_limits_shared_by_an_anchor_and_a_merge_key_are_read():
    limits = parse("""\
        time_limits:
          categories:
            land: &slow {town: 10, complete: 20}
            housing: {<<: *slow, complete: 25}
        """).limits
    assert limits.days("town", category="housing") == 10
    assert limits.days("complete", category="housing") == 25


def test_the_error_names_the_file_it_read(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text("returns:\n  max: -1\n", encoding="utf-8")
    with pytest.raises(RulesError, match=f"^{re.escape(str(path))}:2: "):
        rulesfile.read(str(path), categories=CATEGORIES, departments=DEPARTMENTS)
