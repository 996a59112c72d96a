"""Open311 GeoReport v2 on the running system, over HTTP only: discovery, services,
definitions, form and multipart submissions, requests back in XML and JSON with the
standard filters, FixMyStreet's servicerequestupdates, the spec's errors, a real
client library (georeport), and no voter's personal data in any answer."""
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
import requests
from georeport import GeoReport

from tests.e2e.client import VILLAGE, VILLAGE_STATION, Lianxin
from tests.support.broker import wait_until

pytestmark = pytest.mark.e2e

KEY = "open311-fixmystreet-key"
# the voter's personal data: never in an Open311 answer
FIRST, LAST, PHONE, EMAIL = "小明", "欧阳", "13912345678", "ouyang.xm@example.com"
SECRETS = ("欧阳小明", FIRST, PHONE, EMAIL)
MEDIA = ["https://fms.example/photo/1.full.jpeg", "https://fms.example/photo/2.full.jpeg"]


class Open311:
    """HTTP to intake's /open311, keeping every answer to look for personal data in."""

    def __init__(self, base):
        self.base = base + "/open311"
        self.answers = []

    def call(self, method, path, **kwargs):
        response = requests.request(method, self.base + path, timeout=10, **kwargs)
        self.answers.append(response)
        assert not response.headers["Content-Type"].startswith("text/html"), response.text
        return response

    def xml(self, method, path, status=200, **kwargs):
        response = self.call(method, path, **kwargs)
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
        return ET.fromstring(response.content)

    def json(self, method, path, status=200, **kwargs):
        response = self.call(method, path, **kwargs)
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        return response.json()

    def submit(self, fmt="xml", files=None, **fields):
        form = {"api_key": KEY, "service_code": "roads", "attribute[village]": VILLAGE,
                "lat": "32.6853", "long": "109.0291", "address_string": "白庙村三组",
                "first_name": FIRST, "last_name": LAST, "phone": PHONE, "email": EMAIL,
                "description": "三组村道塌方\n雨后路基下沉，车辆无法通行", "media_url": MEDIA,
                "jurisdiction_id": "", "account_id": "", **fields}
        if fmt == "json":
            [receipt] = self.json("POST", "/v2/requests.json", data=form, files=files)
            return receipt
        root = self.xml("POST", "/v2/requests.xml", data=form, files=files)
        [request] = root.findall("request")
        assert request.find("token") is None
        return {child.tag: child.text for child in request}

    def leaked(self):
        return [(r.url, s) for r in self.answers for s in SECRETS if s in r.text]


@pytest.fixture(scope="module")
def o3(system):
    return Open311(system.urls["intake"])


@pytest.fixture(scope="module")
def lx(system):
    return Lianxin(system.urls)


@pytest.fixture(scope="module")
def posted(o3):
    """A form submission and a multipart one with two photos, both with two media_url."""
    form = o3.submit()
    photos = {"photo1": ("1.jpg", b"\xff\xd8\xff\xe0 one", "image/jpeg"),
              "photo2": ("2.jpg", b"\xff\xd8\xff\xe0 two", "image/jpeg")}
    multipart = o3.submit("json", files=photos, **{"attribute[village]": "",
                                                  "attribute[village][]": VILLAGE,
                                                  "attribute[title]": "三组村道塌方（附照片）"})
    return form["service_request_id"], multipart["service_request_id"]


def w3c(moment):
    return moment.isoformat(timespec="seconds")


def test_discovery_services_and_a_definition(o3, system):
    discovery = o3.xml("GET", "/discovery.xml")
    endpoint = discovery.find("endpoints/endpoint")
    assert endpoint.findtext("url") == system.urls["intake"] + "/open311/v2"
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    assert o3.json("GET", "/discovery.json")["endpoints"][0]["formats"][1] == "application/json"
    services = o3.xml("GET", "/v2/services.xml")
    assert services.tag == "services" and len(services.findall("service")) == 13
    roads = next(s for s in services if s.findtext("service_code") == "roads")
    assert (roads.findtext("service_name"), roads.findtext("metadata"), roads.findtext("type"),
            roads.findtext("group")) == ("道路交通", "true", "realtime", "区交通运输局")
    definition = o3.json("GET", "/v2/services/roads.json")
    village = definition["attributes"][0]
    assert (village["code"], village["datatype"], village["required"]) == \
        ("village", "singlevaluelist", True)
    assert {"key": VILLAGE, "name": "关庙镇白庙村"} in village["values"]
    assert o3.xml("GET", "/v2/services/roads.xml").tag == "service_definition"


