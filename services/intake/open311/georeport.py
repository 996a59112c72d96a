"""The pure mapping between Open311 GeoReport v2 (with FixMyStreet's update extension)
and Lianxin: the service list and definitions from the directory, a POSTed form as a
submission, W3C dates and the 90-day window, statuses, and each request and update
as the spec writes it. No database, no HTTP (docs/open311.md)."""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from lianxin.errors import BadValue, NotFound, Refused
from services.intake.domain import VOTER_STEPS, voter_timeline

Params = Mapping[str, Sequence[str]]      # a query or form: name -> its non-empty values

WINDOW = timedelta(days=90)                # the longest start_date..end_date, and the default
MAX_REQUESTS = 1000                        # requests (or updates) in one answer at most
MAX_MEDIA = 10                             # media_url values in one submission at most
DESCRIPTION_MAX = 4000                     # the spec's limit, and ours
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"

# our statuses as the spec's two
STATUS = {"open": "open", "referred": "open", "forwarded": "open",
          "handled": "closed", "closed": "closed"}
OURS = {theirs: tuple(s for s, t in STATUS.items() if t == theirs) for theirs in ("open", "closed")}
# the steps of the voter's timeline that are changes an Open311 client is told of
UPDATE_STEPS = tuple(s for s in VOTER_STEPS if s not in ("issue_submitted", "feedback_received"))
CITIZEN_UPDATE = "citizen_update"          # a client's POST servicerequestupdates, on the timeline
# what a step says when it carries no note meant for the voter
STEP_TEXT = {
    "issue_submitted": "已受理",
    "issue_routed": "已由{station}受理",
    "issue_escalated": "已提交{station}协调办理",
    "issue_referred": "已交由{department}办理",
    "issue_forwarded": "已转报市级协调办理",
    "issue_resolved": "已办理",
    "issue_closed": "已办结销号",
    "issue_reopened": "群众不满意，已重新办理",
    "assignment_accepted": "{department}已签收",
    "assignment_progressed": "{department}正在办理",
    "issue_progress": "正在办理中",
    "extension_granted": "{department}的办理期限已延长",
}
_W3C = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]+)\](\[\])?")
_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)


# the directory as services ------------------------------------------------------

@dataclass(frozen=True)
class Service:
    code: str
    name: str
    department: str | None            # its default department's name, if any


@dataclass(frozen=True)
class Catalog:
    """What the Open311 endpoint reads from the directory file at start."""
    district: str                     # the district's name, the jurisdiction
    contact: str                      # whom a client asks about the API and its keys
    changeset: datetime               # when the directory, hence the services, last changed
    services: dict[str, Service]      # by service_code (our category code)
    villages: dict[str, str]          # village code -> "town village", the attribute's values
    departments: dict[str, str]       # department code -> name (agency_responsible)
    stations: dict[str, str]          # station id -> name


def catalog(directory: Mapping[str, Any], stations: Mapping[str, str],
            changeset: datetime) -> Catalog:
    """The catalog of a directory file (docs/directory.md) and its stations' names."""
    departments = {d["code"]: d["name"] for d in directory.get("departments", [])}
    services = {c["code"]: Service(c["code"], c["name"], departments.get(c.get("department")))
                for c in directory.get("categories", [])}
    villages = {str(v["code"]): f"{town['name']}{v['name']}"
                for town in directory["towns"] for v in town.get("villages", [])}
    district = directory["district"]
    station = district.get("station") or {}
    contact = f"{station.get('name') or district['name']}"
    if station.get("email"):
        contact += f" {station['email']}"
    return Catalog(district["name"], contact, changeset, services, villages, departments,
                   dict(stations))


def service_list(cat: Catalog) -> list[dict[str, Any]]:
    """GET services: each category, with the village to name (``metadata``)."""
    return [{"service_code": s.code, "service_name": s.name,
             "description": f"{s.name}方面的问题" + (f"（默认承办：{s.department}）"
                                                   if s.department else ""),
             "metadata": True, "type": "realtime",
             "keywords": ",".join(k for k in (s.name, s.code, s.department) if k),
             "group": s.department or cat.district}
            for s in cat.services.values()]


def definition(cat: Catalog, service_code: str) -> dict[str, Any]:
    """GET services/{code}: the attributes a submission of the service carries."""
    if service_code not in cat.services:
        raise NotFound.field("service_code", f"no service {service_code!r}")
    return {"service_code": service_code, "attributes": [
        {"variable": True, "code": "village", "datatype": "singlevaluelist", "required": True,
         "datatype_description": "村（社区）代码", "order": 1,
         "description": "问题发生在哪个村（社区）",
         "values": [{"key": code, "name": name} for code, name in cat.villages.items()]},
        {"variable": True, "code": "title", "datatype": "string", "required": False,
         "datatype_description": "不超过200字", "order": 2,
         "description": "问题的标题；不填则取描述的第一行"},
        {"variable": False, "code": "contact", "datatype": "string", "required": False,
         "datatype_description": None, "order": 3,
         "description": "请留下姓名（first_name、last_name）和电话（phone）：联络站会电话回访，"
                        "办结后请您评价。您的姓名和电话不会公开。"},
    ]}


