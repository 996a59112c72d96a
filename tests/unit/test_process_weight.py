"""A service's process loads what serving needs, not the tools' heavy libraries."""
import subprocess
import sys

import pytest

from lianxin.cli import GC_THRESHOLD, SERVICE_CLASSES, TOOLS, main

HEAVY = ("matplotlib", "numpy", "openpyxl", "PIL", "psutil")


@pytest.mark.parametrize("name", sorted(SERVICE_CLASSES))
def test_a_service_process_never_imports_the_report_writers_or_the_bench(name):
    module = SERVICE_CLASSES[name].split(":")[0]
    probe = (f"import sys, lianxin.cli, {module}; "
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.split()
    assert loaded == []


def test_every_tool_is_a_command_of_lianxin():
    commands = main.list_commands(None)
    for name in TOOLS:
        assert name in commands
        assert main.get_command(None, name).name == name


def test_what_a_process_loaded_before_serving_is_left_out_of_the_collectors_scans():
    probe = ("import gc, lianxin.cli, services.intake.service; before = gc.get_freeze_count(); "
             "lianxin.cli.collect_garbage_less(); "
             "print(before, gc.get_freeze_count(), *gc.get_threshold())")
    before, frozen, *threshold = map(int, subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split())
    assert before == 0
    assert frozen > 10_000          # the service's modules, classes and tables
    assert tuple(threshold) == GC_THRESHOLD
