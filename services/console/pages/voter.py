"""The voter's pages, with no login: how an issue stands, by the receipt's tracking
number and access code, and the rating once it is handled.

The lookup is a POST, so that the access code stays out of addresses and logs; every
call is made as nobody, whoever opens the page."""
from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from services.console import forms
from services.console.i18n import N_
from services.console.web import Context, page

RATED = frozenset({"handled", "closed"})     # statuses the rating form is shown in


def _receipt(ctx: Context) -> dict[str, str]:
    return {name: ctx.request.form.get(name, "").strip()
            for name in ("tracking_no", "access_code")}


def _status_page(ctx: Context, view: dict[str, Any], receipt: dict[str, str],
                 status: int = 200, **values: Any) -> Response:
    return ctx.render("voter/status.html", status=status, view=view, receipt=receipt,
                      rateable=view["status"] in RATED, **values)


@page("/track", methods=("GET", "POST"))
def track(ctx: Context) -> Response:
    if ctx.request.method == "GET":
        return ctx.render("voter/track.html")
    receipt = _receipt(ctx)
    answer = ctx.nobody.get("intake", "/issues", **receipt)
    if not answer.ok:
        errors = {forms.FORM_LEVEL: [N_("No issue has this tracking number and access code. "
                                        "Check both on your receipt.")]}
        return ctx.render("voter/track.html", status=404, errors=errors, failed_form="track",
                          values={"tracking_no": receipt["tracking_no"]})
    return _status_page(ctx, answer.data, receipt)


@page("/track/feedback", methods=("POST",))
def feedback(ctx: Context) -> Response:
    receipt = _receipt(ctx)
    view = ctx.read(ctx.nobody.get("intake", "/issues", **receipt))
    sent = ctx.submit("voter_feedback", "intake", f"/issues/{view['id']}/feedback", view["id"],
                      extra={"access_code": receipt["access_code"]}, as_voter=True)
    if not sent.ok:
        return _status_page(ctx, view, receipt, status=422, **sent.state())
    return _status_page(ctx, sent.answer.data, receipt, done="feedback")
