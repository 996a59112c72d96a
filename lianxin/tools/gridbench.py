"""The bench's grid figures: the time to import a roster of Hanbin's size, and the rate
at which status changes of grid reports reach the grid system's webhook."""
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from lianxin.tools import gridsim
from lianxin.tools.client import DemoError, wait_for


def grid_figures(config, reports=200, concurrency=8):
    """``{"roster_s", "grids", "people", "changes", "changes_per_s"}``, or a reason."""
    system, why_not = gridsim.local(config)
    if system is None:
        return why_not
    try:
        roster = gridsim.hanbin_roster(config["DIRECTORY_FILE"])
        began = time.monotonic()
        system.roster(roster)
        roster_s = time.monotonic() - began
        grids = [g["id"] for g in roster["grids"]]
        began = time.monotonic()
        with ThreadPoolExecutor(concurrency) as pool:
            ids = set(pool.map(lambda n: _report(system, grids[n % len(grids)]),
                               range(reports)))
        wait_for(f"a change of each of {reports} grid reports at the webhook",
                 lambda: True if ids <= {c["issue_id"] for c in system.received} else None,
                 timeout=max(60, reports / 5))
        ours = [at for change, at in zip(system.received, system.received_at, strict=True)
                if change["issue_id"] in ids]
        return {"roster_s": roster_s, "grids": len(grids), "people": len(roster["people"]),
                "changes": len(ours), "changes_per_s": len(ours) / (max(ours) - began)}
    finally:
        system.stop()


def _report(system, grid_id):
    answer = system.report({
        "report_id": f"BENCH-{uuid.uuid4().hex[:16]}", "grid_id": grid_id,
        "category": "DLJT", "title": "压测：网格上报", "description": "压测：网格员上报的问题",
        "resident": {"name": "压测", "phone": "13900000000"}})
    if answer.status_code != 201:
        raise DemoError(f"a grid report was refused: {answer.status_code} {answer.text[:300]}")
    return answer.json()["issue_id"]
