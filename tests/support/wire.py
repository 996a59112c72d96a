"""What a PostgreSQL engine's connections send to the server, one entry per message."""
import psycopg2.extensions
from sqlalchemy import event


def messages(engine):
    """A list that gathers, from now on, each message ``engine``'s connections send (as
    psycopg2 sends it), from their next checkout."""
    sent = []

    class Recording(psycopg2.extensions.cursor):
        def execute(self, query, vars=None):
            sent.append(self.mogrify(query, vars))
            return super().execute(query, vars)

    event.listen(engine, "checkout", lambda raw, *_: setattr(raw, "cursor_factory", Recording))
    return sent
