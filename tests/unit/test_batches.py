"""lianxin.batches: deliveries that arrive together share one transaction, and a batch
that fails is never the failure of a delivery that did nothing wrong."""
import eventlet
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from lianxin.batches import Batcher


class Transactions:
    """A stand-in for ``inbox.handle_together``: each call is one transaction; an item
    named in ``failing`` raises its error, and then the whole call commits nothing."""

    def __init__(self, failing=None):
        self.failing = failing or {}
        self.committed = []          # the items of each committed call

    def __call__(self, items):
        eventlet.sleep(0)            # a database that yields, as PostgreSQL's does
        for item in items:
            if item in self.failing:
                raise self.failing[item]
        self.committed.append(list(items))
        return [f"done {item}" for item in items]


def arrive_together(batcher, items):
    """Each item from a greenthread of its own, all started at once: {item: result or error}."""
    def one(item):
        try:
            return batcher(item)
        except Exception as exc:
            return exc
    threads = {item: eventlet.spawn(one, item) for item in items}
    return {item: thread.wait() for item, thread in threads.items()}


def test_deliveries_that_arrive_together_share_one_transaction():
    transactions = Transactions()
    results = arrive_together(Batcher(transactions, limit=10), range(6))
    assert results == {item: f"done {item}" for item in range(6)}
    assert transactions.committed == [[0, 1, 2, 3, 4, 5]]


def test_a_batch_holds_at_most_the_limit_and_the_next_worker_leads_the_rest():
    transactions = Transactions()
    batcher = Batcher(transactions, limit=4)
    results = arrive_together(batcher, range(10))
    assert results == {item: f"done {item}" for item in range(10)}
    assert [len(batch) for batch in transactions.committed] == [4, 4, 2]
    assert sorted(i for batch in transactions.committed for i in batch) == list(range(10))
    assert (batcher.batches, batcher.items) == (3, 10)


def test_one_delivery_at_fault_fails_alone_and_the_others_commit():
    clash = IntegrityError("INSERT INTO inbox", {}, Exception("UNIQUE constraint failed"))
    transactions = Transactions(failing={3: clash})
    results = arrive_together(Batcher(transactions), range(5))
    assert results[3] is clash
    assert {item: results[item] for item in (0, 1, 2, 4)} == {
        item: f"done {item}" for item in (0, 1, 2, 4)}
    assert transactions.committed == [[0], [1], [2], [4]]


def test_when_the_database_is_away_every_delivery_is_told_so_without_trying_alone():
    away = OperationalError("BEGIN", {}, ConnectionRefusedError("connection refused"))
    transactions = Transactions(failing={0: away})
    results = arrive_together(Batcher(transactions), range(5))
    assert all(results[item] is away for item in range(5))
    assert transactions.committed == []


def test_a_delivery_alone_gets_its_own_result_or_error():
    transactions = Transactions(failing={"bad": ValueError("bad payload")})
    batcher = Batcher(transactions)
    assert batcher("good") == "done good"
    with pytest.raises(ValueError, match="bad payload"):
        batcher("bad")
    assert transactions.committed == [["good"]]
    assert batcher("after") == "done after"      # nobody left holding the lead


def test_a_worker_killed_while_it_waits_leaves_the_queue_and_the_next_is_led():
    transactions = Transactions()
    batcher = Batcher(transactions, limit=1)
    first = eventlet.spawn(batcher, "first")
    eventlet.sleep(0)                             # first leads, and waits on its database
    killed, last = eventlet.spawn(batcher, "killed"), eventlet.spawn(batcher, "last")
    eventlet.sleep(0)                             # both queued behind it
    killed.kill()
    with eventlet.Timeout(2):
        assert (first.wait(), last.wait()) == ("done first", "done last")
    assert transactions.committed == [["first"], ["last"]]
