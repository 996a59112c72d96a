"""The district office's pages (a director reads them too): every station's load, the
month's ledger and its CSV, and any issue with its steps."""
from __future__ import annotations

import re
from uuid import UUID

from werkzeug.wrappers import Response

from services.console import domain
from services.console.i18n import N_
from services.console.web import Context, page

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


def _month(ctx: Context) -> str:
    asked = ctx.request.args.get("month", "")
    return asked if MONTH.match(asked) else f"{ctx.settings.clock.local(ctx.now):%Y-%m}"


@page("/district/ledger", roles=DISTRICT)
def ledger(ctx: Context) -> Response:
    month = _month(ctx)
    answer = ctx.api.get("routing", "/ledger", month=month)
    if answer.status == 422:
        return ctx.render("district/ledger.html", status=422, month=month, ledger=None,
                          errors={"month": [N_("No ledger for this month.")]},
                          failed_form="month", values={"month": month})
    return ctx.render("district/ledger.html", month=month, ledger=ctx.read(answer))


@page("/district/ledger.csv", roles=DISTRICT)
def ledger_csv(ctx: Context) -> Response:
    month = _month(ctx)
    status, text = ctx.api.csv("routing", "/ledger", month=month, format="csv")
    if status != 200:
        return ctx.error(404, N_("No ledger for this month."))
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=ledger-{month}.csv"})


@page("/district/issues/<uuid:issue_id>", roles=DISTRICT)
def issue(ctx: Context, issue_id: UUID) -> Response:
    view = ctx.read(ctx.api.get("intake", f"/issues/{issue_id}"))
    route = ctx.read(ctx.api.get("routing", f"/issues/{issue_id}/route"))
    return ctx.render("district/issue.html", view=view, route=route,
                      steps=domain.timeline(view["timeline"], route["steps"]))
