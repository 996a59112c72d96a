"""The console's web layer: one WSGI application of server-rendered pages.

Each page is a function registered with ``@page(rule, methods, roles)``: ``roles`` None
is a page for anyone (the voter's, the login), a tuple the roles that may open it. The
application finds the user of the session cookie, sends one who has none (or whose
session ran out) to the login page and back, refuses another role's page, checks the
CSRF token of every POST, and turns a service's refusal or silence into a page.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as NoSuchPage
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from services.console import accounts, domain, forms, labels, security
from services.console.api import Answer, Api, Caller, Unreachable
from services.console.i18n import N_, Clock
from services.console.places import Places

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
SESSION_COOKIE = "lianxin_session"
VISITOR_COOKIE = "lianxin_visitor"
VISITOR_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class Page:
    rule: str
    methods: tuple[str, ...]
    roles: tuple[str, ...] | None
    handler: Callable[..., Response]


PAGES: dict[str, Page] = {}


def page(rule: str, methods: tuple[str, ...] = ("GET",),
         roles: tuple[str, ...] | None = None) -> Callable[[Callable[..., Response]],
                                                            Callable[..., Response]]:
    """Register a page: its address, methods, and the roles that may open it."""
    def register(handler: Callable[..., Response]) -> Callable[..., Response]:
        name = f"{handler.__module__.rsplit('.', 1)[-1]}.{handler.__name__}"
        PAGES[name] = Page(rule, methods, roles, handler)
        return handler
    return register


class Refused(Exception):
    """A page the user may not see: 403 (not theirs), or 404 (none, or another's)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Settings:
    api: Api
    store: accounts.Store
    signer: security.Signer
    policy: accounts.Policy
    translations: Any
    clock: Clock
    places: Places
    now: Callable[[], datetime]
    language: str = "zh_CN"
    secure_cookies: bool = False       # cookies sent over HTTPS only (behind a TLS proxy)


class Console:
    """The WSGI application."""

    def __init__(self, settings: Settings) -> None:
        from services.console import pages  # noqa: F401  (registers every page)
        self.settings = settings
        self.urls = Map([Rule(p.rule, endpoint=name, methods=list(p.methods))
                         for name, p in PAGES.items()], strict_slashes=False)
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(["html"]),
                                     extensions=["jinja2.ext.i18n"], trim_blocks=True,
                                     lstrip_blocks=True)
        self.templates.install_gettext_translations(settings.translations,  # type: ignore[attr-defined]
                                                    newstyle=True)
        gettext = settings.translations.gettext
        self.templates.globals.update(
            label=lambda kind, code: gettext(labels.label(kind, code)) if code else "",
            when=settings.clock.when, day=settings.clock.day, places=settings.places,
            new_form_id=lambda: uuid.uuid4().hex, language=settings.language.replace("_", "-"),
            choices=self.choices)
        static: dict[str, str | tuple[str, str]] = {"/static": str(HERE / "static")}
        self.wsgi = SharedDataMiddleware(self.app, static)

    def choices(self, kind: str, only: Collection[str] | None = None,
                leave_out: Collection[str] = ()) -> list[tuple[str, str]]:
        """A select's options: the codes of a kind of ``labels`` and their texts."""
        gettext = self.settings.translations.gettext
        return [(code, gettext(text)) for code, text in labels.LABELS[kind].items()
                if (only is None or code in only) and code not in leave_out]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.wsgi(environ, start_response)

    def app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.handle(request)(environ, start_response)

    def handle(self, request: Request) -> Response:
        ctx = Context(self, request)
        try:
            response = self.dispatch(ctx)
        except Refused as exc:
            response = ctx.error(exc.status, exc.message)
        except Unreachable as exc:
            log.warning("a service did not answer: %s", exc)
            response = ctx.error(503, N_("A service of Lianxin did not answer. Try again in "
                                         "a moment; nothing was changed by this page."))
        except domain.ReadOnly:
            response = ctx.error(403, N_("A director reads; changes are made by the district "
                                         "office."))
        except domain.NoKey as exc:
            log.error("cannot call on %s's behalf: %s", ctx.user and ctx.user.username, exc)
            response = ctx.error(500, N_("The console has no API key for your station or "
                                         "department; ask the operator."))
        return ctx.finish(response)

    def dispatch(self, ctx: Context) -> Response:
        try:
            endpoint, values = self.urls.bind_to_environ(ctx.request.environ).match()
        except MethodNotAllowed:
            raise Refused(405, N_("This page does not take that request.")) from None
        except NoSuchPage:
            raise Refused(404, N_("There is no such page, or it is not yours.")) from None
        except HTTPException as exc:       # a redirect to the address with its slash
            return exc.get_response(ctx.request.environ)  # type: ignore[return-value]
        found = PAGES[str(endpoint)]
        ctx.open_session()
        if found.roles is not None:
            if ctx.user is None:
                return ctx.to_login()
            if ctx.user.role not in found.roles:
                raise Refused(403, N_("This page is for another role."))
        if ctx.request.method == "POST" and not ctx.csrf_ok():
            raise Refused(403, N_("The form has expired or did not come from this site. "
                                  "Open the page again and resend it."))
        return found.handler(ctx, **values)


