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


@click.group()
@click.option("--config", "config_path", envvar="LIANXIN_CONFIG", default="config.yml",
              show_default=True, help="The configuration file.")
@click.pass_context
def main(ctx, config_path):
    """Lianxin (连心桥): voters' issues from where they are heard to whoever can fix them."""
    ctx.obj = configuration.load(config_path)
    os.environ["LIANXIN_CONFIG"] = config_path


@main.command()
@click.argument("name", type=click.Choice(configuration.SERVICES))
@click.pass_obj
def serve(config, name):
    """Run one service in this process (what each container runs)."""
    import eventlet
    eventlet.monkey_patch()
    import importlib
    import logging.config

    from nameko.cli.run import run as run_services
    logging.config.dictConfig(config["LOGGING"])
    module, cls = SERVICE_CLASSES[name].split(":")
    service = getattr(importlib.import_module(module), cls)
    run_services([service], configuration.for_service(config, name))


@main.command()
@click.pass_obj
def check(config):
    """Check that RabbitMQ answers; exit non-zero with one clear line if not."""
    _require_broker(config)
    click.echo(f"RabbitMQ answers at {_safe_uri(config['AMQP_URI'])}")


@main.command()
@click.pass_obj
def declare(config):
    """Declare every exchange and durable queue of the event contract."""
    from lianxin.bus import declare_topology
    _require_broker(config)
    click.echo(f"declared {declare_topology(config['AMQP_URI'])} queues")


@main.command()
@click.option("--timeout", default=60, show_default=True, help="Seconds to wait for health.")
@click.pass_obj
def run(config, timeout):
    """Run the four services as four processes until Ctrl-C."""
    from lianxin.bus import declare_topology
    _require_broker(config)
    declare_topology(config["AMQP_URI"])
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, frame: stopping.append(number))
    procs = {name: subprocess.Popen([sys.executable, "-m", "lianxin", "serve", name],
                                    start_new_session=True)
             for name in configuration.SERVICES}
    try:
        unhealthy = wait_healthy(config, procs, timeout, stopping)
        if unhealthy and not stopping:
            raise click.ClickException(f"not healthy after {timeout}s: {', '.join(unhealthy)}")
        for name in configuration.SERVICES:
            click.echo(f"{name:<12} {configuration.base_url(config, name, config['HOST'])}")
        click.echo("Lianxin is running; Ctrl-C stops it.")
        while not stopping and all(p.poll() is None for p in procs.values()):
            time.sleep(0.2)
    finally:
        shutdown(procs)
    if not stopping:
        exited = [name for name, proc in procs.items() if proc.returncode != -signal.SIGTERM]
        raise click.ClickException(f"stopped because a service exited: {', '.join(exited)}")
    click.echo("stopped")


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


def _add_tools():
    from lianxin.tools import bench, demo
    main.add_command(demo.demo)
    main.add_command(bench.bench)


_add_tools()
