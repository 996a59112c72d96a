"""Working days in China: statutory holidays and the make-up working days (调休).

One definition, used for every time limit (docs/configuration.md, "Working days"):

    N working days after a moment end at 24:00 (in the district's time zone) of the
    N-th working day *after* the day of that moment. The day itself never counts,
    whether or not it is a working day, so a step taken at 23:59 on a holiday and one
    taken at 08:00 on the working day before it have the same deadline.

Which days are working days comes, in order, from the operator's calendar file
(single days, and whole years the State Council has published), then from the
``chinese-calendar`` package (2004 to the last year it knows), and otherwise from
Monday to Friday, in which case the deadline is *provisional*: it is recomputed
once the operator adds the year.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar


@dataclass(frozen=True)
class Deadline:
    at: datetime               # the end of the last working day, timezone-aware
    provisional: bool          # counted over a year no calendar covers (Mon–Fri)


@dataclass(frozen=True)
class WorkCalendar:
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    days_off: frozenset[date] = frozenset()        # the operator's holidays
    days_on: frozenset[date] = frozenset()         # the operator's make-up working days
    years: frozenset[int] = frozenset()            # years the operator's file covers whole

    @classmethod
    def from_file(cls, data: Mapping[str, Any] | None, timezone: str = "Asia/Shanghai"
                  ) -> WorkCalendar:
        """The calendar of an operator's file (``data/calendar.yml``); a bad date or an
        unknown key is a ``ValueError`` naming it."""
        data = data or {}
        unknown = set(data) - {"years", "holidays", "workdays"}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}: expected years, holidays, workdays")
        off, on = set(_dates(data.get("holidays"), "holidays")), \
            set(_dates(data.get("workdays"), "workdays"))
        years = set()
        for year, days in (data.get("years") or {}).items():
            if not isinstance(year, int) or not isinstance(days, Mapping):
                raise ValueError(f"years: {year!r} must be a year with holidays and workdays")
            years.add(year)
            off |= set(_dates(days.get("holidays"), f"years.{year}.holidays"))
            on |= set(_dates(days.get("workdays"), f"years.{year}.workdays"))
        both = off & on
        if both:
            raise ValueError(f"both a holiday and a working day: {sorted(map(str, both))}")
        return cls(ZoneInfo(timezone), frozenset(off), frozenset(on), frozenset(years))

    def is_working_day(self, day: date) -> tuple[bool, bool]:
        """Whether ``day`` is a working day, and whether that is only a Mon–Fri guess."""
        if day in self.days_off or day in self.days_on:
            return day in self.days_on, False
        if day.year in self.years:
            return day.weekday() < 5, False
        if covered_by_package(day.year):
            return _package_workday(day), False
        return day.weekday() < 5, True

    def add_working_days(self, moment: datetime, count: int) -> Deadline:
        """The end of the ``count``-th working day after the day of ``moment``."""
        if count < 1:
            raise ValueError("a time limit is at least one working day")
        day, provisional = moment.astimezone(self.timezone).date(), False
        while count:
            day += timedelta(days=1)
            working, guessed = self.is_working_day(day)
            provisional |= guessed
            count -= working
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=self.timezone)
        return Deadline(end, provisional)

    def missing_years(self, years: Iterable[int]) -> list[int]:
        """Which of ``years`` neither the operator's file nor the package covers."""
        return [y for y in years if y not in self.years and not covered_by_package(y)]


@lru_cache(maxsize=8192)
def _package_workday(day: date) -> bool:
    """``chinese_calendar.is_workday``, remembered: it scans its whole table per call."""
    return bool(chinese_calendar.is_workday(day))


@lru_cache(maxsize=256)
def covered_by_package(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _dates(values: Any, where: str) -> list[date]:
    found = []
    for value in values or []:
        if isinstance(value, date):
            found.append(value)
            continue
        try:
            found.append(date.fromisoformat(str(value)))
        except ValueError:
            raise ValueError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None
    return found


def read(config: Mapping[str, Any]) -> WorkCalendar:
    """The calendar of the operator's file the configuration names (``CALENDAR_FILE``);
    an error names the file and what is wrong."""
    import yaml

    path = config["CALENDAR_FILE"]
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    class DatesAsText(yaml.SafeLoader):
        """Reads 2027-02-05 as text, so that a day that does not exist is named."""
    DatesAsText.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    try:
        return WorkCalendar.from_file(yaml.load(text, DatesAsText),   # a SafeLoader
                                      config.get("TIMEZONE") or "Asia/Shanghai")
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"{path}:{_line_naming(text, str(exc))}: {exc}") from None


def _line_naming(text: str, message: str) -> int:
    """The first line of ``text`` holding a value the error ``message`` quotes (1 if none)."""
    import re

    quoted = [q.strip("'\"") for q in re.findall(r"'[^']*'|\"[^\"]*\"|\d{4}-\d{2}-\d{2}", message)]
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0]
        if any(q and q in content for q in quoted):
            return number
    return 1


def years_around(moment: datetime) -> list[int]:
    """The years a deadline set now may fall in: this one and the next."""
    return [moment.year, moment.year + 1]


def month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """The first instant of ``month`` ("YYYY-MM") and of the month after, in ``tz``."""
    year, number = map(int, month.split("-"))
    start = datetime(year, number, 1, tzinfo=ZoneInfo(tz))
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=ZoneInfo(tz))
    return start, end
