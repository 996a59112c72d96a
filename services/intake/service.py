"""Intake service: issues as submitted, voters' details, tracking numbers, feedback,
and the voter-facing timeline."""
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from lianxin import clock, directory, rulesfile
from lianxin.consumers import every, rpc, subscribe
from lianxin.db import Database
from lianxin.endpoints import BaseService, MonthQuery
from lianxin.reference import Reference
from lianxin.web import route
from lianxin.workdays import month_bounds
from services.intake import app, receptions, reports, schemas, visits
from services.intake.grid import roster
from services.intake.grid.endpoints import GridEndpoints
from services.intake.models import Base
from services.intake.open311.endpoints import Open311Endpoints

VIEWERS = ("district", "station")


@dataclass(frozen=True)
class IntakeData:
    """What intake reads at start: the directory and start rules (to check and place a
    submission on its own), and how receipts are numbered."""
    ladder: directory.Ladder
    rules: rulesfile.RuleSet
    tracking_prefix: str
    timezone: ZoneInfo
    duplicate_window: timedelta


def load_intake_data(config):
    return IntakeData(*directory.read(config),
                      str(config["TRACKING_PREFIX"]), ZoneInfo(config["TIMEZONE"]),
                      timedelta(hours=float(config.get("DUPLICATE_WINDOW_HOURS", 72))))


