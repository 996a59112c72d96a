"""A department's pages: its assignments, and one assignment with the issue's
description and history and the steps its status allows."""
from __future__ import annotations

from uuid import UUID

from werkzeug.wrappers import Response

from services.console import domain
from services.console.web import Context, Sent, page

DEPARTMENT = ("department",)
@page("/department", roles=DEPARTMENT)
def assignments(ctx: Context) -> Response:
    shown = ctx.request.args.get("status", "open")
    shown = shown if shown in domain.ASSIGNMENT_LISTS else "open"
    every = ctx.read(ctx.api.get("departments", "/assignments"))
    counts = {name: len(domain.assignments_listed(every, name))
              for name in domain.ASSIGNMENT_LISTS}
    return ctx.render("department/assignments.html", shown=shown, counts=counts,
                      rows=domain.assignments_listed(every, shown))


@page("/department/assignments/<uuid:assignment_id>", roles=DEPARTMENT)
def assignment(ctx: Context, assignment_id: UUID, sent: Sent | None = None) -> Response:
    detail = ctx.read(ctx.api.get("departments", f"/assignments/{assignment_id}"))
    history = ctx.api.get("routing", f"/issues/{detail['issue_id']}/route")
    return ctx.form_page("department/assignment.html", sent, a=detail,
                         route=history.data if history.ok else None,
                         actions=domain.assignment_actions(detail["status"]))


@page("/department/assignments/<uuid:assignment_id>/"
      "<any(accept, progress, complete, return, extension):action>",
      methods=("POST",), roles=DEPARTMENT)
def act(ctx: Context, assignment_id: UUID, action: str) -> Response:
    sent = ctx.submit(action, "departments", f"/assignments/{assignment_id}/{action}",
                      str(assignment_id))
    return ctx.settle(sent, f"/department/assignments/{assignment_id}",
                      lambda failed: assignment(ctx, assignment_id, failed))
