"""Intake service: issues as submitted, voters' details, tracking numbers, feedback,
and the voter-facing timeline."""
from nameko.rpc import RpcProxy, rpc

from lianxin.consumers import subscribe
from lianxin.db import Database
from lianxin.endpoints import BaseService
from lianxin.reference import Reference
from lianxin.rpc import call
from lianxin.web import route
from services.intake import app, schemas
from services.intake.models import Base

MIGRATIONS = "services/intake/migrations"


def tracking_prefix(config):
    return str(config["TRACKING_PREFIX"])


class IntakeService(BaseService):
    name = "intake"
    db = Database(Base, MIGRATIONS)
    routing = RpcProxy("routing")
    tracking_prefix = Reference(tracking_prefix)

    @route("POST", "/issues", body=schemas.SubmissionIn, response=schemas.SubmittedOut,
           status=201, summary="Submit an issue from any channel")
    def submit(self, request, body):
        placement = call(self.routing.locate, body["village_code"], body.get("station_id"),
                         body.get("representative_id"), body["category"], body.get("grid_id"))
        app.check_placement(placement)
        with self.db.transaction() as unit:
            return app.submit(unit, body, placement, self.tracking_prefix)

    @route("GET", "/issues", query=schemas.TrackingQuery, response=schemas.IssueOut,
           summary="Look an issue up by the tracking number the voter was given")
    def by_tracking_no(self, request, query):
        with self.db.reading() as session:
            return app.view(session, app.find(session, query["tracking_no"]).id)

    @route("GET", "/issues/<issue_id>", response=schemas.IssueOut,
           summary="Status, place and timeline of an issue")
    def issue(self, request, issue_id):
        with self.db.reading() as session:
            return app.view(session, issue_id)

    @route("POST", "/issues/<issue_id>/feedback", body=schemas.FeedbackIn,
           response=schemas.SubmittedOut, summary="The voter's feedback on a handled issue")
    def feedback(self, request, issue_id, body):
        with self.db.transaction() as unit:
            return app.give_feedback(unit, issue_id, body)

    @rpc
    def contact(self, kind, id):
        """The voter's contact details, for notify at send time only."""
        if kind != "voter":
            return None
        with self.db.reading() as session:
            return app.contact(session, id)

    # events: every step anyone records joins the voter's timeline -------------------
    def project(self, event_type, payload):
        self.db.consume(event_type, payload, app.project, event_type=event_type)

    @subscribe("issue_routed")
    def on_issue_routed(self, payload):
        self.project("issue_routed", payload)

    @subscribe("issue_escalated")
    def on_issue_escalated(self, payload):
        self.project("issue_escalated", payload)

    @subscribe("issue_resolved")
    def on_issue_resolved(self, payload):
        self.project("issue_resolved", payload)

    @subscribe("issue_referred")
    def on_issue_referred(self, payload):
        self.project("issue_referred", payload)

    @subscribe("issue_forwarded")
    def on_issue_forwarded(self, payload):
        self.project("issue_forwarded", payload)

    @subscribe("issue_closed")
    def on_issue_closed(self, payload):
        self.project("issue_closed", payload)

    @subscribe("issue_reopened")
    def on_issue_reopened(self, payload):
        self.project("issue_reopened", payload)

    @subscribe("assignment_created")
    def on_assignment_created(self, payload):
        self.project("assignment_created", payload)

    @subscribe("assignment_accepted")
    def on_assignment_accepted(self, payload):
        self.project("assignment_accepted", payload)

    @subscribe("assignment_returned")
    def on_assignment_returned(self, payload):
        self.project("assignment_returned", payload)

    @subscribe("assignment_progressed")
    def on_assignment_progressed(self, payload):
        self.project("assignment_progressed", payload)

    @subscribe("assignment_completed")
    def on_assignment_completed(self, payload):
        self.project("assignment_completed", payload)
