"""The Open311 use cases on an in-memory intake database, and the entrypoint's reading
of forms and its errors, without a server."""
import io
import json
from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from lianxin import directory
from lianxin.errors import BadValue, NotFound, NotYours, TooLarge, Unauthenticated
from lianxin.web import Caller
from services.intake import app as intake
from services.intake.models import Base, IssueRow, TimelineRow
from services.intake.open311 import app, documents, georeport, http
from services.intake.open311.models import Open311RequestRow, Open311UpdateRow
from tests.unit.conftest import NOW, VILLAGE, VILLAGE_STATION, an_event, migration_diff

SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = SimpleNamespace(tracking_prefix="HB", timezone=SHANGHAI,
                           duplicate_window=timedelta(hours=72))
FORM = {"service_code": ["roads"], "attribute[village]": [VILLAGE],
        "address_string": ["白庙村三组"], "lat": ["32.68"], "long": ["109.02"],
        "description": ["村道塌方"], "first_name": ["五"], "last_name": ["王"],
        "phone": ["13900000001"], "email": ["wangwu@example.com"],
        "media_url": ["http://a.example/1.jpg", "http://a.example/2.jpg"]}


@pytest.fixture
def db(unit_of):
    return unit_of(Base, "intake")


@pytest.fixture(scope="module")
def cat():
    return app.load_catalog({"DIRECTORY_FILE": "data/hanbin.yml"})


def submitted(db, cat, ladder, rules, form=FORM, client="fixmystreet", now=None):
    body, extra = georeport.submission(form, cat)
    body = app.check(body)
    placement = directory.locate(village_code=body["village_code"], station_id=None,
                                 representative_id=None, category=body["category"],
                                 ladder=ladder, rules=rules)
    with db.unit(now) as unit:
        return app.submit(unit, body, placement, extra, client, 2, SETTINGS)


def test_a_post_is_an_ordinary_online_submission_with_its_location_and_media(db, cat, ladder,
                                                                           rules):
    receipt = submitted(db, cat, ladder, rules)
    assert db.outbox_types() == ["issue_submitted"]
    with db.session() as session:
        row = session.get(IssueRow, session.execute(select(IssueRow.seq)).scalar())
        assert (row.channel, row.category, row.village_code, row.current_station_id) == \
            ("online", "roads", VILLAGE, VILLAGE_STATION)
        assert (row.voter_name, row.voter_phone, row.voter_email) == \
            ("王五", "13900000001", "wangwu@example.com")
        extra = session.get(Open311RequestRow, receipt["id"])
        assert (extra.client_id, extra.lat, extra.photos) == ("fixmystreet", 32.68, 2)
        assert extra.media_urls == ["http://a.example/1.jpg", "http://a.example/2.jpg"]
    event = db.published[0]
    assert "王五" not in json.dumps(event, ensure_ascii=False, default=str)
    assert "http://a.example/2.jpg" in event["description"]


def test_the_submission_schema_refuses_what_post_issues_refuses(cat):
    body, _ = georeport.submission({**FORM, "phone": ["call me"]}, cat)
    with pytest.raises(BadValue) as refused:
        app.check(body)
    assert georeport.parameter_errors(refused.value.fields) == ["phone: must be a phone number"]
    body, _ = georeport.submission({k: v for k, v in FORM.items()
                                    if k not in ("first_name", "last_name", "phone")}, cat)
    with pytest.raises(BadValue) as refused:
        app.check(body)
    assert sorted(georeport.parameter_errors(refused.value.fields)) == [
        "first_name: required: first_name or last_name",
        "phone: required: the station calls the voter back"]


def project(db, issue_id, event_type, minutes, **data):
    event = an_event(event_type, issue_id, **data)
    event["occurred_at"] = NOW + timedelta(minutes=minutes)
    with db.unit() as unit:
        intake.project(unit, event, event_type=event_type)


MOVED = {"tracking_no": "HB202611000001", "title": "村道塌方"}


def test_requests_and_updates_read_the_timeline(db, cat, ladder, rules):
    receipt = submitted(db, cat, ladder, rules)
    issue_id = receipt["id"]
    project(db, issue_id, "issue_routed", 1, version=1, status="open", tier="village",
            station_id=VILLAGE_STATION, **MOVED)
    project(db, issue_id, "issue_resolved", 2, version=2, status="handled", tier="village",
            station_id=VILLAGE_STATION, note="已修复通行", **MOVED)
    with db.session() as session:
        [record] = app.request(session, receipt["tracking_no"], cat, SHANGHAI)
        assert (record["status"], record["status_notes"]) == ("closed", "已修复通行")
        assert record["media_url"] == "http://a.example/1.jpg"
        listed = app.requests(session, georeport.requests_query({}, cat, NOW + timedelta(hours=1)),
                              cat, SHANGHAI)
        assert [r["service_request_id"] for r in listed] == [receipt["tracking_no"]]
        none_open = georeport.requests_query({"status": ["open"]}, cat, NOW + timedelta(hours=1))
        assert app.requests(session, none_open, cat, SHANGHAI) == []
        by_id = georeport.requests_query({"service_request_id": [receipt["tracking_no"], "HB9"]},
                                         cat, NOW)
        assert len(app.requests(session, by_id, cat, SHANGHAI)) == 1
        updates = app.updates(session, NOW, NOW + timedelta(hours=1), cat, SHANGHAI)
        assert [(u["status"], u["description"]) for u in updates] == [
            ("open", "已由白庙村人大代表联络站受理"), ("closed", "已修复通行")]
        assert app.updates(session, NOW + timedelta(minutes=2, seconds=1),
                           NOW + timedelta(hours=1), cat, SHANGHAI) == []
        with pytest.raises(NotFound):
            app.request(session, "HB202611999999", cat, SHANGHAI)


