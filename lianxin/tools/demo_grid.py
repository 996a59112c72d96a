"""The demo's 321 grid system: a simulated one, listening where ``GRID_WEBHOOK_URL`` points
(``make run`` points it at 127.0.0.1:8009), that sends the month's grid reports to intake,
signed, and takes intake's status changes at its webhook."""
import uuid

from lianxin.config import read_yaml
from lianxin.tools import gridsim
from lianxin.tools.client import wait_for


class GridFront:
    def __init__(self, config, directory):
        codes = read_yaml(config["GRID"]["file"]).get("categories") or {}
        self.codes = {ours: theirs for theirs, ours in reversed(list(codes.items()))}
        self.leaders = {g["id"]: g.get("leader") for g in directory.get("grids", [])}
        self.system, self.why_not = gridsim.local(config)

    def report(self, body):
        """A grid issue sent by the grid system, signed: intake's receipt as for
        ``POST /issues`` (``id``, ``tracking_no``, ``access_code``)."""
        answer = self.system.report({
            "report_id": f"DEMO-{uuid.uuid4().hex[:16]}", "grid_id": body["grid_id"],
            "reporter_id": self.leaders.get(body["grid_id"]),
            "category": self.codes.get(body["category"], body["category"]),
            "title": body["title"], "description": body["description"],
            "resident": body["voter"]})
        if answer.status_code != 201:
            raise RuntimeError(f"intake refused a grid report: {answer.status_code} "
                               f"{answer.text[:300]}")
        receipt = answer.json()
        return {"id": receipt["issue_id"], "tracking_no": receipt["tracking_no"],
                "access_code": receipt["access_code"]}

    def wait_for_changes(self, reported, timeout=20):
        """Until the webhook has a change of each reported issue (the push is a sweep)."""
        if self.system is None or not reported:
            return
        wait_for("the grid system's webhook to take a change of each report", lambda: True if
                 reported <= {c["issue_id"] for c in self.system.received} else None, timeout)

    def summary(self, reported):
        """Lines saying what reached the grid system's webhook, with one issue's changes."""
        if self.system is None:
            return [f"  grid reports went in as ordinary submissions ({self.why_not})"]
        changes = self.system.received
        ours = [c for c in changes if c["issue_id"] in reported]
        lines = [f"  321 grid system: {len(reported)} reports sent signed; its webhook took "
                 f"{len(ours)} status changes of them ({self.system.refused} refused while "
                 "down)"]
        if ours:
            first = ours[0]["issue_id"]
            steps = [f"{c['seq']}.{c['event']}→{c['status']}@{c['tier']}"
                     for c in ours if c["issue_id"] == first]
            lines.append(f"  e.g. {ours[0]['tracking_no']}: " + ", ".join(steps))
        return lines

    def stop(self):
        if self.system is not None:
            self.system.stop()