@dataclass
class Context:
    """One request as a page sees it: the user, their calls, the page to render."""
    console: Console
    request: Request
    user: domain.User | None = None
    session_token: str | None = None
    expired: bool = False
    visitor: str | None = None
    cookies: list[tuple[str, str | None, int]] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return self.console.settings

    @property
    def api(self) -> Caller:
        return self.settings.api.as_user(self.user)

    @property
    def now(self) -> datetime:
        return self.settings.now()

    @property
    def this_month(self) -> str:
        """This month in the console's time zone, as ``2026-11``."""
        return f"{self.settings.clock.local(self.now):%Y-%m}"

    @property
    def today(self) -> str:
        """Today in the console's time zone, as ``2026-11-28``."""
        return f"{self.settings.clock.local(self.now).date()}"

    def gettext(self, message: str) -> str:
        return str(self.settings.translations.gettext(message))

    # sessions and CSRF -------------------------------------------------------
    def open_session(self) -> None:
        signer = self.settings.signer
        token = signer.unsign(self.request.cookies.get(SESSION_COOKIE))
        if token:
            with self.settings.store.transaction() as db:
                seen = accounts.find_session(db, self.now, token, self.settings.policy)
            self.user, self.expired = seen.user, seen.expired
            self.session_token = token if seen.user else None
            if seen.user is None:
                self.cookies.append((SESSION_COOKIE, None, 0))
        self.visitor = signer.unsign(self.request.cookies.get(VISITOR_COOKIE))

    def binding(self) -> str:
        """What this browser's CSRF tokens are bound to: its session, or before login
        its visitor cookie (made now if it has none)."""
        if self.session_token:
            return self.session_token
        if self.visitor is None:
            self.visitor = security.new_token()
            self.cookies.append((VISITOR_COOKIE, self.visitor, VISITOR_SECONDS))
        return self.visitor

    def csrf_ok(self) -> bool:
        binding = self.session_token or self.visitor
        return self.settings.signer.csrf_ok(binding, self.request.form.get("csrf_token"))

    def log_in(self, user: domain.User) -> None:
        with self.settings.store.transaction() as db:
            token = accounts.start_session(db, self.now, user)
        self.user, self.session_token = user, token

    def log_out(self) -> None:
        with self.settings.store.transaction() as db:
            accounts.end_session(db, self.now, self.session_token)
        self.user, self.session_token = None, None
        self.cookies.append((SESSION_COOKIE, None, 0))

    def to_login(self) -> Response:
        """To the login page, and back here (or to the page a form was sent from)."""
        back = self.request.full_path.rstrip("?") if self.request.method == "GET" else \
            domain.safe_next(_local_path(self.request.referrer)) or "/"
        query = {"next": back, **({"expired": "1"} if self.expired else {})}
        return self.redirect("/login?" + urlencode(query))

    # answers ------------------------------------------------------------------------
    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        values.setdefault("errors", {})
        values.setdefault("values", {})
        html = self.console.templates.get_template(template).render(
            user=self.user, csrf=_Lazy(lambda: self.settings.signer.csrf(self.binding())),
            path=self.request.path, query=self.request.args, actor_name=self.actor_name,
            **values)
        return Response(html, status=status, mimetype="text/html")

    def form_page(self, template: str, sent: Sent | None = None, **values: Any) -> Response:
        """A page with forms: as asked (200, saying what was just ``done``), or after a
        refused form (422) with that form as typed and its errors."""
        state: dict[str, Any] = sent.state() if sent else {}
        return self.render(template, status=422 if sent else 200,
                           done=self.request.args.get("done"), **values, **state)

    def actor_name(self, reference: str | None) -> str | None:
        """The name of the user a step's ``actor`` refers to (the console's users only)."""
        user_id = domain.actor_id(reference)
        if user_id is None:
            return None
        with self.settings.store.transaction() as db:
            return accounts.display_name(db, user_id)

    def redirect(self, location: str) -> Response:
        return Response(status=303, headers={"Location": location})

    def error(self, status: int, message: str) -> Response:
        return self.render("error.html", status=status, status_code=status, message=message)

    def finish(self, response: Response) -> Response:
        lifetime = int(self.settings.policy.session_lifetime.total_seconds())
        if self.session_token:
            self.cookies.append((SESSION_COOKIE, self.session_token, lifetime))
        for name, token, max_age in self.cookies:
            if token is None:
                response.delete_cookie(name, path="/", httponly=True, samesite="Lax")
            else:
                response.set_cookie(name, self.settings.signer.sign(token), max_age=max_age,
                                    path="/", httponly=True, samesite="Lax",
                                    secure=self.settings.secure_cookies)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    # the audit and the services' answers ---------------------------------------------
    def audit(self, action: str, target: str | None, outcome: str,
              detail: str | None = None, username: str | None = None) -> None:
        """Who pressed what: the user (or ``-``, a voter), the action, its target and
        outcome."""
        who = username or (self.user.username if self.user else "-")
        with self.settings.store.transaction() as db:
            accounts.audit(db, self.now, who, action, target, outcome, detail)

    @property
    def nobody(self) -> Caller:
        """Calls as nobody: the voter's pages, whoever opens them."""
        return self.settings.api.as_user(None)

    def submit(self, form_name: str, service: str, path: str, target: str,
               extra: Mapping[str, Any] | None = None, as_voter: bool = False,
               form: forms.Form | None = None) -> Sent:
        """Send a form (``forms.FORMS[form_name]``, or a page's own ``form``) to its
        service on the user's behalf (or the voter's), audited; the refusal, if any,
        mapped to the form's inputs."""
        form = form or forms.FORMS[form_name]
        values = form.values(self.request.form)
        body = {**form.payload(values), **(extra or {})}
        caller = self.nobody if as_voter else self.api
        answer = caller.post(service, path, body,
                             idempotency_key=self.request.form.get("form_id") or None)
        self.audit(form_name, target, "ok" if answer.ok else str(answer.status),
                   username="-" if as_voter else None)
        return Sent(form_name, answer, values, errors_of(form, answer))

    def settle(self, sent: Sent, back: str, again: Callable[[Sent], Response]) -> Response:
        """After a form: back to its page saying what was done, or the page again with
        the form as typed and its errors."""
        if sent.ok:
            return self.redirect(f"{back}?done={sent.form}")
        return again(sent)

    def read(self, answer: Answer) -> Any:
        """The data of a GET's answer; a refusal (another's, or none) is a 404 page."""
        if answer.ok:
            return answer.data
        if answer.status in (401, 403, 404):
            raise Refused(404, N_("There is no such page, or it is not yours."))
        raise Refused(answer.status, N_("The request was not understood."))


