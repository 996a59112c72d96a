"""A database made to refuse work for real, for the tests that need an outage."""
import contextlib
import sqlite3

from sqlalchemy.engine import make_url

from tests.support.proxy import Proxy


class Outage:
    """Makes one service's database refuse work: SQLite by holding its write lock from
    this process, PostgreSQL by cutting the proxy the service reaches it through."""

    def __init__(self, url):
        self.url, self.proxy = url, None
        if not url.startswith("sqlite"):
            target = make_url(url)
            self.proxy = Proxy(target.port or 5432)
            self.url = target.set(port=self.proxy.port).render_as_string(hide_password=False)

    @contextlib.contextmanager
    def refusing(self):
        if self.proxy is None:
            holder = sqlite3.connect(make_url(self.url).database, timeout=5)
            holder.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                holder.rollback()
                holder.close()
        else:
            self.proxy.cut()
            try:
                yield
            finally:
                self.proxy.restore()

    def close(self):
        if self.proxy is not None:
            self.proxy.close()
