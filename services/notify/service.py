"""Notify service: tells voters, stations, representatives and departments of each step."""
from datetime import timedelta
from zoneinfo import ZoneInfo

from nameko.rpc import RpcProxy
from nameko.timer import timer

from lianxin import directory
from lianxin.config import read_yaml
from lianxin.consumers import subscribe
from lianxin.db import Database
from lianxin.endpoints import BaseService
from lianxin.reference import Reference
from lianxin.rpc import call
from lianxin.web import route
from services.notify import app, channels, schemas
from services.notify.models import Base

SWEEP_SECONDS = 2
CONTACT_OWNER = {"voter": "intake", "station": "routing", "representative": "routing",
                 "department": "departments", "grid_leader": "intake", "grid_member": "intake"}


def load_settings(config):
    notify = config["NOTIFY"]
    found = read_yaml(config["DIRECTORY_FILE"])
    stations = directory.from_directory(found).stations.values()
    made = channels.from_config(notify)
    default = notify["default_channel"]
    if default not in made:
        raise ValueError(f"NOTIFY_DEFAULT_CHANNEL {default!r} is not one of "
                         f"{', '.join(made)} (sms needs SMS_GATEWAY_URL)")
    return {"templates": read_yaml(config["TEMPLATES_FILE"]),
            "channels": made,
            # what a message calls a department or station by its code
            "display_names": {**{d["code"]: d["name"] for d in found["departments"]},
                              **{s.id: s.name for s in stations}},
            "default_channel": default,
            # voters are told by SMS when a gateway is configured, and by the default
            # channel when they gave no mobile number
            "voter_channel": "sms" if "sms" in made else default,
            "fallback": None if default == "sms" else default,
            "zone": ZoneInfo(config["TIMEZONE"]),
            "max_attempts": int(notify["max_attempts"]),
            "stuck_after": timedelta(seconds=float(notify.get("stuck_after", 60)))}


class NotifyService(BaseService):
    name = "notify"
    db = Database(Base)
    settings = Reference(load_settings)
    intake = RpcProxy("intake")
    routing = RpcProxy("routing")
    departments = RpcProxy("departments")

    @timer(interval=SWEEP_SECONDS)
    def retry_due(self):
        """Send what failed and is due again, and what a stopped worker left claimed."""
        with self.db.transaction() as unit:
            app.release_stuck(unit, self.settings["stuck_after"])
            rows = app.claim_due(unit, self.settings["max_attempts"])
        self.deliver(rows)

    @route("GET", "/notifications", query=schemas.NotificationsQuery,
           response=schemas.NotificationOut(many=True), auth=("district",),
           summary="Messages sent or failed, by issue, event or status")
    def notifications(self, request, caller, query):
        with self.db.reading() as session:
            return app.listing(session, **query)

    @route("PUT", "/preferences/<kind>/<recipient_id>", body=schemas.PreferenceIn,
           response=schemas.PreferenceOut, auth=("district",),
           summary="Choose the channel a recipient is reached by")
    def preference(self, request, kind, recipient_id, caller, body):
        app.check_kind(kind)
        app.check_available(body["channel"], self.settings["channels"])
        app.check_reachable(kind, recipient_id, body["channel"], self.contact(kind, recipient_id))
        with self.db.transaction() as unit:
            return app.set_preference(unit, kind, recipient_id, body["channel"])

    def deliver(self, rows):
        """Send claimed messages outside any transaction, then have the outcomes recorded
        by the next transaction this process commits (``lianxin.soon``)."""
        outcomes = app.send_all(rows, self.settings["channels"], self.contact,
                                self.settings["fallback"])
        if outcomes:
            self.db.soon.add(app.record_soon, outcomes)

    def contact(self, kind, recipient_id):
        owner = getattr(self, CONTACT_OWNER[kind])
        return call(owner.contact, kind, recipient_id)

    # events: each may tell someone -----------------------------------------------
    def notify(self, event_type, payload):
        queued = self.db.consume(event_type, payload, app.queue_messages, event_type=event_type,
                                 templates=self.settings["templates"],
                                 display_names=self.settings["display_names"],
                                 default_channel=self.settings["default_channel"],
                                 voter_channel=self.settings["voter_channel"],
                                 zone=self.settings["zone"])
        self.deliver(queued or [])

    @subscribe("issue_submitted")
    def on_issue_submitted(self, payload):
        self.notify("issue_submitted", payload)

    @subscribe("issue_routed")
    def on_issue_routed(self, payload):
        self.notify("issue_routed", payload)

    @subscribe("issue_escalated")
    def on_issue_escalated(self, payload):
        self.notify("issue_escalated", payload)

    @subscribe("issue_resolved")
    def on_issue_resolved(self, payload):
        self.notify("issue_resolved", payload)

    @subscribe("issue_referred")
    def on_issue_referred(self, payload):
        self.notify("issue_referred", payload)

    @subscribe("issue_forwarded")
    def on_issue_forwarded(self, payload):
        self.notify("issue_forwarded", payload)

    @subscribe("issue_closed")
    def on_issue_closed(self, payload):
        self.notify("issue_closed", payload)

    @subscribe("issue_reopened")
    def on_issue_reopened(self, payload):
        self.notify("issue_reopened", payload)

    @subscribe("assignment_created")
    def on_assignment_created(self, payload):
        self.notify("assignment_created", payload)

    @subscribe("issue_reminded")
    def on_issue_reminded(self, payload):
        self.notify("issue_reminded", payload)

    @subscribe("issue_overdue")
    def on_issue_overdue(self, payload):
        self.notify("issue_overdue", payload)

    @subscribe("callback_requested")
    def on_callback_requested(self, payload):
        self.notify("callback_requested", payload)

    @subscribe("issue_progress")
    def on_issue_progress(self, payload):
        self.notify("issue_progress", payload)

    @subscribe("assignment_reminded")
    def on_assignment_reminded(self, payload):
        self.notify("assignment_reminded", payload)

    @subscribe("assignment_overdue")
    def on_assignment_overdue(self, payload):
        self.notify("assignment_overdue", payload)

    @subscribe("extension_requested")
    def on_extension_requested(self, payload):
        self.notify("extension_requested", payload)

    @subscribe("extension_granted")
    def on_extension_granted(self, payload):
        self.notify("extension_granted", payload)

    @subscribe("reception_duty_due")
    def on_reception_duty_due(self, payload):
        self.notify("reception_duty_due", payload)

    @subscribe("review_overdue")
    def on_review_overdue(self, payload):
        self.notify("review_overdue", payload)

    @subscribe("extension_refused")
    def on_extension_refused(self, payload):
        self.notify("extension_refused", payload)
