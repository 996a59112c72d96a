"""Scratch PostgreSQL databases for the benches: ``scratchdb.py SERVER NAME create|drop
SERVICE...`` makes (or drops) ``NAME_SERVICE`` for each service, through the server's
``postgres`` database. Exits non-zero when the server does not answer."""
import sys

from sqlalchemy import create_engine, text

server, name, action, *services = sys.argv[1:]
engine = create_engine(server.replace("postgresql://", "postgresql+psycopg2://", 1) + "/postgres",
                       isolation_level="AUTOCOMMIT")
with engine.connect() as db:
    for service in services:
        if action == "create":
            db.execute(text(f'CREATE DATABASE "{name}_{service}"'))
        else:
            db.execute(text(f'DROP DATABASE IF EXISTS "{name}_{service}" WITH (FORCE)'))
