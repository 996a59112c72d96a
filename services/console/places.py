"""The names the pages show for codes: stations, villages, categories, departments and
representatives, from the directory every service reads (reference data, not another
service's database)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lianxin import directory
from lianxin.config import read_yaml


@dataclass(frozen=True)
class Places:
    ladder: directory.Ladder
    departments: dict[str, str]            # code -> name
    villages: dict[str, str]               # code -> name
    report_names: dict[str, dict[str, str]]   # what the month's circular calls each code

    @classmethod
    def read(cls, path: str) -> Places:
        data = read_yaml(path)
        villages = {str(v["code"]): v["name"] for town in data["towns"]
                    for v in town.get("villages", [])}
        return cls(directory.from_directory(data),
                   {d["code"]: d["name"] for d in data.get("departments", [])}, villages,
                   directory.report_names(data))

    def station(self, station_id: str | None) -> str:
        found = self.ladder.stations.get(station_id or "")
        return found.name if found else (station_id or "")

    def department(self, code: str | None) -> str:
        return self.departments.get(code or "", code or "")

    def category(self, code: str | None) -> str:
        return self.ladder.categories.get(code or "", code or "")

    def village(self, code: str | None) -> str:
        return self.villages.get(code or "", code or "")

    def representative(self, rep_id: str | None) -> str:
        found = self.ladder.representatives.get(rep_id or "")
        return found.name if found else (rep_id or "")

    def stations_in_order(self) -> list[dict[str, Any]]:
        """Every station, each town's villages after it, as ``GET /stations`` names them."""
        return [{"id": s.id, "tier": s.tier, "name": s.name, "parent_id": s.parent_id}
                for s in self.ladder.stations.values()]

    def villages_of(self, station_id: str) -> list[tuple[str, str]]:
        """The villages whose voters a station takes issues from: its own village, a
        town's villages, every village for the district's."""
        station = self.ladder.stations.get(station_id)
        below = {station_id} | {s.id for s in self.ladder.stations.values()
                                if s.parent_id == station_id}
        return [(code, self.villages.get(code, code))
                for code, village_station in self.ladder.village_stations.items()
                if (station is not None and station.tier == "district")
                or village_station in below]

    def representatives_of(self, station_id: str) -> list[tuple[str, str]]:
        """The representatives who sit at the station's place or one of its villages
        (every one, for the district's)."""
        station = self.ladder.stations.get(station_id)
        if station is None:
            return []
        places = {station.place_code, *(code for code, _ in self.villages_of(station_id))}
        return [(r.id, r.name) for r in self.ladder.representatives.values()
                if station.tier == "district" or r.place_code in places]
