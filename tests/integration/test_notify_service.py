"""Notify against the real broker and database, and real SMTP and HTTP servers."""
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from nameko.rpc import rpc

from lianxin import contracts
from services.notify.service import NotifyService
from tests.integration.conftest import auth
from tests.support.broker import free_port, send, wait_until

pytestmark = pytest.mark.integration
ADDRESSES = {}


class FakeIntake:
    name = "intake"

    @rpc
    def contact(self, kind, id):
        return {"name": "张三", "phone": "13900000000", "email": ADDRESSES.get("voter")}


class FakeDepartments:
    name = "departments"

    @rpc
    def contact(self, kind, id):
        return {"email": None, "webhook": ADDRESSES.get("webhook")}


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
    return http.get(f"{url}/notifications", params={"issue_id": issue_id}, headers=auth("district")).json()


def test_the_voter_gets_a_receipt_in_the_log_sink_without_contact_details(start, amqp_uri, http):
    container, url = start(NotifyService)
    event = submitted()
    send(amqp_uri, "intake", "issue_submitted", event)
    (note,) = wait_until(lambda: [n for n in listing(http, url, event["issue_id"]) if n["status"] == "sent"])
    assert note["recipient_kind"] == "voter" and "HB202611000009" in note["body"]
    sink = open(container.config["NOTIFY"]["log_file"], encoding="utf-8").read()
    assert "HB202611000009" in sink and "13900000000" not in sink and "张三" not in sink


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
    assert wait_until(lambda: listing(http, url, event["issue_id"])[0]["status"] == "sent")


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
    ADDRESSES["webhook"] = None
    _, url = start(NotifyService)
    http.put(f"{url}/preferences/department/jtj", json={"channel": "webhook"}, headers=auth("district"))
    event = created()
    send(amqp_uri, "departments", "assignment_created", event)
    failed = wait_until(lambda: [n for n in listing(http, url, event["issue_id"]) if n["status"] == "failed"])
    assert "no webhook" in failed[0]["last_error"]


def test_a_preference_for_an_unknown_channel_is_a_422(start, http):
    _, url = start(NotifyService)
    response = http.put(f"{url}/preferences/department/jtj", json={"channel": "pigeon"},
                        headers=auth("district"))
    assert response.status_code == 422 and "channel" in response.json()["fields"]
