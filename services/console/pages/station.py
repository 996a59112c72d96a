"""A liaison station's pages: the issues it holds, one issue and its steps, and the
form that takes a new issue at its reception or a representative's visit."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from werkzeug.wrappers import Response

from services.console import domain
from services.console.web import Context, Sent, page

STATION = ("station",)
LISTS = ("open", "handled", "all")           # what the list shows: the station's issues so
TAKEN_AT = ("reception", "visit")            # channels a station takes an issue by itself


def _station(ctx: Context) -> str:
    assert ctx.user is not None and ctx.user.unit
    return ctx.user.unit


@page("/station", roles=STATION)
def issues(ctx: Context) -> Response:
    station_id = _station(ctx)
    shown = ctx.request.args.get("status", "open")
    shown = shown if shown in LISTS else "open"
    held = ctx.read(ctx.api.get("routing", f"/stations/{station_id}/issues",
                                status=None if shown == "all" else shown))
    deadlines = ctx.read(ctx.api.get("routing", "/deadlines", station_id=station_id))
    return ctx.render("station/issues.html", rows=domain.by_deadline(held, deadlines, ctx.now),
                      shown=shown, lists=LISTS, done=ctx.request.args.get("done"),
                      review=[d for d in deadlines if not d.get("issue_id")])


@page("/station/issues/<uuid:issue_id>", roles=STATION)
def issue(ctx: Context, issue_id: UUID, sent: Sent | None = None) -> Response:
    view = ctx.read(ctx.api.get("intake", f"/issues/{issue_id}"))
    route = ctx.read(ctx.api.get("routing", f"/issues/{issue_id}/route"))
    return ctx.form_page("station/issue.html", sent, view=view,
                         route=route, steps=domain.timeline(view["timeline"], route["steps"]),
                         actions=domain.issue_actions(route["issue"], _station(ctx)))


@page("/station/issues/<uuid:issue_id>/<any(resolve, escalate):action>", methods=("POST",),
      roles=STATION)
def act(ctx: Context, issue_id: UUID, action: str) -> Response:
    sent = ctx.submit(action, "routing", f"/issues/{issue_id}/{action}", str(issue_id))
    # an escalated issue is no longer the station's to see, unless it took it: the list
    back = "/station" if action == "escalate" else f"/station/issues/{issue_id}"
    return ctx.settle(sent, back, lambda failed: issue(ctx, issue_id, failed))


@page("/station/issues/<uuid:issue_id>/feedback", methods=("POST",), roles=STATION)
def feedback(ctx: Context, issue_id: UUID) -> Response:
    """The voter's rating taken by phone (回访), recorded as the station's."""
    sent = ctx.submit("feedback", "intake", f"/issues/{issue_id}/feedback", str(issue_id))
    return ctx.settle(sent, f"/station/issues/{issue_id}",
                      lambda failed: issue(ctx, issue_id, failed))


@page("/station/take", methods=("GET", "POST"), roles=STATION)
def take(ctx: Context) -> Response:
    station_id = _station(ctx)
    places = ctx.settings.places
    choices: dict[str, Any] = {"villages": places.villages_of(station_id),
               "representatives": places.representatives_of(station_id),
               "categories": sorted(places.ladder.categories.items()), "channels": TAKEN_AT}
    if ctx.request.method == "GET":
        return ctx.render("station/take.html", values={"channel": "reception"}, **choices)
    reception = ctx.request.form.get("channel") == "reception"
    sent = ctx.submit("take", "intake", "/issues", station_id,
                      extra={"station_id": station_id} if reception else None)
    if not sent.ok:
        return ctx.render("station/take.html", status=422, **sent.state(), **choices)
    return ctx.render("station/receipt.html", status=201, receipt=sent.answer.data,
                      values=sent.values)
