"""Open311 GeoReport v2: the spec's own example documents, and the pure mapping between
the standard and Lianxin (forms, names, dates, the window, statuses, records)."""
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import pytest

from lianxin import directory
from lianxin.config import read_yaml
from lianxin.errors import BadValue, NotFound
from services.intake.open311 import documents, georeport
from services.intake.open311.documents import Document

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def cat():
    data = read_yaml("data/hanbin.yml")
    stations = {s.id: s.name for s in directory.from_directory(data).stations.values()}
    return georeport.catalog(data, stations, NOW)


def params(query):
    """A form or query string as the endpoint reads it: each name's non-empty values."""
    found = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if value.strip():
            found.setdefault(name, []).append(value.strip())
    return found


def canonical(element):
    """An element as (tag, text, children) with its fields in any order and empty
    elements left out: the spec treats an empty value as one not given."""
    children = sorted(canonical(c) for c in element if len(c) or (c.text or "").strip())
    return element.tag, "" if len(element) else (element.text or "").strip(), children


def same_xml(ours, theirs):
    assert ours.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert canonical(ET.fromstring(ours)) == canonical(ET.fromstring(theirs.strip()))


# The example documents of the GeoReport v2 spec (wiki.open311.org/GeoReport_v2) ---------

SERVICES_XML = """<?xml version="1.0" encoding="utf-8"?>
<services>
  <service><service_code>001</service_code><service_name>Cans left out 24x7</service_name>
    <description>Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.</description>
    <metadata>true</metadata><type>realtime</type><keywords>lorem, ipsum, dolor</keywords>
    <group>sanitation</group></service>
  <service><service_code>002</service_code><metadata>true</metadata><type>realtime</type>
    <keywords>lorem, ipsum, dolor</keywords><group>street</group>
    <service_name>Construction plate shifted</service_name>
    <description>Metal construction plate covering the street or sidewalk has been moved.</description></service>
  <service><service_code>003</service_code><metadata>true</metadata><type>realtime</type>
    <keywords>lorem, ipsum, dolor</keywords><group>street</group>
    <service_name>Curb or curb ramp defect</service_name>
    <description>Sidewalk curb or ramp has problems such as cracking, missing pieces, holes, and/or chipped curb.</description></service>
</services>"""
SERVICES = [
    {"service_code": "001", "service_name": "Cans left out 24x7",
     "description": "Garbage or recycling cans that have been left out for more than 24 hours "
                    "after collection. Violators will be cited.",
     "metadata": True, "type": "realtime", "keywords": "lorem, ipsum, dolor",
     "group": "sanitation"},
    {"service_code": "002", "metadata": True, "type": "realtime",
     "keywords": "lorem, ipsum, dolor", "group": "street",
     "service_name": "Construction plate shifted",
     "description": "Metal construction plate covering the street or sidewalk has been moved."},
    {"service_code": "003", "metadata": True, "type": "realtime",
     "keywords": "lorem, ipsum, dolor", "group": "street",
     "service_name": "Curb or curb ramp defect",
     "description": "Sidewalk curb or ramp has problems such as cracking, missing pieces, "
                    "holes, and/or chipped curb."},
]

DEFINITION_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_definition>
  <service_code>DMV66</service_code>
  <attributes><attribute>
    <variable>true</variable><code>WHISHETN</code><datatype>singlevaluelist</datatype>
    <required>true</required><datatype_description></datatype_description><order>1</order>
    <description>What is the ticket/tag/DL number?</description>
    <values><value><key>123</key><name>Ford</name></value>
            <value><key>124</key><name>Chrysler</name></value></values>
  </attribute></attributes>
</service_definition>"""
DEFINITION = {"service_code": "DMV66", "attributes": [
    {"variable": True, "code": "WHISHETN", "datatype": "singlevaluelist", "required": True,
     "datatype_description": None, "order": 1,
     "description": "What is the ticket/tag/DL number?",
     "values": [{"key": 123, "name": "Ford"}, {"key": 124, "name": "Chrysler"}]}]}

POSTED_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests><request>
  <service_request_id>293944</service_request_id>
  <service_notice>The City will inspect and require the responsible party to correct within 24 hours and/or issue a Correction Notice or Notice of Violation of the Public Works Code</service_notice>
  <account_id/>
</request></service_requests>"""
POSTED = [{"service_request_id": 293944,
           "service_notice": "The City will inspect and require the responsible party to "
                             "correct within 24 hours and/or issue a Correction Notice or Notice "
                             "of Violation of the Public Works Code",
           "account_id": None}]

