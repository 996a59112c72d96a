"""The demo month's end at the district: the ledger frozen, the directors' meeting held
against the frozen month's agenda (主任会议), and the 面对面 hearing at which each
department signs for what the meeting referred to it.

1. the district office freezes the month's ledger (``POST /ledger/freeze``), unless it is
   frozen already (by month end, or by an earlier run), and reads the snapshot;
2. the meeting (``POST /meetings`` naming the ``agenda``) decides the agenda's items in
   its order (by category, overdue first), then any other issue waiting at the district
   (one that reached it after the freeze) with an ``off_agenda_reason``;
3. the hearing (``POST /hearings``) names, for each department leading a referral, who
   signed for it, what it undertook and its assignments; ``GET /assignments/{id}`` then
   shows the hearing that handed the assignment over.
"""
import random
from dataclasses import dataclass, field

from lianxin.tools.client import DemoError, month_now, wait_for
from lianxin.tools.demo_data import (
    GIVEN,
    HEARING_TITLES,
    HEARING_UNDERTAKINGS,
    OFF_AGENDA_REASONS,
    SURNAMES,
)


@dataclass
class MonthEnd:
    """What the month's end left: the snapshot, the agenda, the hearing and one
    assignment as departments show it."""
    month: str
    snapshot: dict = field(default_factory=dict)
    frozen_now: bool = False
    agenda: dict = field(default_factory=dict)
    hearing: dict | None = None
    shown: dict | None = None


def close_month(month, name, progress):
    """Freeze the month ``name``, hold its meeting against the agenda and the hearing of
    the meeting's referrals; the meeting's applied decisions."""
    end = month.end = MonthEnd(name)
    task = progress.add_task("ledger frozen; agenda (议程)", total=2)
    end.snapshot, end.frozen_now = freeze_ledger(month, name)
    month.console.print(f"  ledger {name} frozen {_frozen_by(end.snapshot)}: "
                        f"{len(end.snapshot['items'])} items, content hash "
                        f"{end.snapshot['content_hash']}")
    progress.advance(task)
    end.agenda = month.api.get("routing", "/agenda", key=month.keys.district,
                               params={"month": name})
    month.count("agenda_items", by=end.agenda["total"])
    progress.advance(task)

    meeting_task = progress.add_task("month-end meeting", total=1)
    applied = hold_meeting(month, end.agenda, month.waiting())
    progress.advance(meeting_task)

    hearing_task = progress.add_task("面对面 hearing of the referrals", total=1)
    end.hearing = hold_hearing(month, [d for d in applied if d["action"] == "refer"])
    end.shown = hearing_on_assignment(month, end.hearing) if end.hearing else None
    progress.advance(hearing_task)
    return applied


# -- 1. the ledger ------------------------------------------------------------------
def freeze_ledger(month, name):
    """The month's snapshot, and whether the district office froze it now (a month frozen
    already, by month end or an earlier run, is read as it is)."""
    key = month.keys.district
    answer = month.api.raw("POST", "routing", "/ledger/freeze", key=key, json={"month": name})
    if answer.status_code == 201:
        return answer.json(), True
    if answer.status_code == 409 and _frozen_already(answer):
        return month.api.get("routing", "/ledger/snapshot", key=key,
                             params={"month": name}), False
    raise DemoError(f"POST /ledger/freeze answered {answer.status_code}: {answer.text[:300]}")


def _frozen_by(snapshot):
    return "at month end" if snapshot["frozen_by"] == "month end" else \
        f"by the {snapshot['frozen_by']}"


def _frozen_already(answer):
    fields = answer.json().get("fields") or {}
    return any(str(message).startswith("frozen already") for message in fields.get("month", []))


# -- 2. the meeting against the agenda ----------------------------------------------
def agenda_ids(agenda):
    """The agenda's issues in its order: by category, overdue first in each."""
    return [item["id"] for group in agenda["groups"] for item in group["items"]]


def decisions(month, agenda, waiting):
    """A decision for each issue waiting at the district: the agenda's first, in its
    order, then the others, each with the reason it is decided off the agenda."""
    listed = agenda_ids(agenda)
    on_agenda = set(listed)
    by_id = {item.id: item for item in waiting}
    on = [month.decide(by_id[issue_id]) for issue_id in listed if issue_id in by_id]
    off = [{**month.decide(item), "off_agenda_reason": item.rng.choice(OFF_AGENDA_REASONS)}
           for item in waiting if item.id not in on_agenda]
    month.count("agenda:decided_before", by=len(on_agenda - by_id.keys()))
    return on + off


