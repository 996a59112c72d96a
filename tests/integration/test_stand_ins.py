"""The stand-ins for other services' RPCs answer as the real services do.

Each real service runs on the real broker and is called over RPC with the inputs
the integration tests give its stand-in; the stand-in's answer must be the same.
"""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.departments.service import DepartmentsService
from services.intake.service import IntakeService
from tests.integration import test_notify_service as notify_tests
from tests.integration.conftest import FakeDepartments
from tests.integration.test_intake_service import ISSUE

pytestmark = pytest.mark.integration

LOCATE_CALLS = [  # (village_code, station_id, representative_id, category, grid_id)
    ("610902101002", None, None, "roads", None),
    ("999", None, None, "roads", None),
    ("610902101002", None, None, "funding", None),
    ("610902101002", "st-610902101", None, "roads", None),
    ("610902101002", None, "R013", "roads", None),
    ("610902101002", None, None, "roads", "G-610902101002-1"),
    ("610902101002", None, None, "weather", None),
]
REFERRAL_ASKS = [
    {"category": "funding", "department": None, "cooperating": []},
    {"category": "funding", "department": "nasa", "cooperating": []},
    {"category": "funding", "department": "czj", "cooperating": ["fgj"]},
    {"category": "roads", "department": "fgj", "cooperating": []},
    {"category": "roads", "department": None, "cooperating": ["jtj"]},
]


def test_the_departments_stand_in_refers_as_departments_does(start):
    container, _ = start(DepartmentsService)
    with ServiceRpcProxy("departments", container.config) as departments:
        assert FakeDepartments().referrals(REFERRAL_ASKS) == departments.referrals(REFERRAL_ASKS)


def test_notifys_intake_stand_in_gives_the_voters_details_as_intake_does(start, stand_in, http):
    container, url = start(IntakeService)
    email = "voter@example.org"
    voter = {**notify_tests.VOTER, "email": email}
    assert {k: v for k, v in voter.items() if k != "email"} == {
        k: v for k, v in ISSUE["voter"].items()}
    submitted = http.post(f"{url}/issues", json={**ISSUE, "voter": voter})
    assert submitted.status_code == 201, submitted.text
    issue_id = submitted.json()["id"]
    notify_tests.ADDRESSES["voter"] = email
    with ServiceRpcProxy("intake", container.config) as intake:
        real = intake.contact("voter", issue_id)
    assert notify_tests.FakeIntake().contact("voter", issue_id) == real


def test_notifys_departments_stand_in_gives_a_departments_address_as_departments_does(
        start, tmp_path):
    hook = "http://127.0.0.1:9/hook"
    directory = notify_tests.directory_with(tmp_path, department=("jtj", None, hook))
    container, _ = start(DepartmentsService, DIRECTORY_FILE=directory)
    notify_tests.ADDRESSES["webhook"] = hook
    with ServiceRpcProxy("departments", container.config) as departments:
        real = departments.contact("department", "jtj")
    assert notify_tests.FakeDepartments().contact("department", "jtj") == real