TOKEN_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests><request><service_request_id>638344</service_request_id><token>12345</token>
</request></service_requests>"""

REQUESTS_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
  <request><service_request_id>638344</service_request_id><status>closed</status>
    <status_notes>Duplicate request.</status_notes><service_name>Sidewalk and Curb Issues</service_name>
    <service_code>006</service_code><description></description><agency_responsible></agency_responsible>
    <service_notice></service_notice><requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
    <updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>
    <expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime>
    <address>8TH AVE and JUDAH ST</address><address_id>545483</address_id><zipcode>94122</zipcode>
    <lat>37.762221815</lat><long>-122.4651145</long>
    <media_url>http://city.gov.s3.amazonaws.com/requests/media/638344.jpg </media_url></request>
  <request><service_request_id>638349</service_request_id><status>open</status>
    <status_notes></status_notes><service_name>Sidewalk and Curb Issues</service_name>
    <service_code>006</service_code><description></description><agency_responsible></agency_responsible>
    <service_notice></service_notice><requested_datetime>2010-04-19T06:37:38-08:00</requested_datetime>
    <updated_datetime>2010-04-19T06:37:38-08:00</updated_datetime>
    <expected_datetime>2010-04-19T06:37:38-08:00</expected_datetime>
    <address>8TH AVE and JUDAH ST</address><address_id>545483</address_id><zipcode>94122</zipcode>
    <lat>37.762221815</lat><long>-122.4651145</long>
    <media_url>http://city.gov.s3.amazonaws.com/requests/media/638349.jpg </media_url></request>
</service_requests>"""


def spec_request(number, status, notes, day, expected_day):
    return {"service_request_id": number, "status": status, "status_notes": notes,
            "service_name": "Sidewalk and Curb Issues", "service_code": "006",
            "description": None, "agency_responsible": None, "service_notice": None,
            "requested_datetime": f"2010-04-{day}T06:37:38-08:00",
            "updated_datetime": f"2010-04-{day}T06:37:38-08:00",
            "expected_datetime": f"2010-04-{expected_day}T06:37:38-08:00",
            "address": "8TH AVE and JUDAH ST", "address_id": 545483, "zipcode": 94122,
            "lat": 37.762221815, "long": -122.4651145,
            "media_url": f"http://city.gov.s3.amazonaws.com/requests/media/{number}.jpg"}


REQUESTS = [spec_request(638344, "closed", "Duplicate request.", 14, 15),
            spec_request(638349, "open", None, 19, 19)]

ERRORS_XML = """<?xml version="1.0" encoding="utf-8"?>
<errors><error><code>403</code>
  <description>Invalid api_key received -- can't proceed with create_request.</description>
</error></errors>"""

POST_EXAMPLE = ("api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078"
                "&long=-122.4212043&address_string=1234+5th+street&email=smit333%40sfgov.edu"
                "&device_id=tt222111&account_id=123456&first_name=john&last_name=smith"
                "&phone=111111111&description=A+large+sinkhole+is+destroying+the+street"
                "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg"
                "&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001")


@pytest.mark.parametrize("document, xml", [
    (Document("services", SERVICES), SERVICES_XML),
    (Document("service_definition", DEFINITION), DEFINITION_XML),
    (Document("service_requests", POSTED), POSTED_XML),
    (Document("service_requests", [{"service_request_id": 638344, "token": 12345}]), TOKEN_XML),
    (Document("service_requests", REQUESTS), REQUESTS_XML),
    (documents.errors(403, (403, "Invalid api_key received -- can't proceed with "
                                 "create_request.")), ERRORS_XML),
], ids=["services", "service_definition", "post_response", "token", "requests", "errors"])
def test_the_spec_examples_render_as_the_spec_writes_them(document, xml):
    body, content_type = documents.render(document, "xml")
    assert content_type == "text/xml; charset=utf-8"
    same_xml(body, xml)


