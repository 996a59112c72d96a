"""``lianxin bench``: how fast an issue goes from a voter's submission to a department.

With the four services running, the command

(a) submits N issues over HTTP at the given concurrency, each of category ``funding``
    through the ``online`` channel, so each starts open at the district;
(b) runs a meeting clerk thread that every ~100 ms lists the district's open issues and
    records one meeting referring all of them (at most 1000 per meeting) to the
    category's default department;
(c) polls notify until every submitted issue has a *sent* ``assignment_created``
    notification, and takes each issue's end-to-end latency as that notification's
    ``sent_at`` minus the moment the client began submitting it (both read from this
    machine's clock, as timezone-aware UTC);
(d) measures the raw RabbitMQ rate of the same broker with kombu: publish small JSON
    messages to a fresh exclusive, auto-delete queue (publisher confirms off), then
    consume them all back;
(e) times one sweep of ``--timers`` due time limits on a scratch routing database, and,
    when the system's clock can be moved (``make run``), runs (a)–(c) again while
    routing sweeps as many issues left open at village stations past their limit
    (``lianxin.tools.timerbench``).

The path measured is intake → issue_submitted → routing → (clerk's meeting) →
issue_referred → departments → assignment_created → notify → delivered.
"""
import random
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from rich.console import Console
from rich.table import Table

from lianxin import clock
from lianxin.config import for_service, read_yaml
from lianxin.tools import benchcost
from lianxin.tools.client import (
    Api,
    DemoError,
    Keys,
    month_now,
    progress_bars,
    require_services,
    wait_for,
)
from lianxin.tools.floor import floor
from lianxin.tools.gridbench import grid_figures

CLERK_INTERVAL = 0.1          # seconds between the clerk's looks at the district
MEETING_MAX = 1000            # decisions per meeting (the API's limit)
PAGE = 1000                   # notifications read per poll
POLL_INTERVAL = 0.25
FLOOR_EVENTS = 2000           # events published and consumed for the floor's figure
SETTLE_LIMIT = 900            # seconds to wait for earlier work to drain before a run
DEADLINE_BASE = 30.0          # seconds, plus DEADLINE_PER_ISSUE per issue
DEADLINE_PER_ISSUE = 0.2
CATEGORY, CHANNEL, EVENT = "funding", "online", "assignment_created"
TITLES = ["{place}产业路项目资金申请", "{place}饮水工程资金缺口", "{place}集体经济项目扶持申请",
          "{place}文化广场建设资金不足"]
NAMES = ["王秀英", "李建国", "张春花", "刘德胜", "陈玉兰", "杨文华", "赵永福", "周晓燕"]


def _replicas(values):
    """``{"routing#2": "http://..."}`` from ``--replica routing#2=http://...``."""
    found = {}
    for value in values:
        label, _, url = value.partition("=")
        service = label.partition("#")[0]
        if service not in benchcost.SERVICES or "#" not in label or not url.startswith("http"):
            raise click.BadParameter(f"{value!r} is not NAME#N=URL with NAME one of "
                                     f"{', '.join(benchcost.SERVICES)}", param_hint="--replica")
        found[label] = url.rstrip("/")
    return found


def utcnow():
    """Now on the services' clock (moved forward by ``make demo`` and the sweep figure)."""
    return clock.now()


class Clerk(threading.Thread):
    """Refers the bench's own issues open at the district, one meeting per look, until
    stopped; every other issue (the demo's, real ones) is left alone."""

    def __init__(self, api, key, district, held_on, mine):
        super().__init__(name="meeting-clerk", daemon=True)
        self.api, self.key, self.district, self.held_on = api, key, district, held_on
        self.mine = mine            # ids of the issues this bench submitted
        self.stopping = threading.Event()
        self.meetings = self.referred = self.failures = 0
        self.last_error = None

    def run(self):
        while not self.stopping.wait(CLERK_INTERVAL):
            try:
                waiting = self.api.get("routing", f"/stations/{self.district}/issues",
                                       key=self.key,
                                       params={"status": "open", "category": CATEGORY})
                if not waiting:
                    continue
                decisions = [{"issue_id": row["id"], "action": "refer"}
                             for row in waiting if row["id"] in self.mine][:MEETING_MAX]
                if not decisions:
                    continue
                self.api.post("routing", "/meetings",
                              {"held_on": self.held_on, "decisions": decisions},
                              key=self.key, expect=(201,))
                self.meetings += 1
                self.referred += len(decisions)
            except DemoError as exc:        # try again at the next look
                self.failures += 1
                self.last_error = exc.message

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)


