"""Routing service: the ladder, where each issue sits, escalation, meetings, ledger."""
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from nameko.rpc import RpcProxy

from lianxin import clock, directory, rulesfile, workdays
from lianxin.config import read_yaml
from lianxin.consumers import every, rpc, subscribe
from lianxin.db import Database
from lianxin.endpoints import BaseService, MonthQuery
from lianxin.reference import Reference
from lianxin.rpc import call
from lianxin.web import csv_response, route
from services.routing import app, funds, ledger, month, reports, reviews, schemas
from services.routing.models import Base

ISSUE_HOLDERS = ("station", "district")


@dataclass(frozen=True)
class RoutingData:
    ladder: directory.Ladder
    rules: rulesfile.RuleSet
    timezone: str
    calendar: workdays.WorkCalendar
    repeat_window: timedelta = timedelta(days=30)   # repeat issues: REPEAT_WINDOW_DAYS
    repeat_min: int = 3                             # and REPEAT_MIN
    departments: frozenset[str] = frozenset()       # codes, for the pool's sources
    fund_pool: Decimal | None = None                # the month's emergency pool, yuan


CENTS = Decimal("0.01")


def load_routing_data(config):
    departments = read_yaml(config["DIRECTORY_FILE"]).get("departments", [])
    pool = config.get("FUND_POOL")
    return RoutingData(*directory.read(config), config["TIMEZONE"], workdays.read(config),
                       timedelta(days=float(config.get("REPEAT_WINDOW_DAYS") or 30)),
                       int(config.get("REPEAT_MIN") or 3),
                       frozenset(d["code"] for d in departments),
                       Decimal(str(pool)).quantize(CENTS) if pool not in (None, "") else None)


