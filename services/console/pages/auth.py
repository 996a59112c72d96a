"""Logging in and out, the front page, and the console's health."""
from __future__ import annotations

import json

from sqlalchemy import text
from werkzeug.wrappers import Response

from services.console import accounts, domain
from services.console.i18n import N_
from services.console.web import Context, page


@page("/")
def front(ctx: Context) -> Response:
    if ctx.user is not None:
        return ctx.redirect(domain.HOME[ctx.user.role])
    return ctx.render("front.html")


@page("/login", methods=("GET", "POST"))
def login(ctx: Context) -> Response:
    back = domain.safe_next(ctx.request.values.get("next"))
    if ctx.request.method == "GET":
        if ctx.user is not None:
            return ctx.redirect(back or domain.HOME[ctx.user.role])
        return ctx.render("login.html", next=back or "", expired=bool(ctx.request.args.get(
            "expired")))
    username = ctx.request.form.get("username", "").strip()
    with ctx.settings.store.transaction() as db:
        result = accounts.log_in(db, ctx.now, username, ctx.request.form.get("password", ""),
                                 ctx.settings.policy, ctx.request.remote_addr)
    if result.user is not None:
        ctx.log_in(result.user)
        ctx.audit("login", result.user.username, "ok")
        return ctx.redirect(back or domain.HOME[result.user.role])
    if result.locked_until is not None:
        outcome, status = "locked", 429
        message = ctx.gettext(N_("Too many failed logins: this account is locked until "
                                 "%(time)s. Try again then, or ask the district office to "
                                 "reset the password.")) % {
            "time": ctx.settings.clock.when(result.locked_until)}
    elif result.disabled:
        outcome, status = "disabled", 403
        message = ctx.gettext(N_("This account is disabled; ask the district office."))
    else:
        outcome, status = "refused", 401
        message = ctx.gettext(N_("Wrong username or password."))
    ctx.audit("login", username, outcome, username=username or "-")
    return ctx.render("login.html", status=status, next=back or "", message=message,
                      values={"username": username})


@page("/logout", methods=("POST",), roles=domain.ROLES)
def logout(ctx: Context) -> Response:
    ctx.audit("logout", None, "ok")
    ctx.log_out()
    return ctx.redirect("/login")


@page("/health")
def health(ctx: Context) -> Response:
    with ctx.settings.store.transaction() as db:
        db.execute(text("SELECT 1"))
    return Response(json.dumps({"status": "ok", "service": "console"}),
                    mimetype="application/json")
