"""``lianxin demo``: feed a plausible month of the sample district, then print its ledger.

With the four services running (``make run`` / ``lianxin run``), the command plays
every role of the sample directory over the public HTTP APIs:

0. the district office plans each town's reception-day roster (公开接访日); issues from
   visits name the representative's visit (走访), recorded once per village;
1. voters raise a few hundred issues through all five channels (some solved on the spot);
2. village stations resolve some and escalate the rest to their town's central station,
   which again resolves some and escalates the rest to the district Representatives' Home
   (``funding`` issues start at the district, ``land`` issues at the town); then each
   village and town station holds its month-end review (研判), keeping what is open;
3. the district office freezes the month's ledger and holds its month-end meeting
   against the frozen month's agenda (``demo_month``), deciding every issue open at the
   district: most are referred to departments (some naming a lead and cooperating
   departments), a few are forwarded to the city (some get the city's reply), some
   answered directly; at the 面对面 hearing each department signs for its referrals;
4. departments accept, report progress and complete; some return theirs with a reason,
   and a second meeting refers those to another department, which completes them;
5. voters rate handled issues (satisfied / basically satisfied / unsatisfied; an
   unsatisfied rating reopens the issue, which is left open);
6. time passes: a few village stations left issues alone and a few departments did not
   accept theirs, so the demo moves the shared clock (``TEST_CLOCK_FILE``, set by
   ``make run`` and ``make demo``) past their time limits, and the services remind
   (催办), supervise (督办) and escalate them by themselves.

Everything after an HTTP call that changes state in another service happens through
events, so each step waits for its effect by polling with a deadline. All names and
phone numbers are made up.
"""
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import click
from rich.columns import Columns
from rich.console import Console
from rich.table import Table

from lianxin import clock
from lianxin.config import read_yaml
from lianxin.tools import demo_console, demo_month, report
from lianxin.tools.client import (
    WORKERS,
    DemoError,
    Keys,
    month_now,
    progress_bars,
    require_services,
    wait_for,
)
from lianxin.tools.demo_data import (
    CATEGORY_WEIGHTS,
    CHANNEL_WEIGHTS,
    CITY_NOTES,
    CITY_REPLIES,
    COOPERATION_NOTES,
    ESCALATIONS,
    FEEDBACK,
    GIVEN,
    MEETING_REPLIES,
    NAMED,
    NEXT_DEPARTMENT,
    ON_SPOT,
    P_CITY_REPLY,
    P_FEEDBACK,
    P_LEFT_ALONE,
    P_MEETING,
    P_NAMED,
    P_ON_SPOT,
    P_RATING,
    P_RESOLVE,
    P_RETURN,
    P_SLOW,
    PHRASES,
    PROGRESS_NOTES,
    REFER_NOTES,
    RESULTS,
    RETURN_REASON,
    STATION_RESOLUTIONS,
    STATUS_NAMES,
    SURNAMES,
    TIER_NAMES,
)
from lianxin.tools.demo_grid import GridFront

REPORTS = Path("var/reports")


MEETING_CHUNK = 200            # decisions per request: about 40 KB with their notes


@dataclass
class Item:
    """One issue the demo follows, with its own random stream for every later choice."""
    index: int
    rng: random.Random
    submission: dict
    id: str | None = None
    tracking_no: str | None = None
    access_code: str | None = None
    category: str | None = None
    status: str | None = None
    tier: str | None = None
    station_id: str | None = None
    department: str | None = None
    first_lead: str | None = None
    path: list = field(default_factory=list)