# reading what a client sends --------------------------------------------------------

def single(params: Params, name: str) -> str | None:
    """The one value of ``name``, None if absent or empty; sent twice, refused."""
    values = list(dict.fromkeys(params.get(name, ())))
    if len(values) > 1:
        raise BadValue.field(name, "given more than once")
    return values[0] if values else None


def many(params: Params, name: str) -> list[str]:
    """Every value of ``name``, repeated or comma delimited (service_code, status ...)."""
    return [part.strip() for value in params.get(name, ()) for part in value.split(",")
            if part.strip()]


def attributes(params: Params) -> dict[str, list[str]]:
    """``attribute[code]=v`` and ``attribute[code][]=v1&attribute[code][]=v2`` by code."""
    found: dict[str, list[str]] = {}
    for name, values in params.items():
        match = _ATTRIBUTE.fullmatch(name)
        if match:
            found.setdefault(match.group(1), []).extend(values)
    return found


def join_name(first: str | None, last: str | None) -> str | None:
    """first_name (the given name) and last_name (the family name) as one name: a
    Chinese name family name first and without a space (last_name 王, first_name 五:
    王五), other names "first last". FixMyStreet sends a Chinese name whole as
    first_name, and "-" for a missing last_name: both come through as sent."""
    parts = [(p or "").strip() for p in (first, last)]
    given, family = [p if p != "-" else "" for p in parts]
    if not (given and family):
        alone = given or family
        return alone[:100] if alone else None
    if _CJK.search(given + family):
        name = given if given.startswith(family) else family + given
    else:
        name = f"{given} {family}"
    return name[:100]


def coordinates(params: Params) -> tuple[float | None, float | None]:
    lat, long = single(params, "lat"), single(params, "long")
    if (lat is None) != (long is None):
        missing = "long" if long is None else "lat"
        raise BadValue.field(missing, "lat and long are sent together")
    if lat is None or long is None:
        return None, None
    return _degrees("lat", lat, 90), _degrees("long", long, 180)


def _degrees(name: str, value: str, bound: float) -> float:
    try:
        degrees = float(value)
    except ValueError:
        raise BadValue.field(name, "must be a number of degrees (WGS84)") from None
    if not math.isfinite(degrees) or abs(degrees) > bound:
        raise BadValue.field(name, f"must be between -{bound:g} and {bound:g}")
    return degrees


def media_urls(params: Params) -> list[str]:
    urls = list(dict.fromkeys(params.get("media_url", ())))
    if len(urls) > MAX_MEDIA:
        raise BadValue.field("media_url", f"at most {MAX_MEDIA}")
    for url in urls:
        if len(url) > 2000 or not _URL.fullmatch(url):
            raise BadValue.field("media_url", f"not an http(s) URL: {url[:80]!r}")
    return urls


def submission(params: Params, cat: Catalog) -> tuple[dict[str, Any], dict[str, Any]]:
    """A POST requests form as the submission POST /issues takes (channel "online";
    still to be checked by its schema) and what only Open311 carries (location,
    media). Refuses what the spec requires and the form lacks, by parameter."""
    code = single(params, "service_code")
    if code is None:
        raise BadValue.field("service_code", "required")
    if code not in cat.services:
        raise NotFound.field("service_code", f"no service {code!r}")
    given = attributes(params)
    village = _one_attribute(given, "village")
    if village is None:
        raise BadValue.field("attribute[village]", "required: the village code (see the "
                             "service definition)")
    if village not in cat.villages:
        raise BadValue.field("attribute[village]", f"no village {village!r}")
    lat, long = coordinates(params)
    address, address_id = single(params, "address_string"), single(params, "address_id")
    if lat is None and address is None and address_id is None:
        raise BadValue.field("lat", "a location is required: lat and long, address_string "
                             "or address_id")
    text = single(params, "description")
    if text is None:
        raise BadValue.field("description", "required")
    if len(text) > DESCRIPTION_MAX:
        raise BadValue.field("description", f"at most {DESCRIPTION_MAX} characters")
    media = media_urls(params)
    described = text + ("\n\n图片：\n" + "\n".join(media) if media else "")
    if len(described) > DESCRIPTION_MAX:
        raise BadValue.field("media_url", f"the description and media URLs exceed "
                             f"{DESCRIPTION_MAX} characters")
    voter = {"name": join_name(single(params, "first_name"), single(params, "last_name")),
             "phone": single(params, "phone"), "email": single(params, "email")}
    body = {"channel": "online", "category": code, "description": described,
            "title": _one_attribute(given, "title") or title_of(text), "village_code": village,
            "voter": {k: v for k, v in voter.items() if v is not None}}
    extra = {"lat": lat, "long": long, "address_string": address, "address_id": address_id,
             "media_urls": media}
    return body, extra


