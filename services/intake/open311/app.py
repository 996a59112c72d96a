"""The Open311 use cases on intake's database: a submission through the same path as
POST /issues, requests and updates read from the issues and their timelines, and a
citizen's update recorded on the timeline (docs/open311.md)."""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianxin import directory
from lianxin.config import read_yaml
from lianxin.errors import BadValue, NotFound, NotYours
from services.intake import app, schemas, visits
from services.intake.models import IssueRow, TimelineRow
from services.intake.open311 import georeport
from services.intake.open311.georeport import Catalog, RequestsQuery
from services.intake.open311.models import Open311RequestRow, Open311UpdateRow

ISSUE_COLUMNS = ("id", "tracking_no", "category", "status", "title", "description",
                 "submitted_at", "department", "current_station_id", "village_code",
                 "voter_name", "voter_phone", "voter_email", "voter_id_number")
EXTRA_COLUMNS = ("lat", "long", "address_string", "address_id", "media_urls")
CHUNK = 500          # ids in one IN (...) of a query
KEY_SERVICE = "Open311 客户端的 API key（role: client）由区人大代表之家发放"


def load_catalog(config: dict[str, Any]) -> Catalog:
    """The catalog (``georeport.Catalog``) of the configuration's directory file."""
    path = config["DIRECTORY_FILE"]
    data = read_yaml(path)
    ladder = directory.from_directory(data)
    changed = datetime.fromtimestamp(os.stat(path).st_mtime, timezone.utc).replace(microsecond=0)
    return georeport.catalog(data, {s.id: s.name for s in ladder.stations.values()}, changed)


def discovery(cat: Catalog, url: str, production: bool, zone: Any) -> dict[str, Any]:
    changeset = georeport.w3c(cat.changeset, zone)
    return {"changeset": changeset, "contact": cat.contact, "key_service": KEY_SERVICE,
            "endpoints": [{"specification": georeport.SPECIFICATION, "url": url,
                           "changeset": changeset, "type": "production" if production else "test",
                           "formats": ["text/xml", "application/json"]}]}


def check(body: dict[str, Any]) -> dict[str, Any]:
    """The submission through the schema of POST /issues."""
    try:
        return schemas.SubmissionIn().load(body)
    except ValidationError as exc:
        raise BadValue("invalid request", exc.messages_dict) from None


def submit(unit: Any, body: dict[str, Any], placement: dict[str, Any], extra: dict[str, Any],
           client_id: str, photos: int, settings: Any) -> dict[str, Any]:
    """An ordinary submission (``app.submit``) and what only Open311 carried."""
    visits.check_visit(unit.session, body)
    receipt = app.submit(unit, body, placement, settings)
    unit.session.add(Open311RequestRow(issue_id=receipt["id"], client_id=client_id,
                                       photos=photos, received_at=unit.now, **extra))
    return receipt


def requests(session: Session, query: RequestsQuery, cat: Catalog, zone: Any
             ) -> list[dict[str, Any]]:
    """GET requests: by ids, or the newest first of the window (1,000 at most)."""
    chosen = select(IssueRow)
    if query.ids:
        chosen = chosen.where(IssueRow.tracking_no.in_(query.ids))
    else:
        chosen = chosen.where(IssueRow.submitted_at >= query.start,
                              IssueRow.submitted_at <= query.end)
        if query.services:
            chosen = chosen.where(IssueRow.category.in_(query.services))
        if query.statuses:
            chosen = chosen.where(IssueRow.status.in_(query.statuses))
    rows = _scalars(session, chosen.order_by(IssueRow.submitted_at.desc(), IssueRow.seq.desc())
                    .limit(georeport.MAX_REQUESTS))
    return records(session, rows, cat, zone)


def request(session: Session, tracking_no: str, cat: Catalog, zone: Any
            ) -> list[dict[str, Any]]:
    """GET requests/{id}: the request as a list of one."""
    rows = _scalars(session, select(IssueRow).where(IssueRow.tracking_no == tracking_no))
    if not rows:
        raise NotFound.field("service_request_id", f"no request {tracking_no}")
    return records(session, rows, cat, zone)


