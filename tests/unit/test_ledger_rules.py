"""The monthly ledger's bounds and counts (which items are on it: ``month.ledger_items``,
tested in test_routing_use_cases)."""
from datetime import datetime, timezone

from services.routing import ledger

START, _ = ledger.month_bounds("2026-11", "Asia/Shanghai")


def item(received, **dims):
    base = {"tier": "town", "station_id": "st-1", "category": "roads", "department": None,
            "status": "open"}
    return {"received_at": received, "closed_at": None, **base, **dims}


def at(month, day):
    return datetime(2026, month, day, tzinfo=timezone.utc)


def test_a_month_begins_at_midnight_in_the_district_time_zone():
    assert START.isoformat() == "2026-11-01T00:00:00+08:00"
    assert ledger.month_bounds("2026-12", "Asia/Shanghai")[1].year == 2027


def test_the_summary_counts_by_every_dimension():
    summary = ledger.summarize([item(at(11, 1)), item(at(11, 2), status="referred",
                                                       department="jtj", tier="district")])
    assert summary["total"] == 2
    assert summary["by_status"] == {"open": 1, "referred": 1}
    assert summary["by_department"] == {"-": 1, "jtj": 1}
    assert set(summary) == {"total", "by_tier", "by_station", "by_category", "by_department",
                            "by_status", "overdue", "escalated_by_time"}


def test_the_summary_counts_items_overdue_now_and_those_time_escalated():
    summary = ledger.summarize([item(at(11, 1), overdue_since=at(11, 9)),
                                item(at(11, 2), overdue_escalations=2), item(at(11, 3))])
    assert (summary["overdue"], summary["escalated_by_time"]) == (1, 1)


def test_a_month_outside_the_calendar_the_ledger_counts_is_refused_by_field():
    import pytest
    from marshmallow import ValidationError

    from services.routing.schemas import LedgerQuery
    for month in ("0000-01", "2026-13", "26-11"):
        with pytest.raises(ValidationError) as refused:
            LedgerQuery().load({"month": month})
        assert "month" in refused.value.messages
    assert LedgerQuery().load({"month": "2026-11"})["month"] == "2026-11"
