"""The voter's pages, with no login: how an issue stands, by the receipt's tracking
number and access code, and the rating once it is handled.

The lookup is a POST, so that the access code stays out of addresses and logs; every
call is made as nobody, whoever opens the page."""
from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from services.console import accounts, forms
from services.console.api import Answer
from services.console.i18n import N_
from services.console.web import Context, Refused, page

RATED = frozenset({"handled", "closed"})     # statuses the rating form is shown in


def _receipt(ctx: Context) -> dict[str, str]:
    return {name: ctx.request.form.get(name, "").strip()
            for name in ("tracking_no", "access_code")}


def _status_page(ctx: Context, view: dict[str, Any], receipt: dict[str, str],
                 status: int = 200, **values: Any) -> Response:
    return ctx.render("voter/status.html", status=status, view=view, receipt=receipt,
                      rateable=view["status"] in RATED, **values)


def _lookup(ctx: Context, receipt: dict[str, str]) -> Answer:
    """The issue of a receipt, as nobody; an address that looked up too many receipts
    that were not found waits (429) without a call."""
    address = ctx.request.remote_addr
    with ctx.settings.store.transaction() as db:
        locked = accounts.track_locked(db, ctx.now, address, ctx.settings.policy)
    if locked is not None:
        raise Refused(429, N_("Too many receipts that were not found were looked up from "
                              "here. Wait a quarter of an hour and try again."))
    answer = ctx.nobody.get("intake", "/issues", **receipt)
    with ctx.settings.store.transaction() as db:
        accounts.note_lookup(db, ctx.now, address, answer.ok)
    return answer


def _not_found(ctx: Context, receipt: dict[str, str]) -> Response:
    errors = {forms.FORM_LEVEL: [N_("No issue has this tracking number and access code. "
                                    "Check both on your receipt.")]}
    return ctx.render("voter/track.html", status=404, errors=errors, failed_form="track",
                      values={"tracking_no": receipt["tracking_no"]})


@page("/track", methods=("GET", "POST"))
def track(ctx: Context) -> Response:
    if ctx.request.method == "GET":
        return ctx.render("voter/track.html")
    receipt = _receipt(ctx)
    answer = _lookup(ctx, receipt)
    if not answer.ok:
        return _not_found(ctx, receipt)
    return _status_page(ctx, answer.data, receipt)


@page("/track/feedback", methods=("POST",))
def feedback(ctx: Context) -> Response:
    receipt = _receipt(ctx)
    answer = _lookup(ctx, receipt)
    if not answer.ok:
        return _not_found(ctx, receipt)
    view = answer.data
    sent = ctx.submit("voter_feedback", "intake", f"/issues/{view['id']}/feedback", view["id"],
                      extra={"access_code": receipt["access_code"]}, as_voter=True)
    if not sent.ok:
        return _status_page(ctx, view, receipt, status=422, **sent.state())
    return _status_page(ctx, sent.answer.data, receipt, done="feedback")
