"""Notify against the real broker and database, and real SMTP and HTTP servers."""
import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import yaml
from aiosmtpd.controller import Controller
from nameko.rpc import rpc

from lianxin import contracts, soon
from lianxin.config import read_yaml
from services.notify.service import NotifyService
from services.routing.service import RoutingService
from tests.integration.conftest import auth
from tests.support.broker import free_port, send, wait_until
from tests.support.databases import query

pytestmark = pytest.mark.integration
ADDRESSES = {}
VOTER = {"name": "张三", "phone": "13900000000", "id_number": "61240119900101123X"}


class FakeIntake:
    """Intake's ``contact`` for a voter who gave ``VOTER`` and ``ADDRESSES['voter']``
    (test_stand_ins.py checks it against the real RPC)."""
    name = "intake"

    @rpc
    def contact(self, kind, id):
        return {**VOTER, "email": ADDRESSES.get("voter")}


class FakeDepartments:
    """Departments' ``contact`` for a department whose only address is
    ``ADDRESSES['webhook']`` (see ``directory_with``)."""
    name = "departments"

    @rpc
    def contact(self, kind, id):
        return {"email": None, "webhook": ADDRESSES.get("webhook")}


def directory_with(tmp_path, department=None, station=None, representative=None):
    """A copy of the sample directory where ``department`` (code, email, webhook),
    the village ``station`` (code, email, webhook) and ``representative`` (id, email)
    have the given addresses."""
    directory = read_yaml("data/hanbin.yml")
    if department:
        code, email, hook = department
        entry = next(d for d in directory["departments"] if d["code"] == code)
        entry.update(email=email, webhook=hook)
    if station:
        code, email, hook = station
        village = next(v for t in directory["towns"] for v in t["villages"] if v["code"] == code)
        village["station"] = {"email": email, "webhook": hook}
    if representative:
        rep_id, email = representative
        next(r for r in directory["representatives"] if r["id"] == rep_id)["email"] = email
    path = tmp_path / "directory.yml"
    path.write_text(yaml.safe_dump(directory, allow_unicode=True), encoding="utf-8")
    return str(path)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