def village_names(config):
    """``[(code, name), ...]`` of every village the directory knows."""
    return [(str(v["code"]), v["name"]) for t in read_yaml(config["DIRECTORY_FILE"])["towns"]
            for v in t.get("villages", [])]


def backend(config, services=benchcost.SERVICES):
    """The services' database engine, as the bench measured it."""
    urls = {name: str(config["DATABASES"][name]) for name in services}
    kinds = sorted({url.split(":", 1)[0] for url in urls.values()})
    named = {"sqlite": "SQLite", "postgresql": "PostgreSQL (psycopg2)",
             "postgresql+psycopg2": "PostgreSQL (psycopg2)"}
    return ", ".join(named.get(kind, kind) for kind in kinds)


def percentile(values, p):
    """The ``p``-th percentile (0-100) of ``values``, interpolated."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def submissions(api, villages, count, concurrency, progress, mine, seed=2026,
                category=CATEGORY, label="submitting", rate=None):
    """Submit ``count`` issues, as fast as ``concurrency`` allows or (``rate``) at that
    many a second, each at its own moment whatever the answers before it (an open
    loop); ``{issue id: (started, finished)}`` and the failures."""
    rng = random.Random(seed)
    bodies = []
    for index in range(count):
        code, place = rng.choice(villages)
        phone = "139" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        bodies.append({"channel": CHANNEL, "category": category, "village_code": code,
                       "title": rng.choice(TITLES).format(place=place),
                       "description": f"{place}群众反映的项目资金问题（压测第 {index + 1} 件）。",
                       "voter": {"name": rng.choice(NAMES), "phone": phone}})

    began = time.monotonic()

    def submit(index, body):
        if rate:
            time.sleep(max(0.0, began + index / rate - time.monotonic()))
        started = utcnow()
        response = api.raw("POST", "intake", "/issues", json=body)
        finished = utcnow()
        if response.status_code != 201:
            return None, started, finished, f"{response.status_code}: {response.text[:300]}"
        return response.json()["id"], started, finished, None

    pace = f"{rate:g}/s" if rate else f"concurrency {concurrency}"
    task = progress.add_task(f"{label} ({pace})", total=count)
    times, failures = {}, []
    with ThreadPoolExecutor(concurrency, thread_name_prefix="submit") as pool:
        for future in as_completed([pool.submit(submit, index, body)
                                    for index, body in enumerate(bodies)]):
            try:
                issue_id, started, finished, error = future.result()
            except DemoError as exc:
                issue_id, error = None, exc.message
            if issue_id is None:
                failures.append(error)
            else:
                times[issue_id] = (started, finished)
                mine.add(issue_id)
            progress.advance(task)
    return times, failures


def wait_notified(api, key, wanted, deadline, progress, concurrency, told=None):
    """``{issue id: sent_at}`` of the first sent assignment_created of each wanted issue;
    ``told`` (if given) gathers the ids of every such message seen, by issue.

    Reads new messages with a cursor (``after_id``, which never passes a message
    committed later) so each poll is small; messages seen before they were sent are
    asked for again by issue."""
    task = progress.add_task("waiting for departments to be told", total=len(wanted))
    sent, unsent, cursor = {}, set(), 0
    with ThreadPoolExecutor(concurrency, thread_name_prefix="poll") as pool:
        while True:
            rows = api.get("notify", "/notifications", key=key,
                           params={"event_type": EVENT, "after_id": cursor, "limit": PAGE})
            cursor = max([cursor] + [row["id"] for row in rows])
            _collect(sent, wanted, rows, told)
            unsent |= {row["issue_id"] for row in rows if row["issue_id"] in wanted} - set(sent)

            def one(issue_id):
                return api.get("notify", "/notifications", key=key,
                               params={"event_type": EVENT, "issue_id": issue_id})
            for result in pool.map(one, sorted(unsent)):
                _collect(sent, wanted, result, told)
            unsent -= set(sent)
            progress.update(task, completed=len(sent))
            if len(sent) == len(wanted) or time.monotonic() >= deadline:
                return sent
            if len(rows) < PAGE:
                time.sleep(POLL_INTERVAL)


def _collect(sent, wanted, rows, told=None):
    for row in rows:
        issue_id = row["issue_id"]
        if told is not None and issue_id in wanted:
            told.setdefault(issue_id, set()).add(row["id"])
        if issue_id in wanted and row.get("sent_at"):
            at = datetime.fromisoformat(row["sent_at"])
            if issue_id not in sent or at < sent[issue_id]:
                sent[issue_id] = at


def queued(uri):
    """Events waiting in the services' queues (ready, not yet delivered)."""
    from kombu import Connection

    from lianxin.bus import topology
    with Connection(uri, connect_timeout=5) as connection:
        channel = connection.default_channel
        return sum(channel.queue_declare(queue=queue.name, passive=True).message_count
                   for queue in topology())


