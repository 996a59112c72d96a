"""A service's process loads what serving needs, not the tools' heavy libraries."""
import subprocess
import sys

import pytest

from lianxin.cli import SERVICE_CLASSES, TOOLS, main

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
