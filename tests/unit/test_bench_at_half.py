"""The bench's latency at half the maximum: its figures come from the run's own times,
and it is measured from the maximum, never beside a fixed rate given."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner

from lianxin.cli import main
from lianxin.tools.bench import Run

CONFIG = Path(__file__).resolve().parents[2] / "config.yml"
T0 = datetime(2026, 12, 6, tzinfo=timezone.utc)


def at(ms):
    return T0 + timedelta(milliseconds=ms)


def test_latencies_run_from_each_submission_to_its_notification_sorted_and_only_of_those_told():
    run = Run(times={"a": (at(0), at(5)), "b": (at(10), at(12)), "c": (at(20), at(21))},
              sent={"a": at(300), "b": at(110)}, failures=[], clerk=None, allowed=60)
    assert run.latencies() == [100.0, 300.0]


def test_at_half_with_a_fixed_rate_is_refused_before_anything_is_submitted():
    result = CliRunner().invoke(main, ["--config", str(CONFIG), "bench", "--rate", "10",
                                       "--at-half"])
    assert result.exit_code == 2 and "leave out --rate" in result.output
