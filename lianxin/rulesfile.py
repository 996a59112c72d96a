"""The operator's rules file (config key ``RULES_FILE``, shipped as ``data/rules.yml``).

It holds where issues of some categories start (``start``), the time limits in working days
of each tier and step, overridable per category and per department (``time_limits``), how
many extensions a department may be granted (``extensions``), how many returns an issue
may take before it goes to a meeting (``returns``) and on which days of the month the
reception day, the stations' reviews and the ledger's freeze fall (``month``). Every
section is optional; a mistake is a ``RulesError`` naming its line, so the operator finds
it before a service starts.
"""
from __future__ import annotations

import calendar as _calendar
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import yaml

from lianxin.directory import Rules

LIMIT_NAMES = ("village", "town", "district", "accept", "complete", "feedback", "reopen",
               "keep_in_loop")
DEPARTMENT_LIMITS = ("accept", "complete")
DEFAULTS: dict[str, int] = {
    "village": 5, "town": 7, "district": 10, "accept": 2, "complete": 15, "feedback": 5,
    "reopen": 15, "keep_in_loop": 5,
    "extensions_max": 1, "extension_max_days": 15, "returns_max": 2,
}
MONTH_DAYS: dict[str, int] = {"reception_day": 15, "review_day": 25, "freeze_day": -1}
SECTIONS = {"start": ("district", "town"), "time_limits": ("default", "categories", "departments"),
            "extensions": ("max", "max_days"), "returns": ("max",), "month": tuple(MONTH_DAYS)}
_NULL, _MERGE = "tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"
_UNKNOWN_LIMIT = "unknown tier or time limit {!r}"
_NOT_PER_DEPARTMENT = "{!r} is not a time limit a department may override"


class RulesError(ValueError):
    """A mistake in the rules file; the message starts ``<source>:<line>: ``."""


@dataclass(frozen=True)
class TimeLimits:
    default: Mapping[str, int]                      # every key of LIMIT_NAMES present
    categories: Mapping[str, Mapping[str, int]]     # category code -> some limits
    departments: Mapping[str, Mapping[str, int]]    # department code -> accept, complete

    def days(self, limit: str, category: str | None = None, department: str | None = None
             ) -> int:
        """The department's override, else the category's, else the default."""
        if limit not in LIMIT_NAMES:
            raise KeyError(limit)
        for overrides, code in ((self.departments, department), (self.categories, category)):
            if code is not None and limit in overrides.get(code, {}):
                return overrides[code][limit]
        return self.default[limit]


@dataclass(frozen=True)
class MonthDays:
    """Days of the month, 1 to 28, or -1 to -28 counted back from its last day (-1)."""
    reception_day: int = MONTH_DAYS["reception_day"]   # the town stations' 公开接访日
    review_day: int = MONTH_DAYS["review_day"]         # stations hold their review (研判) by it
    freeze_day: int = MONTH_DAYS["freeze_day"]         # the district's ledger is frozen after it

    def on(self, name: str, year: int, month: int) -> date:
        """The date the day called ``name`` falls on in the given month."""
        day = getattr(self, name)
        last = _calendar.monthrange(year, month)[1]
        return date(year, month, day if day > 0 else last + 1 + day)


@dataclass(frozen=True)
class RuleSet:
    start: Rules
    limits: TimeLimits
    extensions_max: int
    extension_max_days: int
    returns_max: int
    month: MonthDays = MonthDays()


def read(path: str, *, categories: Collection[str], departments: Collection[str]) -> RuleSet:
    text = Path(path).read_text(encoding="utf-8")
    return parse(text, categories=categories, departments=departments, source=path)


def parse(text: str, *, categories: Collection[str], departments: Collection[str],
          source: str = "rules.yml") -> RuleSet:
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as error:            # a control character, say
        line = text.count("\n", 0, error.position) + 1
        raise RulesError(f"{source}:{line}: not valid YAML: character "
                         f"#x{error.character:04x} is not allowed") from error
    try:
        return _Reader(loader, source).rules(loader.get_single_node(), categories, departments)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = ", ".join(p for p in (error.context, error.problem) if p)
        raise RulesError(f"{source}:{mark.line + 1 if mark else 1}: not valid YAML: {problem}"
                         ) from error
    finally:
        loader.dispose()