def test_json_is_the_spark_convention_of_the_same_document():
    body, content_type = documents.render(Document("service_definition", DEFINITION), "json")
    assert content_type == "application/json; charset=utf-8"
    assert json.loads(body) == {"service_code": "DMV66", "attributes": [
        {"variable": True, "code": "WHISHETN", "datatype": "singlevaluelist", "required": True,
         "order": 1, "description": "What is the ticket/tag/DL number?",
         "values": [{"key": 123, "name": "Ford"}, {"key": 124, "name": "Chrysler"}]}]}
    errors, _ = documents.render(documents.errors(403, (403, "Invalid api_key")), "json")
    assert json.loads(errors) == [{"code": 403, "description": "Invalid api_key"}]
    listed, _ = documents.render(Document("services", SERVICES[:1]), "json")
    assert json.loads(listed)[0]["metadata"] is True


def test_xml_is_utf8_with_a_declaration_and_keeps_chinese_and_drops_what_xml_cannot_carry():
    body, _ = documents.render(Document("services", [{"service_name": "道路交通\x01"}]), "xml")
    assert body.decode("utf-8").splitlines()[0] == '<?xml version="1.0" encoding="UTF-8"?>'
    assert ET.fromstring(body).find("service/service_name").text == "道路交通"


def test_the_spec_example_post_becomes_a_submission_once_it_names_the_village(cat):
    example = params(POST_EXAMPLE.replace("service_code=001", "service_code=roads"))
    with pytest.raises(BadValue) as missing:
        georeport.submission(example, cat)
    assert "attribute[village]" in missing.value.fields
    body, extra = georeport.submission({**example, "attribute[village]": ["610902101002"]}, cat)
    assert body == {
        "channel": "online", "category": "roads", "village_code": "610902101002",
        "title": "A large sinkhole is destroying the street",
        "description": "A large sinkhole is destroying the street\n\n图片：\n"
                       "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
        "voter": {"name": "john smith", "phone": "111111111", "email": "smit333@sfgov.edu"}}
    assert extra == {"lat": 37.76524078, "long": -122.4212043, "address_string": "1234 5th street",
                     "address_id": None,
                     "media_urls": ["http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"]}


def test_the_spec_example_query_is_a_window_and_a_status(cat):
    query = georeport.requests_query(params(
        "start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open"
        "&jurisdiction_id=city.gov"), cat, NOW)
    assert (query.start, query.end) == (datetime(2010, 5, 24, tzinfo=timezone.utc),
                                        datetime(2010, 6, 24, tzinfo=timezone.utc))
    assert query.statuses == ("open", "referred", "forwarded") and query.ids == ()


# the service list and definitions from the directory ----------------------------------

def test_every_category_is_a_service_named_in_chinese_with_its_department_as_group(cat):
    services = georeport.service_list(cat)
    roads = next(s for s in services if s["service_code"] == "roads")
    assert roads == {"service_code": "roads", "service_name": "道路交通",
                     "description": "道路交通方面的问题（默认承办：区交通运输局）",
                     "metadata": True, "type": "realtime",
                     "keywords": "道路交通,roads,区交通运输局", "group": "区交通运输局"}
    assert len(services) == len(read_yaml("data/hanbin.yml")["categories"])


def test_a_definition_asks_for_the_village_among_the_directorys_villages(cat):
    village, title, contact = georeport.definition(cat, "roads")["attributes"]
    assert (village["code"], village["datatype"], village["required"], village["order"]) == \
        ("village", "singlevaluelist", True, 1)
    assert {"key": "610902101002", "name": "关庙镇白庙村"} in village["values"]
    assert len(village["values"]) == 12
    assert (title["code"], title["required"], contact["variable"]) == ("title", False, False)
    with pytest.raises(NotFound):
        georeport.definition(cat, "potholes")


# reading forms ------------------------------------------------------------------

def form(**extra):
    base = {"service_code": ["roads"], "attribute[village]": ["610902101002"],
            "address_string": ["白庙村三组"], "description": ["村道塌方\n三组路段"],
            "first_name": ["五"], "last_name": ["王"], "phone": ["13900000001"]}
    return {**base, **{k: v for k, v in extra.items() if v is not None}}


