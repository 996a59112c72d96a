"""Departments' rules: the category map, referrals, an assignment's lifecycle, its time
limits and extensions."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lianxin.errors import BadValue, NotAllowed


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    email: str | None = None
    webhook: str | None = None


@dataclass(frozen=True)
class Catalog:
    departments: dict[str, Department]   # code -> Department
    category_map: dict[str, str]         # category -> department code

    @classmethod
    def from_directory(cls, directory: dict[str, Any]) -> Catalog:
        departments = {d["code"]: Department(d["code"], d["name"], d.get("email"),
                                             d.get("webhook"))
                       for d in directory["departments"]}
        category_map = {c["code"]: c["department"] for c in directory.get("categories", [])
                        if c.get("department")}
        unknown = {c: d for c, d in category_map.items() if d not in departments}
        if unknown:
            raise ValueError("; ".join(f"category {c!r} maps to unknown department {d!r}"
                                       for c, d in sorted(unknown.items())))
        return cls(departments, category_map)

    def listing(self) -> list[dict[str, Any]]:
        """Every department with the categories it takes by default."""
        return [{"code": d.code, "name": d.name,
                 "categories": [c for c, code in self.category_map.items() if code == d.code]}
                for d in self.departments.values()]


def referral(catalog: Catalog, *, category: str, department: str | None = None,
             cooperating: Sequence[str] = ()) -> dict[str, Any]:
    """The lead (defaulting from the category) and cooperating departments, or errors."""
    lead = department or catalog.category_map.get(category)
    errors: dict[str, list[str]] = {}
    if lead is None:
        errors["department"] = [f"category {category!r} has no default department; name one"]
    elif lead not in catalog.departments:
        errors["department"] = [f"unknown department {lead!r}"]
    unknown = [c for c in cooperating if c not in catalog.departments]
    if unknown:
        errors["cooperating"] = [f"unknown department {c!r}" for c in unknown]
    if lead in cooperating:
        errors.setdefault("cooperating", []).append("the lead department cannot also cooperate")
    if errors:
        return {"errors": errors}
    return {"department": lead, "cooperating": list(dict.fromkeys(cooperating))}


@dataclass(frozen=True)
class Step:
    from_status: frozenset[str]
    to_status: str
    event: str


LIFECYCLE = {
    "accept": Step(frozenset({"assigned"}), "accepted", "assignment_accepted"),
    "progress": Step(frozenset({"accepted"}), "accepted", "assignment_progressed"),
    "complete": Step(frozenset({"accepted"}), "completed", "assignment_completed"),
    "return": Step(frozenset({"assigned", "accepted"}), "returned", "assignment_returned"),
}


OPEN = frozenset({"assigned", "accepted"})
# When the lead moves, what becomes of the other open assignments, and why.
FOLLOWS_LEAD = {"complete": ("closed", "牵头单位已办结"), "return": ("cancelled", "牵头单位已退回")}
SUPERSEDED = ("cancelled", "已重新交办")


def advance(status: str, action: str) -> tuple[str, str]:
    """The status after ``action`` and the event recording it, or ``NotAllowed``."""
    step = LIFECYCLE[action]
    if status not in step.from_status:
        raise NotAllowed(f"cannot {action} an assignment that is {status}",
                       {"status": [f"is {status}; {action} needs "
                                   f"{' or '.join(sorted(step.from_status))}"]})
    return step.to_status, step.event


# Time limits (docs/configuration.md, "Time limits"): an assigned assignment must be
# accepted (签收) and an accepted one completed (办结) within the rules' working days.
TIME_LIMITS = {"assigned": "accept", "accepted": "complete"}
# the event a department's time limit publishes when it reminds (催办) and runs out (督办)
TIMER_EVENTS = {"reminded": "assignment_reminded", "overdue": "assignment_overdue"}
EXTENDABLE = "complete"        # the only time limit an extension (延期) moves


def time_limit(status: str) -> str | None:
    """The time limit that runs while an assignment is ``status``, if any."""
    return TIME_LIMITS.get(status)


def supervised(stage: str) -> bool:
    """Whether the supervisor (the district office) is told of a timer's stage:
    a reminder goes to the department alone, a limit run out to both."""
    return stage == "overdue"


def check_extension_request(*, status: str, days: int, pending: bool, granted: int,
                            extensions_max: int, extension_max_days: int) -> None:
    """May a department ask for ``days`` more working days to complete? ``NotAllowed``
    when the assignment is not being handled, a request awaits a decision, or the
    extensions the rules allow are used; ``BadValue`` when ``days`` is too many."""
    limit = time_limit(status)
    if limit != EXTENDABLE:
        raise NotAllowed(f"cannot ask an extension of an assignment that is {status}",
                         {"status": [f"is {status}; an extension needs accepted"]})
    if pending:
        raise NotAllowed("an extension is already awaiting a decision",
                         {"extension": ["a request is pending"]})
    if granted >= extensions_max:
        raise NotAllowed(f"{granted} extension(s) granted, the most the rules allow",
                         {"extension": [f"at most {extensions_max} may be granted"]})
    if not 1 <= days <= extension_max_days:
        raise BadValue(f"days: at most {extension_max_days} working days may be asked",
                       {"days": [f"must be between 1 and {extension_max_days}"]})


def check_extension_decision(*, status: str, pending: bool) -> None:
    """May the district office grant or refuse? Only a pending request of an
    assignment still being handled."""
    if not pending:
        raise NotAllowed("no extension request awaits a decision",
                         {"extension": ["no pending request"]})
    if time_limit(status) != EXTENDABLE:
        raise NotAllowed(f"cannot extend an assignment that is {status}",
                         {"status": [f"is {status}; an extension needs accepted"]})
