"""The documents say what the code does."""
import re
from pathlib import Path

from lianxin.contracts import EVENTS


def test_the_architecture_events_table_is_the_contract():
    text = Path("docs/architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| ([\w, ]+) \|$", text, flags=re.M)
    documented = {name: (publisher, tuple(c.strip() for c in consumers.split(",")))
                  for name, publisher, consumers in rows}
    assert documented == {name: (publisher, consumers)
                          for name, (publisher, _, consumers) in EVENTS.items()}


def test_the_readme_shows_the_two_commands_first():
    text = Path("README.md").read_text(encoding="utf-8")
    assert text.index("make run") < text.index("make demo")
    assert text.index("make test") < text.index("make demo")