def settle(uri, console, limit=SETTLE_LIMIT):
    """Wait until the services have no events queued, so that a run counts only its own
    work (a run before it, or the time limits it made due, can leave thousands)."""
    waiting = queued(uri)
    give_up = time.monotonic() + limit
    with console.status("") as status:
        while waiting:
            if time.monotonic() > give_up:
                raise DemoError(f"the services still have {waiting} events queued after "
                                f"{limit}s; a run now would count their work as its own")
            status.update(f"waiting for the services to finish earlier work: {waiting} "
                          "events queued")
            time.sleep(1)
            waiting = queued(uri)


def amqp_rates(uri, count):
    """Messages per second published (confirms off) and consumed back, on a fresh queue."""
    from kombu import Connection, Consumer, Producer, Queue
    name = f"lianxin-bench-{uuid.uuid4().hex[:12]}"
    payload = {"event_id": None, "issue_id": str(uuid.uuid4()), "status": "open", "n": 0}
    with Connection(uri, connect_timeout=5) as connection:
        channel = connection.channel()
        queue = Queue(name, routing_key=name, durable=False, exclusive=True, auto_delete=True)
        queue(channel).declare()
        producer = Producer(channel, routing_key=name, serializer="json", auto_declare=False)
        started = time.perf_counter()
        for n in range(count):
            payload["n"] = n
            producer.publish(payload, routing_key=name)
        # Published is when the broker holds them all (confirms are off).
        give_up = time.monotonic() + 120
        while channel.queue_declare(queue=name, passive=True).message_count < count:
            if time.monotonic() > give_up:
                raise DemoError(f"RabbitMQ did not queue {count} messages within 120s")
            time.sleep(0.005)
        published = time.perf_counter() - started

        received = [0]

        def on_message(body, message):
            received[0] += 1
            message.ack()

        channel.basic_qos(0, 1000, False)
        started = time.perf_counter()
        with Consumer(channel, queues=[queue], callbacks=[on_message], accept=["json"]):
            give_up = time.monotonic() + 120
            while received[0] < count:
                if time.monotonic() > give_up:
                    raise DemoError(f"consumed only {received[0]} of {count} messages in 120s")
                connection.drain_events(timeout=5)
        consumed = time.perf_counter() - started
    return count / published, count / consumed


