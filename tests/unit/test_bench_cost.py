"""What the bench says one issue cost, from the samples around a run (no services)."""
import click
import pytest

from lianxin.tools import bench, benchcost


def health(pid, cpu, handled, published, peak=90.0, transactions=0, confirms=0):
    return {"process": {"pid": pid, "cpu_seconds": cpu, "rss_mb": 80.0, "peak_rss_mb": peak},
            "events": {"handled": handled, "published": published,
                       "handled_in_transactions": transactions,
                       "published_in_confirms": confirms}}


def test_an_issue_costs_its_share_of_each_part_and_a_restarted_service_is_left_out():
    before = benchcost.Sample({"intake": health(1, 10.0, 0, 0), "notify": health(2, 5.0, 40, 0)},
                              {"RabbitMQ": 100.0, "PostgreSQL": 7.0}, client=1.0)
    after = benchcost.Sample({"intake": health(1, 12.0, 300, 100, peak=120.0, transactions=150,
                                                 confirms=40),
                              "notify": health(9, 1.0, 2, 0)},
                             {"RabbitMQ": 100.5, "PostgreSQL": 7.0}, client=1.2)
    spent = benchcost.cost(before, after, issues=100)
    assert {part: round(ms, 6) for part, ms in spent.cpu_ms.items()} == {
        "intake": 20.0, "RabbitMQ": 5.0, "bench client": 2.0}
    assert (spent.handled, spent.published) == ({"intake": 3.0}, {"intake": 1.0})
    assert spent.transactions == {"intake": 1.5} and spent.confirms == {"intake": 0.4}
    assert spent.peak_rss_mb == {"intake": 120.0} and spent.restarted == ["notify"]
    assert round(spent.total_cpu_ms, 6) == 27.0
    shown = dict(benchcost.rows(spent, wall_seconds=2.0))
    assert shown["  cores kept busy"].startswith("1.35 of")
    assert shown["restarted during the run (not counted)"] == "notify"
    assert shown["transactions handling those events per issue"] == "1.5 (intake 1.5)"
    assert shown["batches published (each confirmed whole) per issue"] == "0.4 (intake 0.4)"


def test_the_backend_is_named_from_the_services_databases():
    sqlite = {"DATABASES": {name: f"sqlite:///var/{name}.db" for name in benchcost.SERVICES}}
    postgres = {"DATABASES": {name: f"postgresql://pg/{name}" for name in benchcost.SERVICES}}
    assert bench.backend(sqlite) == "SQLite"
    assert bench.backend(postgres) == "PostgreSQL (psycopg2)"


def test_a_replica_is_named_service_hash_number_with_its_url_and_anything_else_refused():
    assert bench._replicas(["routing#2=http://127.0.0.1:8102/"]) == {
        "routing#2": "http://127.0.0.1:8102"}
    for wrong in ("routing=http://x", "router#2=http://x", "notify#2=localhost:1"):
        with pytest.raises(click.BadParameter, match="NAME#N=URL"):
            bench._replicas([wrong])


def test_a_department_told_twice_of_one_issue_is_counted_once_per_message():
    sent, told = {}, {}
    rows = [{"id": 1, "issue_id": "a", "sent_at": "2026-11-28T06:00:00+00:00"},
            {"id": 2, "issue_id": "a", "sent_at": "2026-11-28T06:00:01+00:00"},
            {"id": 3, "issue_id": "b", "sent_at": None}]
    bench._collect(sent, {"a", "b"}, rows, told)
    bench._collect(sent, {"a", "b"}, rows[:1], told)        # the same message read again
    assert told == {"a": {1, 2}, "b": {3}}
    assert list(sent) == ["a"]


def test_an_issues_floor_is_its_events_published_and_delivered_at_the_floors_cost():
    spent = benchcost.Cost(10, {"intake": 30.0}, handled={"intake": 9.0},
                           published={"intake": 4.0}, transactions={"intake": 3.0},
                           confirms={"intake": 2.0}, peak_rss_mb={}, restarted=[])
    least = {"publish": {"publisher": 0.5, "RabbitMQ": 0.25},
             "deliver": {"consumer": 0.75, "RabbitMQ": 0.25}}
    shown = dict(benchcost.floor_rows(least, spent))
    assert shown["floor: one event published with confirms"] == \
        "0.75 ms CPU (publisher 0.50, RabbitMQ 0.25)"
    assert shown["floor of an issue (4.0 published, 9.0 delivered)"].startswith(
        "12.0 ms of 30.0 ms; at most")
