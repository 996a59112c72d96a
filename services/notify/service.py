"""Notify service: tells voters, stations, representatives and departments of each step."""
from datetime import timedelta

from nameko.rpc import RpcProxy
from nameko.timer import timer

from lianxin.handlers import add_handlers
from lianxin.config import read_yaml
from lianxin.db import Database
from lianxin.reference import Reference
from lianxin.rpc import call
from lianxin.service import BaseService
from lianxin.web import route
from services.notify import app, channels, schemas
from services.notify.models import Base

MIGRATIONS = "services/notify/migrations"
SWEEP_SECONDS = 2
CONTACT_OWNER = {"voter": "intake", "station": "routing", "representative": "routing",
                 "department": "departments"}


def load_settings(config):
    notify = config["NOTIFY"]
    departments = read_yaml(config["DIRECTORY_FILE"])["departments"]
    return {"templates": read_yaml(config["TEMPLATES_FILE"]), "channels": channels.from_config(notify),
            "department_names": {d["code"]: d["name"] for d in departments},
            "default_channel": notify["default_channel"], "max_attempts": int(notify["max_attempts"])}


class NotifyService(BaseService):
    name = "notify"
    db = Database(Base, MIGRATIONS)
    settings = Reference(load_settings)
    intake = RpcProxy("intake")
    routing = RpcProxy("routing")
    departments = RpcProxy("departments")

    @timer(interval=SWEEP_SECONDS)
    def retry_due(self):
        """Send what failed and is due again, and what a stopped worker left claimed."""
        app.release_stuck(self.db, timedelta(minutes=5))
        self.deliver_due()

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
        with self.db.transaction() as unit:
            return app.set_preference(unit, kind, recipient_id, body["channel"])

    def deliver_due(self):
        self.deliver(app.claim_due(self.db, self.settings["max_attempts"]))

    def deliver(self, rows):
        app.deliver(self.db, rows, self.settings["channels"], self.contact)

    def contact(self, kind, recipient_id):
        owner = getattr(self, CONTACT_OWNER[kind])
        return call(owner.contact, kind, recipient_id)


def notify(service, event_type, payload):
    queued = service.db.consume(event_type, payload, app.queue_messages, event_type=event_type,
                                templates=service.settings["templates"],
                                department_names=service.settings["department_names"],
                                default_channel=service.settings["default_channel"])
    service.deliver(queued or [])


add_handlers(NotifyService, notify)