def measure(api, keys, district, villages, issues, concurrency, console, held_on, seed=2026,
            rate=None):
    """(a)–(c) once: the submissions' times, the notifications' times, what failed, and
    what it cost (``benchcost``)."""
    mine = set()
    settle(api.amqp_uri, console)
    before = benchcost.sample(api)
    clerk = Clerk(api, keys.district, district, held_on, mine)
    allowed = DEADLINE_BASE + DEADLINE_PER_ISSUE * issues
    deadline = time.monotonic() + allowed
    clerk.start()
    told = {}
    try:
        with progress_bars(console, 36) as progress:
            times, failures = submissions(api, villages, issues, concurrency, progress, mine,
                                          seed, rate=rate)
            sent = wait_notified(api, keys.district, set(times), deadline, progress, concurrency,
                                 told)
    finally:
        clerk.stop()
    spent = benchcost.cost(before, benchcost.sample(api), len(sent))
    doubled = sorted(issue for issue, ids in told.items() if len(ids) > 1)
    return Run(times, sent, failures, clerk, allowed, spent, doubled)


@dataclass
class Run:
    times: dict
    sent: dict
    failures: list
    clerk: Clerk
    allowed: float
    spent: benchcost.Cost | None = None
    doubled: list = field(default_factory=list)   # issues whose department was told twice

    @property
    def done(self):
        return [i for i in self.times if i in self.sent]

    def problems(self):
        """What went wrong in the run, a line each: effects doubled, submissions that
        failed, issues whose department was not told in time."""
        found, missing = [], [i for i in self.times if i not in self.sent]
        if self.doubled:
            found.append(f"{len(self.doubled)} issues' departments were told more than once; "
                         f"e.g. {', '.join(self.doubled[:5])}")
        if self.failures:
            found.append(f"{len(self.failures)} of {len(self.times) + len(self.failures)} "
                         f"submissions failed; first: {self.failures[0]}")
        if missing:
            found.append(f"{len(missing)} of {len(self.times)} issues had no sent {EVENT} "
                         f"notification before the deadline ({self.allowed:.0f}s); "
                         f"e.g. {', '.join(missing[:5])}")
            if self.clerk.last_error:
                found.append(f"the clerk's last failure: {self.clerk.last_error}")
        return found

    def latencies(self):
        """Milliseconds from each issue's submission to its department's notification,
        sorted."""
        return sorted((self.sent[i] - self.times[i][0]).total_seconds() * 1000
                      for i in self.done)

    def rate(self):
        """End-to-end issues/s: first submission to last notification."""
        if not self.done:
            return 0.0
        first = min(s for s, _ in self.times.values())
        return len(self.done) / (max(self.sent[i] for i in self.done) - first).total_seconds()


def at_half_the_rate(table, api, keys, district, villages, issues, concurrency, console,
                     held_on, rate):
    """``issues`` more at a fixed ``rate`` (half the maximum just measured): its latency
    and cost as rows of ``table``; what went wrong, if anything."""
    calm = measure(api, keys, district, villages, issues, concurrency, console, held_on,
                   seed=9, rate=rate)
    problems = [f"at half the rate: {problem}" for problem in calm.problems()]
    if not calm.done:
        return problems
    latencies = calm.latencies()
    table.add_row(f"at half that rate, {rate:.1f} issues/s offered: end-to-end issues/s",
                  f"{calm.rate():.1f}")
    table.add_row("  latency p50 / p95 / p99 / max",
                  " / ".join(f"{percentile(latencies, p):.0f}" for p in (50, 95, 99)) +
                  f" / {latencies[-1]:.0f} ms")
    table.add_row("  CPU per issue there", f"{calm.spent.total_cpu_ms:.1f} ms")
    return problems


