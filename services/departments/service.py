"""Departments service: the category map, assignments, their lifecycle and time limits."""
from dataclasses import dataclass

from lianxin import directory, rulesfile, workdays
from lianxin.config import read_yaml
from lianxin.consumers import every, rpc, subscribe
from lianxin.db import Database
from lianxin.endpoints import BaseService, MonthQuery
from lianxin.errors import NotYours
from lianxin.reference import Reference
from lianxin.web import route
from services.departments import app, domain, hearings, reports, schemas
from services.departments.models import Base

DEPARTMENT = ("department",)
DISTRICT = ("district",)
SUPERVISED = ("department", "district")


@dataclass(frozen=True)
class DepartmentsData:
    catalog: domain.Catalog
    rules: rulesfile.RuleSet              # time limits and extensions (RULES_FILE)
    calendar: workdays.WorkCalendar
    district_id: str                      # the district office's station: the supervisor (督办)
    timezone: str = "Asia/Shanghai"       # where a report's month begins


def load_catalog(config):
    path = config["DIRECTORY_FILE"]
    try:
        return domain.Catalog.from_directory(read_yaml(path))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def load_departments_data(config):
    catalog = load_catalog(config)
    ladder = directory.from_directory(read_yaml(config["DIRECTORY_FILE"]))
    rules = rulesfile.read(config["RULES_FILE"], categories=list(ladder.categories),
                           departments=list(catalog.departments))
    return DepartmentsData(catalog, rules, workdays.read(config), ladder.district.id,
                           config["TIMEZONE"])


