"""The directory every service reads: the administrative ladder of places and their
liaison stations, representatives, grids and categories, and where an issue starts.

Reference data from the operator's files (``DIRECTORY_FILE``, ``RULES_FILE``), held
in memory: no database, no nameko. Intake checks and places a submission with it on
its own, so voters are served while routing is down; routing places it again, by
the same rule, when it receives the submission.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from lianxin.config import read_yaml

if TYPE_CHECKING:
    from lianxin.rulesfile import RuleSet


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


@dataclass(frozen=True)
class Rules:
    district_categories: frozenset[str] = frozenset()
    town_categories: frozenset[str] = frozenset()

    @classmethod
    def from_file(cls, data: dict[str, Any] | None) -> Rules:
        start = (data or {}).get("start", {})
        return cls(frozenset(start.get("district", [])), frozenset(start.get("town", [])))


def start_station(*, category: str, village_code: str, station_id: str | None, ladder: Ladder,
                  rules: Rules) -> Station:
    """The station an issue starts at: the rules' tier, the collecting station, or the village's."""
    village_station = ladder.village_stations[village_code]
    if category in rules.district_categories:
        return ladder.district
    if category in rules.town_categories:
        return ladder.town_of(village_station)
    return ladder.stations[station_id or village_station]


def check_origin(*, village_code: str, station_id: str | None, representative_id: str | None,
                 category: str, ladder: Ladder, grid_id: str | None = None
                 ) -> dict[str, list[str]]:
    """Field errors of a submission's references to the ladder ({} when all are known)."""
    errors: dict[str, list[str]] = {}
    if grid_id is not None and ladder.grids.get(grid_id) != village_code:
        errors["grid_id"] = [f"unknown grid {grid_id!r}" if grid_id not in ladder.grids
                             else f"grid {grid_id!r} is not in village {village_code!r}"]
    if village_code not in ladder.village_stations:
        errors["village_code"] = [f"unknown village {village_code!r}"]
    if station_id is not None and station_id not in ladder.stations:
        errors["station_id"] = [f"unknown station {station_id!r}"]
    if representative_id is not None and representative_id not in ladder.representatives:
        errors["representative_id"] = [f"unknown representative {representative_id!r}"]
    if category not in ladder.categories:
        errors["category"] = [f"unknown category {category!r}"]
    return errors


def locate(*, village_code: str, station_id: str | None, representative_id: str | None,
           category: str, ladder: Ladder, rules: Rules, grid_id: str | None = None
           ) -> dict[str, Any]:
    """Where a submission starts, ``{tier, station_id}``, or ``{errors}`` by field."""
    errors = check_origin(village_code=village_code, station_id=station_id,
                          representative_id=representative_id, category=category, ladder=ladder,
                          grid_id=grid_id)
    if errors:
        return {"errors": errors}
    station = start_station(category=category, village_code=village_code,
                            station_id=station_id, ladder=ladder, rules=rules)
    return {"tier": station.tier, "station_id": station.id}


def read(config: Mapping[str, Any]) -> tuple[Ladder, RuleSet]:
    """The ladder, and the rules checked against it, from the files the configuration
    names; a rule naming something the directory lacks is a ``ValueError`` with its line."""
    from lianxin import rulesfile
    data = read_yaml(config["DIRECTORY_FILE"])
    ladder = from_directory(data)
    departments = [d["code"] for d in data.get("departments", [])]
    return ladder, rulesfile.read(config["RULES_FILE"], categories=list(ladder.categories),
                                  departments=departments)


def report_names(data):
    """The names a report shows for the codes of the directory ``data``: stations (the
    liaison-station suffix left off), villages, categories, departments, representatives."""
    ladder = from_directory(data)
    return {"stations": {s.id: s.name.removesuffix("人大代表中心联络站").removesuffix(
                             "人大代表联络站") for s in ladder.stations.values()},
            "villages": {s.place_code: s.place_name for s in ladder.stations.values()},
            "categories": dict(ladder.categories),
            "departments": {d["code"]: d["name"] for d in data.get("departments", [])},
            "representatives": {r.id: r.name for r in ladder.representatives.values()}}
