"""Playing issues through running services and counting how each one ended.

Every issue played takes the same path: submitted online in the ``funding`` category
(so it starts at the district), referred by a meeting the clerk holds, assigned to
the category's department, and that department told. ``Play.outcome()`` reads each
service's own database and sorts every issue played into reached, lost, duplicated
or stuck, and counts the dead letters.
"""
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

from lianxin.config import read_yaml
from tests.support.databases import query

KEYS = {e.get("id") or e["role"]: e["key"] for e in read_yaml("data/keys.yml")["keys"]}
DISTRICT_STATION = "st-610902"


def submission(index, **changes):
    return {"channel": "online", "category": "funding", "title": f"产业路项目资金申请{index}",
            "description": "村里产业路缺少配套资金。", "village_code": "610902101002",
            "voter": {"name": "测试选民", "phone": f"139{index:08d}"}, **changes}


@dataclass
class Outcome:
    name: str
    played: int
    reached: int = 0
    lost: list = field(default_factory=list)
    duplicated: list = field(default_factory=list)
    stuck: list = field(default_factory=list)
    dead_lettered: int = 0
    replayed: int = 0
    notes: str = ""

    def line(self):
        return (f"{self.name:<34} played {self.played:>4}  reached {self.reached:>4}  "
                f"lost {len(self.lost)}  duplicated {len(self.duplicated)}  "
                f"stuck {len(self.stuck)}  dead-lettered {self.dead_lettered}  "
                f"replayed {self.replayed}" + (f"  ({self.notes})" if self.notes else ""))


class Play:
    """Submissions with retries (and an Idempotency-Key), a meeting clerk, counting."""

    def __init__(self, system):
        self.system = system
        self.http = requests.Session()
        self.ids = []
        self.clerk_stop = threading.Event()
        self.clerk = None

    def submit(self, count, start=0, pause=0.0, deadline=60):
        """Submit ``count`` issues; each retried with the same key until intake takes it."""
        for index in range(start, start + count):
            key, body = str(uuid.uuid4()), submission(index)
            give_up = time.monotonic() + deadline
            while True:
                try:
                    answer = self.http.post(self.system.urls["intake"] + "/issues", json=body,
                                            headers={"Idempotency-Key": key}, timeout=10)
                    if answer.status_code == 201:
                        self.ids.append(answer.json()["id"])
                        break
                    assert answer.status_code >= 500 or answer.status_code == 409, answer.text
                except requests.RequestException:
                    pass
                assert time.monotonic() < give_up, f"intake did not take issue {index}"
                time.sleep(0.2)
            if pause:
                time.sleep(pause)

    def start_clerk(self, interval=0.5):
        """Every ``interval`` seconds, refer whatever waits open at the district."""
        self.clerk_stop.clear()

        def run():
            while not self.clerk_stop.wait(interval):
                try:
                    answer = self.http.get(
                        f"{self.system.urls['routing']}/stations/{DISTRICT_STATION}/issues",
                        params={"status": "open"}, headers=auth("district"), timeout=10)
                    if answer.status_code != 200:
                        continue              # routing or its database is down: look again
                    waiting = answer.json()
                    decisions = [{"issue_id": row["id"], "action": "refer"} for row in waiting]
                    if decisions:
                        self.http.post(f"{self.system.urls['routing']}/meetings",
                                       json={"held_on": "2026-11-30", "decisions": decisions},
                                       headers=auth("district"), timeout=20)
                except (requests.RequestException, ValueError):
                    pass                  # the service is down: try again at the next look
        self.clerk = threading.Thread(target=run, daemon=True)
        self.clerk.start()

    def stop_clerk(self):
        self.clerk_stop.set()
        if self.clerk:
            self.clerk.join(30)

    def wait_settled(self, timeout=120):
        """Until every issue played has reached its end or ``timeout`` passes."""
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if len(self.notified()) >= len(set(self.ids)):
                return True
            time.sleep(0.5)
        return False

    def wait_quiet(self, timeout=60):
        """Until no service has an event left to publish nor notify a message left to
        send (what a killed process left behind is taken up again), or ``timeout``."""
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up and any(self.leftovers()):
            time.sleep(0.5)

    def leftovers(self):
        unsent = sum(counts(url, "select 'x', count(*) from outbox where sent_at is null")
                     .get("x", 0) for url in self.system.databases.values())
        sending = counts(self.system.databases["notify"], "select 'x', count(*) from "
                         "notifications where status in ('sending', 'pending')").get("x", 0)
        return unsent, sending

    def notified(self):
        rows = query(self.system.databases["notify"],
                     "select issue_id from notifications where event_type = 'assignment_created'"
                     " and recipient_kind = 'department' and status = 'sent'")
        return {row[0] for row in rows}

    def outcome(self, name, replayed=0, notes=""):
        """How each issue played ended, read from the services' own databases."""
        dbs = self.system.databases
        result = Outcome(name, len(self.ids), replayed=replayed, notes=notes)
        assignments = counts(dbs["departments"], "select issue_id, count(*) from assignments "
                                                 "where lead = true group by issue_id")
        notes_sent = counts(dbs["notify"], "select issue_id, count(*) from notifications "
                                           "where event_type = 'assignment_created' and "
                                           "recipient_kind = 'department' group by issue_id")
        placed = counts(dbs["routing"], "select issue_id, count(*) from steps "
                                        "where event_type = 'issue_routed' group by issue_id")
        sent = self.notified()
        for issue_id in set(self.ids):
            if issue_id in sent:
                result.reached += 1
            elif issue_id in placed:
                result.stuck.append(issue_id)
            else:
                result.lost.append(issue_id)
            if max(assignments.get(issue_id, 0), notes_sent.get(issue_id, 0),
                   placed.get(issue_id, 0)) > 1:
                result.duplicated.append(issue_id)
        result.duplicated += [i for i in self.ids if self.ids.count(i) > 1][:1]
        self.wait_quiet()
        unsent, sending = self.leftovers()
        if unsent or sending:
            result.stuck.append(f"{unsent} unsent outbox rows, {sending} messages unsent")
        result.dead_lettered = sum(
            counts(url, "select 'x', count(*) from dead_letters").get("x", 0)
            for url in dbs.values())
        return result


def auth(holder):
    return {"Authorization": f"Bearer {KEYS[holder]}"}


def counts(url, sql):
    return {str(key): number for key, number in query(url, sql)}
