"""A person at the web console, as far as HTTP goes: a session of cookies, the CSRF
token and form id of the page last opened, and the pages' text."""
import re
from contextlib import contextmanager

import requests

from tests.support.broker import wait_until
from tests.support.processes import System

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')


class Person:
    def __init__(self, url):
        self.url = url
        self.http = requests.Session()
        self.csrf = self.form_id = None
        self.page = ""

    def get(self, path, **kwargs):
        return self._keep(self.http.get(self.url + path, timeout=15, **kwargs))

    def post(self, path, data=None, csrf=True):
        form = {**({"csrf_token": self.csrf} if csrf and self.csrf else {}),
                **({"form_id": self.form_id} if self.form_id else {}), **(data or {})}
        return self._keep(self.http.post(self.url + path, data=form, timeout=15))

    def log_in(self, username, password=None):
        """Log in with the sample password (or ``password``); the home page it opens."""
        self.get("/login")
        response = self.post("/login", {"username": username,
                                        "password": password or f"{username}-sample"})
        assert response.status_code == 200 and "/login" not in response.url, response.text
        return response

    def shows(self, path, text, timeout=15):
        """Open ``path`` until it shows ``text`` (the services work in the background)."""
        return wait_until(lambda: text in self.get(path).text, timeout=timeout, interval=0.3,
                          message=f"{path} shows {text!r}")

    def _keep(self, response):
        self.page = response.text
        found, form_id = CSRF.search(self.page), FORM_ID.search(self.page)
        if found:
            self.csrf = found.group(1)
        self.form_id = form_id.group(1) if form_id else None
        return response


@contextmanager
def console_system(amqp_uri, folder):
    """The four services and the console beside them, with the sample users; their logs
    hold no traceback when it ends."""
    system = System(amqp_uri, folder, env={"ENVIRONMENT": "test"}).with_console()
    try:
        system.start()
        made = system.cli("users", "sample")
        assert made.returncode == 0, made.stderr
        system.start("console")
        yield system
    finally:
        system.stop()
    for name in system.procs:
        assert "Traceback" not in system.log(name), system.log(name)[-4000:]
