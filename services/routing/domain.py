"""Routing rules: what each step does to an issue (where it starts: ``lianxin.directory``).

Pure functions on plain objects; the transition table below is the whole state
machine. ``decide`` returns the issue after the step and the event to publish, or
raises ``NotAllowed``/``BadValue`` naming why the step is not allowed.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeAlias

from lianxin.contracts import ESCALATION_REASONS, RATINGS
from lianxin.errors import BadValue, NotAllowed

if TYPE_CHECKING:
    from lianxin.directory import Ladder


@dataclass(frozen=True)
class Issue:
    id: str
    status: str
    tier: str
    station_id: str
    category: str
    title: str
    village_code: str
    channel: str
    tracking_no: str | None = None
    representative_id: str | None = None
    department: str | None = None
    cooperating: tuple[str, ...] = ()
    version: int = 0
    description: str | None = None
    grid_id: str | None = None               # a grid report's grid and reporting member
    grid_member_id: str | None = None


@dataclass(frozen=True)
class Transition:
    from_status: frozenset[str]
    to_status: str
    event: str
    tiers: frozenset[str] = frozenset({"village", "town", "district", "city"})


TRANSITIONS = {
    "resolve": Transition(frozenset({"open"}), "handled", "issue_resolved"),
    "escalate": Transition(frozenset({"open"}), "open", "issue_escalated",
                           frozenset({"village", "town"})),
    "refer": Transition(frozenset({"open"}), "referred", "issue_referred", frozenset({"district"})),
    "city": Transition(frozenset({"open"}), "forwarded", "issue_forwarded",
                       frozenset({"district"})),
    "reply": Transition(frozenset({"open"}), "handled", "issue_resolved", frozenset({"district"})),
    "city_reply": Transition(frozenset({"forwarded"}), "handled", "issue_resolved"),
    "complete": Transition(frozenset({"referred"}), "handled", "issue_resolved"),
    "return": Transition(frozenset({"referred"}), "open", "issue_routed"),
    "close": Transition(frozenset({"handled"}), "closed", "issue_closed"),
    "reopen": Transition(frozenset({"handled", "closed"}), "open", "issue_reopened"),
}

FEEDBACK_ACTION = {"satisfied": "close", "basically_satisfied": "close", "unsatisfied": "reopen"}
MEETING_ACTIONS = ("refer", "city", "reply")


@dataclass(frozen=True)
class Decision:
    issue: Issue
    event: str
    data: dict[str, Any] = field(default_factory=dict)


def decide(issue: Issue, action: str, ladder: Ladder, **params: Any) -> Decision:
    """Apply ``action`` to ``issue``: the changed issue and the event that records it."""
    transition = TRANSITIONS[action]
    if issue.status not in transition.from_status:
        raise NotAllowed(f"cannot {action} an issue that is {issue.status}",
                       {"status": [f"is {issue.status}; {action} needs "
                                   f"{' or '.join(sorted(transition.from_status))}"]})
    if issue.tier not in transition.tiers:
        raise NotAllowed(f"cannot {action} an issue at the {issue.tier} tier",
                       {"tier": [f"is {issue.tier}; {action} needs "
                                 f"{' or '.join(sorted(transition.tiers))}"]})
    changes, data = PLACE[action](issue, ladder, **params)
    moved = replace(issue, status=transition.to_status, version=issue.version + 1, **changes)
    return Decision(moved, transition.event, data)


# what a step changes on the issue, and the data its event carries
Placed: TypeAlias = "tuple[dict[str, Any], dict[str, Any]]"


def _stay(issue: Issue, ladder: Ladder, note: str | None = None, **_: Any) -> Placed:
    return {}, {"note": note}


def _escalate(issue: Issue, ladder: Ladder, reason: str, note: str | None = None,
              review_id: str | None = None) -> Placed:
    if reason not in ESCALATION_REASONS:
        raise BadValue.field("reason", f"must be one of {', '.join(ESCALATION_REASONS)}")
    parent = ladder.parent(issue.station_id)
    return ({"tier": parent.tier, "station_id": parent.id},
            {"from_station_id": issue.station_id, "reason": reason, "note": note,
             "review_id": review_id})


def _refer(issue: Issue, ladder: Ladder, department: str, cooperating: Sequence[str] = (),
           note: str | None = None) -> Placed:
    return ({"department": department, "cooperating": tuple(cooperating)},
            {"category": issue.category, "cooperating": list(cooperating), "note": note,
             "description": issue.description})


def _close(issue: Issue, ladder: Ladder, rating: str, note: str | None = None) -> Placed:
    return {}, {"rating": rating, "note": note}


def _forward(issue: Issue, ladder: Ladder, note: str | None = None) -> Placed:
    return {"tier": "city"}, {"note": note}


def _back_to_station(issue: Issue, ladder: Ladder, note: str | None = None, **_: Any) -> Placed:
    """Reopened or returned: open again at the station that holds it, with no department."""
    return ({"tier": ladder.stations[issue.station_id].tier, "department": None,
             "cooperating": ()}, {"note": note})


PLACE: dict[str, Callable[..., Placed]] = {
    "resolve": _stay, "reply": _stay, "complete": _stay, "close": _close,
    "escalate": _escalate, "refer": _refer, "city": _forward, "city_reply": _stay,
    "return": _back_to_station, "reopen": _back_to_station,
}


def feedback_action(rating: str) -> str:
    if rating not in RATINGS:
        raise BadValue.field("rating", f"must be one of {', '.join(RATINGS)}")
    return FEEDBACK_ACTION[rating]


def event_fields(decision: Decision) -> dict[str, Any]:
    """The event payload of a decision: where the issue is now, plus the step's data."""
    issue = decision.issue
    data = {"tracking_no": issue.tracking_no, "title": issue.title, "version": issue.version,
            "status": issue.status, "tier": issue.tier,
            "station_id": issue.station_id, "representative_id": issue.representative_id,
            "grid_id": issue.grid_id, "grid_member_id": issue.grid_member_id,
            "department": issue.department, **decision.data}
    return {k: v for k, v in data.items() if v is not None or k in ("department",)}


