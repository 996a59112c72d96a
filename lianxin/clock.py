"""The one clock every "now" of the system comes from.

In a deployment it is the machine's clock. A test run may move it forward for every
process at once: ``TEST_CLOCK_FILE`` names a file holding an offset in seconds that
each process adds to the machine's time (``lianxin clock``, ``make demo``, the tests). A
service refuses to start with that setting when ``ENVIRONMENT`` is ``production``,
the default; ``make run`` runs in ``development`` and the tests in ``test``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("production", "development", "test")
MOVABLE = ("development", "test")
_file: Path | None = None
_seen: tuple[tuple[int, int], float] = ((0, 0), 0.0)     # ((inode, mtime), offset)


def now() -> datetime:
    """The present moment, timezone-aware UTC."""
    return datetime.now(timezone.utc) + timedelta(seconds=offset())


def offset() -> float:
    """Seconds the test clock is ahead of the machine's (0 in a deployment)."""
    global _seen
    if _file is None:
        return 0.0
    try:
        status = os.stat(_file)
    except FileNotFoundError:
        return 0.0
    version = (status.st_ino, status.st_mtime_ns)
    if version != _seen[0]:
        text = _file.read_text(encoding="utf-8").strip()
        _seen = (version, float(text or 0))
    return _seen[1]


def configure(config: Mapping[str, Any]) -> None:
    """Use the test clock file the configuration names; refused in production."""
    global _file, _seen
    path = config.get("TEST_CLOCK_FILE") or None
    environment = config.get("ENVIRONMENT") or "production"
    if environment not in ENVIRONMENTS:
        raise ValueError(f"ENVIRONMENT {environment!r} is not one of {', '.join(ENVIRONMENTS)}")
    if path and environment not in MOVABLE:
        raise ValueError(f"TEST_CLOCK_FILE moves the clock and is for tests and development; "
                         f"ENVIRONMENT is {environment!r}: unset TEST_CLOCK_FILE")
    _file, _seen = (Path(path) if path else None), ((0, 0), 0.0)


def move(path: str | os.PathLike[str], *, by: timedelta | None = None,
         to: datetime | None = None) -> datetime:
    """Move the test clock of every process reading ``path`` forward ``by`` a span or
    ``to`` a moment; it never goes back. Returns the new present moment."""
    file = Path(path)
    current = float(file.read_text(encoding="utf-8").strip() or 0) if file.exists() else 0.0
    real = datetime.now(timezone.utc)
    wanted = current + by.total_seconds() if by is not None else \
        (to - real).total_seconds() if to is not None else current
    if wanted < current:
        raise ValueError(f"the clock only moves forward; it is already at "
                         f"{real + timedelta(seconds=current):%Y-%m-%d %H:%M:%S%z}")
    file.parent.mkdir(parents=True, exist_ok=True)
    temporary = file.with_suffix(".tmp")
    temporary.write_text(f"{wanted}\n", encoding="utf-8")
    os.replace(temporary, file)
    return real + timedelta(seconds=wanted)
