"""N working days, on real dates: holidays and make-up working days (调休) in China."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from lianxin.config import read_yaml
from lianxin.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkCalendar()


def at(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def ends(year, month, day):
    """A deadline that ends at 24:00 of the day before, written as 00:00 of this day."""
    return datetime(year, month, day, tzinfo=SHANGHAI)


def test_the_day_of_the_step_never_counts_a_friday_step_with_one_day_ends_monday():
    deadline = CALENDAR.add_working_days(at(2026, 11, 27), 1)        # a Friday
    assert deadline.at == ends(2026, 12, 1) and not deadline.provisional   # end of Mon 30th


def test_the_spring_festival_week_pauses_the_count():
    # Friday 13 Feb 2026; Sat 14th is a make-up working day; 15–23 Feb are off.
    assert CALENDAR.add_working_days(at(2026, 2, 13), 1).at == ends(2026, 2, 15)
    assert CALENDAR.add_working_days(at(2026, 2, 13), 2).at == ends(2026, 2, 25)


def test_a_make_up_saturday_is_a_working_day():
    assert CALENDAR.is_working_day(date(2026, 2, 28)) == (True, False)
    assert CALENDAR.is_working_day(date(2026, 2, 21)) == (False, False)   # in the holiday


def test_the_national_day_week_and_its_make_up_days():
    # 1–7 Oct 2026 off (1 Oct a Thursday); Sat 10 Oct is worked.
    assert CALENDAR.add_working_days(at(2026, 9, 30), 1).at == ends(2026, 10, 9)
    assert CALENDAR.add_working_days(at(2026, 9, 30), 2).at == ends(2026, 10, 10)


def test_a_submission_at_23_59_on_a_holiday_counts_from_the_next_working_day():
    late = CALENDAR.add_working_days(at(2026, 10, 3, 23, 59), 3)
    assert late.at == ends(2026, 10, 11)                    # 8, 9, 10 October
    assert late.at == CALENDAR.add_working_days(at(2026, 10, 1, 8, 0), 3).at


def test_the_year_end_crosses_into_new_year_holidays():
    # Wed 31 Dec 2025: 1 Jan 2026 is a holiday, Fri 2 Jan a day off too, Sun 4 Jan worked.
    assert CALENDAR.add_working_days(at(2025, 12, 31), 1).at == ends(2026, 1, 5)


def test_a_moment_in_utc_counts_from_its_day_in_the_district():
    utc_evening = datetime(2026, 11, 26, 17, 0, tzinfo=ZoneInfo("UTC"))  # Fri 01:00 in Ankang
    assert CALENDAR.add_working_days(utc_evening, 1).at == ends(2026, 12, 1)


def test_a_year_no_calendar_covers_is_counted_monday_to_friday_and_marked_provisional():
    guessed = CALENDAR.add_working_days(at(2027, 3, 5), 1)            # a Friday
    assert guessed.at == ends(2027, 3, 9) and guessed.provisional
    assert CALENDAR.missing_years([2026, 2027]) == [2027]


def test_the_operator_adds_a_year_and_single_days():
    operator = WorkCalendar.from_file({
        "years": {2027: {"holidays": ["2027-03-08"], "workdays": ["2027-03-06"]}},
        "holidays": ["2026-11-30"]})
    assert operator.missing_years([2027]) == []
    assert operator.is_working_day(date(2027, 3, 6)) == (True, False)     # a Saturday
    settled = operator.add_working_days(at(2027, 3, 5), 1)
    assert settled.at == ends(2027, 3, 7) and not settled.provisional
    assert operator.add_working_days(at(2026, 11, 27), 1).at == ends(2026, 12, 2)


@pytest.mark.parametrize("bad,named", [
    ({"holidays": ["2026-13-01"]}, "holidays"),
    ({"years": {2027: {"workdays": ["soon"]}}}, "years.2027.workdays"),
    ({"holiday": []}, "holiday"),
    ({"holidays": ["2026-11-30"], "workdays": ["2026-11-30"]}, "2026-11-30"),
])
def test_a_calendar_file_with_an_error_is_refused_naming_it(bad, named):
    with pytest.raises(ValueError) as refused:
        WorkCalendar.from_file(bad)
    assert named in str(refused.value)


def test_the_shipped_calendar_file_loads():
    WorkCalendar.from_file(read_yaml("data/calendar.yml"))
