"""What intake knows of the grid system: its category codes, where to push, whose issues."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from lianxin.config import read_yaml
from lianxin.errors import BadValue

PUSH = ("reports", "grids")


@dataclass(frozen=True)
class GridSettings:
    secret: str                            # signs what both sides send
    max_skew: float
    categories: Mapping[str, str]          # the grid system's code -> Lianxin's
    fallback: str | None
    webhook_url: str | None
    webhook_timeout: float
    push: str                              # reports | grids
    max_attempts: int

    def category(self, code: str) -> str:
        """Lianxin's category of a grid code: mapped, else the fallback, else refused."""
        found = self.categories.get(code, self.fallback)
        if found is None:
            raise BadValue.field("category", f"unknown grid category {code!r}: add it to the "
                                             "grid file's categories, or set a fallback")
        return found


def load(section: Mapping[str, Any], known: Collection[str]) -> GridSettings:
    """The GRID section of the configuration and the file it names, checked against the
    directory's categories; a mistake stops intake naming the file and the code."""
    path = section["file"]
    data = read_yaml(path) or {}
    categories = {str(k): str(v) for k, v in (data.get("categories") or {}).items()}
    fallback = data.get("fallback")
    wrong = sorted({v for v in categories.values() if v not in known} |
                   ({fallback} - set(known) if fallback else set()))
    if wrong:
        raise ValueError(f"{path}: not a category of the directory: {', '.join(wrong)}")
    if section["push"] not in PUSH:
        raise ValueError(f"GRID push {section['push']!r} is not one of {', '.join(PUSH)}")
    return GridSettings(str(section["secret"]), float(section["max_skew"]), categories,
                        fallback, section.get("webhook_url") or None,
                        float(section["webhook_timeout"]), section["push"],
                        int(section["max_attempts"]))
