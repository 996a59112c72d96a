"""What a bench run cost, and where: each service's CPU time and peak memory and the
events it handled and published (from its ``GET /health``, so a service in a container
counts too), the CPU time of RabbitMQ and PostgreSQL when they run on this machine, and
the bench client's own. A sample is taken before and after a run; the difference,
divided by the issues the run carried, is the cost of one issue."""
from __future__ import annotations

import os
import resource
from dataclasses import dataclass, field

import psutil

SERVICES = ("intake", "routing", "departments", "notify")
ENGINES = {"RabbitMQ": ("beam.smp",), "PostgreSQL": ("postgres", "postmaster")}


@dataclass(frozen=True)
class Sample:
    services: dict[str, dict] = field(default_factory=dict)   # name -> its /health
    engines: dict[str, float] = field(default_factory=dict)   # name -> CPU seconds
    client: float = 0.0                                       # the bench's CPU seconds


def sample(api):
    """The /health of every service and replica, the engines' CPU seconds so far, and
    the bench's own."""
    processes = [name for service in SERVICES for name in api.processes(service)]
    return Sample({name: api.get(name, "/health") for name in processes}, engine_cpu(),
                  own_cpu())


def own_cpu():
    """CPU seconds this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def engine_cpu():
    """CPU seconds used so far by the processes of each engine running on this machine
    (none: the engine is elsewhere, or not visible to this user)."""
    seconds = {}
    for proc in psutil.process_iter(["name", "cpu_times"]):
        for engine, names in ENGINES.items():
            times = proc.info["cpu_times"]
            if proc.info["name"] in names and times is not None:
                seconds[engine] = seconds.get(engine, 0.0) + times.user + times.system
    return seconds


@dataclass(frozen=True)
class Cost:
    """One issue's share of a run: CPU milliseconds by part, events by service."""
    issues: int
    cpu_ms: dict[str, float]            # service, engine or "bench client" -> ms per issue
    handled: dict[str, float]           # service -> events handled per issue
    published: dict[str, float]         # service -> events published per issue
    transactions: dict[str, float]      # service -> transactions handling those events
    confirms: dict[str, float]          # service -> batches its events were published in
    peak_rss_mb: dict[str, float]       # service -> peak resident memory
    restarted: list[str]                # services whose process changed during the run

    @property
    def total_cpu_ms(self):
        return sum(self.cpu_ms.values())


def cost(before, after, issues):
    """What each issue of a run of ``issues`` cost, from the samples around it."""
    per = max(issues, 1)
    cpu, handled, published, transactions, confirms, rss, restarted = {}, {}, {}, {}, {}, {}, []
    for name, then in before.services.items():
        now = after.services[name]
        if now["process"]["pid"] != then["process"]["pid"]:
            restarted.append(name)
            continue
        cpu[name] = 1000 * (now["process"]["cpu_seconds"] - then["process"]["cpu_seconds"]) / per
        handled[name] = (now["events"]["handled"] - then["events"]["handled"]) / per
        published[name] = (now["events"]["published"] - then["events"]["published"]) / per
        transactions[name] = (now["events"].get("handled_in_transactions", 0)
                              - then["events"].get("handled_in_transactions", 0)) / per
        confirms[name] = (now["events"].get("published_in_confirms", 0)
                          - then["events"].get("published_in_confirms", 0)) / per
        rss[name] = now["process"]["peak_rss_mb"]
    for engine, seconds in after.engines.items():
        used = 1000 * (seconds - before.engines.get(engine, seconds)) / per
        if used >= 0.05:            # an engine on this machine that the run did not use
            cpu[engine] = used
    cpu["bench client"] = 1000 * (after.client - before.client) / per
    return Cost(issues, cpu, handled, published, transactions, confirms, rss, restarted)


def rows(spent, wall_seconds):
    """The bench table's rows for a run's cost: the CPU per issue by part, the share of the
    machine's cores it kept busy, the events per issue and each service's peak memory."""
    parts = ", ".join(f"{name} {ms:.1f}" for name, ms in
                      sorted(spent.cpu_ms.items(), key=lambda item: -item[1]))
    cores = spent.total_cpu_ms * spent.issues / 1000 / max(wall_seconds, 1e-9)
    yield "CPU per issue, everything on this machine", f"{spent.total_cpu_ms:.1f} ms"
    yield "  by part (ms)", parts
    yield "  cores kept busy", f"{cores:.2f} of {os.cpu_count()}"
    yield "events handled per issue", _by_service(spent.handled)
    yield "events published per issue", _by_service(spent.published)
    yield "transactions handling those events per issue", _by_service(spent.transactions)
    yield "batches published (each confirmed whole) per issue", _by_service(spent.confirms)
    yield "peak memory (RSS)", ", ".join(f"{n} {mb:.0f} MB" for n, mb in spent.peak_rss_mb.items())
    if spent.restarted:
        yield "restarted during the run (not counted)", ", ".join(spent.restarted)


def _by_service(figures):
    total = sum(figures.values())
    return f"{total:.1f} (" + ", ".join(f"{n} {v:.1f}" for n, v in figures.items()) + ")"


def floor_rows(least, spent):
    """The bench table's rows for the floor (``lianxin.tools.floor``): one event published
    and one delivered with nothing done, and what an issue's events cost at that floor."""
    publish, deliver = sum(least["publish"].values()), sum(least["deliver"].values())
    yield ("floor: one event published with confirms",
           f"{publish:.2f} ms CPU ({_parts(least['publish'])})")
    yield ("floor: one delivery to a handler doing nothing",
           f"{deliver:.2f} ms CPU ({_parts(least['deliver'])})")
    published, handled = sum(spent.published.values()), sum(spent.handled.values())
    issue = publish * published + deliver * handled
    yield (f"floor of an issue ({published:.1f} published, {handled:.1f} delivered)",
           f"{issue:.1f} ms of {spent.total_cpu_ms:.1f} ms; at most "
           f"{1000 * (os.cpu_count() or 1) / max(issue, 1e-9):.0f} issues/s")


def _parts(figures):
    return ", ".join(f"{name} {ms:.2f}" for name, ms in figures.items())