class _Reader:
    def __init__(self, loader: yaml.SafeLoader, source: str) -> None:
        self.loader, self.source = loader, source

    def rules(self, root: yaml.Node | None, categories: Collection[str],
              departments: Collection[str]) -> RuleSet:
        top = self.mapping(root, SECTIONS, "unknown key {!r}")
        start, limits, extensions, returns, month = (
            self.mapping(top.get(name), keys, f"unknown key {{!r}} in {name}")
            for name, keys in SECTIONS.items())
        by_category = self.mapping(limits.get("categories"), categories, "unknown category {!r}")
        by_department = self.mapping(limits.get("departments"), departments,
                                     "unknown department {!r}")
        return RuleSet(
            start=Rules(self.codes(start.get("district"), categories),
                        self.codes(start.get("town"), categories)),
            limits=TimeLimits(
                default={**{name: DEFAULTS[name] for name in LIMIT_NAMES},
                         **self.limits(limits.get("default"), LIMIT_NAMES, _UNKNOWN_LIMIT)},
                categories={code: self.limits(node, LIMIT_NAMES, _UNKNOWN_LIMIT)
                            for code, node in by_category.items()},
                departments={code: self.limits(node, DEPARTMENT_LIMITS, _NOT_PER_DEPARTMENT)
                             for code, node in by_department.items()}),
            extensions_max=self.count(extensions.get("max"), "extensions.max",
                                      DEFAULTS["extensions_max"], zero=True),
            extension_max_days=self.count(extensions.get("max_days"), "extensions.max_days",
                                          DEFAULTS["extension_max_days"]),
            returns_max=self.count(returns.get("max"), "returns.max", DEFAULTS["returns_max"],
                                   zero=True),
            month=MonthDays(**{name: self.day_of_month(node, f"month.{name}")
                               for name, node in month.items()}))

    def fail(self, node: yaml.Node, message: str) -> NoReturn:
        raise RulesError(f"{self.source}:{node.start_mark.line + 1}: {message}")

    def value(self, node: yaml.Node) -> Any:
        return self.loader.construct_object(node) if isinstance(node, yaml.ScalarNode) else None

    def mapping(self, node: yaml.Node | None, expected: Collection[str], unknown: str
                ) -> dict[str, yaml.Node]:
        """The entries of a mapping node by key (none for an absent or empty section)."""
        if node is None or node.tag == _NULL:
            return {}
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"a mapping expected, not {_shown(node)}")
        seen: set[Any] = set()
        for key in (key for key, _ in node.value if key.tag != _MERGE):   # merged in by <<
            if (name := self.value(key)) in seen:
                self.fail(key, f"{name!r} is written twice")
            seen.add(name)
        self.loader.flatten_mapping(node)
        entries: dict[str, yaml.Node] = {}
        for key, value in node.value:
            if (name := self.value(key)) not in expected:
                self.fail(key, unknown.format(name) + f"; expected one of: {', '.join(expected)}")
            entries[name] = value
        return entries

    def limits(self, node: yaml.Node | None, names: Collection[str], unknown: str
               ) -> dict[str, int]:
        return {name: self.count(value, name)
                for name, value in self.mapping(node, names, unknown).items()}

    def codes(self, node: yaml.Node | None, categories: Collection[str]) -> frozenset[str]:
        if node is None or node.tag == _NULL:
            return frozenset()
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"a list of category codes expected, not {_shown(node)}")
        for item in node.value:
            if (code := self.value(item)) not in categories:
                self.fail(item, f"unknown category {code!r}")
        return frozenset(self.value(item) for item in node.value)

    def count(self, node: yaml.Node | None, name: str, default: int = 0, zero: bool = False
              ) -> int:
        """A whole number of working days or times: positive, or also 0 where ``zero``."""
        if node is None:
            return default
        if type(value := self.value(node)) is not int or value < (0 if zero else 1):
            self.fail(node, f"{name}: {'0 or more' if zero else 'a positive whole number'}"
                            f" expected, not {_shown(node)}")
        return value

    def day_of_month(self, node: yaml.Node, name: str) -> int:
        """A day every month has: 1 to 28, or -1 (the last day) to -28."""
        if type(value := self.value(node)) is not int or not 1 <= abs(value) <= 28:
            self.fail(node, f"{name}: a day of the month from 1 to 28, or from -1 (its last "
                            f"day) to -28, expected, not {_shown(node)}")
        return value


def _shown(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value) if node.value else "an empty value"
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
