"""``lianxin dead-letters``: list, replay or discard what a service could not handle.

Works on each service's own database and on the broker directly, so it works while
the service is stopped; a replayed message waits on the service's queue.
"""
import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import inspect

from lianxin import config as configuration
from lianxin import deadletters
from lianxin.db import make_engine, service_base, utcnow

SERVICE = click.Choice(configuration.SERVICES)
TABLE = service_base().metadata.tables["dead_letters"]


def _selection(func):
    func = click.option("--service", "services", type=SERVICE, multiple=True,
                        help="Only this service (repeatable); all four by default.")(func)
    func = click.option("--id", "ids", type=int, multiple=True, help="Only this dead letter.")(func)
    func = click.option("--event-type", help="Only dead letters of this event.")(func)
    return click.option("--status", type=click.Choice(("dead", "parked", "replayed", "discarded")),
                        help="Only dead letters in this state.")(func)


@click.group("dead-letters")
def dead_letters():
    """What each service could not handle: list, replay through the inbox, discard."""


@dead_letters.command("list")
@_selection
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
@click.pass_obj
def list_(config, services, ids, event_type, status, limit):
    """Dead and parked letters, newest first."""
    table = Table("service", "id", "status", "tries", "event", "received", "error",
                  title="dead letters", title_justify="left")
    count = 0
    for service, rows in _rows(config, services, ids, event_type, status, limit):
        for row in rows:
            count += 1
            table.add_row(service, str(row["id"]), row["status"], str(row["attempts"]),
                          row["event_type"], row["received_at"].isoformat(timespec="seconds"),
                          row["error"][:80])
    Console().print(table if count else "no dead letters")


@dead_letters.command()
@_selection
@click.pass_obj
def replay(config, services, ids, event_type, status):
    """Send dead or parked letters to their queue again (a repeat does nothing)."""
    _settle(config, services, ids, event_type, status, "replay")


@dead_letters.command()
@_selection
@click.pass_obj
def discard(config, services, ids, event_type, status):
    """Mark dead or parked letters as not to be replayed."""
    _settle(config, services, ids, event_type, status, "discard")


def _rows(config, services, ids, event_type, status, limit):
    for service in services or configuration.SERVICES:
        engine = _engine(config, service)
        try:
            with engine.connect() as connection:
                yield service, deadletters.listing(connection, TABLE, status, event_type,
                                                   list(ids), limit)
        finally:
            engine.dispose()


def _settle(config, services, ids, event_type, status, action):
    if not (ids or event_type or status):
        raise click.UsageError("name --id, --event-type or --status (what to act on)")
    if ids and len(services) != 1:
        raise click.UsageError("--id needs exactly one --service: ids are per service")
    for service in services or configuration.SERVICES:
        engine = _engine(config, service)
        try:
            with engine.begin() as connection:
                done, refused = deadletters.settle(
                    connection, TABLE, action, service, config["AMQP_URI"], utcnow(),
                    ids=ids, event_type=event_type, status=status, limit=10000)
        finally:
            engine.dispose()
        click.echo(f"{service}: {len(done)} {action}ed"
                   + "".join(f"\n  #{i} not {action}ed: {why}" for i, why in refused.items()))


def _engine(config, service):
    """The service's database, which must already have its tables."""
    engine = make_engine(config["DATABASES"][service])
    if not inspect(engine).has_table("dead_letters"):
        engine.dispose()
        raise click.ClickException(f"{service}'s database has no tables yet: start the "
                                   "service once, or run `lianxin migrate`")
    return engine