def test_an_empty_parameter_is_one_not_given(cat):
    assert params("service_code=&lat=&long=&description=x") == {"description": ["x"]}
    body, _ = georeport.submission(form(), cat)
    assert body["title"] == "村道塌方" and body["voter"] == {"name": "王五", "phone": "13900000001"}


def test_repeated_keys_attribute_lists_and_several_media_urls(cat):
    query = ("attribute[village][]=610902101002&media_url=http://a.example/1.jpg"
             "&media_url=https://a.example/2.jpg&attribute[title]=塌方")
    given = params(query)
    assert georeport.attributes(given) == {"village": ["610902101002"], "title": ["塌方"]}
    body, extra = georeport.submission(form(**{k: v for k, v in given.items()}), cat)
    assert extra["media_urls"] == ["http://a.example/1.jpg", "https://a.example/2.jpg"]
    assert body["title"] == "塌方" and body["description"].endswith("https://a.example/2.jpg")
    with pytest.raises(BadValue) as twice:
        georeport.submission(form(service_code=["roads", "water"]), cat)
    assert twice.value.fields == {"service_code": ["given more than once"]}
    with pytest.raises(BadValue) as two_villages:
        georeport.submission(form(**{"attribute[village][]": ["610902101002", "610902101001"]}),
                             cat)
    assert "attribute[village]" in two_villages.value.fields


@pytest.mark.parametrize("changes, field", [
    ({"service_code": []}, "service_code"),
    ({"attribute[village]": ["999"]}, "attribute[village]"),
    ({"address_string": []}, "lat"),
    ({"address_string": [], "lat": ["32.7"]}, "long"),
    ({"lat": ["91"], "long": ["108"]}, "lat"),
    ({"lat": ["abc"], "long": ["108"]}, "lat"),
    ({"description": []}, "description"),
    ({"description": ["x" * 4001]}, "description"),
    ({"media_url": ["javascript:alert(1)"]}, "media_url"),
], ids=["service_code", "village", "location", "long", "lat-range", "lat-number",
        "description", "description-length", "media_url"])
def test_what_a_submission_lacks_is_named_by_its_parameter(cat, changes, field):
    with pytest.raises(BadValue) as refused:
        georeport.submission({k: v for k, v in {**form(), **changes}.items() if v}, cat)
    assert field in refused.value.fields


def test_an_unknown_service_is_not_found_and_unknown_attributes_are_let_through(cat):
    with pytest.raises(NotFound):
        georeport.submission(form(service_code=["potholes"]), cat)
    body, _ = georeport.submission(form(**{"attribute[uprn]": ["1234"]}), cat)
    assert "1234" not in json.dumps(body)
    _, extra = georeport.submission(form(lat=["32.68"], long=["109.02"], address_id=["A-7"]), cat)
    assert (extra["lat"], extra["long"], extra["address_id"]) == (32.68, 109.02, "A-7")


@pytest.mark.parametrize("first, last, name", [
    ("五", "王", "王五"),                 # the spec: first_name given, last_name family name
    ("王五", None, "王五"),               # FixMyStreet: a Chinese name has no space to split
    ("王五", "-", "王五"),                # FixMyStreet's placeholder for a missing last name
    ("王五", "王", "王五"),               # the whole name in first_name, the family in last
    (None, "欧阳", "欧阳"),
    ("John", "Smith", "John Smith"),
    (None, None, None),
    ("  ", "-", None),
])
def test_names_arrive_split_and_are_joined_family_name_first_in_chinese(first, last, name):
    assert georeport.join_name(first, last) == name


def test_the_schemas_errors_are_named_as_the_client_sent_them():
    lines = georeport.parameter_errors({"voter": {"phone": ["Missing data for required field."],
                                                  "email": ["Not a valid email address."]},
                                        "village_code": ["unknown village '1'"]})
    assert lines == ["phone: required: the station calls the voter back",
                     "email: Not a valid email address.",
                     "attribute[village]: unknown village '1'"]


# dates and the window -------------------------------------------------------------

