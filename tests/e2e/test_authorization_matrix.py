"""Every operation of every service, called by every party that has no part in the
object it names: nothing is read or written across stations or departments."""
import re

import pytest

from tests.e2e.client import DISTRICT_STATION, VILLAGE_STATION, Lianxin
from tests.faults.play import Outcome

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

# Open to anyone by design: liveness, the documents, the public directory, submitting.
PUBLIC = {("intake", "post", "/issues"), ("routing", "get", "/stations"),
          ("departments", "get", "/departments")}
# Parties with no part in the objects below: no key, another station, another department.
STRANGERS = {"no key": None, "another station": "st-610902001", "another department": "czj"}


@pytest.fixture(scope="module")
def objects(system):
    """An issue held by a village station, and one referred to jtj with its assignment."""
    lx = Lianxin(system.urls)
    at_village = lx.submit()
    referred = lx.submit(category="funding", channel="online")
    lx.wait(referred["id"], station_id=DISTRICT_STATION)
    held = lx.meeting({"issue_id": referred["id"], "action": "refer", "department": "jtj"})
    assert held.status_code == 201, held.text
    assignment = lx.assignment("jtj", referred["id"])
    return lx, {"issue_id": at_village["id"], "station_id": VILLAGE_STATION,
                "assignment_id": assignment["id"], "kind": "department",
                "recipient_id": "jtj", "referred_id": referred["id"], "allocation_id": "1"}


def operations(lx):
    for service in lx.urls:
        spec = lx.call(service, "GET", "/openapi.json").json()
        for path, methods in spec["paths"].items():
            for method in methods:
                if path not in ("/health", "/openapi.json") and \
                        (service, method, path) not in PUBLIC:
                    yield service, method, path


def test_no_stranger_reads_or_writes_what_belongs_to_a_station_or_department(objects, report):
    lx, ids = objects
    answered, calls = [], 0
    for service, method, path in operations(lx):
        for who, holder in STRANGERS.items():
            for issue in (ids["issue_id"], ids["referred_id"]):
                names = {**ids, "issue_id": issue}
                url = re.sub(r"\{(\w+)\}", lambda m, names=names: names[m.group(1)], path)
                response = lx.call(service, method.upper(), url, holder, json={})
                calls += 1
                assert response.headers["Content-Type"].startswith("application/json"), url
                leaked = [i for i in (issue, ids["assignment_id"]) if i in response.text]
                if response.status_code < 400 and (method != "get" or leaked):
                    answered.append(f"{who}: {method.upper()} {service}{url} -> "
                                    f"{response.status_code} {leaked}")
    report(Outcome("authorization matrix", calls, reached=calls - len(answered),
                   notes=f"{calls} calls by strangers, {len(answered)} read or wrote"))
    assert answered == []   # a list of the caller's own (GET /assignments) names none of them


def test_the_matrix_reaches_every_protected_operation(objects):
    lx, _ = objects
    reached = {(service, path) for service, _, path in operations(lx)}
    assert ("intake", "/issues/{issue_id}") in reached
    assert ("routing", "/issues/{issue_id}/route") in reached
    assert ("departments", "/assignments/{assignment_id}/complete") in reached
    assert ("notify", "/preferences/{kind}/{recipient_id}") in reached
    assert len(reached) >= 20