def hold_meeting(month, agenda, waiting):
    """The month-end meeting naming the agenda; its applied decisions."""
    asked = decisions(month, agenda, waiting)
    applied = month.meeting(asked, agenda=agenda["month"]) if asked else []
    off = sum(1 for d in applied if d.get("off_agenda_reason"))
    month.count("decided:off_agenda", by=off)
    month.count("decided:on_agenda", by=len(applied) - off)
    return applied


# -- 3. the 面对面 hearing ------------------------------------------------------------
def hold_hearing(month, referrals):
    """The hearing of the meeting's referrals: one entry per lead department, signing for
    its lead assignments; None when the meeting referred nothing."""
    if not referrals:
        return None
    rng = random.Random(f"{month.seed}-hearing")
    entries = [{"department": code,
                "attendee": f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}"
                            f"（{month.departments.get(code, code)}{rng.choice(HEARING_TITLES)}）",
                "undertaking": rng.choice(HEARING_UNDERTAKINGS).format(n=len(rows)),
                "assignment_ids": [row["id"] for row in rows]}
               for code, rows in lead_assignments(month, referrals).items()]
    hearing = month.api.post("departments", "/hearings",
                             {"held_on": month_now(month.config).date().isoformat(),
                              "entries": entries}, key=month.keys.district, expect=(201,))
    month.count("hearing_departments", by=len(entries))
    month.count("hearing_assignments", by=sum(len(e["assignment_ids"]) for e in entries))
    return hearing


def lead_assignments(month, referrals):
    """Each lead department's assignments of the referrals, once departments hold them."""
    wanted = {}
    for decision in referrals:
        wanted.setdefault(decision["department"], set()).add(decision["issue_id"])
    return {code: wait_for(f"{len(ids)} lead assignments at {code}",
                           lambda c=code, i=ids: _assigned(month, c, i))
            for code, ids in sorted(wanted.items())}


def _assigned(month, code, issue_ids):
    rows = month.api.get("departments", "/assignments", key=month.keys.department(code),
                         params={"status": "assigned"})
    latest = {row["issue_id"]: row for row in rows if row["lead"] and row["issue_id"] in issue_ids}
    if len(latest) < len(issue_ids):
        return None, f"{len(latest)} of {len(issue_ids)} assigned"
    return [latest[issue_id] for issue_id in sorted(issue_ids)]


def hearing_on_assignment(month, hearing):
    """The first assignment the hearing handed over, as ``GET /assignments/{id}`` shows it;
    it must name the hearing."""
    entry = hearing["entries"][0]
    shown = month.api.get("departments", f"/assignments/{entry['assignment_ids'][0]}",
                          key=month.keys.district)
    if (shown.get("hearing") or {}).get("id") != hearing["id"]:
        raise DemoError(f"assignment {shown['id']} does not show the hearing {hearing['id']}: "
                        f"{shown.get('hearing')}")
    return shown


# -- the run summary ------------------------------------------------------------------
def summary_lines(month):
    """The month end's lines of the run summary."""
    end, c = month.end, month.counts
    if end is None:
        return []
    snapshot = end.snapshot
    how = f"{'now' if end.frozen_now else 'already'} {_frozen_by(snapshot)}"
    lines = [
        f"  month end: ledger {end.month} frozen {how} (sha256 {snapshot['content_hash'][:16]}…, "
        f"{len(snapshot['items'])} items); agenda (议程) {c['agenda_items']} items "
        f"({c['agenda:decided_before']} decided before); the meeting decided "
        f"{c['decided:on_agenda']} on the agenda, {c['decided:off_agenda']} off it",
    ]
    if end.hearing is None:
        lines.append("  面对面 hearing: the meeting referred nothing")
        return lines
    shown, heard = end.shown, end.shown["hearing"]
    lines.append(
        f"  面对面 hearing {end.hearing['held_on']}: {c['hearing_departments']} departments "
        f"signed for {c['hearing_assignments']} referrals; assignment {shown['id'][:8]} "
        f"({shown['tracking_no']}, {shown['department']}) shows it: {heard['attendee']}, "
        f"「{heard['undertaking']}」")
    return lines
