"""Intake's part of the monthly circular (通报): the voters' ratings of the month, and
the satisfaction rate (satisfied and basically satisfied over all ratings)."""
from collections import Counter, defaultdict

from sqlalchemy import select

from lianxin.contracts import RATINGS
from lianxin.workdays import month_bounds
from services.intake.models import FeedbackRow, IssueRow

SATISFIED = ("satisfied", "basically_satisfied")


def satisfaction(ratings):
    """Satisfied and basically satisfied over all ratings (None with no rating)."""
    total = sum(ratings.values())
    return round(sum(ratings[r] for r in SATISFIED) / total, 4) if total else None


def circular(session, name, tz, ladder):
    start, end = month_bounds(name, tz)
    rows = session.execute(select(FeedbackRow.rating, FeedbackRow.taken_by,
                                  IssueRow.village_code)
                           .join(IssueRow, IssueRow.id == FeedbackRow.issue_id)
                           .where(FeedbackRow.given_at >= start, FeedbackRow.given_at < end)).all()
    ratings = Counter({rating: 0 for rating in RATINGS})
    towns = defaultdict(Counter)
    for rating, _, village in rows:
        ratings[rating] += 1
        station = ladder.village_stations.get(village)
        towns[ladder.town_of(station).id if station else "-"][rating] += 1
    return {"month": name, "ratings": dict(ratings), "satisfaction": satisfaction(ratings),
            "taken_by_phone": sum(1 for _, taken_by, _ in rows if taken_by != "voter"),
            "by_town": {town: {**counts, "satisfaction": satisfaction(counts)}
                        for town, counts in sorted(towns.items())}}