def _one_attribute(given: Mapping[str, list[str]], code: str) -> str | None:
    values = list(dict.fromkeys(given.get(code, ())))
    if len(values) > 1:
        raise BadValue.field(f"attribute[{code}]", "takes one value")
    return values[0] if values else None


def title_of(text: str) -> str:
    """A title from a description: its first line that says something, shortened."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), text.strip())
    return line if len(line) <= 100 else line[:99] + "…"


# where the spec's names differ from ours, for the errors of the submission's schema
PARAMETER = {"category": "service_code", "village_code": "attribute[village]",
             "title": "attribute[title]", "voter": "first_name",
             "voter.name": "first_name", "voter.phone": "phone", "voter.email": "email"}


def parameter_errors(fields: Mapping[str, Any], prefix: str = "") -> list[str]:
    """A refusal's fields (``{voter: {phone: [...]}}``) as "parameter: reason" lines,
    each named as the client sent it."""
    lines: list[str] = []
    for name, reasons in fields.items():
        path = f"{prefix}{name}"
        if isinstance(reasons, Mapping):
            lines += parameter_errors(reasons, f"{path}.")
            continue
        if path == "voter.name" and "required" in " ".join(map(str, reasons)).lower():
            reasons = ["required: first_name or last_name"]
        if path == "voter.phone" and "required" in " ".join(map(str, reasons)).lower():
            reasons = ["required: the station calls the voter back"]
        lines += [f"{PARAMETER.get(path, path)}: {reason}" for reason in reasons]
    return lines


def citizen_update(params: Params) -> dict[str, Any]:
    """POST servicerequestupdates (FixMyStreet's extension): a citizen's words on a
    request. Its status, name, email and phone are not kept (docs/open311.md)."""
    request_id = single(params, "service_request_id")
    if request_id is None:
        raise BadValue.field("service_request_id", "required")
    text = single(params, "description")
    if text is None:
        raise BadValue.field("description", "required")
    stamp = single(params, "updated_datetime")
    if stamp is not None:
        parse_w3c("updated_datetime", stamp)
    media = media_urls(params)
    note = text + ("\n\n图片：\n" + "\n".join(media) if media else "")
    if len(note) > DESCRIPTION_MAX:
        raise BadValue.field("description", f"at most {DESCRIPTION_MAX} characters with "
                             "its media URLs")
    external = single(params, "update_id")
    if external is not None and len(external) > 64:
        raise BadValue.field("update_id", "at most 64 characters")
    return {"service_request_id": request_id, "note": note, "external_id": external}


# dates and the window of GET requests and updates ------------------------------------

def parse_w3c(name: str, value: str) -> datetime:
    """A W3C date and time with its offset (``2026-11-10T08:00:00+08:00``, ``…Z``); a
    "+" a client left unencoded in the query string arrives as a space and is read back."""
    value = value.strip()
    if len(value) > 6 and value[-6] == " ":
        value = value[:-6] + "+" + value[-5:]
    if not _W3C.fullmatch(value):
        raise BadValue.field(name, "must be a W3C date and time with its time zone, "
                             "e.g. 2026-11-10T08:00:00+08:00")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise BadValue.field(name, f"not a date and time: {value!r}") from None


def w3c(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def window(params: Params, now: datetime) -> tuple[datetime, datetime]:
    """start_date..end_date: the most recent 90 days when neither is given, 90 days from
    the one given, and never longer."""
    start = _date(params, "start_date")
    end = _date(params, "end_date")
    if start is None:
        return (now - WINDOW, now) if end is None else (end - WINDOW, end)
    if end is None:
        return start, start + WINDOW
    if end < start:
        raise BadValue.field("end_date", "is before start_date")
    if end - start > WINDOW:
        raise BadValue.field("end_date", "start_date..end_date spans more than 90 days")
    return start, end


def _date(params: Params, name: str) -> datetime | None:
    value = single(params, name)
    return None if value is None else parse_w3c(name, value)


@dataclass(frozen=True)
class RequestsQuery:
    """GET requests: by ids (which override every other filter), or by window,
    services and statuses."""
    ids: tuple[str, ...]
    services: tuple[str, ...]
    statuses: tuple[str, ...]        # ours
    start: datetime
    end: datetime


def requests_query(params: Params, cat: Catalog, now: datetime) -> RequestsQuery:
    ids = tuple(dict.fromkeys(many(params, "service_request_id")))
    if len(ids) > MAX_REQUESTS:
        raise BadValue.field("service_request_id", f"at most {MAX_REQUESTS}")
    if ids:
        return RequestsQuery(ids, (), (), now, now)
    services = tuple(dict.fromkeys(many(params, "service_code")))
    unknown = [s for s in services if s not in cat.services]
    if unknown:
        raise BadValue.field("service_code", f"no service {unknown[0]!r}")
    theirs = many(params, "status")
    if any(s not in OURS for s in theirs):
        raise BadValue.field("status", "open or closed, comma delimited")
    statuses = tuple(s for t in dict.fromkeys(theirs) for s in OURS[t])
    start, end = window(params, now)
    return RequestsQuery((), services, statuses, start, end)


# requests and updates as the spec writes them -------------------------------------

def redact(text: str | None, secrets: Iterable[str | None]) -> str | None:
    """``text`` with the voter's own name, phone, email and ID number blotted out, in
    case a voter or a station wrote them into what is published."""
    if text is None:
        return None
    for secret in sorted({s.strip() for s in secrets if s and len(s.strip()) >= 2},
                         key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def step_text(step: Mapping[str, Any], cat: Catalog) -> str:
    """What a step of the voter's timeline tells a client: its note where the note is
    meant for the voter, else what happened."""
    event = step["event_type"]
    if VOTER_STEPS.get(event) and step.get("note"):
        return str(step["note"])
    return STEP_TEXT.get(event, "正在办理中").format(
        station=cat.stations.get(step.get("station_id") or "", "联络站"),
        department=cat.departments.get(step.get("department") or "", "承办部门"))


def request_record(issue: Mapping[str, Any], extra: Mapping[str, Any] | None,
                   steps: Sequence[Mapping[str, Any]], cat: Catalog,
                   zone: tzinfo) -> dict[str, Any]:
    """One request of GET requests: ours mapped to the spec's fields, without the
    voter's personal data. ``issue`` has intake's columns, ``extra`` what an Open311
    submission carried, ``steps`` its timeline, oldest first. A request from another
    channel shows its title only, not the voter's words; no ``expected_datetime``:
    intake does not know the current deadline (docs/open311.md)."""
    secrets = [issue.get(k) for k in ("voter_name", "voter_phone", "voter_email",
                                      "voter_id_number")]
    seen = voter_timeline(steps)
    told = [s for s in seen if s["event_type"] != "feedback_received"]
    service = cat.services.get(issue["category"])
    agency = (cat.departments.get(issue.get("department") or "") or
              cat.stations.get(issue.get("current_station_id") or ""))
    media = (extra or {}).get("media_urls") or []
    return {
        "service_request_id": issue["tracking_no"],
        "status": STATUS[issue["status"]],
        "status_notes": redact(step_text(told[-1], cat), secrets) if told else None,
        "service_name": service.name if service else issue["category"],
        "service_code": issue["category"],
        "description": redact(issue["description"] if extra else issue["title"], secrets),
        "agency_responsible": agency,
        "requested_datetime": w3c(issue["submitted_at"], zone),
        "updated_datetime": w3c(seen[-1]["occurred_at"] if seen else issue["submitted_at"],
                                zone),
        "address": redact((extra or {}).get("address_string"), secrets) or
        _place(cat, issue["village_code"]),
        "address_id": (extra or {}).get("address_id"),
        "lat": (extra or {}).get("lat"),
        "long": (extra or {}).get("long"),
        "media_url": media[0] if media else None,
    }


def _place(cat: Catalog, village_code: str) -> str:
    village = cat.villages.get(village_code)
    return f"{cat.district}{village}" if village else cat.district


def statuses(steps: Sequence[Mapping[str, Any]]) -> list[str | None]:
    """The issue's status after each step, oldest first: a department's steps carry
    none, so the one before holds."""
    current: str | None = None
    after = []
    for step in steps:
        current = step.get("status") or current
        after.append(current)
    return after


def update_record(step: Mapping[str, Any], tracking_no: str, status: str | None,
                  cat: Catalog, zone: tzinfo, secrets: Iterable[str | None]) -> dict[str, Any]:
    """One request_update of GET servicerequestupdates: a step of the voter's timeline,
    its ``update_id`` the step's own number."""
    return {"update_id": str(step["id"]), "service_request_id": tracking_no,
            "status": STATUS.get(status or "open", "open"),
            "updated_datetime": w3c(step["occurred_at"], zone),
            "description": redact(step_text(step, cat), secrets)}


def refusal_lines(exc: Refused) -> list[str]:
    """A refusal as the descriptions of the spec's errors, one per parameter at fault."""
    return parameter_errors(exc.fields) or [exc.message]
