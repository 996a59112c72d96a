"""The district office's operations pages (a director reads them too): each service's
dead and parked letters to replay or discard, the directory of stations,
representatives and departments, and intake's copy of the 321 grid roster."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from services.console import forms
from services.console.i18n import N_
from services.console.pages.district import DISTRICT
from services.console.web import Context, errors_of, page

OFFICE = ("district",)
SERVICES = {"intake": N_("Intake service"), "routing": N_("Routing service"),
            "departments": N_("Departments service"), "notify": N_("Notification service")}
WAITING = ("dead", "parked")
LETTER_STATUSES = {"dead": N_("Dead"), "parked": N_("Parked")}
# why a service refused to replay or discard a letter, by the code the page's address carries
REFUSALS = {
    "replayed": N_("It was sent again already."),
    "discarded": N_("It was discarded already."),
    "unknown": N_("Not an event Lianxin knows; it cannot be sent again."),
    "unreadable": N_("Its body cannot be read; it cannot be sent again."),
    "missing": N_("No such letter is waiting."),
    "other": N_("The service refused it."),
}
LEVELS = {"province": N_("Provincial representative"), "city": N_("City representative"),
          "district": N_("District representative"), "town": N_("Town representative")}
ROSTER_PAGE = 200
NO_INPUTS = forms.Form((), lambda values: {})


@page("/district/dead-letters", roles=DISTRICT)
def dead_letters(ctx: Context, failed: str | None = None,
                 errors: Mapping[str, list[str]] | None = None) -> Response:
    waiting = {service: sorted((letter for status in WAITING for letter in ctx.read(
        ctx.api.get(service, "/dead-letters", status=status))),
        key=lambda letter: letter["id"], reverse=True) for service in SERVICES}
    args = ctx.request.args
    refused = [(number, REFUSALS.get(code, REFUSALS["other"])) for number, _, code in
               (item.partition("-") for item in args.getlist("refused"))]
    return ctx.render("district/dead_letters.html", status=422 if failed else 200,
                      services=SERVICES, waiting=waiting, statuses=LETTER_STATUSES,
                      done=args.get("done"), done_service=SERVICES.get(args.get("service", "")),
                      count=args.get("count", type=int), refused=refused,
                      failed_form=failed, errors=errors or {})


@page("/district/dead-letters/<any(intake, routing, departments, notify):service>"
      "/<any(replay, discard):action>", methods=("POST",), roles=OFFICE)
def settle(ctx: Context, service: str, action: str) -> Response:
    """Replay or discard the letters ticked: the service's outcome, by id, on the page."""
    asked = sorted({int(i) for i in ctx.request.form.getlist("id") if re.fullmatch(r"\d{1,9}", i)})
    if not asked:     # never send no ids: the service would take every waiting letter
        return dead_letters(ctx, service, {forms.FORM_LEVEL: [N_("Tick at least one letter.")]})
    answer = ctx.api.post(service, f"/dead-letters/{action}", {"ids": asked},
                          idempotency_key=ctx.request.form.get("form_id") or None)
    outcome = answer.data if answer.ok and isinstance(answer.data, dict) else {}
    done, refusals = outcome.get("done") or {}, outcome.get("refused") or {}
    ctx.audit(f"dead_letters_{action}", service, "ok" if answer.ok else str(answer.status),
              detail=f"asked {asked}; done {sorted(done)}; refused {refusals}")
    if not answer.ok:
        return dead_letters(ctx, service, errors_of(NO_INPUTS, answer))
    missing = [str(i) for i in asked if str(i) not in done and str(i) not in refusals]
    query = [("done", action), ("service", service), ("count", str(len(done)))] + [
        ("refused", f"{number}-{refusal_code(reason)}") for number, reason in refusals.items()
    ] + [("refused", f"{number}-missing") for number in missing]
    return ctx.redirect("/district/dead-letters?" + urlencode(query))


def refusal_code(reason: str) -> str:
    """The code of a service's reason for refusing a letter (``lianxin.deadletters``)."""
    if reason.startswith("already "):
        status = reason.removeprefix("already ")
        return status if status in REFUSALS else "other"
    if "not an event" in reason:
        return "unknown"
    return "unreadable" if "JSON" in reason else "other"


@page("/district/directory", roles=DISTRICT)
def directory(ctx: Context) -> Response:
    places = ctx.settings.places
    stations = list(places.ladder.stations.values())
    sitting: dict[str, list[Any]] = {}
    for rep in places.ladder.representatives.values():
        sitting.setdefault(rep.place_code, []).append(rep)
    return ctx.render("district/directory.html", levels=LEVELS,
                      district=[s for s in stations if s.tier == "district"],
                      towns=[(town, [s for s in stations if s.parent_id == town.id])
                             for town in stations if town.tier == "town"],
                      sitting=sitting, departments=sorted(places.departments.items()))


@page("/district/grid", roles=DISTRICT)
def grid(ctx: Context) -> Response:
    villages = ctx.settings.places.villages
    village = ctx.request.args.get("village_code", "")
    village = village if village in villages else ""
    number = ctx.request.args.get("page", 1, type=int) or 1
    roster = ctx.read(ctx.api.get("intake", "/grid/roster", village_code=village,
                                  page=max(1, min(number, 100000)), limit=ROSTER_PAGE))
    return ctx.render("district/grid.html", roster=roster, village=village,
                      villages=sorted(villages.items()),
                      pages=pages(roster["total"], roster["limit"]))


def pages(total: int, limit: int) -> Iterable[int]:
    return range(1, max(1, -(-total // limit)) + 1)