class DepartmentsService(BaseService):
    name = "departments"
    db = Database(Base)
    data = Reference(load_departments_data)

    @property
    def catalog(self):
        return self.data.catalog

    @subscribe("issue_referred")
    def on_issue_referred(self, payload):
        self.db.consume("issue_referred", payload, app.create_assignments, data=self.data)

    @every("TIMER_INTERVAL", 30)
    def fire_timers(self):
        """Remind departments (催办) and tell the district office (督办) as time limits fall due."""
        app.sweep(self.db, self.data)

    @rpc
    def referrals(self, asks):
        """For each ``{category, department, cooperating}``: the departments, or errors."""
        return [domain.referral(self.catalog, category=a["category"], department=a["department"],
                                cooperating=a["cooperating"]) for a in asks]

    @rpc
    def contact(self, kind, id):
        department = self.catalog.departments.get(id) if kind == "department" else None
        return department and {"email": department.email, "webhook": department.webhook}

    @route("GET", "/departments", response=schemas.DepartmentOut(many=True),
           summary="Every department and the categories it takes by default")
    def departments(self, request):
        return self.catalog.listing()

    @route("GET", "/assignments", query=schemas.AssignmentsQuery,
           response=schemas.AssignmentOut(many=True), auth=SUPERVISED,
           summary="The caller's department's assignments (the district office: any "
                   "department's, or every one's)")
    def assignments(self, request, caller, query):
        department = query.pop("department", None)
        with self.db.reading() as session:
            return app.assignments(session, _own(caller) or department, **query)

    @route("GET", "/assignments/<assignment_id>", response=schemas.AssignmentDetailOut,
           auth=SUPERVISED, summary="One assignment, its history and its extensions "
                                    "(a department's own; any for the district office)")
    def assignment(self, request, assignment_id, caller):
        with self.db.reading() as session:
            return app.detail(session, assignment_id, _own(caller))

    @route("POST", "/assignments/<assignment_id>/accept", body=schemas.AcceptIn,
           response=schemas.AssignmentOut, auth=DEPARTMENT, summary="Take the assignment (签收)")
    def accept(self, request, assignment_id, caller, body):
        return self._act(assignment_id, "accept", caller, body.get("note"))

    @route("POST", "/assignments/<assignment_id>/return", body=schemas.ReturnIn,
           response=schemas.AssignmentOut, auth=DEPARTMENT,
           summary="Return it with a reason (退回)")
    def return_(self, request, assignment_id, caller, body):
        return self._act(assignment_id, "return", caller, body["reason"])

    @route("POST", "/assignments/<assignment_id>/progress", body=schemas.ProgressIn,
           response=schemas.AssignmentOut, auth=DEPARTMENT, summary="Report progress")
    def progress(self, request, assignment_id, caller, body):
        return self._act(assignment_id, "progress", caller, body["note"])

    @route("POST", "/assignments/<assignment_id>/complete", body=schemas.CompleteIn,
           response=schemas.AssignmentOut, auth=DEPARTMENT, summary="Complete with a result (办结)")
    def complete(self, request, assignment_id, caller, body):
        return self._act(assignment_id, "complete", caller, body["result"])

    @route("POST", "/assignments/<assignment_id>/extension", body=schemas.ExtensionIn,
           response=schemas.ExtensionStepOut, status=201, auth=DEPARTMENT,
           summary="Ask for more working days to complete (申请延期)")
    def ask_extension(self, request, assignment_id, caller, body):
        with self.db.transaction() as unit:
            return app.ask_extension(unit, assignment_id, caller.id, body["days"],
                                     body["reason"], data=self.data)

    @route("GET", "/extensions", query=schemas.ExtensionsQuery,
           response=schemas.ExtensionListedOut(many=True), auth=DISTRICT,
           summary="Every department's extension requests, oldest first (status=requested: "
                   "those still to decide)")
    def extensions(self, request, caller, query):
        with self.db.reading() as session:
            return app.extensions(session, query.get("status"))

    @route("POST", "/assignments/<assignment_id>/extension/grant", body=schemas.DecisionIn,
           response=schemas.ExtensionStepOut, auth=DISTRICT,
           summary="Grant the pending extension: the deadline moves (批准延期)")
    def grant_extension(self, request, assignment_id, caller, body):
        return self._decide(assignment_id, True, body.get("note"))

    @route("POST", "/assignments/<assignment_id>/extension/refuse", body=schemas.DecisionIn,
           response=schemas.ExtensionStepOut, auth=DISTRICT,
           summary="Refuse the pending extension: the deadline stays (不予延期)")
    def refuse_extension(self, request, assignment_id, caller, body):
        return self._decide(assignment_id, False, body.get("note"))

    @route("GET", "/deadlines", query=schemas.DeadlinesQuery,
           response=schemas.DeadlineOut(many=True), auth=SUPERVISED,
           summary="Time limits running on assignments, soonest first (a department's own; "
                   "every department's, or one's, for the district office)")
    def deadlines(self, request, caller, query):
        department = app.deadline_department(caller, query.get("department"), self.catalog)
        with self.db.reading() as session:
            return app.deadlines(session, department and [department], query.get("overdue"),
                                 query.get("issue_id"))

    @route("POST", "/hearings", body=schemas.HearingIn, response=schemas.HearingOut, status=201,
           auth=("district",), summary="Record a 面对面 hearing: who signed for each "
                                         "department's items and what it undertook")
    def hearing(self, request, caller, body):
        with self.db.transaction() as unit:
            return hearings.record(unit, body, self.catalog)

    @route("GET", "/reports/departments", query=MonthQuery,
           response=schemas.DepartmentsReportOut, auth=("district",),
           summary="Departments' part of the month's circular")
    def departments_report(self, request, caller, query):
        with self.db.reading() as session:
            return reports.circular(session, query["month"], self.data.timezone)

    def _act(self, assignment_id, action, caller, note):
        with self.db.transaction() as unit:
            return app.act(unit, assignment_id, action, caller.id, note, data=self.data)

    def _decide(self, assignment_id, grant, note):
        with self.db.transaction() as unit:
            return app.decide_extension(unit, assignment_id, grant, note, data=self.data)


def _own(caller):
    """A department acts on its own assignments only; the district office on any (None)."""
    if caller.role != "department":
        return None
    if not caller.id:
        raise NotYours("this department key names no department",
                       {"Authorization": ["a department key needs an id"]})
    return caller.id
