"""The administrative ladder: places and their liaison stations, read from the directory.

Pure data: built from the directory file's mapping, no database, no nameko.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast


@dataclass(frozen=True)
class Station:
    id: str
    tier: str
    place_code: str
    place_name: str
    name: str
    parent_id: str | None = None
    email: str | None = None
    webhook: str | None = None


@dataclass(frozen=True)
class Representative:
    id: str
    name: str
    phone: str
    level: str
    place_code: str
    email: str | None = None


@dataclass(frozen=True)
class Ladder:
    stations: dict[str, Station]
    village_stations: dict[str, str]                                # village code -> station id
    representatives: dict[str, Representative] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)        # code -> name
    grids: dict[str, str] = field(default_factory=dict)             # grid id -> village code

    @property
    def district(self) -> Station:
        return next(s for s in self.stations.values() if s.tier == "district")

    def parent(self, station_id: str) -> Station:
        # the district has no parent: KeyError(None)
        return self.stations[cast(str, self.stations[station_id].parent_id)]

    def contact(self, kind: str, id: str) -> dict[str, str | None] | None:
        """Where notify reaches a station or representative, or None if unknown."""
        if kind == "station" and id in self.stations:
            return {"email": self.stations[id].email, "webhook": self.stations[id].webhook}
        if kind == "representative" and id in self.representatives:
            rep = self.representatives[id]
            return {"email": rep.email, "phone": rep.phone}
        return None

    def town_of(self, station_id: str) -> Station:
        station = self.stations[station_id]
        while station.tier != "town":
            station = self.stations[cast(str, station.parent_id)]
        return station


def station_id(place_code: str) -> str:
    return f"st-{place_code}"


def from_directory(directory: dict[str, Any]) -> Ladder:
    """Build the ladder from the directory file (docs/directory.md)."""
    district = directory["district"]
    home = _station("district", district, None, "{name}人大代表之家")
    stations = {home.id: home}
    villages: dict[str, str] = {}
    for town in directory["towns"]:
        central = _station("town", town, home.id, "{name}人大代表中心联络站")
        stations[central.id] = central
        for village in town.get("villages", []):
            local = _station("village", village, central.id, "{name}人大代表联络站")
            stations[local.id] = local
            villages[str(village["code"])] = local.id
    reps = {r["id"]: Representative(r["id"], r["name"], str(r.get("phone") or ""), r["level"],
                                    str(r["place"]), r.get("email"))
            for r in directory.get("representatives", [])}
    categories = {c["code"]: c["name"] for c in directory.get("categories", [])}
    grids = {g["id"]: str(g["village"]) for g in directory.get("grids", [])}
    return Ladder(stations, villages, reps, categories, grids)


def _station(tier: str, place: dict[str, Any], parent_id: str | None,
             default_name: str) -> Station:
    extra = place.get("station") or {}
    code = str(place["code"])
    return Station(id=station_id(code), tier=tier, place_code=code, place_name=place["name"],
                   name=extra.get("name") or default_name.format(name=place["name"]),
                   parent_id=parent_id, email=extra.get("email"), webhook=extra.get("webhook"))
