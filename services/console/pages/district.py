"""The district office's pages (a director reads them too): every station's load, the
month's ledger and its CSV, and any issue with its steps."""
from __future__ import annotations

import re
from uuid import UUID

from werkzeug.wrappers import Response

from services.console import domain
from services.console.i18n import N_
from services.console.web import Context, Sent, page

DISTRICT = ("district", "director")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@page("/district", roles=DISTRICT)
def overview(ctx: Context) -> Response:
    stations = ctx.settings.places.stations_in_order()
    held = {s["id"]: ctx.read(ctx.api.get("routing", f"/stations/{s['id']}/issues"))
            for s in stations}
    open_only = {sid: [i for i in issues if i["status"] != "closed"]
                 for sid, issues in held.items()}
    deadlines = ctx.read(ctx.api.get("routing", "/deadlines"))
    return ctx.render("district/overview.html",
                      rows=domain.station_load(stations, open_only, deadlines))


def month_asked(ctx: Context, value: str | None = None) -> str | None:
    """The month a page was asked for (``?month=YYYY-MM``), or None."""
    asked = ctx.request.args.get("month", "") if value is None else value
    return asked if MONTH.match(asked) else None


def previous_month(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def month_or_now(ctx: Context) -> str:
    return month_asked(ctx) or ctx.this_month


@page("/district/ledger", roles=DISTRICT)
def ledger(ctx: Context) -> Response:
    month = month_or_now(ctx)
    answer = ctx.api.get("routing", "/ledger", month=month)
    if answer.status == 422:
        return ctx.render("district/ledger.html", status=422, month=month, ledger=None,
                          errors={"month": [N_("No ledger for this month.")]},
                          failed_form="month", values={"month": month})
    return ctx.render("district/ledger.html", month=month, ledger=ctx.read(answer))


@page("/district/ledger.csv", roles=DISTRICT)
def ledger_csv(ctx: Context) -> Response:
    month = month_or_now(ctx)
    status, text = ctx.api.csv("routing", "/ledger", month=month, format="csv")
    if status != 200:
        return ctx.error(404, N_("No ledger for this month."))
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=ledger-{month}.csv"})


@page("/district/issues/<uuid:issue_id>", roles=DISTRICT)
def issue(ctx: Context, issue_id: UUID, sent: Sent | None = None) -> Response:
    view = ctx.read(ctx.api.get("intake", f"/issues/{issue_id}"))
    route = ctx.read(ctx.api.get("routing", f"/issues/{issue_id}/route"))
    return ctx.form_page("district/issue.html", sent, view=view,
                         route=route, steps=domain.timeline(view["timeline"], route["steps"]),
                         fundable=domain.fundable(route["steps"]), today=ctx.today)


@page("/district/issues/<uuid:issue_id>/funds", methods=("POST",), roles=("district",))
def allocate(ctx: Context, issue_id: UUID) -> Response:
    """Money from the emergency pool (财力保障) for an issue escalated for want of it."""
    sent = ctx.submit("allocate", "routing", f"/issues/{issue_id}/funds", str(issue_id))
    return ctx.settle(sent, f"/district/issues/{issue_id}",
                      lambda failed: issue(ctx, issue_id, failed))
