"""``make bench-submit``: intake measured alone, on a scratch database, leaving nothing
behind in the queues; and its purge never runs beside a working pipeline."""
import os
import subprocess
import sys

import pytest

from lianxin.tools.submitbench import queue_counts
from tests.support.broker import free_port

pytestmark = pytest.mark.e2e


def environment(amqp_uri, **more):
    return {**os.environ, "AMQP_URI": amqp_uri, "PY": sys.executable,
            **{f"{name}_PORT": str(free_port())
               for name in ("INTAKE", "ROUTING", "DEPARTMENTS", "NOTIFY")}, **more}


def test_submission_alone_is_measured_and_its_events_are_taken_out_of_the_queues(amqp_uri):
    done = subprocess.run(["bash", "scripts/bench-submit.sh", "-n", "20", "-c", "4"],
                          env=environment(amqp_uri), capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "submissions/s" in out and "nothing else of the pipeline" in out, out
    assert any(line.split("│")[2].strip() == "40" for line in out.splitlines()
               if "events taken out of intake's queues" in line), out   # 20 each to two queues
    assert not any(queue_counts(amqp_uri).values())


def test_the_purge_is_refused_beside_a_running_pipeline(system, amqp_uri):
    ports = {f"{name.upper()}_PORT": url.rsplit(":", 1)[1] for name, url in system.urls.items()}
    done = subprocess.run([sys.executable, "-m", "lianxin", "bench-submissions", "--purge-after",
                           "-n", "3"], env={**environment(amqp_uri), **ports},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "--purge-after is for intake alone" in done.stdout + done.stderr
    assert "submissions/s" not in done.stdout