class Hook(BaseHTTPRequestHandler):
    received, fail_first = [], [0]

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Hook.fail_first[0] > 0:
            Hook.fail_first[0] -= 1
            self.send_response(500)
        else:
            Hook.received.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def webhook():
    server = HTTPServer(("127.0.0.1", free_port()), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Hook.received.clear()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def submitted():
    return contracts.new_event("issue_submitted", uuid.uuid4(), tracking_no="HB202611000009",
                               channel="hotline", category="roads", title="村道塌方",
                               village_code="610902101002")


def created(department="jtj"):
    return contracts.new_event("assignment_created", uuid.uuid4(), tracking_no="HB202611000009",
                               title="村道塌方", assignment_id=str(uuid.uuid4()),
                               department=department, lead=True, note="请办理")


def listing(http, url, issue_id):
    response = http.get(f"{url}/notifications", params={"issue_id": issue_id},
                        headers=auth("district"))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_voter_gets_a_receipt_in_the_log_sink_without_contact_details(start, amqp_uri, http):
    container, url = start(NotifyService)
    event = submitted()
    send(amqp_uri, "intake", "issue_submitted", event)
    (note,) = wait_until(lambda: [n for n in listing(http, url, event["issue_id"]) if n["status"] == "sent"])
    assert note["recipient_kind"] == "voter" and "HB202611000009" in note["body"]
    sink = open(container.config["NOTIFY"]["log_file"], encoding="utf-8").read()
    assert "HB202611000009" in sink and "13900000000" not in sink and "张三" not in sink


def test_what_became_of_a_message_is_recorded_by_the_next_transaction_with_when_it_was_sent(
        start, amqp_uri, http, monkeypatch):
    monkeypatch.setattr(soon, "DELAY", 60.0)      # no transaction of its own in this test
    container, url = start(NotifyService)
    sink = container.config["NOTIFY"]["log_file"]
    first, second = submitted(), submitted()
    send(amqp_uri, "intake", "issue_submitted", first)
    wait_until(lambda: os.path.exists(sink) and first["issue_id"] in open(sink).read(),
               message="the first receipt sent")
    assert [n["status"] for n in listing(http, url, first["issue_id"])] == ["sending"]
    send(amqp_uri, "intake", "issue_submitted", second)
    (note,) = wait_until(lambda: [n for n in listing(http, url, first["issue_id"])
                                  if n["status"] == "sent"],
                         message="the first recorded with the second event's messages")
    (later,) = listing(http, url, second["issue_id"])
    assert note["sent_at"] < later["created_at"]  # when it was sent, not when recorded


def test_a_voter_who_prefers_email_gets_one_through_a_real_smtp_server(start, stand_in, smtp, amqp_uri, http):
    controller, inbox = smtp
    stand_in(FakeIntake)
    ADDRESSES["voter"] = "voter@example.org"
    container, url = start(NotifyService, NOTIFY={
        "default_channel": "smtp", "log_file": "var/unused.log", "max_attempts": 3,
        "smtp_host": "127.0.0.1", "smtp_port": controller.port, "smtp_sender": "lianxin@localhost",
        "webhook_timeout": 2})
    event = submitted()
    send(amqp_uri, "intake", "issue_submitted", event)
    wait_until(lambda: inbox.messages, message="an email")
    (recipients, content), = inbox.messages
    assert recipients == ["voter@example.org"] and "lianxin@localhost" in content
    wait_until(lambda: listing(http, url, event["issue_id"])[0]["status"] == "sent",
               message="the email recorded as sent")


def test_a_failed_webhook_is_retried_and_recorded(start, stand_in, webhook, amqp_uri, http):
    stand_in(FakeDepartments)
    ADDRESSES["webhook"] = webhook
    Hook.fail_first[0] = 1
    _, url = start(NotifyService)
    assert http.put(f"{url}/preferences/department/jtj", json={"channel": "webhook"},
                    headers=auth("district")).status_code == 200
    event = created()
    send(amqp_uri, "departments", "assignment_created", event)
    sent = wait_until(lambda: [n for n in listing(http, url, event["issue_id"]) if n["status"] == "sent"],
                      timeout=20, message="the retried webhook")
    assert sent[0]["attempts"] == 2 and sent[0]["channel"] == "webhook"
    assert Hook.received[0]["recipient"] == "department:jtj"


def test_a_recipient_with_no_address_is_recorded_as_failed_not_dropped(start, stand_in, amqp_uri, http):
    stand_in(FakeDepartments)
    ADDRESSES["webhook"] = "http://127.0.0.1:9/hook"
    _, url = start(NotifyService)
    preference = http.put(f"{url}/preferences/department/jtj", json={"channel": "webhook"},
                          headers=auth("district"))
    assert preference.status_code == 200, preference.text
    ADDRESSES["webhook"] = None             # the directory lost it after the choice was made
    event = created()
    send(amqp_uri, "departments", "assignment_created", event)
    failed = wait_until(lambda: [n for n in listing(http, url, event["issue_id"]) if n["status"] == "failed"])
    assert "no webhook" in failed[0]["last_error"]


def test_a_channel_the_recipient_has_no_address_for_is_refused_and_nothing_kept(
        start, stand_in, http):
    stand_in(FakeDepartments)
    ADDRESSES["webhook"] = None
    container, url = start(NotifyService)
    refused = http.put(f"{url}/preferences/department/jtj", json={"channel": "webhook"},
                       headers=auth("district"))
    assert refused.status_code == 422 and "channel" in refused.json()["fields"], refused.text
    assert query(container.config["DATABASE_URL"], "select count(*) from preferences") == [(0,)]


def test_a_preference_for_an_unknown_channel_is_a_422(start, http):
    _, url = start(NotifyService)
    response = http.put(f"{url}/preferences/department/jtj", json={"channel": "pigeon"},
                        headers=auth("district"))
    assert response.status_code == 422 and "channel" in response.json()["fields"]


def smtp_settings(controller):
    return {"default_channel": "log", "log_file": "var/unused.log", "max_attempts": 3,
            "smtp_host": "127.0.0.1", "smtp_port": controller.port,
            "smtp_sender": "lianxin@localhost", "webhook_timeout": 2}


def test_a_preference_sends_voters_stations_and_representatives_by_their_channel(
        start, stand_in, smtp, webhook, amqp_uri, http, tmp_path):
    controller, inbox = smtp
    ADDRESSES["voter"] = "voter@example.org"
    stand_in(FakeIntake)
    directory = directory_with(tmp_path, station=("610902101002", None, webhook),
                               representative=("R013", "r013@example.org"))
    start(RoutingService, DIRECTORY_FILE=directory)   # the real owner of station and rep addresses
    _, url = start(NotifyService, DIRECTORY_FILE=directory, NOTIFY=smtp_settings(controller))
    issue_id = str(uuid.uuid4())
    for kind, recipient, channel in (("voter", issue_id, "smtp"),
                                     ("station", "st-610902101002", "webhook"),
                                     ("representative", "R013", "smtp")):
        put = http.put(f"{url}/preferences/{kind}/{recipient}", json={"channel": channel},
                       headers=auth("district"))
        assert put.status_code == 200, put.text
        assert put.json() == {"recipient_kind": kind, "recipient_id": recipient, "channel": channel}
    send(amqp_uri, "routing", "issue_escalated", contracts.new_event(
        "issue_escalated", issue_id, tracking_no="HB202611000009", title="村道塌方", version=2,
        status="open", tier="village", station_id="st-610902101002", representative_id="R013",
        from_station_id="st-610902101002", reason="needs_funding", note="需资金"))
    sent = wait_until(lambda: (notes := [n for n in listing(http, url, issue_id)
                                         if n["status"] == "sent"]) and len(notes) == 3 and notes,
                      timeout=20, message="three messages sent")
    assert {(n["recipient_kind"], n["channel"]) for n in sent} == {
        ("voter", "smtp"), ("station", "webhook"), ("representative", "smtp")}
    assert sorted(rcpt for recipients, _ in inbox.messages for rcpt in recipients) == [
        "r013@example.org", "voter@example.org"]
    assert [h["recipient"] for h in Hook.received] == ["station:st-610902101002"]


def test_notifications_filter_by_issue_event_type_status_and_after_id(
        start, stand_in, amqp_uri, http):
    stand_in(FakeDepartments)
    ADDRESSES["webhook"] = "http://127.0.0.1:9/hook"
    _, url = start(NotifyService)
    put = http.put(f"{url}/preferences/department/jtj", json={"channel": "webhook"},
                   headers=auth("district"))
    assert put.status_code == 200, put.text
    ADDRESSES["webhook"] = None            # the department cannot be reached: its message fails
    first, second = submitted(), created()
    routed = contracts.new_event("issue_routed", first["issue_id"], tracking_no="HB202611000009",
                                 title="村道塌方", version=1, status="open", tier="village",
                                 station_id="st-610902101002")
    send(amqp_uri, "intake", "issue_submitted", first)
    send(amqp_uri, "routing", "issue_routed", routed)
    send(amqp_uri, "departments", "assignment_created", second)

    def query(**params):
        response = http.get(f"{url}/notifications", params=params, headers=auth("district"))
        assert response.status_code == 200, response.text
        return response.json()

    wait_until(lambda: [n["status"] for n in query()].count("sent") == 2
               and query(status="failed"), timeout=20, message="two sent and one failed")
    everything = query()
    assert len(everything) == 3
    assert {n["event_type"] for n in query(issue_id=first["issue_id"])} == {
        "issue_submitted", "issue_routed"}
    assert [n["recipient_kind"] for n in query(event_type="issue_routed")] == ["station"]
    assert [n["issue_id"] for n in query(status="failed")] == [second["issue_id"]]
    assert [n["issue_id"] for n in query(status="sent", issue_id=second["issue_id"])] == []
    ids = [n["id"] for n in everything]
    assert ids == sorted(ids)
    assert [n["id"] for n in query(after_id=ids[0])] == ids[1:]
    assert query(after_id=ids[-1]) == []
    bad = http.get(f"{url}/notifications", params={"status": "lost"}, headers=auth("district"))
    assert bad.status_code == 422 and "status" in bad.json()["fields"]
