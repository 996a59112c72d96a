"""What every service answers alike: health counts, dead letters, and API keys."""
import pytest

from services.departments.service import DepartmentsService
from services.intake.service import IntakeService
from services.notify.service import NotifyService
from services.routing.service import RoutingService
from tests.integration.conftest import auth, service_events
from tests.support.broker import send, wait_until

pytestmark = pytest.mark.integration

# each service, and an event it consumes: (publisher, event type)
SERVICES = {
    "intake": (IntakeService, ("routing", "issue_routed")),
    "routing": (RoutingService, ("intake", "issue_submitted")),
    "departments": (DepartmentsService, ("routing", "issue_referred")),
    "notify": (NotifyService, ("intake", "issue_submitted")),
}


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_lists_its_dead_letters_to_the_district_only(name, start, amqp_uri, http):
    cls, (source, event_type) = SERVICES[name]
    _, url = start(cls)
    send(amqp_uri, source, event_type, {"issue_id": "not-a-uuid", "from_test": name})
    counts = wait_until(lambda: (c := service_events(http, url))["dead_lettered"] == 1 and c,
                        message="the bad event kept as a dead letter")
    assert counts["handled"] == 0
    listed = http.get(f"{url}/dead-letters", headers=auth("district"))
    assert listed.status_code == 200, listed.text
    (dead,) = listed.json()
    assert dead["event_type"] == event_type and "from_test" in dead["payload"]
    assert "invalid" in dead["error"]
    station = http.get(f"{url}/dead-letters", headers=auth("st-610902101002"))
    assert station.status_code == 403 and station.json()["error"] == "forbidden", station.text
    department = http.get(f"{url}/dead-letters", headers=auth("jtj"))
    assert department.status_code == 403


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_refuses_a_missing_or_unknown_key_with_a_401(name, start, http):
    cls, _ = SERVICES[name]
    _, url = start(cls)
    health = http.get(f"{url}/health")
    assert health.status_code == 200 and health.json()["service"] == name
    assert set(health.json()["events"]) >= {"handled", "repeated", "dead_lettered"}
    for headers in ({}, {"Authorization": "Bearer not-a-key"},
                    {"Authorization": "Basic district-office-key"}):
        response = http.get(f"{url}/dead-letters", headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert "Authorization" in response.json()["fields"]