def while_sweeping(config, api, keys, district, villages, issues, concurrency, console, held_on):
    """End-to-end issues/s while routing sweeps ``issues`` village issues past their limit,
    and the seconds routing took to fire them; None when the clock cannot be moved."""
    if not config.get("TEST_CLOCK_FILE"):
        return None
    if abs(api.get("routing", "/health")["clock"]["moved_by_seconds"] - clock.offset()) > 1:
        return None
    handled = routing_events(api, "handled")
    with progress_bars(console, 36) as progress:
        seeded, _ = submissions(api, villages, issues, concurrency, progress, set(), seed=7,
                                category="roads", label="issues left at village stations")
    wait_for("routing to place them",
             lambda: routing_events(api, "handled") >= handled + len(seeded) or None)
    from services.routing.service import load_routing_data
    data = load_routing_data(for_service(config, "routing"))
    due = data.calendar.add_working_days(clock.now(), data.rules.limits.days("village")).at
    fired = routing_events(api, "timers_fired")
    moved = time.monotonic()
    clock.move(config["TEST_CLOCK_FILE"], to=due + timedelta(minutes=1))
    run = measure(api, keys, district, villages, issues, concurrency, console, held_on, seed=8)
    wait_for("routing to fire them",
             lambda: routing_events(api, "timers_fired") >= fired + len(seeded) or None)
    return run, len(seeded), time.monotonic() - moved


def routing_events(api, figure):
    """An event figure of routing's /health, summed over its replicas."""
    return sum(api.get(name, "/health")["events"][figure] for name in api.processes("routing"))


@click.command()
@click.option("-n", "--issues", default=500, show_default=True, type=click.IntRange(1, 100000),
              help="How many issues to submit.")
@click.option("-c", "--concurrency", default=16, show_default=True, type=click.IntRange(1, 256),
              help="Submissions in flight at once.")
@click.option("--amqp-messages", default=20000, show_default=True,
              type=click.IntRange(1, 10_000_000), help="Messages for the raw RabbitMQ rate.")
@click.option("--timers", default=10000, show_default=True, type=click.IntRange(0, 1_000_000),
              help="Due timers in the one-sweep figure (0: none).")
@click.option("--rate", type=click.FloatRange(0.1, 10000), default=None,
              help="Submit at this many issues a second (a fixed offered rate, for latency) "
                   "instead of as fast as the concurrency allows.")
@click.option("--at-half", is_flag=True,
              help="Then submit as many again at a fixed rate of half the end-to-end rate "
                   "just measured, and show the latency there: the issue's latency target, "
                   "measured in the same run as the maximum it is half of.")
@click.option("--replica", "replicas", multiple=True, metavar="NAME#N=URL",
              callback=lambda ctx, param, value: _replicas(value),
              help="Another process of a service, e.g. routing#2=http://127.0.0.1:8102: its "
                   "CPU, memory and events are shown beside the others (make bench-pg "
                   "REPLICAS=2 passes these).")
