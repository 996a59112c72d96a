"""Roster in: the grid system's grids and the people on them (grid leaders 网长 and
members 网格员, of the party member, representative and central household head lines),
as a full roster or a delta. Each row is checked on its own: a bad one is rejected with
its row number and reason and the rest are applied. A representative is matched to
Lianxin's record by id, else by phone; when the two name different records that is
reported, never guessed. Nothing is deleted: a grid or person left out of a full roster
is marked removed, so that issues that named an old grid keep it. Roster out: the
grids with their leaders' names and head counts, for the district office (no phones)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select

from services.intake.grid.models import GridPersonRow, GridRow
from services.intake.schemas import CODE, VoterIn

LINES = ("party_member", "representative", "household_head")
ROLES = ("leader", "member")
KINDS = {"grids": ("name", "village_code", "households"),
         "people": ("name", "phone", "line", "role", "grid_id")}


class GridIn(Schema):
    id = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    village_code = fields.String(required=True, validate=CODE)
    households = fields.Integer(load_default=None, allow_none=True,
                                validate=validate.Range(min=0, max=100000))


class PersonIn(Schema):
    id = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    phone = VoterIn().fields["phone"]
    line = fields.String(required=True, validate=validate.OneOf(LINES))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    grid_id = fields.String(required=True, validate=CODE)


@dataclass
class Checked:
    grids: dict[str, dict[str, Any]] = field(default_factory=dict)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: dict[str, set[str]] = field(default_factory=lambda: {"grids": set(), "people": set()})
    rejected: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    matched: int = 0

    def reject(self, kind: str, item: Mapping[str, Any], reason: str) -> None:
        self.rejected.append({"kind": kind, "row": item.get("row"), "id": item.get("id"),
                              "reason": reason})


def check(grids: Iterable[Mapping[str, Any]], people: Iterable[Mapping[str, Any]], *,
          villages: Iterable[str], known_grids: Iterable[str],
          representatives: Mapping[str, Any]) -> Checked:
    """Each row checked on its own (pure): accepted, or rejected with its reason."""
    out, villages = Checked(), set(villages)
    for item in grids:
        row = _valid(out, "grids", GridIn(), item)
        if row is None:
            continue
        if row["id"] in out.grids:
            out.reject("grids", item, f"grid {row['id']} is written twice")
        elif row["village_code"] not in villages:
            out.reject("grids", item, f"unknown village {row['village_code']}")
        else:
            out.grids[row["id"]] = row
    grid_ids = set(known_grids) | set(out.grids)
    leaders: dict[str, str] = {}              # grid -> its leader
    led_by_phone: dict[str, str] = {}         # a leader's phone -> the grid led
    by_phone = {r.phone: r.id for r in representatives.values()}
    for item in people:
        row = _valid(out, "people", PersonIn(), item)
        if row is None:
            continue
        grid = row["grid_id"]
        if row["id"] in out.people:
            out.reject("people", item, f"person {row['id']} is written twice")
        elif grid not in grid_ids:
            out.reject("people", item, f"unknown grid {grid}")
        elif row["role"] == "leader" and grid in leaders:
            out.reject("people", item, f"grid {grid} already has a leader: {leaders[grid]}")
        elif row["role"] == "leader" and led_by_phone.get(row["phone"], grid) != grid:
            out.reject("people", item, f"already the leader of grid {led_by_phone[row['phone']]}")
        else:
            if row["role"] == "leader":
                leaders[grid], led_by_phone[row["phone"]] = row["id"], grid
            row["representative_id"] = _match(out, item, row, representatives, by_phone)
            out.people[row["id"]] = row
    return out


def _valid(out: Checked, kind: str, schema: Schema, item: Mapping[str, Any]
           ) -> dict[str, Any] | None:
    out.seen[kind].add(str(item.get("id")))
    try:
        return dict(schema.load({k: v for k, v in item.items() if k != "row"}))
    except ValidationError as exc:
        reasons = "; ".join(f"{name}: {', '.join(map(str, problems))}"
                            for name, problems in sorted(exc.normalized_messages().items()))
        out.reject(kind, item, reasons)
        return None


def _match(out: Checked, item: Mapping[str, Any], row: Mapping[str, Any],
           representatives: Mapping[str, Any], by_phone: Mapping[str, str]) -> str | None:
    """Lianxin's representative for a person of the representative line: by id, else by
    phone; None, and a conflict, when the two name different records."""
    if row["line"] != "representative":
        return None
    by_id = row["id"] if row["id"] in representatives else None
    phone = by_phone.get(row["phone"])
    if by_id and phone and by_id != phone:
        out.conflicts.append({"row": item.get("row"), "id": row["id"],
                              "reason": f"the id names representative {by_id}, the phone "
                                        f"{phone}: not matched"})
        return None
    found = by_id or phone
    out.matched += found is not None
    return found


def apply(unit, checked: Checked, *, full: bool,
          remove: Mapping[str, Iterable[str]] | None = None) -> dict[str, Any]:
    """Write the accepted rows; with ``full``, mark removed what the roster left out
    (rows it named but rejected are kept as they were)."""
    counts = {}
    for kind, model in (("grids", GridRow), ("people", GridPersonRow)):
        existing = {r.id: r for r in unit.session.execute(select(model)).scalars()}
        tally = dict.fromkeys(("added", "changed", "unchanged", "removed"), 0)
        for row_id, values in getattr(checked, kind).items():
            tally[_upsert(unit, model, KINDS[kind], existing.get(row_id), values)] += 1
        gone = {i for i, r in existing.items() if r.removed_at is None and i not in
                checked.seen[kind]} if full else set((remove or {}).get(kind, ())) & set(existing)
        for row_id in gone:
            if existing[row_id].removed_at is None:
                existing[row_id].removed_at = unit.now
                tally["removed"] += 1
        counts[kind] = tally
    return {**counts, "rejected": checked.rejected, "conflicts": checked.conflicts,
            "representatives_matched": checked.matched}


def _upsert(unit, model, names, found, values) -> str:
    wanted = {k: values.get(k) for k in names}
    if model is GridPersonRow:
        wanted["representative_id"] = values.get("representative_id")
    if found is None:
        unit.session.add(model(id=values["id"], updated_at=unit.now, **wanted))
        return "added"
    if found.removed_at is None and all(getattr(found, k) == v for k, v in wanted.items()):
        return "unchanged"
    for name, value in wanted.items():
        setattr(found, name, value)
    found.updated_at, found.removed_at = unit.now, None
    return "changed"


def with_roster(session, ladder):
    """The directory's ladder with the roster's grids in force added (the roster wins)."""
    return replace(ladder, grids={**ladder.grids, **active_grids(session)})


def is_on(session, person_id, grid_id) -> bool:
    """Whether the roster has this person on this grid now."""
    return person_id is not None and session.execute(select(GridPersonRow.id).where(
        GridPersonRow.id == person_id, GridPersonRow.grid_id == grid_id,
        GridPersonRow.removed_at.is_(None))).first() is not None


def contact(session, kind, key):
    """Where notify reaches a grid's leader (``key``: the grid) or a grid member (``key``:
    the person): ``{"phone": ...}``, or None."""
    query = select(GridPersonRow.phone).where(GridPersonRow.removed_at.is_(None))
    query = query.where(GridPersonRow.grid_id == key, GridPersonRow.role == "leader") \
        if kind == "grid_leader" else query.where(GridPersonRow.id == key)
    phone = session.execute(query.limit(1)).scalar()
    return None if phone is None else {"phone": phone}


def active_grids(session) -> dict[str, str]:
    """The roster's grids in force: grid id -> village code."""
    return dict(session.execute(select(GridRow.id, GridRow.village_code)
                                .where(GridRow.removed_at.is_(None))).all())


