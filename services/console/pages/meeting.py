"""The district office's month end: the frozen month's agenda and the form that records
the directors' meeting (主任会议), and the 面对面 hearing at which each department signs
for what the meeting referred to it. A director reads these pages; only the office
sends them."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Response

from services.console import domain, sheets
from services.console.api import Answer
from services.console.forms import FORM_LEVEL, Form
from services.console.i18n import N_
from services.console.pages.district import DISTRICT, month_asked, previous_month
from services.console.web import Context, Sent, page

OFFICE = ("district",)


def _waiting(ctx: Context) -> list[dict[str, Any]]:
    """The issues the district station holds open: what a meeting can decide."""
    district = ctx.settings.places.ladder.district.id
    return ctx.read(ctx.api.get("routing", f"/stations/{district}/issues", status="open"))


def _agenda(ctx: Context) -> tuple[str, dict[str, Any] | None]:
    """The month asked, or this month if frozen, else the last; its agenda or None."""
    asked = month_asked(ctx)
    months = [asked] if asked else [ctx.this_month]
    if not asked:
        months.append(previous_month(months[0]))
    for month in months:
        answer = ctx.api.get("routing", "/agenda", month=month)
        if answer.ok:
            return month, answer.data
    return months[0], None


@page("/district/agenda", roles=DISTRICT)
def agenda(ctx: Context, sent: Sent | None = None) -> Response:
    month, items = _agenda(ctx)
    waiting = _waiting(ctx)
    sheet = domain.meeting_sheet(items, waiting)
    return ctx.form_page("district/agenda.html", sent, month=month,
                         agenda=items, sheet=sheet, departments=ctx.settings.places.departments,
                         today=ctx.today)


@page("/district/agenda", methods=("POST",), roles=OFFICE)
def hold_meeting(ctx: Context) -> Response:
    month, items = _agenda(ctx)
    sheet = domain.meeting_sheet(items, _waiting(ctx))
    row = sheets.decision(frozenset(i["id"] for i in sheet.on_agenda))
    form = sheets.Sheet("decisions", *sheets.MEETING, row).form(
        ctx.request.form, sheet.ids, extra={"agenda": month} if items else None)
    if not form.payload(form.values(ctx.request.form))["decisions"]:
        return agenda(ctx, _nothing_sent(ctx, "meeting", form, N_("Decide at least one issue.")))
    sent = ctx.submit("meeting", "routing", "/meetings", month, form=form)
    return ctx.settle(sent, "/district/hearing", lambda failed: agenda(ctx, failed))


@page("/district/ledger/freeze", methods=("POST",), roles=OFFICE)
def freeze(ctx: Context) -> Response:
    month = month_asked(ctx, ctx.request.form.get("month")) or ctx.this_month
    answer = ctx.api.post("routing", "/ledger/freeze", {"month": month})
    ctx.audit("freeze", month, "ok" if answer.ok else str(answer.status))
    return ctx.redirect(f"/district/agenda?month={month}" + ("&done=freeze" if answer.ok else ""))


@page("/district/hearing", roles=DISTRICT)
def hearing(ctx: Context, sent: Sent | None = None) -> Response:
    handed = _handed_over(ctx)
    return ctx.form_page("district/hearing.html", sent, handed=handed,
                         today=ctx.today)


@page("/district/hearing", methods=("POST",), roles=OFFICE)
def hold_hearing(ctx: Context) -> Response:
    handed = _handed_over(ctx)
    ids = {code: [a["id"] for a in rows] for code, rows in handed.items()}
    form = sheets.Sheet("entries", *sheets.HEARING, sheets.hearing_entry(ids)).form(
        ctx.request.form, list(handed))
    if not form.payload(form.values(ctx.request.form))["entries"]:
        return hearing(ctx, _nothing_sent(ctx, "hearing", form,
                                          N_("Name who signed for at least one department.")))
    sent = ctx.submit("hearing", "departments", "/hearings", ctx.today, form=form)
    return ctx.settle(sent, "/district/hearing", lambda failed: hearing(ctx, failed))


def _handed_over(ctx: Context) -> dict[str, list[Mapping[str, Any]]]:
    """Each department's lead assignments not yet signed for (status assigned)."""
    rows = ctx.read(ctx.api.get("departments", "/assignments", status="assigned", lead="true"))
    return domain.by_department(rows)


def _nothing_sent(ctx: Context, name: str, form: Form, message: str) -> Sent:
    """A sheet with no row filled in: shown again saying so, and nothing sent."""
    return Sent(name, Answer(422, None), form.values(ctx.request.form), {FORM_LEVEL: [message]})
