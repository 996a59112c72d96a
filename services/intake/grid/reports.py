"""Reports in: a grid member's report becomes an ordinary submission (channel ``grid``),
once, whatever how often the grid system sends it."""
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from lianxin import directory
from lianxin.errors import BadValue, Unauthenticated
from services.intake import app
from services.intake.grid import roster
from services.intake.grid.models import GridReportRow, SeenSignature
from services.intake.models import IssueRow


def note_signature(unit, signature, max_skew):
    """Refuse a signature seen before (a replay); forget those too old to be fresh."""
    unit.session.execute(delete(SeenSignature).where(
        SeenSignature.seen_at < unit.now - timedelta(seconds=2 * max_skew)))
    try:
        with unit.savepoint():
            unit.session.add(SeenSignature(signature=signature, seen_at=unit.now))
    except IntegrityError:
        raise Unauthenticated("this signed request was sent before: sign it again",
                              {"X-Lianxin-Signature": ["seen before (a replay)"]}) from None


def already(session, report_id):
    """The receipt of a report received before, or None."""
    found = session.execute(select(IssueRow.id, IssueRow.tracking_no, IssueRow.status,
                                   IssueRow.tier).join(GridReportRow,
                                                       GridReportRow.issue_id == IssueRow.id)
                            .where(GridReportRow.report_id == report_id)).first()
    return None if found is None else {"issue_id": found.id, "tracking_no": found.tracking_no,
                                       "status": found.status, "tier": found.tier,
                                       "report_id": report_id}


def receive(unit, report, grid, intake):
    """Record a new report as an issue of the grid's village (by the roster, else the
    directory); its receipt."""
    ladder = roster.with_roster(unit.session, intake.ladder)
    village = report.get("village_code") or ladder.grids.get(report["grid_id"])
    if village is None:
        raise BadValue.field("grid_id", f"unknown grid {report['grid_id']!r}")
    reporter = report.get("reporter_id")
    submission = {
        "channel": "grid", "grid_id": report["grid_id"], "village_code": village,
        "category": grid.category(report["category"]), "title": report["title"],
        "description": report["description"], "voter": report["resident"],
        "representative_id": reporter if reporter in ladder.representatives else None,
        "grid_member_id": reporter if reporter not in ladder.representatives and
        roster.is_on(unit.session, reporter, report["grid_id"]) else None}
    placement = directory.locate(
        village_code=village, station_id=None, representative_id=submission["representative_id"],
        category=submission["category"], grid_id=report["grid_id"], ladder=ladder,
        rules=intake.rules.start)
    app.check_placement(placement)
    receipt = app.submit(unit, submission, placement, intake)
    unit.session.add(GridReportRow(report_id=report["report_id"], issue_id=receipt["id"],
                                   grid_id=report["grid_id"], received_at=unit.now))
    unit.session.flush()
    return {"issue_id": receipt["id"], "tracking_no": receipt["tracking_no"],
            "access_code": receipt["access_code"], "status": receipt["status"],
            "tier": receipt["tier"], "report_id": report["report_id"]}
