"""Intake's use cases: submission, the voter's timeline, feedback, contact."""
import uuid

from sqlalchemy import select

from lianxin.db import load_one
from lianxin.errors import BadValue
from services.intake import domain
from services.intake.models import FeedbackRow, IssueRow, TimelineRow

VOTER_FIELDS = {"name": "voter_name", "phone": "voter_phone", "id_number": "voter_id_number",
                "email": "voter_email"}
ISSUE_FIELDS = ("channel", "category", "title", "description", "village_code", "station_id",
                "representative_id", "grid_id", "resolution")


def check_placement(placement):
    """Routing's answer to ``locate``: a place to start, or the fields it did not know."""
    if "errors" in placement:
        raise BadValue("the submission names something unknown", placement["errors"])


def submit(unit, submission, placement, prefix):
    """Record a submission and announce it; its voter's details stay in this service."""
    row = IssueRow(id=str(uuid.uuid4()), submitted_at=unit.now, version=0,
                   status="handled" if submission.get("resolution") else "open",
                   tier=placement["tier"], current_station_id=placement["station_id"],
                   **{f: submission.get(f) for f in ISSUE_FIELDS},
                   **{column: submission["voter"].get(key) for key, column in VOTER_FIELDS.items()})
    unit.session.add(row)
    unit.session.flush()
    row.tracking_no = domain.tracking_no(prefix, unit.now, row.seq)
    unit.session.add(TimelineRow(issue_id=row.id, event_type="issue_submitted", status=row.status,
                                 tier=row.tier, station_id=row.current_station_id,
                                 occurred_at=unit.now, note=row.resolution))
    unit.publish("issue_submitted", row.id, tracking_no=row.tracking_no, channel=row.channel,
                 category=row.category, title=row.title, village_code=row.village_code,
                 station_id=row.station_id, representative_id=row.representative_id,
                 resolution=row.resolution)
    return row


def project(unit, event, *, event_type):
    """Add a step to the voter's timeline; routing's events also move the status."""
    row = load(unit.session, event["issue_id"], lock=True)
    unit.session.add(TimelineRow(issue_id=row.id, event_type=event_type,
                                 status=event.get("status"), tier=event.get("tier"),
                                 station_id=event.get("station_id"),
                                 department=event.get("department"), note=event.get("note"),
                                 occurred_at=event["occurred_at"]))
    if domain.is_newer(event.get("version"), row.version):
        row.version = event["version"]
        row.status, row.tier = event["status"], event["tier"]
        row.current_station_id = event["station_id"]
        row.department = event["department"]
        if event_type == "issue_reopened":   # a new handling: its own feedback awaited
            row.feedback_pending = False


def give_feedback(unit, issue_id, feedback):
    row = load(unit.session, issue_id, lock=True)
    domain.check_feedback(row.status, row.feedback_pending)
    row.feedback_pending = True
    unit.session.add(FeedbackRow(issue_id=row.id, rating=feedback["rating"],
                                 comment=feedback.get("comment"), given_at=unit.now))
    unit.session.add(TimelineRow(issue_id=row.id, event_type="feedback_received",
                                 status=row.status, tier=row.tier, note=feedback["rating"],
                                 occurred_at=unit.now))
    unit.publish("feedback_received", row.id, rating=feedback["rating"])
    return row


def load(session, issue_id, lock=False):
    return load_one(session, IssueRow.id, issue_id, "issue_id", lock)


def find(session, tracking_no):
    return load_one(session, IssueRow.tracking_no, tracking_no, "tracking_no")


def view(session, issue_id):
    """What the voter sees: where the issue is, and every step it took."""
    row = load(session, issue_id)
    timeline = session.execute(select(TimelineRow).where(TimelineRow.issue_id == row.id)
                               .order_by(TimelineRow.occurred_at, TimelineRow.id)).scalars().all()
    return {"id": row.id, "tracking_no": row.tracking_no, "status": row.status, "tier": row.tier,
            "station_id": row.current_station_id, "department": row.department,
            "category": row.category, "title": row.title, "channel": row.channel,
            "submitted_at": row.submitted_at, "timeline": timeline}


def contact(session, issue_id):
    row = session.execute(select(IssueRow).where(IssueRow.id == str(issue_id))).scalar_one_or_none()
    if row is None:
        return None
    return {key: getattr(row, column) for key, column in VOTER_FIELDS.items()}
