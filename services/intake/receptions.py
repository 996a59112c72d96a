"""The town stations' public reception day (公开接访日, the 15th of each month): the duty
roster of which city and district representatives receive at which station on which
day, and the issues taken there that day, marked as reception-day issues."""
import uuid
from datetime import date

from sqlalchemy import select

from lianxin.errors import BadValue, NotAllowed, NotYours
from services.intake.models import DutyRow

RECEPTION_DAY = 15
RECEIVING_LEVELS = ("city", "district")


def check_day(day, calendar):
    """The 15th, or, when the 15th is not a working day, the working day the roster names
    in the same month."""
    fifteenth = date(day.year, day.month, RECEPTION_DAY)
    if day == fifteenth:
        return
    working, _ = calendar.is_working_day(fifteenth)
    if working:
        raise BadValue.field("on", f"the reception day is the 15th ({fifteenth})")
    if (day.year, day.month) != (fifteenth.year, fifteenth.month) or \
            not calendar.is_working_day(day)[0]:
        raise BadValue.field("on", f"the 15th is not a working day: name a working day of "
                                   f"{fifteenth:%Y-%m}")


def plan(unit, roster, caller, ladder, calendar):
    """Put representatives on duty at a town station for its reception day."""
    station = ladder.stations.get(roster["station_id"])
    if station is None or station.tier != "town":
        raise BadValue.field("station_id", "a reception day is held at a town's central station")
    if caller.role != "district" and caller.id != station.id:
        raise NotYours.field("station_id", "the district office or the town's station plans it")
    check_day(roster["on"], calendar)
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
