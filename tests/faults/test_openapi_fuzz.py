"""Thousands of requests generated from each service's own OpenAPI document
(schemathesis), with the ids of real objects seeded so that the operations on an
issue or an assignment are reached: no 5xx, every answer's status and content type
documented, every error JSON."""
import re
import subprocess
import sys

import pytest

from tests.e2e.client import DISTRICT_STATION, Lianxin
from tests.faults.play import Outcome

pytestmark = pytest.mark.faults
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance"
KEY = "district-office-key"


@pytest.fixture(scope="module")
def seeded(amqp_uri, tmp_path_factory):
    from tests.support.processes import System
    lianxin = System(amqp_uri, tmp_path_factory.mktemp("fuzz"))
    lianxin.start()
    lx = Lianxin(lianxin.urls)
    issue = lx.submit(category="funding", channel="online")
    lx.wait(issue["id"], station_id=DISTRICT_STATION)
    held = lx.meeting({"issue_id": issue["id"], "action": "refer", "department": "jtj"})
    assert held.status_code == 201, held.text
    assignment = lx.assignment("jtj", issue["id"])
    yield lianxin, {"issue_id": issue["id"], "assignment_id": assignment["id"],
                    "station_id": DISTRICT_STATION, "kind": "department", "recipient_id": "jtj",
                    "tracking_no": issue["tracking_no"]}
    lianxin.stop()


@pytest.mark.parametrize("service", ["intake", "routing", "departments", "notify"])
def test_generated_requests_find_no_server_error_and_nothing_undocumented(
        seeded, service, report, tmp_path):
    lianxin, ids = seeded
    config = tmp_path / "schemathesis.toml"
    config.write_text("[parameters]\n" + "".join(f'{name} = "{value}"\n'
                                                  for name, value in ids.items()))
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
         f"{lianxin.urls[service]}/openapi.json", "-H", f"Authorization: Bearer {KEY}",
         "--checks", CHECKS, "--max-examples", "25", "--seed", "2026", "--no-color"],
        capture_output=True, text=True, timeout=600)
    generated = re.search(r"(\d+) generated", run.stdout)
    outcome = Outcome(f"schemathesis {service}", int(generated.group(1)) if generated else 0)
    outcome.reached = outcome.played if run.returncode == 0 else 0
    outcome.notes = "no 5xx, statuses and content types documented" if run.returncode == 0 \
        else "failures: see the output"
    report(outcome)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert outcome.played >= 300
