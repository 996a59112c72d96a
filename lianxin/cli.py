"""``lianxin``: run the services, declare the bus, feed a demo month, benchmark."""
import os
import signal
import subprocess
import sys
import time

import click

from lianxin import config as configuration

SERVICE_CLASSES = {
    "intake": "services.intake.service:IntakeService",
    "routing": "services.routing.service:RoutingService",
    "departments": "services.departments.service:DepartmentsService",
    "notify": "services.notify.service:NotifyService",
}


# Commands of lianxin.tools load when named: a service's process never imports the
# report writers (openpyxl, matplotlib) or the bench, which cost it about 80 MB.
TOOLS = {"demo": "demo:demo", "users": "users:users", "grid": "gridroster:grid",
         "report": "report:report", "bench": "bench:bench",
         "bench-submissions": "submitbench:bench_submissions",
         "dead-letters": "deadletters:dead_letters"}

# Python's cycle collector scans the young objects every 700 allocations and, now and
# then, every object: a service spent 2-5 % of its CPU there under load. What a process
# has loaded when it starts serving lives as long as it does and is left out of the
# scans (gc.freeze); the young are scanned every 10,000 allocations.
GC_THRESHOLD = (10_000, 20, 20)


class Lianxin(click.Group):
    """The ``lianxin`` group: its own commands, and the tools' loaded on first use."""

    def list_commands(self, ctx):
        return sorted([*super().list_commands(ctx), *TOOLS])

    def get_command(self, ctx, cmd_name):
        if cmd_name not in TOOLS:
            return super().get_command(ctx, cmd_name)
        import importlib
        module, attribute = TOOLS[cmd_name].split(":")
        return getattr(importlib.import_module(f"lianxin.tools.{module}"), attribute)


@click.group(cls=Lianxin)
@click.option("--config", "config_path", envvar="LIANXIN_CONFIG", default="config.yml",
              show_default=True, help="The configuration file.")
@click.pass_context
def main(ctx, config_path):
    """Lianxin (连心桥): voters' issues from where they are heard to whoever can fix them."""
    try:
        ctx.obj = configuration.load(config_path)
    except FileNotFoundError:
        raise click.ClickException(f"the configuration file {config_path} does not "
                                   "exist (--config or LIANXIN_CONFIG names another)") from None
    os.environ["LIANXIN_CONFIG"] = config_path


@main.command()
@click.argument("name", type=click.Choice(configuration.PROCESSES))
@click.pass_obj
def serve(config, name):
    """Run one service, or the web console, in this process (what each container runs)."""
    import eventlet
    eventlet.monkey_patch()      # done already on import of lianxin; repeating is harmless
    import importlib
    import logging.config

    logging.config.dictConfig(config["LOGGING"])
    if name == configuration.CONSOLE:
        _serve_console(config)
        return
    from nameko.cli.run import run as run_services
    module, cls = SERVICE_CLASSES[name].split(":")
    service = getattr(importlib.import_module(module), cls)
    settings = configuration.for_service(config, name)
    _check_reference_data(service, settings)
    collect_garbage_less()
    run_services([service], settings)


def collect_garbage_less():
    """Freeze what is loaded so far out of the collector's scans, and scan the young
    less often (``GC_THRESHOLD``); called once, as a process starts serving."""
    import gc
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def _serve_console(config):
    import yaml

    from services.console import server
    try:
        made = server.settings(config)
    except (OSError, ValueError, KeyError, yaml.YAMLError) as exc:
        detail = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) else exc
        raise click.ClickException(f"console cannot start: {detail}") from None
    collect_garbage_less()
    server.serve(config, made)


def _check_reference_data(service, settings):
    """Read every file the service reads at start, so that a missing or broken one
    stops it with one line naming the file, before anything runs."""
    import yaml

    from lianxin import clock
    from lianxin.reference import Reference
    from lianxin.web import load_keys
    try:
        clock.configure(settings)
        load_keys(settings["API_KEYS_FILE"])
        for value in {v for klass in service.__mro__ for v in vars(klass).values()
                      if isinstance(v, Reference)}:
            value.loader(settings)
    except (OSError, ValueError, KeyError, yaml.YAMLError) as exc:
        detail = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) else exc
        raise click.ClickException(f"{service.name} cannot start: {detail}") from None


@main.command()
@click.pass_obj
def check(config):
    """Check that RabbitMQ answers and which years the working-day calendar lacks;
    exit non-zero with one clear line if RabbitMQ does not answer."""
    _require_broker(config)
    click.echo(f"RabbitMQ answers at {_safe_uri(config['AMQP_URI'])}")
    from lianxin import clock, workdays
    try:
        calendar = workdays.read(config)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"the working-day calendar: {exc}") from None
    this_year, path = clock.now().year, config["CALENDAR_FILE"]
    missing = calendar.missing_years(workdays.years_around(clock.now()))
    click.echo(f"working days known for {this_year}-{this_year + 1}" if not missing else
               f"working days unknown for {', '.join(map(str, missing))}: deadlines there "
               f"count Monday to Friday and are provisional until the year is added to {path}")


@main.command()
@click.pass_obj
def declare(config):
    """Declare every exchange and durable queue of the event contract."""
    from lianxin.bus import QueueTypeMismatch, declare_topology
    _require_broker(config)
    try:
        count = declare_topology(config["AMQP_URI"], config.get("QUEUE_TYPE") or "classic")
    except QueueTypeMismatch as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"declared {count} {config.get('QUEUE_TYPE') or 'classic'} queues")


