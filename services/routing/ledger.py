"""The monthly classified ledger (分类台账): every item not yet written off, counted.

Which issues are on a month's ledger is ``month.ledger_items`` (one query); this module
holds the month's bounds and how the items are counted and written out.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from lianxin.workdays import month_bounds

__all__ = ["month_bounds"]      # the month's bounds live with the calendar

DIMENSIONS = ("tier", "station_id", "category", "department", "status")


def summarize(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts of the items by each ledger dimension, the total, how many are overdue
    now, and how many time escalated (a station let a limit run out)."""
    counts = {f"by_{d.removesuffix('_id')}": Counter(i[d] or "-" for i in items)
              for d in DIMENSIONS}
    return {"total": len(items), **{k: dict(sorted(v.items())) for k, v in counts.items()},
            "overdue": sum(1 for i in items if i.get("overdue_since")),
            "escalated_by_time": sum(1 for i in items if i.get("overdue_escalations"))}


CSV_FIELDS = ("tracking_no", "id", "status", "tier", "station_id", "category", "department",
              "title", "received_at", "closed_at", "overdue_since", "overdue_escalations",
              "returns")


def to_csv(items: Iterable[Mapping[str, Any]]) -> str:
    """The ledger's items as CSV text, one row per issue."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(items)
    return buffer.getvalue()


def month_of(moment: datetime, tz: str) -> str:
    """The ledger month ("YYYY-MM") a moment falls in, in ``tz``."""
    return f"{moment.astimezone(ZoneInfo(tz)):%Y-%m}"


def next_month(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def content_hash(items: Sequence[Mapping[str, Any]], summary: Mapping[str, Any]) -> str:
    """The SHA-256 of a frozen month's items and counts, as canonical JSON: anyone
    holding the snapshot can check that it was never rewritten."""
    canonical = json.dumps({"items": items, "summary": summary}, sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def agenda(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The directors' meeting agenda of a frozen month: every item waiting at the
    district, grouped by category (largest group first), overdue items first in each."""
    waiting = [i for i in items if i["status"] == "open" and i["tier"] == "district"]
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for item in waiting:
        groups.setdefault(item["category"], []).append(item)
    return [{"category": category,
             "items": sorted(found, key=lambda i: (i.get("overdue_since") is None,
                                                   str(i["received_at"])))}
            for category, found in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))]
