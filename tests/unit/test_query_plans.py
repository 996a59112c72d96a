"""Lookups made for every submission or every poll read an index, not a whole table
that grows with every issue (SQLite's query plan, on the schema the migrations build)."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from lianxin.db import migrate
from services.intake import app


def plan_of(engine, run):
    """The query plan of every statement ``run(session)`` executes."""
    statements = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, params, context, many:
                 statements.append((statement, params)))
    with Session(engine) as session:
        run(session)
    with engine.connect() as connection:
        return [" ".join(row[-1] for row in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", params))
            for statement, params in statements
            if statement.lstrip().upper().startswith(("SELECT", "INSERT"))]


def test_a_submission_finds_an_earlier_one_by_an_index_not_by_reading_every_issue(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    migrate(engine, "services/intake/migrations")
    submission = {"village_code": "610902001001", "category": "roads",
                  "voter": {"phone": "13800000000"}}
    now = datetime(2026, 11, 28, tzinfo=timezone.utc)
    row = SimpleNamespace(id="0" * 36, submitted_at=now, version=0, status="open", tier="village",
                          channel="online", category="roads", title="路面破损", description="",
                          village_code="610902001001", voter_name="张三",
                          voter_phone="13800000000")
    plans = plan_of(engine, lambda session: app.insert_issue(
        session, row, submission, timedelta(days=7)))
    assert plans and all("ix_issues_duplicate" in plan for plan in plans), plans