def is_party(role: str, caller_id: str | None, stations: set[str],
             departments: set[str | None]) -> bool:
    """The district office is party to every issue; a station to those that passed
    through it; a department to those referred to it, as lead or cooperating."""
    return role == "district" or (role == "station" and caller_id in stations) or (
        role == "department" and caller_id in departments)


# Time limits (docs/configuration.md, "Time limits"): what an issue in each state waits
# for, and who holds it. An open issue at a station must be resolved or escalated (at
# the district: put before a meeting); a handled one waits for the voter's rating, then
# its station calls the voter back (回访); while it is not handled the voter is told
# how it stands every so often (keep_in_loop, held for the voter).
STATION_TIERS = ("village", "town", "district")
ESCALATES_WHEN_OVERDUE = frozenset({"village", "town"})
VOTER = "voter"
OVERDUE_NOTE = "超过办理时限，自动上报"
TO_MEETING_NOTE = "退回次数已达上限，提交主任会议研究"
# the event each time limit publishes when it reminds and when it runs out
TIMER_EVENTS = {
    **{tier: {"reminded": "issue_reminded", "overdue": "issue_overdue"}
       for tier in STATION_TIERS},
    "feedback": {"overdue": "callback_requested"},
    "keep_in_loop": {"overdue": "issue_progress"},
}


@dataclass(frozen=True)
class Limit:
    name: str
    holder: str
    remind: bool = True


def time_limits(issue: Issue) -> list[Limit]:
    """The time limits that run while ``issue`` is as it is now."""
    if issue.status == "open" and issue.tier in STATION_TIERS:
        return [Limit(issue.tier, issue.station_id), Limit("keep_in_loop", VOTER, False)]
    if issue.status in ("referred", "forwarded"):
        return [Limit("keep_in_loop", VOTER, False)]
    if issue.status == "handled":
        return [Limit("feedback", issue.station_id, False)]
    return []


def supervisor(issue: Issue, ladder: Ladder) -> str:
    """Who is told when the holder lets a time limit run out: the station a tier up,
    or the district office for the district itself."""
    station = ladder.stations[issue.station_id]
    return station.parent_id or station.id


def must_go_to_meeting(returns: int, returns_max: int) -> bool:
    """Returned more often than the rules allow: no more reassigning between
    departments; the district office decides it at a meeting."""
    return returns > returns_max


# A station's monthly review (村"两委"研判, 镇逐项研判): every open issue it holds is
# resolved, escalated or kept, in one worksheet.
REVIEW_ACTIONS = {"resolve": "resolve", "escalate": "escalate", "keep": None}
REVIEWING_TIERS = frozenset({"village", "town"})


def review_gaps(open_ids: set[str], decided: list[str]) -> dict[str, list[str]]:
    """What a worksheet lacks or has too much of: every open issue the station holds,
    each once, and nothing else."""
    errors: dict[str, list[str]] = {}
    missing = sorted(open_ids - set(decided))
    if missing:
        errors["decisions"] = [f"no decision for open issue {i}" for i in missing]
    twice = sorted({i for i in decided if decided.count(i) > 1})
    if twice:
        errors.setdefault("decisions", []).extend(f"issue {i} decided twice" for i in twice)
    return errors


def recurring(moments: Sequence[Any], window: Any, least: int) -> list[int]:
    """The indexes of the longest run of sorted ``moments`` that lie within ``window``
    of the run's first, if at least ``least`` long (else [])."""
    best: list[int] = []
    first = 0
    for last in range(len(moments)):
        while moments[last] - moments[first] > window:
            first += 1
        if last - first + 1 > len(best):
            best = list(range(first, last + 1))
    return best if len(best) >= least else []