@dataclass(frozen=True)
class Sent:
    """A form sent to a service: its answer, the values as typed, errors by input."""
    form: str
    answer: Answer
    values: dict[str, str]
    errors: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return self.answer.ok

    def state(self) -> dict[str, Any]:
        """What the page needs to show the form again: ``form``, ``values``, ``errors``."""
        return {"failed_form": self.form, "values": self.values, "errors": self.errors}


def errors_of(form: forms.Form, answer: Answer) -> dict[str, list[str]]:
    if answer.ok:
        return {}
    if answer.status == 409:
        return {forms.FORM_LEVEL: [labels.label("done", "refused")]}
    if answer.status in (401, 403, 404):
        raise Refused(404, N_("There is no such page, or it is not yours."))
    return form.errors(answer.fields) or {forms.FORM_LEVEL: [N_("Check this field.")]}


class _Lazy:
    """A CSRF token made when a page shows it: a page without a form (an error page a
    browser fetches beside another, say) sets no visitor cookie to race the other's."""

    def __init__(self, make: Callable[[], str]) -> None:
        self.make = make

    def __str__(self) -> str:
        return self.make()

    __html__ = __str__


def _local_path(url: str | None) -> str | None:
    """The path and query of a URL of this site (a Referer), or None."""
    if not url:
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
