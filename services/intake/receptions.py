"""The town stations' public reception day (公开接访日, the 15th of each month): the duty
roster of which city and district representatives receive at which station on which
day, and the issues taken there that day, marked as reception-day issues."""
import uuid
from datetime import timedelta

from sqlalchemy import select

from lianxin.errors import BadValue, NotAllowed, NotYours
from services.intake.models import DutyRow

RECEIVING_LEVELS = ("city", "district")


def check_day(day, calendar, month_days):
    """The rules' reception day (the 15th), or, when it is not a working day, the working
    day the roster names in the same month."""
    fixed = month_days.on("reception_day", day.year, day.month)
    if day == fixed:
        return
    working, _ = calendar.is_working_day(fixed)
    if working:
        raise BadValue.field("on", f"the reception day of {fixed:%Y-%m} is {fixed}")
    if not calendar.is_working_day(day)[0]:
        raise BadValue.field("on", f"{fixed} is not a working day: name a working day of "
                                   f"{fixed:%Y-%m}")


def plan(unit, roster, caller, ladder, calendar, month_days):
    """Put representatives on duty at a town station for its reception day."""
    station = ladder.stations.get(roster["station_id"])
    if station is None or station.tier != "town":
        raise BadValue.field("station_id", "a reception day is held at a town's central station")
    if caller.role != "district" and caller.id != station.id:
        raise NotYours.field("station_id", "the district office or the town's station plans it")
    check_day(roster["on"], calendar, month_days)
    unknown = [r for r in roster["representative_ids"]
               if ladder.representatives.get(r) is None or
               ladder.representatives[r].level not in RECEIVING_LEVELS]
    if unknown:
        raise BadValue.field("representative_ids", f"not a city or district representative: "
                                                   f"{', '.join(unknown)}")
    taken = unit.session.execute(select(DutyRow).where(DutyRow.station_id == station.id,
                                                       DutyRow.on == roster["on"])).first()
    if taken:
        raise NotAllowed.field("on", f"{station.id} already has a roster for {roster['on']}")
    rows = [DutyRow(id=str(uuid.uuid4()), station_id=station.id, on=roster["on"],
                    representative_id=r, recorded_at=unit.now)
            for r in dict.fromkeys(roster["representative_ids"])]
    unit.session.add_all(rows)
    return {"station_id": station.id, "on": roster["on"],
            "representative_ids": [r.representative_id for r in rows]}


def notify_due(unit, today):
    """Tell each representative on duty tomorrow (or today, if the roster came late) of
    the reception day, once: ``reception_duty_due`` to notify."""
    due = unit.session.execute(select(DutyRow).where(
        DutyRow.noticed_at.is_(None), DutyRow.on >= today,
        DutyRow.on <= today + timedelta(days=1)).with_for_update(skip_locked=True)).scalars()
    told = 0
    for row in due:
        unit.publish("reception_duty_due", None, station_id=row.station_id,
                     representative_id=row.representative_id, on=row.on.isoformat())
        row.noticed_at = unit.now
        told += 1
    return told


def is_reception_day(session, station_id, day):
    """Whether a station receives voters with its roster on ``day``."""
    return station_id is not None and session.execute(select(DutyRow.id).where(
        DutyRow.station_id == station_id, DutyRow.on == day).limit(1)).first() is not None


def duties(session, start, end):
    """Duty days served in [start, end) per representative."""
    served = {}
    for (representative,) in session.execute(select(DutyRow.representative_id).where(
            DutyRow.on >= start, DutyRow.on < end)).all():
        served[representative] = served.get(representative, 0) + 1
    return served


def rosters(session, month_start, month_end):
    rows = session.execute(select(DutyRow).where(DutyRow.on >= month_start,
                                                 DutyRow.on < month_end)
                           .order_by(DutyRow.on, DutyRow.station_id)).scalars()
    planned = {}
    for row in rows:
        planned.setdefault((row.station_id, row.on), []).append(row.representative_id)
    return [{"station_id": s, "on": d, "representative_ids": r} for (s, d), r in planned.items()]
