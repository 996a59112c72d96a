"""The event contract: names, schemas, queues and handlers agree."""
import importlib
import uuid

import pytest
from marshmallow import ValidationError
from nameko.containers import ServiceContainer
from nameko.events import EventHandler

from lianxin import bus, contracts
from lianxin.cli import SERVICE_CLASSES
from lianxin.config import SERVICES

PERSONAL = {"name", "phone", "id_number", "voter_name", "voter_phone", "voter_id_number",
            "email", "voter_email"}


def service_class(name):
    module, cls = SERVICE_CLASSES[name].split(":")
    return getattr(importlib.import_module(module), cls)


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_handles_exactly_the_events_the_contract_subscribes_it_to(service):
    cls = service_class(service)
    handled = {(ep.source_service, ep.event_type, name)
               for name in dir(cls) for ep in getattr(getattr(cls, name), "nameko_entrypoints", ())
               if hasattr(ep, "event_type")}
    expected = {(contracts.publisher(e), e, contracts.handler_name(e))
                for e in contracts.subscriptions(service)}
    assert handled == expected


def consumed_queues(queue_type="classic"):
    """The queue each event handler of each service consumes from, as nameko names and
    binds it when the service starts (no broker: only the entrypoints are set up)."""
    for service in SERVICES:
        container = ServiceContainer(service_class(service), {"AMQP_URI": "memory://",
                                                              "QUEUE_TYPE": queue_type})
        for entrypoint in container.entrypoints:
            if isinstance(entrypoint, EventHandler):
                entrypoint.setup()
                yield entrypoint.queue


def describe(queue):
    return (queue.name, queue.exchange.name, queue.routing_key, queue.durable, queue.auto_delete,
            queue.queue_arguments)


@pytest.mark.parametrize("queue_type", bus.QUEUE_TYPES)
def test_every_declared_queue_is_the_one_nameko_consumes_from(queue_type):
    declared = sorted(describe(q) for q in bus.topology(queue_type))
    consumed = sorted(describe(q) for q in consumed_queues(queue_type))
    assert declared == consumed
    assert len(declared) == len({name for name, *_ in declared})
    assert {str(arguments) for *_, arguments in declared} == {
        "{}" if queue_type == "classic" else "{'x-queue-type': 'quorum'}"}


def test_an_unknown_queue_type_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match="QUEUE_TYPE 'stream'"):
        bus.queue_arguments("stream")


def test_no_event_carries_personal_data():
    for name, (_, schema, _) in contracts.EVENTS.items():
        assert not PERSONAL & set(schema().fields), name


def test_a_published_event_with_a_misspelt_field_is_refused():
    with pytest.raises(ValidationError):
        contracts.new_event("feedback_received", uuid.uuid4(), rating="satisfied", ratting="x")


def test_consumers_read_tolerantly_and_ignore_fields_added_later():
    payload = contracts.new_event("feedback_received", uuid.uuid4(), rating="satisfied")
    loaded = contracts.schema("feedback_received").load({**payload, "added_later": 1})
    assert loaded["rating"] == "satisfied"


@pytest.mark.parametrize("event_type", contracts.EVENTS)
def test_every_event_requires_id_time_and_an_issue_unless_it_is_a_notice(event_type):
    event_schema = contracts.schema(event_type)
    names = ("event_id", "occurred_at") + (
        () if type(event_schema).__mro__[1] is contracts.Notice else ("issue_id",))
    for name in names:
        assert event_schema.fields[name].required, name


def test_a_notice_of_the_month_concerns_no_issue_and_names_its_station():
    payload = contracts.new_event("review_overdue", None, station_id="st-1", supervisor_id="st",
                                  month="2026-11", due_at="2026-11-26T00:00:00+08:00",
                                  open_issues=2)
    assert "issue_id" not in payload and payload["station_id"] == "st-1"
    with pytest.raises(ValidationError):
        contracts.new_event("review_overdue", None, month="2026-11")


def test_a_new_event_is_stamped_with_its_id_time_in_utc_and_issue():
    payload = contracts.new_event("feedback_received", uuid.uuid4(), rating="unsatisfied")
    assert {"event_id", "occurred_at", "issue_id"} <= set(payload)
    assert payload["occurred_at"].endswith("+00:00")


def test_health_fails_once_a_message_consumer_has_stopped():
    from types import SimpleNamespace

    from lianxin.consumers import KeepingQueueConsumer, consumers_alive
    consumer = KeepingQueueConsumer()
    container = SimpleNamespace(extensions={consumer})
    consumer._gt = SimpleNamespace(dead=False)
    assert consumers_alive(container)
    consumer._gt = SimpleNamespace(dead=True)
    assert not consumers_alive(container)