def records(session: Session, rows: Sequence[Any], cat: Catalog, zone: Any
            ) -> list[dict[str, Any]]:
    ids = [row.id for row in rows]
    extras = {e.issue_id: {c: getattr(e, c) for c in EXTRA_COLUMNS}
              for chunk in _chunks(ids) for e in _scalars(
                  session, select(Open311RequestRow).where(Open311RequestRow.issue_id.in_(chunk)))}
    steps = timelines(session, ids)
    return [georeport.request_record({c: getattr(row, c) for c in ISSUE_COLUMNS},
                                     extras.get(row.id), steps.get(row.id, []), cat, zone)
            for row in rows]


def timelines(session: Session, issue_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Each issue's steps, oldest first."""
    steps: dict[str, list[dict[str, Any]]] = {}
    for chunk in _chunks(issue_ids):
        for step in _scalars(session, select(TimelineRow).where(TimelineRow.issue_id.in_(chunk))
                             .order_by(TimelineRow.occurred_at, TimelineRow.id)):
            steps.setdefault(step.issue_id, []).append(
                {"id": step.id, **{c: getattr(step, c) for c in app.TIMELINE_FIELDS}})
    return steps


def updates(session: Session, start: datetime, end: datetime, cat: Catalog, zone: Any
            ) -> list[dict[str, Any]]:
    """GET servicerequestupdates: the changes a voter is told of, in the window, oldest
    first (1,000 at most: ask again from the last one's time)."""
    found = session.execute(
        select(TimelineRow.id, TimelineRow.issue_id)
        .where(TimelineRow.event_type.in_(georeport.UPDATE_STEPS),
               TimelineRow.occurred_at >= start, TimelineRow.occurred_at <= end)
        .order_by(TimelineRow.occurred_at, TimelineRow.id).limit(georeport.MAX_REQUESTS)).all()
    wanted = {step_id for step_id, _ in found}
    issues = {row.id: row for chunk in _chunks(list({i for _, i in found}))
              for row in _scalars(session, select(IssueRow).where(IssueRow.id.in_(chunk)))}
    chosen = []
    for issue_id, steps in timelines(session, list(issues)).items():
        row = issues[issue_id]
        secrets = (row.voter_name, row.voter_phone, row.voter_email, row.voter_id_number)
        for step, status in zip(steps, georeport.statuses(steps), strict=True):
            if step["id"] in wanted:
                chosen.append((step["occurred_at"], step["id"], georeport.update_record(
                    step, row.tracking_no, status, cat, zone, secrets)))
    return [record for _, _, record in sorted(chosen, key=lambda c: (c[0], c[1]))]


def post_update(unit: Any, update: dict[str, Any], client_id: str) -> str:
    """A citizen's update on a request the client submitted: a step of the issue's
    timeline (``citizen_update``) that the stations see; sent again with the same
    ``update_id``, the first one's id. Returns our update_id."""
    session = unit.session
    row = session.execute(select(IssueRow).where(
        IssueRow.tracking_no == update["service_request_id"])).scalar_one_or_none()
    if row is None:
        raise NotFound.field("service_request_id", f"no request {update['service_request_id']}")
    ours = session.get(Open311RequestRow, row.id)
    if ours is None or ours.client_id != client_id:
        raise NotYours.field("service_request_id", "a request this client did not submit")
    if update["external_id"] is not None:
        earlier = session.execute(select(Open311UpdateRow.timeline_id).where(
            Open311UpdateRow.client_id == client_id,
            Open311UpdateRow.external_id == update["external_id"])).scalar_one_or_none()
        if earlier is not None:
            return str(earlier)
    step = TimelineRow(issue_id=row.id, event_type=georeport.CITIZEN_UPDATE, status=row.status,
                       tier=row.tier, station_id=row.current_station_id, note=update["note"],
                       occurred_at=unit.now)
    session.add(step)
    session.flush()
    session.add(Open311UpdateRow(timeline_id=step.id, issue_id=row.id, client_id=client_id,
                                 external_id=update["external_id"], received_at=unit.now))
    return str(step.id)


def _scalars(session: Session, statement: Any) -> list[Any]:
    return list(session.execute(statement).scalars())


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]
