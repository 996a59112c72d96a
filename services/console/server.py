"""``lianxin serve console``: the console's WSGI application under eventlet's server."""
from __future__ import annotations

import logging
from typing import Any

from lianxin import clock
from services.console import accounts, i18n, security
from services.console.api import Api, read_keys, service_urls
from services.console.places import Places
from services.console.web import Console, Settings

log = logging.getLogger(__name__)


def settings(config: dict[str, Any]) -> Settings:
    """Everything the console reads at start: a missing or broken file, a refused
    secret or an unknown language is an error here, before it serves."""
    console = config["CONSOLE"]
    clock.configure(config)
    secret = str(console.get("secret") or "")
    security.check_secret(secret, config.get("ENVIRONMENT") or "production")
    language = str(console.get("language") or "zh_CN")
    return Settings(api=Api(service_urls(config), read_keys(config["API_KEYS_FILE"])),
                    store=accounts.Store(config["DATABASES"]["console"]),
                    signer=security.Signer(secret),
                    policy=accounts.Policy.from_config(console),
                    translations=i18n.translations(language),
                    clock=i18n.Clock(config["TIMEZONE"], language),
                    places=Places.read(config["DIRECTORY_FILE"]),
                    now=clock.now, language=language,
                    secure_cookies=_true(console.get("secure_cookies")))


def _true(value: Any) -> bool:
    """A yes-or-no setting as the environment gives it: true/false, yes/no, 1/0."""
    text = str(value or "false").strip().lower()
    if text not in ("true", "yes", "1", "false", "no", "0"):
        raise ValueError(f"CONSOLE_SECURE_COOKIES {value!r} is not true or false")
    return text in ("true", "yes", "1")


def serve(config: dict[str, Any], made: Settings) -> None:
    """Serve until the process is stopped (SIGTERM or Ctrl-C)."""
    import eventlet
    import eventlet.wsgi
    address = (config["HOST"], int(config["PORTS"]["console"]))
    listener = eventlet.listen(address)
    log.info("console listening on http://%s:%s", *address)
    eventlet.wsgi.server(listener, Console(made), log_output=False,
                         max_size=int(config["max_workers"]) * 10)
