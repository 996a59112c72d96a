"""``lianxin bench-submissions``: how many submissions a second intake takes by itself.

It submits N issues over HTTP, as ``lianxin bench`` does, and waits for nothing
after them: the figure is intake's answer to a voter (the issue stored, its
``issue_submitted`` event in the outbox and relayed to RabbitMQ), without the rest of
the pipeline sharing the machine's cores. ``make bench-submit`` runs intake alone on
scratch databases for it; run against ``make run`` it measures intake beside the
pipeline, and says so.

With ``--purge-after`` (``make bench-submit`` passes it) the events the submissions
published are taken out of the queues they went to once intake has published them all:
no routing will ever handle issues of scratch databases. It refuses to start unless
those queues are empty, so it takes out only its own.
"""
import time

import click
from rich.console import Console
from rich.table import Table

from lianxin.tools import benchcost
from lianxin.tools.bench import backend, percentile, submissions, village_names
from lianxin.tools.client import Api, DemoError, health_problem, progress_bars

SERVICE = "intake"
PUBLISH_WAIT = 60.0          # seconds for intake to relay the last submissions' events


def intake_queues():
    """The queues intake's events go to: the consumers' side of its exchange."""
    from nameko.events import get_event_exchange

    from lianxin.bus import topology
    exchange = get_event_exchange(SERVICE, {}).name
    return [queue for queue in topology() if queue.exchange.name == exchange]


def queue_counts(uri, purge=False):
    """Messages ready in each of intake's queues; emptied first with ``purge``."""
    from kombu import Connection
    with Connection(uri, connect_timeout=5) as connection:
        channel = connection.default_channel
        return {queue.name: (channel.queue_purge(queue.name) if purge else
                             channel.queue_declare(queue=queue.name, passive=True).message_count)
                for queue in intake_queues()}


def others_running(api):
    """The services of the pipeline that answer beside intake."""
    return [name for name in benchcost.SERVICES
            if name != SERVICE and health_problem(api, name, timeout=1) is None]


def published(api):
    return api.get(SERVICE, "/health")["events"]["published"]


def wait_published(api, before, count):
    """Wait until intake has relayed ``count`` events more than ``before``."""
    give_up = time.monotonic() + PUBLISH_WAIT
    while published(api) - before < count:
        if time.monotonic() > give_up:
            raise DemoError(f"intake relayed {published(api) - before} of {count} events "
                            f"in {PUBLISH_WAIT:.0f}s")
        time.sleep(0.2)


@click.command("bench-submissions")
@click.option("-n", "--issues", default=2000, show_default=True,
              type=click.IntRange(1, 100000), help="How many issues to submit.")
@click.option("-c", "--concurrency", default=16, show_default=True,
              type=click.IntRange(1, 256), help="Submissions in flight at once.")
@click.option("--rate", type=click.FloatRange(0.1, 10000), default=None,
              help="Submit at this many a second (for latency) instead of as fast as the "
                   "concurrency allows.")
@click.option("--purge-after", is_flag=True,
              help="Take the events the submissions published out of intake's queues "
                   "afterwards (scratch databases only: make bench-submit).")
@click.pass_obj
def bench_submissions(config, issues, concurrency, rate, purge_after):
    """Measure submissions/s and their latency at intake, the rest of the pipeline aside."""
    console = Console()
    api = Api(config, pool=concurrency)
    try:
        api.get(SERVICE, "/health")
    except DemoError as exc:
        raise DemoError(f"intake is not running: {exc.message}\n"
                        "`make bench-submit` runs it alone on scratch databases.") from None
    beside = others_running(api)
    if purge_after and beside:
        raise DemoError(f"{', '.join(beside)} answer beside intake: --purge-after is for intake "
                        "alone on scratch databases (make bench-submit), never a running system")
    if purge_after and (waiting := {q: n for q, n in queue_counts(api.amqp_uri).items() if n}):
        raise DemoError(f"intake's queues already hold events ({waiting}); --purge-after "
                        "would take out more than this bench's own")
    villages = village_names(config)

    before = api.get(SERVICE, "/health")
    engines, client = benchcost.engine_cpu(), benchcost.own_cpu()
    with progress_bars(console, 36) as progress:
        times, failures = submissions(api, villages, issues, concurrency, progress, set(),
                                      rate=rate)
    after = api.get(SERVICE, "/health")
    spent, client = benchcost.engine_cpu(), benchcost.own_cpu() - client
    if purge_after:
        wait_published(api, before["events"]["published"], len(times))
        purged = sum(queue_counts(api.amqp_uri, purge=True).values())

    table = Table(title="lianxin bench-submissions", title_justify="left", show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("backend (intake)", backend(config, [SERVICE]))
    table.add_row("issues (N)", f"{issues}")
    table.add_row("offered rate (fixed)" if rate else "concurrency",
                  f"{rate:g}/s" if rate else f"{concurrency}")
    table.add_row("beside intake", ", ".join(beside) or "nothing else of the pipeline")
    if times:
        first = min(s for s, _ in times.values())
        last = max(f for _, f in times.values())
        latencies = sorted((f - s).total_seconds() * 1000 for s, f in times.values())
        table.add_row("submissions/s", f"{len(times) / (last - first).total_seconds():.1f}")
        for p in (50, 95, 99):
            table.add_row(f"latency p{p}", f"{percentile(latencies, p):.1f} ms")
        table.add_row("latency max", f"{latencies[-1]:.1f} ms")
        per = len(times)
        cpu = after["process"]["cpu_seconds"] - before["process"]["cpu_seconds"]
        table.add_row("intake CPU per submission", f"{1000 * cpu / per:.2f} ms")
        for engine, seconds in spent.items():
            used = 1000 * (seconds - engines.get(engine, seconds)) / per
            if used >= 0.005:
                table.add_row(f"{engine} CPU per submission", f"{used:.2f} ms")
        table.add_row("bench client CPU per submission", f"{1000 * client / per:.2f} ms")
        table.add_row("intake peak RSS", f"{after['process']['peak_rss_mb']:.0f} MB")
    if purge_after:
        table.add_row("events taken out of intake's queues afterwards", f"{purged}")
    console.print(table)
    if beside:
        console.print(f"{', '.join(beside)} ran beside intake and shared the machine: this is "
                      "not submission alone (`make bench-submit` runs intake by itself).")
    if failures:
        raise DemoError(f"{len(failures)} of {issues} submissions failed; first: {failures[0]}")