@click.pass_obj
def bench(config, issues, concurrency, amqp_messages, timers, rate, at_half, replicas):
    """Measure submission → department-notified throughput and latency, and the
    raw RabbitMQ rate of the same broker."""
    if rate and at_half:
        raise click.UsageError("--at-half measures the maximum first: leave out --rate")
    console = Console()
    try:
        clock.configure(config)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    api = require_services(config, Api(config, pool=concurrency, replicas=replicas))
    keys = Keys(config)
    district = next(s["id"] for s in api.get("routing", "/stations") if s["tier"] == "district")
    villages = village_names(config)

    held_on = month_now(config).date().isoformat()
    run = measure(api, keys, district, villages, issues, concurrency, console, held_on,
                  rate=rate)
    times, sent, clerk = run.times, run.sent, run.clerk
    done = run.done
    first_start = min((s for s, _ in times.values()), default=None)
    last_submitted = max((f for _, f in times.values()), default=None)
    table = Table(title="lianxin bench", title_justify="left", show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("backend", backend(config))
    table.add_row("issues (N)", f"{issues}")
    table.add_row("concurrency", f"{concurrency}")
    if rate:
        table.add_row("offered rate (fixed)", f"{rate:g} issues/s")
    if done:
        last_sent = max(sent[i] for i in done)
        latencies = run.latencies()
        wall = (last_sent - first_start).total_seconds()
        table.add_row("wall time (first submission → last notification)", f"{wall:.2f} s")
        table.add_row("end-to-end issues/s", f"{run.rate():.1f}")
    if times:
        submit_wall = (last_submitted - first_start).total_seconds()
        table.add_row("submission-only requests/s", f"{len(times) / submit_wall:.1f}")
    if done:
        for p in (50, 95, 99):
            table.add_row(f"latency p{p}", f"{percentile(latencies, p):.0f} ms")
        table.add_row("latency max", f"{latencies[-1]:.0f} ms")
    table.add_row("meetings held by the clerk",
                  f"{clerk.meetings} ({clerk.referred} referrals, {clerk.failures} failed)")
    if done:
        for row in benchcost.rows(run.spent, wall):
            table.add_row(*row)
        table.add_row("departments told twice of one issue (an effect doubled)",
                      f"{len(run.doubled)}")

    problems = run.problems()
    if at_half and not problems:
        problems += at_half_the_rate(table, api, keys, district, villages, issues, concurrency,
                                     console, held_on, run.rate() / 2)
    if not problems:
        with console.status(f"RabbitMQ: publishing and consuming {amqp_messages} messages"):
            publish, consume = amqp_rates(config["AMQP_URI"], amqp_messages)
        table.add_row(f"RabbitMQ publish, confirms off ({amqp_messages} msgs)",
                      f"{publish:,.0f} msgs/s")
        table.add_row(f"RabbitMQ consume, acked ({amqp_messages} msgs)", f"{consume:,.0f} msgs/s")
        handled = sum(run.spent.handled.values()) * run.rate()
        table.add_row("events handled by the services / raw consume rate",
                      f"{handled:,.0f} / {consume:,.0f} msgs/s = {handled / consume:.1%}")
        with console.status(f"the floor: {FLOOR_EVENTS} events to a handler doing nothing"):
            least = floor(config["AMQP_URI"], FLOOR_EVENTS, int(config["max_workers"]),
                          benchcost.engine_cpu)
        for row in benchcost.floor_rows(least, run.spent):
            table.add_row(*row)
        if timers:
            from lianxin.tools.timerbench import sweep_rate
            with console.status(f"one sweep of {timers} due timers on a scratch database"):
                fired, wall, cpu = sweep_rate(for_service(config, "routing"), timers)
            table.add_row(f"one sweep of {timers} due timers (each an escalation)",
                          f"{fired / wall:,.0f} timers/s ({1000 * cpu / max(fired, 1):.1f} ms "
                          "CPU each)")
        with console.status("the 321 grid system: a roster of Hanbin's size, then reports"):
            grid = grid_figures(config)
        if isinstance(grid, str):
            table.add_row("grid roster import; webhook deliveries", f"needs {grid}")
        else:
            table.add_row(f"grid roster import ({grid['grids']} grids, {grid['people']} people)",
                          f"{grid['roster_s']:.2f} s")
            table.add_row(f"grid webhook deliveries ({grid['changes']} changes)",
                          f"{grid['changes_per_s']:.1f} changes/s")
        swept = while_sweeping(config, api, keys, district, villages, issues, concurrency,
                               console, held_on)
        if swept is None:
            table.add_row("end-to-end issues/s while routing sweeps",
                          "needs the movable clock of make run")
        else:
            during, count, took = swept
            table.add_row(f"end-to-end issues/s while routing sweeps {count} due timers",
                          f"{during.rate():.1f} (vs {run.rate():.1f}); fired in {took:.1f} s")
            problems += [f"while sweeping: {p}" for p in during.failures[:1]]
    console.print(table)
    if times:
        console.print(f"The bench's {len(times)} issues (their descriptions say 压测) stay in "
                      f"the running system's databases "
                      f"({', '.join(sorted(set(config['DATABASES'].values())))}); run it "
                      "against a system of its own, or `make clean`, to keep them apart.")
    if problems:
        raise DemoError("\n".join(problems))