class RoutingService(BaseService):
    name = "routing"
    db = Database(Base)
    data = Reference(load_routing_data)
    departments = RpcProxy("departments")

    @property
    def ladder(self):
        return self.data.ladder

    # events -------------------------------------------------------------------
    @subscribe("issue_submitted")
    def on_issue_submitted(self, payload):
        self.db.consume("issue_submitted", payload, app.place_issue, data=self.data)

    @subscribe("feedback_received")
    def on_feedback_received(self, payload):
        self.db.consume("feedback_received", payload, app.on_feedback, data=self.data)

    @subscribe("assignment_completed")
    def on_assignment_completed(self, payload):
        self.db.consume("assignment_completed", payload, app.on_assignment,
                        action="complete", data=self.data)

    @subscribe("assignment_returned")
    def on_assignment_returned(self, payload):
        self.db.consume("assignment_returned", payload, app.on_assignment,
                        action="return", data=self.data)

    # time -----------------------------------------------------------------------
    @every("TIMER_INTERVAL", 30)
    def fire_timers(self):
        """Remind, supervise, escalate and keep voters in the loop as time limits fall due."""
        app.sweep(self.db, self.data)

    # rpc ----------------------------------------------------------------------
    @rpc
    def contact(self, kind, id):
        """Where to reach a station or representative: ``{email, webhook, phone}``."""
        return self.ladder.contact(kind, id)

    # http ---------------------------------------------------------------------
    @route("GET", "/stations", response=schemas.StationOut(many=True),
           summary="Every liaison station on the ladder")
    def stations(self, request):
        return list(self.ladder.stations.values())

    @route("GET", "/stations/<station_id>/issues", query=schemas.StationIssuesQuery,
           response=schemas.IssueOut(many=True), auth=ISSUE_HOLDERS,
           summary="The issues a station holds")
    def station_issues(self, request, station_id, caller, query):
        app.check_station_access(caller, station_id, self.ladder)
        with self.db.reading() as session:
            return app.station_issues(session, station_id, query.get("status"),
                                      query.get("category"))

    @route("POST", "/stations/<station_id>/reviews", body=schemas.ReviewIn,
           response=schemas.ReviewOut, status=201, auth=ISSUE_HOLDERS,
           summary="A village or town station's monthly review (研判): every open issue "
                   "resolved, escalated or kept, all or none")
    def review(self, request, station_id, caller, body):
        app.check_station_access(caller, station_id, self.ladder)
        app.check_reviewing_station(station_id, self.ladder)
        with self.db.transaction() as unit:
            return reviews.hold_review(unit, station_id, body, self.data)

    @route("GET", "/stations/<station_id>/reviews", query=schemas.ReviewsQuery,
           response=schemas.ReviewOut(many=True), auth=ISSUE_HOLDERS,
           summary="A station's monthly reviews")
    def station_reviews(self, request, station_id, caller, query):
        app.check_station_access(caller, station_id, self.ladder)
        with self.db.reading() as session:
            return reviews.reviews(session, station_id, query.get("month"))

    @route("POST", "/issues/<issue_id>/resolve", body=schemas.ResolveIn,
           response=schemas.IssueOut, auth=ISSUE_HOLDERS, summary="Resolve at this station")
    def resolve(self, request, issue_id, caller, body):
        with self.db.transaction() as unit:
            return app.act(unit, issue_id, "resolve", self.data, caller,
                           note=body["resolution"])

    @route("POST", "/issues/<issue_id>/escalate", body=schemas.EscalateIn,
           response=schemas.IssueOut, auth=ISSUE_HOLDERS, summary="Escalate one tier up")
    def escalate(self, request, issue_id, caller, body):
        with self.db.transaction() as unit:
            return app.act(unit, issue_id, "escalate", self.data, caller, **body)

    @route("POST", "/issues/<issue_id>/city-reply", body=schemas.CityReplyIn,
           response=schemas.IssueOut, auth=("district",), summary="Record the city's reply")
    def city_reply(self, request, issue_id, caller, body):
        with self.db.transaction() as unit:
            return app.act(unit, issue_id, "city_reply", self.data, note=body["reply"])

    @route("POST", "/issues/<issue_id>/funds", body=schemas.AllocationIn,
           response=schemas.AllocationOut, status=201, auth=("district",),
           summary="Allocate from the emergency pool to an issue that went up for want of "
                   "funds (财力保障)")
    def allocate(self, request, issue_id, caller, body):
        with self.db.transaction() as unit:
            app.load(unit.session, issue_id)
            return funds.allocate(unit, issue_id, body, self.data.departments)

    @route("POST", "/funds/<int:allocation_id>/spent", body=schemas.SpentIn,
           response=schemas.AllocationOut, auth=("district",),
           summary="Record what was spent of an allocation")
    def spent(self, request, allocation_id, caller, body):
        with self.db.transaction() as unit:
            return funds.spend(unit, allocation_id, body["amount"])

    @route("GET", "/funds", query=MonthQuery, response=schemas.FundsOut, auth=("district",),
           summary="The month's pool, what was allocated and spent, each allocation")
    def funds_statement(self, request, caller, query):
        with self.db.reading() as session:
            return funds.statement(session, query["month"], self.data.timezone,
                                   self.data.fund_pool)

    @route("GET", "/issues/<issue_id>/city", response=schemas.CityRecordOut(many=True),
           auth=("district",), summary="When a forwarded issue was sent to the city congress, "
                                       "what was asked and what was answered")
    def city_record(self, request, issue_id, caller):
        with self.db.reading() as session:
            app.load(session, issue_id)
            return month.city_record(session, issue_id)

    @route("GET", "/issues/<issue_id>/route", response=schemas.RouteOut,
           auth=("district", "station", "department"), summary="Where an issue is and has been")
    def issue_route(self, request, issue_id, caller):
        with self.db.reading() as session:
            row, steps = app.history(session, issue_id)
        app.check_party(caller, row, steps)
        return {"issue": row, "steps": steps}

    @route("POST", "/meetings", body=schemas.MeetingIn, response=schemas.MeetingOut,
           status=201, auth=("district",), summary="Record a month-end meeting's decisions")
    def meeting(self, request, caller, body):
        with self.db.reading() as session:
            asks = app.referral_asks(session, body["decisions"])
        answers = call(self.departments.referrals, list(asks.values())) if asks else []
        referrals, refused = app.checked_referrals(asks, answers)
        with self.db.transaction() as unit:
            return app.hold_meeting(unit, body, referrals, self.data, refused)

    @route("POST", "/issues/<issue_id>/refer", body=schemas.ReferIn, response=schemas.IssueOut,
           auth=("district",), summary="Hand a returned issue to a department (重新交办)")
    def refer(self, request, issue_id, caller, body):
        with self.db.reading() as session:
            row = app.load(session, issue_id)
            app.check_reassignable(row, self.data)
            asks = app.referral_asks(session, [{**body, "issue_id": issue_id,
                                                "action": "refer"}])
        [answer] = call(self.departments.referrals, list(asks.values()))
        referrals, refused = app.checked_referrals(asks, [answer])
        if refused:
            raise refused[0]
        with self.db.transaction() as unit:
            return app.refer(unit, issue_id, referrals[0], self.data, body.get("note"))

    @route("GET", "/deadlines", query=schemas.DeadlinesQuery,
           response=schemas.DeadlineOut(many=True), auth=ISSUE_HOLDERS,
           summary="Time limits running at a station, or every station's, soonest first")
    def deadlines(self, request, caller, query):
        holders = app.deadline_holders(caller, query.get("station_id"), self.ladder)
        with self.db.reading() as session:
            return app.deadlines(session, holders, query.get("overdue"), query.get("issue_id"))

    @route("POST", "/ledger/freeze", body=MonthQuery, response=schemas.SnapshotOut,
           status=201, auth=("district",),
           summary="Freeze a month's ledger now (it is frozen by itself when the month ends)")
    def freeze(self, request, caller, body):
        with self.db.transaction() as unit:
            return month.freeze(unit, body["month"], self.data.timezone, "district office")

    @route("GET", "/ledger/snapshot", query=MonthQuery, response=schemas.SnapshotOut,
           auth=("district",), summary="A frozen month's ledger, with its content hash")
    def snapshot(self, request, caller, query):
        with self.db.reading() as session:
            return month.snapshot(session, query["month"])

    @route("GET", "/agenda", query=MonthQuery, response=schemas.AgendaOut,
           auth=("district",),
           summary="The directors' meeting agenda of a frozen month (主任会议议程)")
    def agenda(self, request, caller, query):
        with self.db.reading() as session:
            return month.agenda(session, query["month"])

    @route("GET", "/reports/circular", query=MonthQuery, response=schemas.ReportOut,
           auth=("district",), summary="Routing's part of the month's circular (通报)")
    def circular(self, request, caller, query):
        with self.db.reading() as session:
            return reports.circular(session, query["month"], self.data, clock.now())

    @route("GET", "/ledger", query=schemas.LedgerQuery, response=schemas.LedgerOut,
           auth=("district",), also=("text/csv",),
           summary="The monthly classified ledger (JSON or CSV)")
    def ledger(self, request, caller, query):
        start, end = ledger.month_bounds(query["month"], self.data.timezone)
        with self.db.reading() as session:
            items = month.ledger_items(session, start, end)
        if query["format"] == "csv":
            return csv_response(ledger.to_csv(items), f"ledger-{query['month']}.csv")
        return {"month": query["month"], "summary": ledger.summarize(items), "items": items}
