"""Notify's text messages (短信) against the real broker and database and a local SMS
gateway that checks every request's signature (tests/support/fake_sms.py)."""
import json
import time
import uuid

import pytest
from nameko.rpc import rpc

from lianxin import contracts
from lianxin.config import load
from services.notify.service import NotifyService
from services.routing.service import RoutingService
from tests.integration.conftest import auth
from tests.integration.test_notify_service import VOTER, listing
from tests.support.broker import send, wait_until
from tests.support.databases import query
from tests.support.fake_sms import FakeSmsGateway

pytestmark = pytest.mark.integration
MOBILE, REFUSED, THROTTLED, LANDLINE = "13900000000", "13900000001", "13900000002", "0915-3212345"
PHONES = {}     # issue id -> the phone its voter gave


class Voters:
    """Intake's ``contact``: the voter ``VOTER`` of test_notify_service.py (whose stand-in
    test_stand_ins.py checks against the real RPC), with the phone ``PHONES`` names."""
    name = "intake"

    @rpc
    def contact(self, kind, id):
        return {**VOTER, "phone": PHONES.get(id, VOTER["phone"]), "email": None}


@pytest.fixture
def gateway():
    with FakeSmsGateway(answers={REFUSED: ["isv.MOBILE_NUMBER_ILLEGAL"],
                                 THROTTLED: ["isv.BUSINESS_LIMIT_CONTROL", "OK"]}) as running:
        yield running


def notify_settings(tmp_path, gateway=None):
    settings = {**load()["NOTIFY"], "log_file": str(tmp_path / "notifications.log"),
                "max_attempts": 3}
    return {**settings, **(gateway.settings() if gateway else {})}


def submitted(phone):
    event = contracts.new_event("issue_submitted", uuid.uuid4(), tracking_no="HB202611000009",
                                channel="hotline", category="roads", title="村道塌方",
                                village_code="610902101002")
    PHONES[str(event["issue_id"])] = phone
    return event


def test_voters_are_told_by_sms_and_a_refusal_is_recorded_with_its_code_and_not_retried(
        start, stand_in, gateway, amqp_uri, http, tmp_path):
    stand_in(Voters)
    container, url = start(NotifyService, NOTIFY=notify_settings(tmp_path, gateway))
    events = {phone: submitted(phone) for phone in (MOBILE, REFUSED, THROTTLED, LANDLINE)}
    for event in events.values():
        send(amqp_uri, "intake", "issue_submitted", event)

    def note(phone):
        """The voter's one notification, or no status while notify has not queued it."""
        found = listing(http, url, events[phone]["issue_id"])
        return found[0] if len(found) == 1 else {"status": None}

    wait_until(lambda: note(THROTTLED)["status"] == "sent" and note(REFUSED)["status"] == "refused"
               and note(MOBILE)["status"] == note(LANDLINE)["status"] == "sent",
               timeout=20, message="sent, refused, throttled then sent, and told by the log")
    time.sleep(3)                         # a retry sweep or two more: the refusal stays alone
    assert gateway.tries(REFUSED) == ["isv.MOBILE_NUMBER_ILLEGAL"]
    assert gateway.tries(THROTTLED) == ["isv.BUSINESS_LIMIT_CONTROL", "OK"]
    assert {(n["channel"], n["status"], n["attempts"], n["last_error"]) for n in map(note, events)} \
        == {("sms", "sent", 1, None), ("sms", "refused", 1, "sms refused: isv.MOBILE_NUMBER_ILLEGAL"),
            ("sms", "sent", 2, None), ("log", "sent", 1, None)}
    assert sorted(s["phone"] for s in gateway.sent) == [MOBILE, THROTTLED]
    assert all("HB202611000009" in s["params"]["content"] and s["sign_name"] == "汉滨人大"
               for s in gateway.sent)
    refused = http.get(f"{url}/notifications", params={"status": "refused"}, headers=auth("district"))
    assert [n["issue_id"] for n in refused.json()] == [str(events[REFUSED]["issue_id"])]
    # the phone is fetched at send time only: never in notify's database, log or API
    stored = json.dumps(query(container.config["DATABASE_URL"], "select * from notifications"),
                        default=str, ensure_ascii=False)
    seen = stored + open(container.config["NOTIFY"]["log_file"], encoding="utf-8").read() + \
        json.dumps([note(phone) for phone in events], ensure_ascii=False)
    assert not any(phone in seen for phone in (MOBILE, REFUSED, THROTTLED, "3212345"))


def test_a_representative_who_chooses_sms_is_texted_at_the_directorys_number(
        start, gateway, amqp_uri, http, tmp_path):
    start(RoutingService)                 # the real owner of representatives' numbers
    _, url = start(NotifyService, NOTIFY=notify_settings(tmp_path, gateway))
    put = http.put(f"{url}/preferences/representative/R013", json={"channel": "sms"},
                   headers=auth("district"))
    assert put.status_code == 200, put.text
    routed = contracts.new_event("issue_routed", uuid.uuid4(), tracking_no="HB202611000010",
                                 title="村道塌方", version=1, status="open", tier="village",
                                 station_id="st-610902101002", representative_id="R013")
    send(amqp_uri, "routing", "issue_routed", routed)
    told = {"station": ("log", "sent"), "representative": ("sms", "sent")}
    wait_until(lambda: {n["recipient_kind"]: (n["channel"], n["status"])
                        for n in listing(http, url, routed["issue_id"])} == told,
               timeout=20, message="the station told by the log, the representative by SMS")
    assert [s["phone"] for s in gateway.sent] == ["13800000013"]


def test_sms_is_refused_as_a_preference_where_no_gateway_is_configured_or_no_mobile_was_given(
        start, stand_in, gateway, http, tmp_path):
    stand_in(Voters)
    issue_id = str(uuid.uuid4())
    PHONES[issue_id] = LANDLINE
    _, without = start(NotifyService, NOTIFY=notify_settings(tmp_path))
    _, with_gateway = start(NotifyService, NOTIFY=notify_settings(tmp_path, gateway))
    for url, reason in ((without, "sms is not configured here"),
                        (with_gateway, f"voter {issue_id} has no mobile number for sms")):
        refused = http.put(f"{url}/preferences/voter/{issue_id}", json={"channel": "sms"},
                           headers=auth("district"))
        assert refused.status_code == 422, refused.text
        assert refused.json()["fields"] == {"channel": [reason]}
