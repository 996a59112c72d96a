"""A liaison station's month: its representatives' visits to voters (走访台账), the
reception-day rosters of its town station (接待日排班), and the monthly review
worksheet (月度研判) that decides every open issue it holds in one call."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from werkzeug.wrappers import Response

from services.console import sheets
from services.console.forms import Form, Values
from services.console.i18n import N_
from services.console.pages.district import month_or_now
from services.console.web import Context, Sent, page

STATION = ("station",)
RECEIVING = ("city", "district")        # the levels of representative on a reception day
REVIEWING = ("village", "town")         # the tiers of station that hold a monthly review
DECISIONS = {"keep": N_("Keep it here"), "resolve": N_("Resolve here"),
             "escalate": N_("Escalate one tier up")}


def _station(ctx: Context) -> str:
    assert ctx.user is not None and ctx.user.unit
    return ctx.user.unit


def _filled(values: Values, *names: str) -> dict[str, Any]:
    """The named inputs that were filled in, trimmed."""
    return {name: values[name].strip() for name in names if values.get(name, "").strip()}


def _visit(values: Values) -> dict[str, Any]:
    body = _filled(values, "representative_id", "village_code", "visited_on", "note")
    met = values.get("voters_met", "").strip()
    if met:           # a whole number as a number; anything else as typed, for intake to refuse
        body["voters_met"] = int(met) if re.fullmatch(r"[0-9]{1,6}", met) else met
    return body


VISIT = Form(("representative_id", "village_code", "visited_on", "voters_met", "note"), _visit)


def _roster(candidates: Sequence[str]) -> Form:
    """A reception day and a checkbox ``rep-<id>`` per representative who may sit on it."""
    def payload(values: Values) -> dict[str, Any]:
        return {**_filled(values, "on"),
                "representative_ids": [r for r in candidates if values.get(f"rep-{r}")]}
    return Form(("on", "representative_ids", *(f"rep-{r}" for r in candidates)), payload,
                {f"representative_ids.{n}": "representative_ids" for n in range(len(candidates))})


def _decision(issue_id: str, values: Mapping[str, str]) -> dict[str, Any]:
    """An issue's row of the worksheet, always sent: the review decides every one."""
    return {"issue_id": issue_id, **{name: values[name] for name in ("decision", "reason", "note")
                                     if values[name]}}


WORKSHEET = sheets.Sheet("decisions", ("held_on",), ("decision", "reason", "note"), _decision)


def _worksheet(ctx: Context, issue_ids: Sequence[str], month: str) -> Form:
    form = WORKSHEET.form(ctx.request.form, issue_ids, extra={"month": month})
    # a step the issue no longer allows (its status or tier) is shown beside its decision
    steps = {f"decisions.{n}.{name}": f"decision-{issue_id}"
             for n, issue_id in enumerate(issue_ids) for name in ("issue_id", "status", "tier")}
    return Form(form.inputs, form.payload, {**steps, **form.fields})


def _settle(ctx: Context, sent: Sent, back: str, month: str,
            again: Callable[[Sent], Response]) -> Response:
    """Back to the page of the month the form was about, saying what was done; or the
    page again with the form as typed and its errors."""
    if sent.ok:
        return ctx.redirect(f"{back}?month={month}&done={sent.form}")
    return again(sent)


def _shown(ctx: Context, template: str, month: str, sent: Sent | None,
           **values: Any) -> Response:
    return ctx.form_page(template, sent, month=month,
                         today=ctx.today, **values)


# visits ---------------------------------------------------------------------------
@page("/station/visits", methods=("GET", "POST"), roles=STATION)
def visits(ctx: Context) -> Response:
    if ctx.request.method == "GET":
        return _visit_log(ctx)
    sent = ctx.submit("visit", "intake", "/visits", _station(ctx), form=VISIT)
    return _settle(ctx, sent, "/station/visits", sent.values["visited_on"][:7],
                   lambda failed: _visit_log(ctx, failed))


def _visit_log(ctx: Context, sent: Sent | None = None) -> Response:
    station_id, places = _station(ctx), ctx.settings.places
    month = month_or_now(ctx)
    villages = places.villages_of(station_id)
    # intake lists the whole district's visits: the station's are those of its villages
    ours = {code for code, _ in villages}
    rows = [v for v in ctx.read(ctx.api.get("intake", "/visits", month=month))
            if v["village_code"] in ours]
    return _shown(ctx, "station/visits.html", month, sent, rows=rows, villages=villages,
                  representatives=places.representatives_of(station_id),
                  voters_met=sum(v["voters_met"] for v in rows))


# reception days --------------------------------------------------------------------
@page("/station/receptions", methods=("GET", "POST"), roles=STATION)
def receptions(ctx: Context) -> Response:
    if ctx.request.method == "GET":
        return _rosters(ctx)
    station_id = _station(ctx)
    sent = ctx.submit("roster", "intake", "/reception-days", station_id,
                      extra={"station_id": station_id}, form=_roster(list(_receiving(ctx))))
    return _settle(ctx, sent, "/station/receptions", sent.values["on"][:7],
                   lambda failed: _rosters(ctx, failed))


def _receiving(ctx: Context) -> dict[str, str]:
    """The city and district representatives, who sit on a town's reception day."""
    return {r.id: r.name for r in ctx.settings.places.ladder.representatives.values()
            if r.level in RECEIVING}


def _rosters(ctx: Context, sent: Sent | None = None) -> Response:
    station_id, ladder = _station(ctx), ctx.settings.places.ladder
    month = month_or_now(ctx)
    station = ladder.stations[station_id]
    # a town station plans its own day; a village's voters come to its town's
    town = None if station.tier == "district" else ladder.town_of(station_id).id
    rows = [r for r in ctx.read(ctx.api.get("intake", "/reception-days", month=month))
            if town is None or r["station_id"] == town]
    return _shown(ctx, "station/receptions.html", month, sent, rows=rows, town=town,
                  plans=station.tier == "town", candidates=_receiving(ctx),
                  reception_day=f"{month}-15")


# the monthly review ----------------------------------------------------------------
@page("/station/review", methods=("GET", "POST"), roles=STATION)
def review(ctx: Context) -> Response:
    station_id = _station(ctx)
    month = month_or_now(ctx)
    waiting = ctx.read(ctx.api.get("routing", f"/stations/{station_id}/issues", status="open"))
    if ctx.request.method == "GET":
        return _worksheet_page(ctx, month, waiting)
    form = _worksheet(ctx, [i["id"] for i in waiting], month)
    sent = ctx.submit("review", "routing", f"/stations/{station_id}/reviews",
                      f"{station_id} {month}", form=form)
    return _settle(ctx, sent, "/station/review", month,
                   lambda failed: _worksheet_page(ctx, month, waiting, failed))


def _worksheet_page(ctx: Context, month: str, waiting: list[dict[str, Any]],
                    sent: Sent | None = None) -> Response:
    station_id = _station(ctx)
    held = ctx.read(ctx.api.get("routing", f"/stations/{station_id}/reviews", month=month))
    gettext = ctx.gettext
    return _shown(ctx, "station/review.html", month, sent, waiting=waiting,
                  held=[{**r, "counts": Counter(d["decision"] for d in r["decisions"])}
                        for r in held],
                  holds_reviews=ctx.settings.places.ladder.stations[station_id].tier in REVIEWING,
                  decisions=[(code, gettext(text)) for code, text in DECISIONS.items()],
                  decided={code: gettext(text) for code, text in DECISIONS.items()})