def listing(session, village_code: str | None, page: int, limit: int) -> dict[str, Any]:
    """One page of the grids (of one village, or all), those in force first, each with its
    leader's name and how many members it has, and a summary of them; no phones."""
    chosen = select(GridRow.id)
    if village_code:
        chosen = chosen.where(GridRow.village_code == village_code)
    grids = select(GridRow).where(GridRow.id.in_(chosen))
    total = session.execute(select(func.count()).select_from(grids.subquery())).scalar()
    rows = session.execute(grids.order_by(GridRow.removed_at.is_not(None), GridRow.village_code,
                                          GridRow.id)
                           .offset((page - 1) * limit).limit(limit)).scalars().all()
    in_force = select(GridPersonRow).where(GridPersonRow.removed_at.is_(None),
                                           GridPersonRow.grid_id.in_([r.id for r in rows]))
    leaders = {p.grid_id: p.name for p in session.execute(
        in_force.where(GridPersonRow.role == "leader")).scalars()}
    members = dict(session.execute(select(GridPersonRow.grid_id, func.count()).where(
        GridPersonRow.removed_at.is_(None), GridPersonRow.role == "member",
        GridPersonRow.grid_id.in_([r.id for r in rows])).group_by(GridPersonRow.grid_id)).all())
    return {"summary": _summary(session, chosen), "total": total, "page": page, "limit": limit,
            "grids": [{"id": r.id, "name": r.name, "village_code": r.village_code,
                       "households": r.households, "leader": leaders.get(r.id),
                       "members": members.get(r.id, 0), "removed": r.removed_at is not None}
                      for r in rows]}


def _summary(session, chosen) -> dict[str, Any]:
    """How many grids (in force, removed) and people in force there are among ``chosen``,
    and when the roster as a whole last changed."""
    grids = dict(session.execute(select(GridRow.removed_at.is_(None), func.count())
                                 .where(GridRow.id.in_(chosen))
                                 .group_by(GridRow.removed_at.is_(None))).all())
    people = session.execute(select(func.count()).select_from(GridPersonRow).where(
        GridPersonRow.removed_at.is_(None), GridPersonRow.grid_id.in_(
            chosen.where(GridRow.removed_at.is_(None))))).scalar()
    moments = [session.execute(select(func.max(column))).scalar() for column in (
        GridRow.updated_at, GridRow.removed_at, GridPersonRow.updated_at,
        GridPersonRow.removed_at)]
    known = [m for m in moments if m is not None]
    return {"grids": grids.get(True, 0), "removed_grids": grids.get(False, 0),
            "people": people, "last_changed_at": max(known) if known else None}