class IntakeService(GridEndpoints, Open311Endpoints, BaseService):
    name = "intake"
    db = Database(Base)
    data = Reference(load_intake_data)

    @every("TIMER_INTERVAL", 30)
    def tell_duties(self):
        """Tell the representatives on a reception-day roster of their duty the day before."""
        today = clock.now().astimezone(self.data.timezone).date()
        with self.db.transaction() as unit:
            receptions.notify_due(unit, today)

    @route("POST", "/issues", body=schemas.SubmissionIn, response=schemas.SubmittedOut,
           status=201, summary="Submit an issue from any channel; needs no other service")
    def submit(self, request, body):
        ladder = self.data.ladder
        if body.get("grid_id"):
            with self.db.reading() as session:
                ladder = roster.with_roster(session, ladder)
        placement = directory.locate(
            village_code=body["village_code"], station_id=body.get("station_id"),
            representative_id=body.get("representative_id"), category=body["category"],
            grid_id=body.get("grid_id"), ladder=ladder, rules=self.data.rules.start)
        app.check_placement(placement)
        return self.db.together(app.submit_placed, (body, placement, self.data))

    @route("GET", "/issues", query=schemas.TrackingQuery, response=schemas.IssueOut,
           auth=VIEWERS, key_optional=True,
           summary="An issue by the receipt's tracking number and access code (or a key)")
    def by_tracking_no(self, request, query, caller):
        with self.db.reading() as session:
            row = app.find(session, query["tracking_no"])
            return app.view(session, row.id, caller, query.get("access_code"))

    @route("GET", "/issues/<issue_id>", query=schemas.AccessQuery, response=schemas.IssueOut,
           auth=VIEWERS, key_optional=True,
           summary="Status, place and timeline of an issue (access code or a key)")
    def issue(self, request, issue_id, query, caller):
        with self.db.reading() as session:
            return app.view(session, issue_id, caller, query.get("access_code"))

    @route("POST", "/issues/<issue_id>/feedback", body=schemas.FeedbackIn,
           response=schemas.IssueOut, auth=("station",), key_optional=True,
           summary="The voter's feedback on a handled issue (access code, or a station's "
                   "key for feedback taken by phone)")
    def feedback(self, request, issue_id, body, caller):
        with self.db.transaction() as unit:
            app.give_feedback(unit, issue_id, body, caller, reopen_until=self.reopen_until)
            return app.view(unit.session, issue_id, caller, body.get("access_code"))

    def reopen_until(self, row):
        """The end of the window in which the voter may still reopen a closed issue."""
        days = self.data.rules.limits.days("reopen", category=row.category)
        return self.calendar.add_working_days(row.closed_at, days).at

    @route("GET", "/reports/feedback", query=MonthQuery, response=schemas.FeedbackReportOut,
           auth=("district",), summary="Intake's part of the month's circular: ratings")
    def feedback_report(self, request, caller, query):
        with self.db.reading() as session:
            return reports.circular(session, query["month"], self.data.timezone.key,
                                    self.data.ladder)

    @route("POST", "/visits", body=schemas.VisitIn, response=schemas.VisitOut, status=201,
           auth=VIEWERS, summary="Record a representative's visit to a village's voters (走访)")
    def visit(self, request, caller, body):
        today = clock.now().astimezone(self.data.timezone).date()
        with self.db.transaction() as unit:
            return visits.record(unit, body, caller, self.data.ladder, today)

    @route("GET", "/visits", query=schemas.VisitsQuery, response=schemas.VisitOut(many=True),
           auth=VIEWERS, summary="Representatives' visits, by month or representative")
    def visits_list(self, request, caller, query):
        with self.db.reading() as session:
            return visits.listing(session, query.get("month"), query.get("representative_id"),
                                  self.data.timezone.key)

    @route("POST", "/reception-days", body=schemas.RosterIn, response=schemas.RosterOut,
           status=201, auth=VIEWERS,
           summary="Put representatives on duty at a town station's reception day (公开接访日)")
    def roster(self, request, caller, body):
        with self.db.transaction() as unit:
            return receptions.plan(unit, body, caller, self.data.ladder, self.calendar,
                                   self.data.rules.month)

    @route("GET", "/reception-days", query=schemas.RostersQuery,
           response=schemas.RosterOut(many=True), auth=VIEWERS,
           summary="The month's reception-day rosters")
    def rosters(self, request, caller, query):
        start, end = month_bounds(query["month"], self.data.timezone.key)
        with self.db.reading() as session:
            return receptions.rosters(session, start.date(), end.date())

    @route("GET", "/reports/representatives", query=MonthQuery,
           response=schemas.WorkRecordOut, auth=("district",),
           summary="Representatives' work record of a month (代表履职档案)")
    def work_record(self, request, caller, query):
        with self.db.reading() as session:
            return visits.work_record(session, query["month"], self.data.timezone.key)

    @rpc
    def contact(self, kind, id):
        """A voter's, or a grid leader's or member's, contact details, for notify at send
        time only."""
        with self.db.reading() as session:
            if kind in ("grid_leader", "grid_member"):
                return roster.contact(session, kind, id)
            return app.contact(session, id) if kind == "voter" else None

    # events: every step anyone records joins the voter's timeline -------------------
    def project(self, event_type, payload):
        self.db.consume(event_type, payload, app.project, event_type=event_type,
                        also=self.owe_grid)

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

    @subscribe("issue_reminded")
    def on_issue_reminded(self, payload):
        self.project("issue_reminded", payload)

    @subscribe("issue_overdue")
    def on_issue_overdue(self, payload):
        self.project("issue_overdue", payload)

    @subscribe("callback_requested")
    def on_callback_requested(self, payload):
        self.project("callback_requested", payload)

    @subscribe("issue_progress")
    def on_issue_progress(self, payload):
        self.project("issue_progress", payload)

    @subscribe("assignment_reminded")
    def on_assignment_reminded(self, payload):
        self.project("assignment_reminded", payload)

    @subscribe("assignment_overdue")
    def on_assignment_overdue(self, payload):
        self.project("assignment_overdue", payload)

    @subscribe("extension_requested")
    def on_extension_requested(self, payload):
        self.project("extension_requested", payload)

    @subscribe("extension_granted")
    def on_extension_granted(self, payload):
        self.project("extension_granted", payload)

    @subscribe("extension_refused")
    def on_extension_refused(self, payload):
        self.project("extension_refused", payload)