@pytest.mark.parametrize("text, moment", [
    ("2026-11-10T08:15:30-05:00", datetime(2026, 11, 10, 13, 15, 30, tzinfo=timezone.utc)),
    ("2026-11-10T13:15:30Z", datetime(2026, 11, 10, 13, 15, 30, tzinfo=timezone.utc)),
    ("2026-11-10T21:15+08:00", datetime(2026, 11, 10, 13, 15, tzinfo=timezone.utc)),
    ("2026-11-10T21:15:30.25 08:00", datetime(2026, 11, 10, 13, 15, 30, 250000,
                                              tzinfo=timezone.utc)),   # "+" left unencoded
])
def test_w3c_dates_carry_their_offset(text, moment):
    assert georeport.parse_w3c("start_date", text) == moment


@pytest.mark.parametrize("text", ["2026-11-10T08:15:30", "2026-11-10", "yesterday",
                                  "2026-13-10T08:15:30Z", "20261110T081530Z"])
def test_a_date_without_its_offset_or_not_a_date_is_refused(text):
    with pytest.raises(BadValue) as refused:
        georeport.parse_w3c("start_date", text)
    assert "start_date" in refused.value.fields


def test_the_window_defaults_to_the_last_90_days_and_never_spans_more():
    assert georeport.window({}, NOW) == (NOW - timedelta(days=90), NOW)
    start = "2026-09-01T00:00:00+08:00"
    assert georeport.window({"start_date": [start]}, NOW)[1] - \
        georeport.parse_w3c("s", start) == timedelta(days=90)
    assert georeport.window({"end_date": ["2026-11-01T00:00:00Z"]}, NOW)[0] == \
        datetime(2026, 8, 3, tzinfo=timezone.utc)
    with pytest.raises(BadValue, match="90 days"):
        georeport.window({"start_date": ["2026-01-01T00:00:00Z"],
                          "end_date": ["2026-04-01T00:00:01Z"]}, NOW)
    with pytest.raises(BadValue, match="before"):
        georeport.window({"start_date": ["2026-02-01T00:00:00Z"],
                          "end_date": ["2026-01-01T00:00:00Z"]}, NOW)


def test_ids_override_every_other_filter_and_statuses_are_open_or_closed(cat):
    query = georeport.requests_query(params("service_request_id=HB1,HB2&service_request_id=HB3"
                                            "&status=bogus&start_date=nonsense"), cat, NOW)
    assert query.ids == ("HB1", "HB2", "HB3")
    both = georeport.requests_query(params("status=open,closed&service_code=roads,water"),
                                    cat, NOW)
    assert set(both.statuses) == set(georeport.STATUS) and both.services == ("roads", "water")
    for bad in ("status=fixed", "service_code=potholes"):
        with pytest.raises(BadValue):
            georeport.requests_query(params(bad), cat, NOW)


# statuses, requests and updates --------------------------------------------------

def test_every_step_a_voter_sees_has_words_for_a_client():
    assert set(georeport.VOTER_STEPS) - {"feedback_received"} <= set(georeport.STEP_TEXT)


def test_our_statuses_are_open_or_closed():
    assert georeport.STATUS == {"open": "open", "referred": "open", "forwarded": "open",
                                "handled": "closed", "closed": "closed"}


ISSUE = {"id": "i-1", "tracking_no": "HB202611000042", "category": "roads", "status": "referred",
         "title": "王五家门口村道塌方", "description": "我是王五，电话13900000001，三组村道塌方",
         "submitted_at": NOW, "department": "jtj", "current_station_id": "st-610902",
         "village_code": "610902101002", "voter_name": "王五", "voter_phone": "13900000001",
         "voter_email": "wangwu@example.com", "voter_id_number": "61090219800101123X"}


def step(event_type, minutes, note=None, status=None, **more):
    return {"id": minutes, "event_type": event_type, "status": status, "tier": None,
            "station_id": more.get("station_id"), "department": more.get("department"),
            "note": note, "occurred_at": NOW + timedelta(minutes=minutes)}


STEPS = [step("issue_submitted", 0, status="open", station_id="st-610902101002"),
         step("issue_routed", 1, status="open", station_id="st-610902101002"),
         step("issue_escalated", 2, note="需资金（内部）", status="open", station_id="st-610902"),
         step("issue_referred", 3, note="会议交办（内部）", status="referred", department="jtj"),
         step("assignment_accepted", 4, note="签收", department="jtj"),
         step("issue_reminded", 5, note="催办", status="referred"),
         step("assignment_progressed", 6, note="已勘察，王五家门口", department="jtj")]


