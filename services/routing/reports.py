"""Routing's part of the monthly circular (通报): what the district's issues did in a
month, by tier, town, station, category and channel; stations' time limits kept; repeat
issues. ``lianxin report`` joins it with departments' and intake's parts."""
from collections import Counter, defaultdict

from sqlalchemy import select

from lianxin import timers
from lianxin.errors import BadValue
from services.routing import domain, funds, ledger, month
from services.routing.models import IssueRow, StepRow, Timer

STATION_LIMITS = ("village", "town", "district")


def circular(session, name, data, now):
    """Routing's counts of month ``name``, with its emergency pool; a month not begun is
    refused, one with no issues counts nothing."""
    tz, ladder = data.timezone, data.ladder
    if name > ledger.month_of(now, tz):
        raise BadValue(f"{name} has not begun", {"month": ["is in the future"]})
    start, end = ledger.month_bounds(name, tz)
    items = month.ledger_items(session, start, end)
    received = [i for i in items if start <= i["received_at"] < end]
    steps = session.execute(select(StepRow).where(StepRow.occurred_at >= start,
                                                  StepRow.occurred_at < end)).scalars().all()
    resolved = {s.issue_id for s in steps if s.event_type == "issue_resolved"}
    closed = [i for i in items if i["closed_at"] is not None and start <= i["closed_at"] < end]
    by_time = {s.issue_id for s in steps if s.reason == "overdue"}
    limits = timers.ended_within(session, Timer, start, end, STATION_LIMITS)
    town = _town_of(ladder)
    towns = defaultdict(Counter)
    for item in received:
        towns[town(item["village_code"])]["received"] += 1
        towns[town(item["village_code"])]["resolved"] += item["id"] in resolved
        towns[town(item["village_code"])]["escalated_by_time"] += item["id"] in by_time
    for timer in limits:
        where = _town_of_station(ladder, timer.holder)
        towns[where]["limits"] += 1
        towns[where]["in_time"] += timers.in_time(timer)
    return {
        "month": name,
        "totals": {"received": len(received), "resolved": len(resolved), "closed": len(closed),
                   "open_at_end": sum(1 for i in items if i["status"] != "closed"),
                   "escalated_by_time": len(by_time),
                   "overdue_now": sum(1 for i in items if i["overdue_since"]),
                   "station_limits": len(limits),
                   "station_limits_in_time": sum(map(timers.in_time, limits))},
        "by_town": {t: dict(c) for t, c in sorted(towns.items())},
        "by_category": dict(Counter(i["category"] for i in received)),
        "by_channel": dict(Counter(i["channel"] for i in received)),
        "open_by_tier": dict(Counter(i["tier"] for i in items if i["status"] != "closed")),
        "open_by_station": dict(Counter(i["station_id"] for i in items
                                        if i["status"] != "closed")),
        "overdue": [{"tracking_no": i["tracking_no"], "title": i["title"],
                     "station_id": i["station_id"],
                     "overdue_since": i["overdue_since"].isoformat()}
                    for i in items if i["overdue_since"]],
        "clusters": repeat_clusters(session, start, end, data.repeat_window, data.repeat_min),
        "funds": {k: None if v is None else str(v)
                  for k, v in funds.statement(session, name, tz, data.fund_pool).items()
                  if k in ("pool", "allocated", "spent", "left")},
    }


def repeat_clusters(session, start, end, window, least):
    """Issues of one category from one village received within ``window`` of each other,
    at least ``least`` of them, that end in the month: a recurring problem."""
    rows = session.execute(select(IssueRow).where(IssueRow.received_at >= start - window,
                                                  IssueRow.received_at < end)
                           .order_by(IssueRow.received_at)).scalars().all()
    groups = defaultdict(list)
    for row in rows:
        groups[(row.village_code, row.category)].append(row)
    found = []
    for (village, category), members in sorted(groups.items()):
        run = domain.recurring(([r.received_at for r in members]), window, least)
        if run and members[run[-1]].received_at >= start:
            found.append({"village_code": village, "category": category, "count": len(run),
                          "tracking_nos": [members[i].tracking_no for i in run]})
    return found


def _town_of(ladder):
    def town(village_code):
        station = ladder.village_stations.get(village_code)
        return ladder.town_of(station).id if station else "-"
    return town


def _town_of_station(ladder, station_id):
    station = ladder.stations.get(station_id)
    if station is None or station.tier == "district":
        return station_id
    return ladder.town_of(station_id).id
