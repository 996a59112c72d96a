"""``lianxin users``: the web console's accounts, on its own database
(``CONSOLE_DATABASE_URL``): add, disable, enable, reset a password, list, and the
sample directory's users."""
from __future__ import annotations

import secrets
from contextlib import contextmanager

import click
from rich.console import Console
from rich.table import Table

from lianxin import clock
from services.console import accounts, domain, security
from services.console.places import Places

OPERATOR = "operator"        # who the audit says made a change from the command line


@contextmanager
def _store(config):
    store = accounts.Store(config["DATABASES"]["console"])
    try:
        with store.transaction() as session:
            yield session
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()


def _known(config):
    places = Places.read(config["DIRECTORY_FILE"])
    return list(places.ladder.stations), list(places.departments)


def _password(given):
    return given or secrets.token_urlsafe(9)


@click.group()
def users():
    """The web console's accounts (passwords hashed with Argon2)."""


@users.command()
@click.argument("username")
@click.option("--name", "display_name", required=True,
              help="The name the issue's history shows, e.g. 张某.")
@click.option("--role", type=click.Choice(domain.ROLES), required=True)
@click.option("--unit", help="The station id (st-…) or department code, for those roles.")
@click.option("--password", help="Chosen for the user; without it one is made and shown.")
@click.pass_obj
def add(config, username, display_name, role, unit, password):
    """Add an account."""
    stations, departments = _known(config)
    chosen = _password(password)
    with _store(config) as session:
        accounts.add_user(session, clock.now(), username=username, display_name=display_name,
                          role=role, unit=unit, password=chosen, stations=stations,
                          departments=departments)
        accounts.audit(session, clock.now(), OPERATOR, "user_add", username, "ok", role)
    click.echo(f"added {username} ({role}{' ' + unit if unit else ''})" +
               ("" if password else f"; password: {chosen}"))


@users.command()
@click.argument("username")
@click.pass_obj
def disable(config, username):
    """Disable an account; its sessions end at once."""
    _set_disabled(config, username, True)


@users.command()
@click.argument("username")
@click.pass_obj
def enable(config, username):
    """Enable a disabled account again."""
    _set_disabled(config, username, False)


def _set_disabled(config, username, disabled):
    action = "disabled" if disabled else "enabled"
    with _store(config) as session:
        accounts.set_disabled(session, clock.now(), username, disabled)
        accounts.audit(session, clock.now(), OPERATOR, f"user_{action[:-1]}", username, "ok")
    click.echo(f"{username} {action}")


@users.command()
@click.argument("username")
@click.option("--password", help="The new password; without it one is made and shown.")
@click.pass_obj
def reset(config, username, password):
    """Give an account a new password; its sessions end and its lockout is lifted."""
    chosen = _password(password)
    with _store(config) as session:
        accounts.reset_password(session, clock.now(), username, chosen)
        accounts.audit(session, clock.now(), OPERATOR, "user_reset", username, "ok")
    click.echo(f"{username}: password reset" + ("" if password else f"; password: {chosen}"))


@users.command("list")
@click.pass_obj
def list_(config):
    """Every account: role, unit, whether it is disabled."""
    table = Table("username", "name", "role", "unit", "state", title="console users",
                  title_justify="left")
    with _store(config) as session:
        for row in accounts.users(session):
            table.add_row(row.username, row.display_name, row.role, row.unit or "",
                          "disabled" if row.disabled else "active")
    Console().print(table if table.row_count else "no users")


@users.command()
@click.pass_obj
def sample(config):
    """Add the sample directory's users (public passwords, like the sample keys)."""
    Console().print(sample_table(add_samples(config)))


def add_samples(config):
    """The sample users, made where missing: ``[(row, password or None)]``, the
    password None where an operator has changed it since."""
    stations, departments = _known(config)
    with _store(config) as session:
        rows = accounts.add_samples(session, clock.now(), stations, departments)
        made = [row.username for row, new in rows if new]
        if made:
            accounts.audit(session, clock.now(), OPERATOR, "user_sample", None, "ok",
                           ", ".join(made))
    shown = []
    for row, _ in rows:
        password = accounts.sample_password(row.username)
        kept = security.password_matches(row.password_hash, password)
        shown.append((row, password if kept else None))
    return shown


def sample_table(rows):
    table = Table("username", "password", "name", "role", "unit",
                  title="console sample users (public passwords)", title_justify="left")
    for row, password in rows:
        table.add_row(row.username, password or "(changed)", row.display_name, row.role,
                      row.unit or "")
    return table