def test_posted_requests_come_back_in_xml_and_json(o3, posted, lx):
    form_id, multipart_id = posted
    assert form_id.startswith("HB") and multipart_id.startswith("HB")
    root = o3.xml("GET", f"/v2/requests/{form_id}.xml")
    assert root.tag == "service_requests"
    request = root.find("request")
    assert (request.findtext("service_request_id"), request.findtext("status"),
            request.findtext("service_code"), request.findtext("service_name")) == \
        (form_id, "open", "roads", "道路交通")
    assert request.findtext("media_url") == MEDIA[0]
    assert (request.findtext("lat"), request.findtext("address")) == ("32.6853", "白庙村三组")
    assert request.findtext("description").startswith("三组村道塌方")
    assert request.find("expected_datetime") is None
    [again] = o3.json("GET", f"/v2/requests/{multipart_id}.json")
    assert (again["service_request_id"], again["status"], again["lat"]) == \
        (multipart_id, "open", 32.6853)
    # a station sees the voter, the title and both photos' addresses
    issue = lx.call("intake", "GET", "/issues", "district",
                    params={"tracking_no": multipart_id}).json()
    assert (issue["channel"], issue["title"]) == ("online", "三组村道塌方（附照片）")
    assert all(url in issue["description"] for url in MEDIA)
    assert lx.call("notify", "GET", "/notifications", "district", params={
        "issue_id": issue["id"]}).status_code == 200
    assert o3.leaked() == []


def test_requests_filtered_by_status_date_service_and_ids(o3, posted):
    form_id, multipart_id = posted
    listed = o3.json("GET", "/v2/requests.json")
    assert {form_id, multipart_id} <= {r["service_request_id"] for r in listed}
    opened = o3.json("GET", "/v2/requests.json", params={"status": "open,closed"})
    assert {form_id, multipart_id} <= {r["service_request_id"] for r in opened}
    assert o3.json("GET", "/v2/requests.json", params={"status": "closed",
                                                      "service_code": "roads"}) == []
    assert o3.json("GET", "/v2/requests.json", params={"service_code": "water"}) == []
    now = datetime.now(timezone.utc)
    window = {"start_date": w3c(now - timedelta(hours=1)), "end_date": w3c(now + timedelta(hours=1))}
    assert len(o3.json("GET", "/v2/requests.json", params=window)) >= 2
    before = {"start_date": "2020-01-01T00:00:00+08:00", "end_date": "2020-02-01T00:00:00+08:00"}
    assert o3.json("GET", "/v2/requests.json", params=before) == []
    by_ids = o3.xml("GET", "/v2/requests.xml", params={
        "service_request_id": f"{form_id},{multipart_id}", "status": "closed", **before})
    assert sorted(r.findtext("service_request_id") for r in by_ids) == \
        sorted([form_id, multipart_id])
    assert o3.leaked() == []


def test_updates_after_a_station_acts_and_a_citizens_update(o3, posted, lx):
    form_id, _ = posted
    issue = lx.call("intake", "GET", "/issues", "district", params={"tracking_no": form_id}).json()
    wait_until(lambda: lx.call("routing", "GET", f"/issues/{issue['id']}/route", "district").ok,
               timeout=15, message="routing holds it")
    resolved = lx.act(issue["id"], "resolve", VILLAGE_STATION, resolution="路基已回填，恢复通行")
    assert resolved.status_code == 200, resolved.text
    wait_until(lambda: o3.json("GET", f"/v2/requests/{form_id}.json")[0]["status"] == "closed",
               timeout=15, message="closed through Open311")
    [request] = o3.json("GET", f"/v2/requests/{form_id}.json")
    assert request["status_notes"] == "路基已回填，恢复通行"
    assert request["agency_responsible"] == "白庙村人大代表联络站"
    now = datetime.now(timezone.utc)
    window = {"start_date": w3c(now - timedelta(hours=2)), "end_date": w3c(now + timedelta(minutes=1)),
              "api_key": KEY}
    updates = o3.xml("GET", "/v2/servicerequestupdates.xml", params=window)
    assert updates.tag == "service_request_updates"
    ours = [u for u in updates.findall("request_update")
            if u.findtext("service_request_id") == form_id]
    assert [(u.findtext("status"), u.findtext("description")) for u in ours][-1] == \
        ("closed", "路基已回填，恢复通行")
    assert all(u.findtext("update_id") and u.findtext("updated_datetime") for u in ours)
    citizen = {"api_key": KEY, "service_request_id": form_id, "update_id": "fms-501",
               "status": "OPEN", "description": "路面还有积水", "first_name": FIRST,
               "last_name": "-", "email": EMAIL, "updated_datetime": w3c(now),
               "media_url": MEDIA[1]}
    first = o3.xml("POST", "/v2/servicerequestupdates.xml", data=citizen)
    update_id = first.findtext("request_update/update_id")
    assert update_id
    again = o3.json("POST", "/v2/servicerequestupdates.json", data=citizen)
    assert again == [{"update_id": update_id}]
    steps = lx.issue(issue["id"])["timeline"]
    assert [s["note"] for s in steps if s["event_type"] == "citizen_update"] == \
        [f"路面还有积水\n\n图片：\n{MEDIA[1]}"]
    assert o3.leaked() == []