@main.command()
@click.pass_context
def setup(ctx):
    """Migrate every service's database, then declare the bus (compose's setup step)."""
    ctx.invoke(migrate)
    ctx.invoke(declare)


@main.command()
@click.argument("names", nargs=-1, type=click.Choice(configuration.PROCESSES))
@click.pass_obj
def migrate(config, names):
    """Bring each service's database schema up to date (the four and the console's by
    default).

    Services also migrate when they start, one replica at a time (a lock is held);
    running this first, as compose's setup step does, keeps starts short."""
    from lianxin.db import make_engine, migrations_of
    from lianxin.db import migrate as upgrade
    for name in names or configuration.PROCESSES:
        engine = make_engine(config["DATABASES"][name])
        try:
            upgrade(engine, migrations_of(name))
        finally:
            engine.dispose()
        click.echo(f"{name}: schema up to date")


@main.command()
@click.option("--timeout", default=60, show_default=True, help="Seconds to wait for health.")
@click.option("--sample-users", is_flag=True,
              help="Give the web console the sample users it lacks, and show them.")
@click.pass_obj
def run(config, timeout, sample_users):
    """Run the four services and the web console as five processes until Ctrl-C; one
    that exits is started again (after a pause that grows while it keeps exiting) and
    the others keep serving."""
    from lianxin.bus import QueueTypeMismatch, declare_topology
    _require_free_ports(config)
    _require_broker(config)
    try:
        declare_topology(config["AMQP_URI"], config.get("QUEUE_TYPE") or "classic")
    except QueueTypeMismatch as exc:
        raise click.ClickException(str(exc)) from None
    samples = _sample_users(config) if sample_users else None
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, frame: stopping.append(number))
    procs = {name: _start(name) for name in configuration.PROCESSES}
    restarts = {name: Restarts() for name in configuration.PROCESSES}
    try:
        unhealthy = wait_healthy(config, procs, timeout, stopping)
        if unhealthy and not stopping:
            raise click.ClickException(f"not healthy after {timeout}s: {', '.join(unhealthy)}")
        for name in configuration.PROCESSES:
            click.echo(f"{name:<12} {configuration.base_url(config, name, config['HOST'])}")
        if samples is not None:
            from rich.console import Console
            Console().print(samples)
        click.echo(f"The web console: {configuration.base_url(config, 'console')}/ "
                   "(voters: /track)")
        click.echo("Lianxin is running; Ctrl-C stops it.")
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None and restarts[name].due():
                    click.echo(f"{name} exited ({proc.returncode}); starting it again", err=True)
                    procs[name] = _start(name)
                    restarts[name].started()
            time.sleep(0.2)
    finally:
        shutdown(procs)
    click.echo("stopped")


class Restarts:
    """When a service that exited may be started again: at once the first time, then
    after a pause doubling up to 30 s while it keeps exiting within a minute."""

    def __init__(self):
        self.last, self.pause, self.exited_at = None, 0.0, None

    def due(self):
        now = time.monotonic()
        if self.exited_at is None:
            self.exited_at = now
            recent = self.last is not None and now - self.last < 60
            self.pause = min(30.0, max(1.0, self.pause * 2)) if recent else 0.0
        return now - self.exited_at >= self.pause

    def started(self):
        self.last, self.exited_at = time.monotonic(), None


def _sample_users(config):
    """The web console's sample users, made where missing, as a table to show."""
    from lianxin.tools import users
    return users.sample_table(users.add_samples(config))


def _start(name):
    return subprocess.Popen([sys.executable, "-m", "lianxin", "serve", name],
                            start_new_session=True)


def _require_free_ports(config):
    """Refuse to start a second set of services on ports already taken."""
    import socket
    for name in configuration.PROCESSES:
        port = int(config["PORTS"][name])
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((config["HOST"], port))
            except OSError:
                raise click.ClickException(
                    f"port {port} ({name}) is in use: is Lianxin already running? "
                    f"Stop it, or set {name.upper()}_PORT.") from None


def wait_healthy(config, procs, timeout, stopping):
    """The services not yet answering ``GET /health`` when time ran out or one exited."""
    import requests
    deadline = time.monotonic() + timeout
    waiting = list(procs)
    while waiting and time.monotonic() < deadline and not stopping:
        if any(proc.poll() is not None for proc in procs.values()):
            break
        for name in list(waiting):
            try:
                if requests.get(configuration.base_url(config, name) + "/health", timeout=1).ok:
                    waiting.remove(name)
            except requests.RequestException:
                pass
        time.sleep(0.2)
    return waiting


def shutdown(procs, grace=15):
    """Ask every service to stop; kill what has not stopped after ``grace`` seconds."""
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs.values():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _require_broker(config):
    from kombu import Connection
    uri = config["AMQP_URI"]
    try:
        with Connection(uri, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:
        raise click.ClickException(
            f"RabbitMQ does not answer at {_safe_uri(uri)} ({type(exc).__name__}); start one with "
            "`rabbitmq-server -detached` (or `docker compose up -d rabbitmq`), or set AMQP_URI."
        ) from None


def _safe_uri(uri):
    from kombu.utils.url import maybe_sanitize_url
    return maybe_sanitize_url(uri)