class Month:
    """The state of one demo run: the directory, the API, the issues, the counts."""

    def __init__(self, config, api, keys, seed, console):
        self.config, self.api, self.keys, self.seed = config, api, keys, seed
        self.console = console
        self.directory = read_yaml(config["DIRECTORY_FILE"])
        self.stations = {s["id"]: s for s in api.get("routing", "/stations")}
        self.district = next(s["id"] for s in self.stations.values() if s["tier"] == "district")
        self.departments = {d["code"]: d["name"] for d in api.get("departments", "/departments")}
        self.categories = {c["code"]: c["name"] for c in self.directory.get("categories", [])}
        self.items = {}
        self.visits = {}
        self.reception_day = None
        self.end = None                  # the month's end: demo_month.MonthEnd
        self.grid = GridFront(config, self.directory)   # the simulated 321 grid system
        self.grid_reports = set()        # issues the grid system reported
        self.counts = Counter()
        self._lock = threading.Lock()

    def count(self, *keys, by=1):
        with self._lock:
            for key in keys:
                self.counts[key] += by

    # -- routing views --------------------------------------------------------
    def route(self, issue_id):
        """Routing's view of the issue, or None before routing has placed it."""
        response = self.api.raw("GET", "routing", f"/issues/{issue_id}/route",
                                key=self.keys.district)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise DemoError(f"GET /issues/{issue_id}/route answered {response.status_code}: "
                            f"{response.text[:300]}")
        return response.json()["issue"]

    def wait_route(self, item, what, accept):
        def probe():
            issue = self.route(item.id)
            return issue if issue is not None and accept(issue) else (None, _brief(issue))
        issue = wait_for(f"{what} of {item.tracking_no or item.id}", probe)
        item.status, item.tier = issue["status"], issue["tier"]
        item.station_id, item.department = issue["station_id"], issue["department"]
        return issue

    # -- 1. voters and stations ------------------------------------------------
    def plan(self, index, rng):
        d = self.directory
        villages = [(str(v["code"]), v["name"]) for t in d["towns"] for v in t.get("villages", [])]
        town_of = {str(v["code"]): str(t["code"])
                   for t in d["towns"] for v in t.get("villages", [])}
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        category = _weighted(rng, CATEGORY_WEIGHTS)
        body = {"channel": channel, "category": category}
        if channel == "grid":
            grid = rng.choice(d["grids"])
            village = next(v for v in villages if v[0] == str(grid["village"]))
            body["grid_id"] = grid["id"]
        else:
            village = rng.choice(villages)
        code, place = village
        if channel == "visit":
            reps = [r["id"] for r in d["representatives"] if code.startswith(str(r["place"]))]
            body["representative_id"] = rng.choice(reps)
        if channel == "reception":
            where = rng.random()
            place_code = (code if where < 0.75 else town_of[code] if where < 0.95
                          else str(d["district"]["code"]))
            body["station_id"] = f"st-{place_code}"
        if channel in ("visit", "reception", "grid") and rng.random() < P_ON_SPOT:
            body["resolution"] = rng.choice(ON_SPOT)
        pairs, asks = PHRASES.get(category, PHRASES["neighbourhood"])
        title, detail = rng.choice(pairs)
        numbers = {"place": place, "n": rng.randint(1, 9), "m": rng.randint(2, 9)}
        body.update(title=title.format(**numbers),
                    description=detail.format(**numbers) + rng.choice(asks),
                    village_code=code,
                    voter={"name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                           "phone": "139" + "".join(str(rng.randint(0, 9)) for _ in range(8))})
        return body

    # -- 0. the month's rhythm: visits (走访), reception days, reviews (研判) -----------
    def visit(self, body, rng):
        """The representative's visit to the village that an issue is raised at (recorded
        once per representative and village)."""
        key = (body["representative_id"], body["village_code"])
        with self._lock:
            known = self.visits.get(key)
        if known is None:
            known = self.api.post("intake", "/visits", {
                "representative_id": key[0], "village_code": key[1],
                "visited_on": month_now(self.config).date().isoformat(),
                "voters_met": rng.randint(5, 40)}, key=self.keys.district, expect=(201,))
            with self._lock:
                known = self.visits.setdefault(key, known)
            self.count("visits")
            self.count("voters_met", by=known["voters_met"])
        return known["id"]

    def plan_reception_days(self):
        """Each town's reception day: its city and district representatives on duty on the
        15th, or the next working day when the 15th is not one."""
        from datetime import date as day

        from lianxin import workdays
        calendar, today = workdays.read(self.config), month_now(self.config).date()
        on = day(today.year, today.month, 15)
        while not calendar.is_working_day(on)[0]:
            on += timedelta(days=1)
        receiving = [r for r in self.directory["representatives"]
                     if r["level"] in ("city", "district")]
        for town in self.directory["towns"]:
            own = [r["id"] for r in receiving if str(town["code"]).startswith(str(r["place"]))
                   or str(r["place"]).startswith(str(town["code"]))] or [receiving[0]["id"]]
            answer = self.api.raw("POST", "intake", "/reception-days", key=self.keys.district,
                                  json={"station_id": f"st-{town['code']}", "on": on.isoformat(),
                                        "representative_ids": own})
            if answer.status_code not in (201, 409):          # 409: planned by an earlier run
                raise DemoError(f"POST /reception-days answered {answer.status_code}: "
                                f"{answer.text[:300]}")
            self.count("rosters")
        self.reception_day = on

    def hold_reviews(self):
        """Each village and town station's month-end review: what is still open is kept
        for next month (time will escalate what a station lets lie)."""
        for station in self.stations.values():
            if station["tier"] not in ("village", "town"):
                continue
            key = self.keys.station(station["id"])
            open_ones = self.api.get("routing", f"/stations/{station['id']}/issues", key=key,
                                     params={"status": "open"})
            self.api.post("routing", f"/stations/{station['id']}/reviews", {
                "month": month_now(self.config).strftime("%Y-%m"),
                "held_on": month_now(self.config).date().isoformat(),
                "decisions": [{"issue_id": row["id"], "decision": "keep",
                               "note": "本月研判：继续跟进，下月再议"} for row in open_ones]},
                key=key, expect=(201,))
            self.count("reviews")
            self.count("reviewed", by=len(open_ones))

    def take_in(self, item):
        """Submit one issue, wait for routing to place it, then let its stations act."""
        body = item.submission
        if body["channel"] == "visit":
            body = {**body, "visit_id": self.visit(body, item.rng)}
        if body["channel"] == "grid" and self.grid.system is not None:
            body = {k: v for k, v in body.items() if k != "resolution"}   # a report, not a fix
            out = self.grid.report(body)
            with self._lock:
                self.grid_reports.add(out["id"])
        else:
            out = self.api.post("intake", "/issues", body, expect=(201,))
        item.id, item.tracking_no, item.category = out["id"], out["tracking_no"], body["category"]
        item.access_code = out["access_code"]
        self.count(f"channel:{body['channel']}")
        version = 2 if body.get("resolution") else 1
        issue = self.wait_route(item, "routing to place it", lambda i: i["version"] >= version)
        if body.get("resolution"):
            self.count("on_spot")
            item.path.append("on the spot")
        while issue["status"] == "open" and issue["tier"] in P_RESOLVE:
            tier, station = issue["tier"], issue["station_id"]
            if tier == "village" and item.rng.random() < P_LEFT_ALONE:
                self.count("left_alone")
                item.path.append("village:left alone")
                return item
            key = self.keys.station(station)
            if item.rng.random() < P_RESOLVE[tier]:
                issue = self.api.post("routing", f"/issues/{item.id}/resolve",
                                      {"resolution": item.rng.choice(STATION_RESOLUTIONS[tier])},
                                      key=key)
                self.count(f"resolved:{tier}")
            else:
                reason, note = item.rng.choice(ESCALATIONS[tier])
                issue = self.api.post("routing", f"/issues/{item.id}/escalate",
                                      {"reason": reason, "note": note}, key=key)
                self.count(f"escalated:{tier}")
            outcome = "resolved" if issue["status"] == "handled" else "escalated"
            item.path.append(f"{tier}:{outcome}")
            item.status, item.tier = issue["status"], issue["tier"]
            item.station_id = issue["station_id"]
        return item

    # -- 2. the month-end meeting ----------------------------------------------
    def waiting(self):
        """Every issue open at the district, ours and any left from before."""
        rows = self.api.get("routing", f"/stations/{self.district}/issues",
                            key=self.keys.district, params={"status": "open"})
        for row in rows:
            if row["id"] not in self.items:
                self.items[row["id"]] = Item(
                    -1, random.Random(f"{self.seed}-{row['id']}"), {}, id=row["id"],
                    tracking_no=row["tracking_no"], category=row["category"],
                    status=row["status"], tier=row["tier"])
        return [self.items[row["id"]] for row in rows]

    def meeting(self, decisions, agenda=None):
        """Post one meeting, against the ``agenda`` of a frozen month if named, in chunks
        of ``MEETING_CHUNK`` decisions (a request's body is at most 64 KiB); the applied
        decisions."""
        applied = []
        held_on = month_now(self.config).date().isoformat()
        named = {"agenda": agenda} if agenda else {}
        for start in range(0, len(decisions), MEETING_CHUNK):
            out = self.api.post("routing", "/meetings",
                                {"held_on": held_on, **named,
                                 "decisions": decisions[start:start + MEETING_CHUNK]},
                                key=self.keys.district, expect=(201,))
            applied.extend(out["decisions"])
        return applied

    def decide(self, item):
        """One month-end decision for an issue open at the district."""
        roll, total = item.rng.random(), 0.0
        action = "reply"
        for name, share in P_MEETING:
            total += share
            if roll < total:
                action = name
                break
        decision = {"issue_id": item.id, "action": action}
        if action == "refer":
            decision["note"] = item.rng.choice(REFER_NOTES)
            if item.rng.random() < P_NAMED and item.category in NAMED:
                lead, cooperating = NAMED[item.category]
                decision["department"] = lead
                decision["cooperating"] = [c for c in cooperating if c != lead]
        elif action == "city":
            decision["note"] = item.rng.choice(CITY_NOTES)
        else:
            decision["note"] = item.rng.choice(MEETING_REPLIES)
        return decision

    def after_meeting(self, item, decision, allow_return=True):
        """What follows a decision: the city's reply, or the departments' work."""
        action = decision["action"]
        self.count(f"meeting:{action}" if allow_return else f"second:{action}")
        if action == "reply":
            item.status = "handled"
            item.path.append("meeting:reply")
        elif action == "city":
            item.status = "forwarded"
            item.path.append("meeting:city")
            if item.rng.random() < P_CITY_REPLY:
                issue = self.api.post("routing", f"/issues/{item.id}/city-reply",
                                      {"reply": item.rng.choice(CITY_REPLIES)},
                                      key=self.keys.district)
                item.status = issue["status"]
                item.path.append("city:reply")
                self.count("city_reply")
        else:
            self.work_referral(item, decision["department"], decision.get("cooperating") or [],
                               allow_return)
        return item

    # -- 3. departments ----------------------------------------------------------
    def assignment(self, item, department, lead):
        key = self.keys.department(department)

        def probe():
            rows = self.api.get("departments", "/assignments", key=key,
                                params={"issue_id": item.id, "status": "assigned"})
            rows = [r for r in rows if r["lead"] == lead]
            return rows[-1] if rows else None
        role = "lead" if lead else "cooperating"
        return wait_for(f"the {role} assignment of {item.tracking_no} at {department}", probe)

    def work_referral(self, item, lead, cooperating, allow_return):
        item.path.append(f"referred:{lead}")
        item.first_lead = item.first_lead or lead
        main = self.assignment(item, lead, True)
        helpers = [(code, self.assignment(item, code, False)) for code in cooperating]
        lead_key = self.keys.department(lead)
        if allow_return and item.rng.random() < P_SLOW:
            self.count("slow")
            item.status = "referred"
            item.path.append(f"not accepted:{lead}")
            return item
        self.api.post("departments", f"/assignments/{main['id']}/accept", {}, key=lead_key)
        for code, helper in helpers:
            self.api.post("departments", f"/assignments/{helper['id']}/accept", {},
                          key=self.keys.department(code))
        if allow_return and item.rng.random() < P_RETURN:
            name = self.departments.get(self.next_department(item), "其他部门")
            self.api.post("departments", f"/assignments/{main['id']}/return",
                          {"reason": RETURN_REASON.format(name=name)}, key=lead_key)
            self.count("returned")
            item.path.append(f"returned:{lead}")
            self.wait_route(item, "the returned referral to reopen at the district",
                            lambda i: i["status"] == "open" and i["department"] is None)
            return item
        for note in item.rng.sample(PROGRESS_NOTES, item.rng.randint(1, 2)):
            self.api.post("departments", f"/assignments/{main['id']}/progress", {"note": note},
                          key=lead_key)
        for code, helper in helpers:       # cooperating departments report first:
            self.api.post("departments", f"/assignments/{helper['id']}/complete",
                          {"result": COOPERATION_NOTES[0]}, key=self.keys.department(code))
        self.api.post("departments", f"/assignments/{main['id']}/complete",   # the lead closes
                      {"result": item.rng.choice(RESULTS)}, key=lead_key)
        self.count("completed" if allow_return else "completed:second")
        self.wait_route(item, "the completed assignment to handle the issue",
                        lambda i: i["status"] == "handled")
        item.path.append(f"completed:{lead}")
        return item

    def next_department(self, item):
        candidate = NEXT_DEPARTMENT.get(item.category, "fgj")
        if candidate == item.first_lead:
            candidate = next(c for c in sorted(self.departments) if c != item.first_lead)
        return candidate

    # -- 5. time passes --------------------------------------------------------------
    def let_time_pass(self):
        """Move the shared clock past the limits of the issues left alone and the
        assignments not accepted; wait until time has escalated the issues."""
        left = [i for i in self.items.values() if "village:left alone" in i.path]
        slow = {i.id for i in self.items.values() if any(p.startswith("not accepted")
                                                         for p in i.path)}
        dues = [d["due_at"] for item in left for d in self.deadlines("routing", item.id)
                if d["limit"] == "village"]
        dues += [d["due_at"] for issue_id in slow for d in self.deadlines("departments", issue_id)
                 if d["limit"] == "accept"]
        if not dues:
            return None
        target = max(datetime.fromisoformat(d) for d in dues) + timedelta(minutes=1)
        moment = clock.now()
        while moment < target:           # day by day, so that each last day is reminded
            moment = min(target, moment + timedelta(days=1))
            clock.move(self.config["TEST_CLOCK_FILE"], to=moment)
            for service in ("routing", "departments"):
                wait_for(f"{service} to sweep its timers", lambda s=service, m=moment:
                         self.swept_since(s, m))
        for item in left:
            self.wait_route(item, "time to escalate it", lambda i: i["tier"] != "village")
            item.path.append("escalated:overdue")
        for event_type, count in (("issue_overdue", len(left)), ("assignment_overdue", len(slow))):
            # each told to the holder and to its supervisor
            wait_for(f"{event_type} notices", lambda e=event_type, n=count:
                     self.told(e) >= 2 * n or (None, f"{self.told(e)} of {2 * n}"))
        return target

    def deadlines(self, service, issue_id):
        return self.api.get(service, "/deadlines", key=self.keys.district,
                            params={"issue_id": issue_id})

    def swept_since(self, service, moment):
        swept = self.api.get(service, "/health")["events"]["last_timer_sweep"]
        return (swept is not None and datetime.fromisoformat(swept) >= moment) or \
            (None, f"last sweep {swept}")

    def told(self, event_type):
        """How many messages of ``event_type`` about this run's issues notify has queued."""
        count, cursor = 0, 0
        while True:
            rows = self.api.get("notify", "/notifications", key=self.keys.district,
                                params={"event_type": event_type, "after_id": cursor,
                                        "limit": 1000})
            count += sum(1 for row in rows if row["issue_id"] in self.items)
            if len(rows) < 1000:
                return count
            cursor = rows[-1]["id"]

    # -- 4. voters' feedback ------------------------------------------------------
    def feedback(self, item, rating):
        def handled_in_intake():
            view = self.api.get("intake", f"/issues/{item.id}", key=self.keys.district)
            return view if view["status"] == "handled" else (None, view["status"])
        view = wait_for(f"intake to show {item.tracking_no} handled", handled_in_intake)
        answer = {"rating": rating, "comment": item.rng.choice(FEEDBACK[rating])}
        if item.access_code:               # the voter, with the receipt's code
            self.api.post("intake", f"/issues/{item.id}/feedback",
                          {**answer, "access_code": item.access_code})
        else:                              # an issue from before: the station calls back
            self.api.post("intake", f"/issues/{item.id}/feedback", answer,
                          key=self.keys.station(view["station_id"]))
        self.count(f"feedback:{rating}")
        target = "open" if rating == "unsatisfied" else "closed"
        self.wait_route(item, f"the {rating} feedback to leave the issue {target}",
                        lambda i: i["status"] == target)
        item.path.append(f"feedback:{rating}")
        return item


def _weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _brief(issue):
    if issue is None:
        return "not yet known to routing"
    return (f"status={issue['status']} tier={issue['tier']} station={issue['station_id']} "
            f"department={issue['department']} version={issue['version']}")


def run_all(progress, label, fn, jobs, pool):
    """Run ``fn(*job)`` for every job on the pool with a progress bar; stop at the first error."""
    task = progress.add_task(label, total=len(jobs))
    futures = [pool.submit(fn, *job) for job in jobs]
    results = []
    try:
        for future in as_completed(futures):
            results.append(future.result())
            progress.advance(task)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return results


# ---------------------------------------------------------------------------------
@click.command()
@click.option("--issues", default=300, show_default=True, type=click.IntRange(1, 5000),
              help="How many issues voters raise this month.")
@click.option("--seed", default=2026, show_default=True, type=int,
              help="Seed of every random choice, for a repeatable month.")
@click.pass_obj
def demo(config, issues, seed):
    """Feed a plausible month of the sample district through the running system,
    then print the month's classified ledger."""
    console = Console()
    api = require_services(config)
    keys = Keys(config)
    movable = _movable_clock(config, api, console)
    month = Month(config, api, keys, seed, console)
    started, when = time.monotonic(), month_now(config)      # the month the demo plays
    items = []
    for index in range(issues):
        rng = random.Random(f"{seed}-{index}")
        items.append(Item(index, rng, month.plan(index, rng)))

    with progress_bars(console, 34) as progress, \
            ThreadPoolExecutor(WORKERS, thread_name_prefix="demo") as pool:
        month.plan_reception_days()
        run_all(progress, "voters raise issues; stations act", month.take_in,
                [(item,) for item in items], pool)
        for item in items:
            month.items[item.id] = item
        review_task = progress.add_task("village and town reviews (研判)", total=1)
        month.hold_reviews()
        progress.advance(review_task)

        # The ledger frozen, the meeting against its agenda, the 面对面 hearing.
        decided = demo_month.close_month(month, when.strftime("%Y-%m"), progress)
        done = run_all(progress, "departments, city and replies", month.after_meeting,
                       [(month.items[d["issue_id"]], d) for d in decided], pool)

        returned = [item for item in done if item.status == "open" and item.tier == "district"]
        if returned:
            second = [{"issue_id": item.id, "action": "refer",
                       "department": month.next_department(item),
                       "note": "原承办部门退回，经主任会议研究改由本部门承办。"}
                      for item in returned]
            second_task = progress.add_task("second meeting (returned items)", total=1)
            again = month.meeting(second)
            progress.advance(second_task)
            run_all(progress, "new departments complete", month.after_meeting,
                    [(month.items[d["issue_id"]], d, False) for d in again], pool)

        handled = sorted((i for i in month.items.values() if i.status == "handled"),
                         key=lambda i: i.tracking_no)
        chooser = random.Random(f"{seed}-feedback")
        rated = [i for i in handled if chooser.random() < P_FEEDBACK]
        ratings = [chooser.choices([r for r, _ in P_RATING], [p for _, p in P_RATING])[0]
                   for _ in rated]
        for position, rating in enumerate([r for r, _ in P_RATING][:len(rated)]):
            ratings[position] = rating           # every kind at least once
        run_all(progress, "voters give feedback", month.feedback,
                list(zip(rated, ratings, strict=False)), pool)

        time_task = progress.add_task("time passes: reminders, 督办, escalations", total=1)
        moved_to = month.let_time_pass() if movable else None
        progress.advance(time_task)

    month.grid.wait_for_changes(month.grid_reports)
    month.grid.stop()
    elapsed = time.monotonic() - started
    print_run(console, month, issues, elapsed)
    for line in month.grid.summary(month.grid_reports):
        console.print(line)
    print_time(console, month, moved_to, movable)
    ledger = api.get("routing", "/ledger", key=keys.district,
                     params={"month": when.strftime("%Y-%m")})
    print_ledger(console, month, ledger)
    with progress_bars(console, 34) as progress:
        written = report.write_all(REPORTS, when.strftime("%Y-%m"),
                                   report.fetch_parts(api, keys.district, when.strftime("%Y-%m")),
                                   report.names_of(config), progress)
    console.print(f"The month's circular (通报): {len(written)} files under "
                  f"{REPORTS.resolve()} (JSON, CSV, XLSX, PNG)")
    with console.status("leaving open work for the web console's sample users"):
        left = demo_console.leave_work(month)
    console.print(f"The web console: http://127.0.0.1:{config['PORTS']['console']} "
                  "(the sample users printed by make run); left open for its pages:")
    for what, tracking_no in left.items():
        console.print(f"  {tracking_no}  {what}")


def _movable_clock(config, api, console):
    """Whether the demo may move the services' clock: they and it read one clock file."""
    try:
        clock.configure(config)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not config.get("TEST_CLOCK_FILE"):
        console.print("[yellow]The clock cannot be moved (TEST_CLOCK_FILE is not set), so "
                      "time will not pass; make run and make demo set it.[/]")
        return False
    theirs = api.get("routing", "/health")["clock"]["moved_by_seconds"]
    if abs(theirs - clock.offset()) > 1:
        raise click.ClickException(f"the services do not read the clock file "
                                   f"{config['TEST_CLOCK_FILE']}: start them with make run")
    return True


# ---------------------------------------------------------------------------------
def print_time(console, month, moved_to, movable):
    if not movable:
        return
    c = month.counts
    when = f"the clock moved to {moved_to:%Y-%m-%d %H:%M}" if moved_to else "no limit to wait for"
    console.print(f"  time passes ({when}): {c['left_alone']} issues left alone at village "
                  f"stations, {c['slow']} assignments not accepted;  reminders (催办) "
                  f"{month.told('issue_reminded') + month.told('assignment_reminded')}, "
                  f"supervision notices (督办) "
                  f"{month.told('issue_overdue') + month.told('assignment_overdue')}, "
                  f"call-backs (回访) {month.told('callback_requested')}, progress messages "
                  f"to voters {month.told('issue_progress')}")


def print_run(console, month, issues, elapsed):
    c = month.counts
    channels = "  ".join(f"{name} {c[f'channel:{name}']}" for name in CHANNEL_WEIGHTS)
    lines = [
        f"[bold]This run[/]: {issues} issues in {elapsed:.1f}s (seed {month.seed})",
        f"  the month: {c['visits']} visits by representatives (走访, {c['voters_met']} voters "
        f"met); reception-day rosters at {c['rosters']} town stations for "
        f"{month.reception_day}; {c['reviews']} station reviews (研判) kept {c['reviewed']} "
        f"open issues",
        f"  channels: {channels}",
        f"  solved on the spot {c['on_spot']};  village stations resolved {c['resolved:village']}, "
        f"escalated {c['escalated:village']};  towns resolved {c['resolved:town']}, "
        f"escalated {c['escalated:town']}",
        *demo_month.summary_lines(month),
        f"  month-end meeting: referred {c['meeting:refer']} (completed {c['completed']}, "
        f"returned {c['returned']}), to the city {c['meeting:city']} (city replied "
        f"{c['city_reply']}), answered {c['meeting:reply']}",
        f"  second meeting: referred {c['second:refer']} returned items to other departments "
        f"(completed {c['completed:second']})",
        f"  feedback: satisfied {c['feedback:satisfied']}, basically satisfied "
        f"{c['feedback:basically_satisfied']}, unsatisfied {c['feedback:unsatisfied']} (reopened)",
    ]
    for line in lines:
        console.print(line)


def _table(title, rows, names=None, label="code"):
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column(label)
    if names is not None:
        table.add_column("name")
    table.add_column("issues", justify="right")
    total = sum(rows.values()) or 1
    table.add_column("%", justify="right")
    for key, value in sorted(rows.items(), key=lambda kv: (-kv[1], kv[0])):
        cells = [key] + ([names.get(key, "")] if names is not None else [])
        table.add_row(*cells, str(value), f"{100 * value / total:.0f}")
    return table


def print_ledger(console, month, ledger):
    summary = ledger["summary"]
    console.print()
    console.rule(f"[bold]汉滨区 classified ledger {ledger['month']}[/]: {summary['total']} items")
    departments = {"-": "(none)", **month.departments}
    stations = {sid: s["name"] for sid, s in month.stations.items()}
    console.print(Columns([_table("by tier", summary["by_tier"], TIER_NAMES),
                           _table("by status", summary["by_status"], STATUS_NAMES)],
                          padding=(0, 4)))
    console.print(_table("by station", summary["by_station"], stations, label="station"))
    console.print(f"open past a station's time limit now {summary['overdue']};  escalated by "
                  f"time (a station let its limit run out) {summary['escalated_by_time']}")
    console.print(Columns([_table("by category", summary["by_category"], month.categories),
                           _table("by department", summary["by_department"], departments)],
                          padding=(0, 4)))
