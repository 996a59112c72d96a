"""Departments service: the category map, assignments and their lifecycle."""

from lianxin.config import read_yaml
from lianxin.consumers import rpc, subscribe
from lianxin.db import Database
from lianxin.endpoints import BaseService
from lianxin.reference import Reference
from lianxin.web import route
from services.departments import app, domain, schemas
from services.departments.models import Base

DEPARTMENT = ("department",)


def load_catalog(config):
    path = config["DIRECTORY_FILE"]
    try:
        return domain.Catalog.from_directory(read_yaml(path))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


class DepartmentsService(BaseService):
    name = "departments"
    db = Database(Base)
    catalog = Reference(load_catalog)

    @subscribe("issue_referred")
    def on_issue_referred(self, payload):
        self.db.consume("issue_referred", payload, app.create_assignments)

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
           response=schemas.AssignmentOut(many=True), auth=DEPARTMENT,
           summary="The caller's department's assignments")
    def assignments(self, request, caller, query):
        with self.db.reading() as session:
            return app.assignments(session, caller.id, **query)

    @route("GET", "/assignments/<assignment_id>", response=schemas.AssignmentDetailOut,
           auth=DEPARTMENT, summary="One assignment and its history")
    def assignment(self, request, assignment_id, caller):
        with self.db.reading() as session:
            return app.detail(session, assignment_id, caller.id)

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

    def _act(self, assignment_id, action, caller, note):
        with self.db.transaction() as unit:
            return app.act(unit, assignment_id, action, caller.id, note)