def test_a_request_shows_where_an_issue_stands_without_the_voters_personal_data(cat):
    record = georeport.request_record(ISSUE, None, STEPS, cat, SHANGHAI)
    assert record == {
        "service_request_id": "HB202611000042", "status": "open",
        "status_notes": "已勘察，***家门口", "service_name": "道路交通", "service_code": "roads",
        "description": "***家门口村道塌方", "agency_responsible": "区交通运输局",
        "requested_datetime": "2026-11-10T17:00:00+08:00",
        "updated_datetime": "2026-11-10T17:06:00+08:00",
        "address": "汉滨区关庙镇白庙村", "address_id": None, "lat": None, "long": None,
        "media_url": None}
    text = json.dumps(record, ensure_ascii=False)
    for secret in ("王五", "13900000001", "wangwu", "61090219800101123X", "内部", "催办"):
        assert secret not in text


def test_an_open311_request_shows_what_its_client_sent_and_a_station_holds_the_rest(cat):
    extra = {"lat": 32.68, "long": 109.02, "address_string": "白庙村三组", "address_id": None,
             "media_urls": ["http://a.example/1.jpg", "http://a.example/2.jpg"]}
    issue = {**ISSUE, "status": "open", "department": None}
    record = georeport.request_record(issue, extra, STEPS[:2], cat, SHANGHAI)
    assert record["description"] == "我是***，电话***，三组村道塌方"
    assert (record["address"], record["lat"], record["long"], record["media_url"]) == \
        ("白庙村三组", 32.68, 109.02, "http://a.example/1.jpg")
    assert record["agency_responsible"] == "汉滨区人大代表之家"
    assert record["status_notes"] == "已由白庙村人大代表联络站受理"
    assert "expected_datetime" not in record


def test_handled_is_closed_and_the_voters_rating_is_no_status_note(cat):
    closing = STEPS + [step("issue_resolved", 7, note="已修复", status="handled"),
                       step("feedback_received", 8, note="satisfied", status="handled"),
                       step("issue_closed", 9, note="满意，王五", status="closed")]
    record = georeport.request_record({**ISSUE, "status": "closed"}, None, closing, cat,
                                      SHANGHAI)
    assert (record["status"], record["status_notes"]) == ("closed", "已办结销号")
    assert record["updated_datetime"] == "2026-11-10T17:09:00+08:00"


def test_an_update_is_a_voter_step_with_the_status_it_left_the_issue_in(cat):
    statuses = georeport.statuses(STEPS)
    assert statuses == ["open", "open", "open", "referred", "referred", "referred", "referred"]
    updates = [georeport.update_record(s, "HB202611000042", st, cat, SHANGHAI, ["王五"])
               for s, st in zip(STEPS, statuses, strict=True)
               if s["event_type"] in georeport.UPDATE_STEPS]
    assert [u["description"] for u in updates] == [
        "已由白庙村人大代表联络站受理", "已提交汉滨区人大代表之家协调办理", "已交由区交通运输局办理",
        "区交通运输局已签收", "已勘察，***家门口"]
    assert updates[-1] == {"update_id": "6", "service_request_id": "HB202611000042",
                           "status": "open", "updated_datetime": "2026-11-10T17:06:00+08:00",
                           "description": "已勘察，***家门口"}


def test_a_citizen_update_keeps_the_words_and_refuses_what_it_lacks():
    update = georeport.citizen_update(params(
        "service_request_id=HB202611000042&description=还没修好&update_id=77&status=OPEN"
        "&first_name=Bob&last_name=Mould&email=bob@example.org&media_url=http://a.example/3.jpg"
        "&updated_datetime=2016-09-01T15:00:00Z"))
    assert update == {"service_request_id": "HB202611000042", "external_id": "77",
                      "note": "还没修好\n\n图片：\nhttp://a.example/3.jpg"}
    for missing in ("description=x", "service_request_id=HB1"):
        with pytest.raises(BadValue):
            georeport.citizen_update(params(missing))
    with pytest.raises(BadValue):
        georeport.citizen_update(params("service_request_id=HB1&description=x"
                                        "&updated_datetime=yesterday"))
