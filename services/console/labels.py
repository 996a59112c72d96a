"""What the pages call each code of the services' vocabulary (translated where shown)."""
from __future__ import annotations

from services.console.i18n import N_

LABELS: dict[str, dict[str, str]] = {
    "status": {
        "open": N_("Being handled"),
        "referred": N_("Referred to a department"),
        "forwarded": N_("Forwarded to the city"),
        "handled": N_("Handled, awaiting rating"),
        "closed": N_("Closed"),
    },
    "tier": {
        "village": N_("Village"),
        "town": N_("Town"),
        "district": N_("District"),
        "city": N_("City"),
    },
    "channel": {
        "visit": N_("Representative's visit"),
        "reception": N_("Reception"),
        "hotline": N_("Representatives' hotline"),
        "online": N_("Online platform"),
        "grid": N_("Grid member"),
    },
    "reason": {
        "beyond_authority": N_("Beyond the station's authority"),
        "needs_funding": N_("Needs funding"),
        "cross_boundary": N_("Crosses boundaries"),
        "needs_department": N_("Needs a department"),
        "other": N_("Other"),
        "overdue": N_("Time limit ran out"),
    },
    "rating": {
        "satisfied": N_("Satisfied"),
        "basically_satisfied": N_("Basically satisfied"),
        "unsatisfied": N_("Unsatisfied"),
    },
    "assignment": {
        "assigned": N_("Awaiting acceptance"),
        "accepted": N_("In progress"),
        "completed": N_("Completed"),
        "returned": N_("Returned"),
        "closed": N_("Closed with the lead"),
        "cancelled": N_("Cancelled"),
    },
    "extension": {
        "requested": N_("Awaiting decision"),
        "granted": N_("Granted"),
        "refused": N_("Refused"),
        "lapsed": N_("Lapsed"),
    },
    "deadline": {
        "pending": N_("Running"),
        "reminded": N_("Reminded"),
        "overdue": N_("Overdue"),
    },
    "step": {
        "assign": N_("Assigned"),
        "accept": N_("Accepted"),
        "progress": N_("Progress reported"),
        "complete": N_("Completed"),
        "return": N_("Returned"),
        "reminded": N_("Reminded"),
        "overdue": N_("Overdue, supervised"),
        "ask_extension": N_("Extension asked"),
        "grant_extension": N_("Extension granted"),
        "refuse_extension": N_("Extension refused"),
        "closed": N_("Closed with the lead"),
        "cancelled": N_("Cancelled"),
    },
    "event": {
        "issue_submitted": N_("Submitted"),
        "feedback_received": N_("Voter's rating received"),
        "reception_duty_due": N_("Reception duty due"),
        "issue_routed": N_("Placed at a station"),
        "issue_escalated": N_("Escalated"),
        "issue_resolved": N_("Resolved"),
        "issue_referred": N_("Referred to a department"),
        "issue_forwarded": N_("Forwarded to the city"),
        "issue_closed": N_("Closed"),
        "issue_reopened": N_("Reopened"),
        "issue_reminded": N_("Reminded"),
        "issue_overdue": N_("Overdue, supervised"),
        "callback_requested": N_("Call-back requested"),
        "issue_progress": N_("Progress told to the voter"),
        "review_overdue": N_("Review overdue"),
        "assignment_created": N_("Department assigned"),
        "assignment_accepted": N_("Department accepted"),
        "assignment_returned": N_("Department returned it"),
        "assignment_progressed": N_("Department reported progress"),
        "assignment_completed": N_("Department completed it"),
        "assignment_reminded": N_("Department reminded"),
        "assignment_overdue": N_("Department overdue, supervised"),
        "extension_requested": N_("Extension asked"),
        "extension_granted": N_("Extension granted"),
        "extension_refused": N_("Extension refused"),
    },
    "meeting": {
        "refer": N_("Refer to a department"),
        "city": N_("Forward to the city"),
        "reply": N_("Reply to the voter"),
    },
    "role": {
        "station": N_("Liaison station"),
        "department": N_("Department"),
        "district": N_("District office"),
        "director": N_("Director (read only)"),
    },
    # what a page says after an action, by the ``done`` of its address
    "done": {
        "resolve": N_("The issue is resolved."),
        "escalate": N_("The issue is escalated one tier up."),
        "feedback": N_("The voter's rating is recorded."),
        "accept": N_("The assignment is accepted."),
        "progress": N_("The progress is recorded."),
        "complete": N_("The assignment is completed."),
        "return": N_("The assignment is returned to the district office."),
        "extension": N_("The extension is asked for."),
        "refused": N_("The action is not allowed in the current status; nothing was changed."),
        "freeze": N_("The month's ledger is frozen."),
        "meeting": N_("The meeting's decisions are recorded."),
        "hearing": N_("The hearing is recorded."),
        "grant": N_("The extension is granted."),
        "refuse": N_("The extension is refused."),
        "allocate": N_("The funds are allocated."),
        "spent": N_("The spending is recorded."),
        "visit": N_("The visit is recorded."),
        "roster": N_("The reception roster is saved."),
        "review": N_("The review is recorded."),
        "replay": N_("The messages are sent again."),
        "discard": N_("The messages are discarded."),
    },
}


def label(kind: str, code: str | None) -> str:
    """The (untranslated) text of ``code`` of ``kind``, or the code itself."""
    if code is None:
        return ""
    return LABELS.get(kind, {}).get(code, code)