def test_a_citizen_update_is_a_step_the_station_sees_once_per_update_id(db, cat, ladder, rules):
    receipt = submitted(db, cat, ladder, rules)
    update = {"service_request_id": receipt["tracking_no"], "note": "还没修好",
              "external_id": "77"}
    with db.unit() as unit:
        first = app.post_update(unit, update, "fixmystreet")
    with db.unit() as unit:
        assert app.post_update(unit, update, "fixmystreet") == first
    with db.unit() as unit:
        other = app.post_update(unit, {**update, "external_id": None}, "fixmystreet")
    assert other != first
    with db.session() as session:
        steps = session.execute(select(TimelineRow).where(
            TimelineRow.event_type == georeport.CITIZEN_UPDATE)).scalars().all()
        assert [s.note for s in steps] == ["还没修好", "还没修好"]
        assert session.get(Open311UpdateRow, int(first)).external_id == "77"
        view = intake.view(session, receipt["id"], Caller("station", VILLAGE_STATION))
        assert "citizen_update" in [s["event_type"] for s in view["timeline"]]
        assert app.updates(session, NOW - timedelta(days=1), NOW + timedelta(days=1), cat,
                           SHANGHAI) == []          # a client hears only of the stations' steps
    with db.unit() as unit, pytest.raises(NotYours):
        app.post_update(unit, update, "another-client")
    with db.unit() as unit, pytest.raises(NotFound):
        app.post_update(unit, {**update, "service_request_id": "HB1"}, "fixmystreet")


def test_the_migrations_build_the_open311_tables(tmp_path):
    assert migration_diff(Base, "intake", tmp_path) == []


def test_discovery_names_the_v2_endpoint_and_both_formats(cat):
    found = app.discovery(cat, "http://x/open311/v2", True, SHANGHAI)
    [endpoint] = found["endpoints"]
    assert (endpoint["url"], endpoint["type"], endpoint["formats"]) == \
        ("http://x/open311/v2", "production", ["text/xml", "application/json"])
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "home@rd.hanbin.example" in found["contact"]


# the entrypoint's reading of a request, and its errors ------------------------------

def request(method="POST", query=None, **kwargs):
    return Request(EnvironBuilder(path="/open311/v2/requests.xml", method=method,
                                  query_string=query, **kwargs).get_environ())


def test_a_form_or_multipart_body_and_the_query_are_read_empty_values_dropped():
    params, uploads = http.read(request(query="api_key=k", data={
        "service_code": "roads", "lat": "", "media_url": ["http://a/1", "http://a/2"]}))
    assert params == {"service_code": ["roads"], "media_url": ["http://a/1", "http://a/2"],
                      "api_key": ["k"]} and uploads == 0
    multipart = {"service_code": "roads", "attribute[village][]": ["1", "2"],
                 "photo1": (io.BytesIO(b"\xff\xd8jpeg"), "1.jpg", "image/jpeg"),
                 "photo2": (io.BytesIO(b"\xff\xd8jpeg"), "2.jpg", "image/jpeg")}
    params, uploads = http.read(request(data=multipart, content_type="multipart/form-data"))
    assert params == {"service_code": ["roads"], "attribute[village][]": ["1", "2"]}
    assert uploads == 2


def test_a_body_too_large_or_not_a_form_or_with_a_nul_is_refused():
    with pytest.raises(TooLarge):
        http.read(request(data={"description": "x" * (70 * 1024)}))
    with pytest.raises(BadValue):
        http.read(request(data='{"service_code": "roads"}', content_type="application/json"))
    with pytest.raises(BadValue):
        http.read(request(data={"description": "a\x00b"}))
    too_many = {f"photo{i}": (io.BytesIO(b"x"), f"{i}.jpg") for i in range(6)}
    with pytest.raises(BadValue):
        http.read(request(data=too_many, content_type="multipart/form-data"))


def test_only_a_clients_key_submits():
    keys = {"c-key": Caller("client", "fixmystreet"), "d-key": Caller("district")}
    assert http.authenticate(keys, {"api_key": ["c-key"]}) == Caller("client", "fixmystreet")
    with pytest.raises(Unauthenticated):
        http.authenticate(keys, {})
    for wrong in ("d-key", "nonsense"):
        with pytest.raises(NotYours):
            http.authenticate(keys, {"api_key": [wrong]})


@pytest.mark.parametrize("exc, status, code", [
    (NotFound.field("service_request_id", "no request HB1"), 404, 404),
    (Unauthenticated("api_key is required", {"api_key": ["missing"]}), 403, 403),
    (NotYours("invalid api_key", {"api_key": ["not a client's key"]}), 403, 403),
    (BadValue.field("start_date", "must be a W3C date"), 400, 400),
    (TooLarge("the body is larger than 65536 bytes"), 400, 413),
    (RuntimeError("database is down"), 400, 500),
])
def test_every_error_is_the_specs_document_with_404_403_or_400(exc, status, code):
    document = http.problem(exc)
    assert document.status == status
    body, content_type = documents.render(document, "json")
    [error] = json.loads(body)
    assert error["code"] == code and error["description"]
    assert "database is down" not in error["description"]
