"""The district office's oversight: departments' extension requests to decide, the
emergency pool (财力保障) and what it paid, and the month's circular (通报) to download
as an Excel workbook or a picture, made from the services' report endpoints."""
from __future__ import annotations

import io
from uuid import UUID

from werkzeug.wrappers import Response

from lianxin.tools import report
from lianxin.tools.circular import compose
from services.console.i18n import N_
from services.console.pages.district import DISTRICT, MONTH, month_or_now
from services.console.web import Context, Refused, Sent, page

OFFICE = ("district",)
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "png": "image/png"}


@page("/district/extensions", roles=DISTRICT)
def extensions(ctx: Context, sent: Sent | None = None, failed_id: str | None = None) -> Response:
    every = ctx.read(ctx.api.get("departments", "/extensions"))
    waiting = [e for e in every if e["status"] == "requested"]
    decided = sorted((e for e in every if e["status"] != "requested"),
                     key=lambda e: e.get("decided_at") or "", reverse=True)[:20]
    return ctx.form_page("district/extensions.html", sent,
                         waiting=waiting, decided=decided, failed_id=failed_id)


@page("/district/extensions/<uuid:assignment_id>/<any(grant, refuse):action>",
      methods=("POST",), roles=OFFICE)
def decide(ctx: Context, assignment_id: UUID, action: str) -> Response:
    sent = ctx.submit(action, "departments", f"/assignments/{assignment_id}/extension/{action}",
                      str(assignment_id))
    return ctx.settle(sent, "/district/extensions",
                      lambda failed: extensions(ctx, failed, str(assignment_id)))


@page("/district/funds", roles=DISTRICT)
def funds(ctx: Context, sent: Sent | None = None, failed_id: str | None = None) -> Response:
    month = month_or_now(ctx)
    statement = ctx.read(ctx.api.get("routing", "/funds", month=month))
    return ctx.form_page("district/funds.html", sent, month=month,
                         funds=statement, failed_id=failed_id)


@page("/district/funds/<int:allocation_id>/spent", methods=("POST",), roles=OFFICE)
def spent(ctx: Context, allocation_id: int) -> Response:
    sent = ctx.submit("spent", "routing", f"/funds/{allocation_id}/spent", str(allocation_id))
    return ctx.settle(sent, "/district/funds",
                      lambda failed: funds(ctx, failed, str(allocation_id)))


@page("/district/reports", roles=DISTRICT)
def reports(ctx: Context) -> Response:
    return ctx.render("district/reports.html", month=month_or_now(ctx))


@page("/district/reports/circular-<month>.<any(xlsx, png):kind>", roles=DISTRICT)
def circular(ctx: Context, month: str, kind: str) -> Response:
    """The month's circular, made now from the services' figures."""
    if not MONTH.match(month):
        raise Refused(404, N_("There is no such page, or it is not yours."))
    routing, departments, feedback, representatives = (
        ctx.read(ctx.api.get(service, path, month=month)) for service, path in report.PARTS)
    tables = compose(routing, departments, feedback, representatives,
                     ctx.settings.places.report_names)
    made = io.BytesIO()
    if kind == "xlsx":
        report.write_xlsx(made, tables)
    else:
        report.write_png(made, month, tables)
    ctx.audit("report", f"{month}.{kind}", "ok")
    disposition = "attachment" if kind == "xlsx" else "inline"
    return Response(made.getvalue(), mimetype=FORMATS[kind], headers={
        "Content-Disposition": f"{disposition}; filename=circular-{month}.{kind}"})