def test_a_real_open311_client_library_reads_the_endpoint(o3, posted, system):
    form_id, multipart_id = posted
    for fmt in ("xml", "json"):
        client = GeoReport(system.urls["intake"] + "/open311/v2", output_format=fmt)
        services = client.get_service_list()
        assert "roads" in [s["service_code"] for s in services]
        definition = client.get_service_definition("roads")
        attributes = definition["attributes"]["attribute"] if fmt == "xml" \
            else definition["attributes"]
        assert attributes[0]["code"] == "village"
        request = client.get_service_request(multipart_id)
        assert (request["service_request_id"], request["status"]) == (multipart_id, "open")
        listed = client.get_service_requests(service_request_id=f"{form_id},{multipart_id}")
        assert {r["service_request_id"] for r in listed} == {form_id, multipart_id}
        response = requests.get(f"{client.root_address}/requests/{form_id}.{fmt}", timeout=10)
        assert not [s for s in SECRETS if s in response.text]


def errors(root_or_list):
    if isinstance(root_or_list, list):
        return [(e["code"], e["description"]) for e in root_or_list]
    assert root_or_list.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in root_or_list]


def test_errors_are_the_specs_documents(o3, posted, lx):
    form_id, _ = posted
    without = {"service_code": "roads", "attribute[village]": VILLAGE, "description": "x",
               "address_string": "x", "first_name": FIRST, "phone": PHONE}
    [(code, text)] = errors(o3.xml("POST", "/v2/requests.xml", 403, data=without))
    assert code == 403 and "api_key" in text
    for key in ("district-office-key", "station-610902101002-key", "no-such-key"):
        [(code, _)] = errors(o3.json("POST", "/v2/requests.json", 403,
                                     data={**without, "api_key": key}))
        assert code == 403
    [(code, text)] = errors(o3.xml("GET", "/v2/requests/HB000000000000.xml", 404))
    assert code == 404
    assert errors(o3.json("GET", "/v2/services/potholes.json", 404))[0][0] == 404
    assert errors(o3.json("POST", "/v2/requests.json", 404,
                          data={**without, "api_key": KEY, "service_code": "potholes"}))
    assert errors(o3.xml("GET", "/v2/tokens/12345.xml", 404))[0][0] == 404
    assert errors(o3.xml("GET", "/v2/nothing.xml", 404))[0][0] == 404
    assert errors(o3.xml("GET", "/v2/requests.html", 404))[0][0] == 404
    [(code, text)] = errors(o3.xml("GET", "/v2/requests.xml", 400,
                                   params={"start_date": "yesterday"}))
    assert code == 400 and text.startswith("start_date")
    [(code, text)] = errors(o3.json("GET", "/v2/requests.json", 400, params={
        "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}))
    assert "90 days" in text
    assert errors(o3.json("GET", "/v2/servicerequestupdates.json", 400,
                          params={"end_date": "2026-06-01T00:00:00"}))
    lacking = errors(o3.json("POST", "/v2/requests.json", 400, data={
        "api_key": KEY, "service_code": "roads", "description": "x", "address_string": "x"}))
    assert lacking[0][1].startswith("attribute[village]")
    no_phone = errors(o3.xml("POST", "/v2/requests.xml", 400, data={
        **without, "api_key": KEY, "phone": ""}))
    assert [text for _, text in no_phone] == ["phone: required: the station calls the voter back"]
    wrong = o3.call("DELETE", "/v2/requests.xml")
    assert wrong.status_code == 400 and "GET" in wrong.headers["Allow"]
    assert errors(ET.fromstring(wrong.content))[0][0] == 405
    update = {"api_key": KEY, "service_request_id": "HB000000000000", "description": "x"}
    assert errors(o3.xml("POST", "/v2/servicerequestupdates.xml", 404, data=update))
    assert errors(o3.xml("POST", "/v2/servicerequestupdates.xml", 403,
                         data={**update, "api_key": "district-office-key"}))


def test_a_clients_key_opens_nothing_of_the_json_api(lx, posted):
    form_id, _ = posted
    issue = lx.call("intake", "GET", "/issues", "district", params={"tracking_no": form_id}).json()
    client = {"Authorization": f"Bearer {KEY}"}
    for service, method, path in (("intake", "GET", f"/issues/{issue['id']}"),
                                  ("intake", "GET", "/issues"),
                                  ("intake", "GET", "/visits"),
                                  ("routing", "POST", f"/issues/{issue['id']}/escalate"),
                                  ("routing", "GET", "/ledger"),
                                  ("departments", "GET", "/assignments"),
                                  ("notify", "GET", "/notifications")):
        response = lx.call(service, method, path, headers=client,
                           params={"tracking_no": form_id}, json={})
        assert response.status_code == 403, (path, response.text)
        assert issue["id"] not in response.text
    spec = lx.call("intake", "GET", "/openapi.json").json()
    assert not [path for path in spec["paths"] if path.startswith("/open311")]
