"""A client of the running system as its users see it: HTTP and API keys only."""
import requests

from tests.integration.conftest import auth
from tests.support.broker import wait_until

VILLAGE, VILLAGE_STATION = "610902101002", "st-610902101002"
TOWN_STATION, DISTRICT_STATION = "st-610902101", "st-610902"
VOTER = {"name": "王五", "phone": "13900000001"}


class Lianxin:
    def __init__(self, urls):
        self.urls = urls
        self.http = requests.Session()
        self.codes = {}          # issue id -> the access code on its receipt

    def call(self, service, method, path, holder=None, headers=None, **kwargs):
        headers = {**(auth(holder) if holder else {}), **(headers or {})}
        return self.http.request(method, self.urls[service] + path, headers=headers, timeout=10,
                                 **kwargs)

    def submit(self, **fields):
        body = {"channel": "hotline", "category": "roads", "title": "村道塌方",
                "description": "三组村道塌方，出行困难", "village_code": VILLAGE, "voter": VOTER,
                **fields}
        response = self.call("intake", "POST", "/issues", json=body)
        assert response.status_code == 201, response.text
        issue = response.json()
        self.codes[issue["id"]] = issue["access_code"]
        wait_until(lambda: self.call("routing", "GET", f"/issues/{issue['id']}/route",
                                     "district").ok, timeout=15, message="routing holds it")
        return issue

    def issue(self, issue_id, holder="district"):
        """The issue as the district office sees it (``holder=None``: as its voter does)."""
        params = {} if holder else {"access_code": self.codes[issue_id]}
        response = self.call("intake", "GET", f"/issues/{issue_id}", holder, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def wait(self, issue_id, **expected):
        """The voter's view once it shows ``expected`` (status, tier, station_id...)."""
        def shown():
            view = self.issue(issue_id)
            return view if all(view.get(k) == v for k, v in expected.items()) else None
        return wait_until(shown, timeout=15, message=f"issue {issue_id} {expected}")

    def act(self, issue_id, action, holder, **body):
        return self.call("routing", "POST", f"/issues/{issue_id}/{action}", holder, json=body)

    def meeting(self, *decisions, holder="district"):
        return self.call("routing", "POST", "/meetings", holder,
                         json={"held_on": "2026-11-30", "decisions": list(decisions)})

    def assignment(self, department, issue_id, status="assigned", lead=True):
        def found():
            response = self.call("departments", "GET", "/assignments", department,
                                 params={"issue_id": issue_id, "status": status})
            assert response.status_code == 200, response.text
            return next((a for a in response.json() if a["lead"] is lead), None)
        return wait_until(found, timeout=15, message=f"{department} assignment for {issue_id}")

    def work(self, department, assignment_id, action, **body):
        return self.call("departments", "POST", f"/assignments/{assignment_id}/{action}",
                         department, json=body)

    def notifications(self, issue_id=None, **params):
        if issue_id is not None:
            params["issue_id"] = issue_id
        response = self.call("notify", "GET", "/notifications", "district", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def told(self, issue_id, event_type):
        """Who was told of ``event_type`` about the issue: ``[(kind, id)]``."""
        return sorted((n["recipient_kind"], n["recipient_id"])
                      for n in self.notifications(issue_id) if n["event_type"] == event_type)

    def route(self, issue_id):
        response = self.call("routing", "GET", f"/issues/{issue_id}/route", "district")
        assert response.status_code == 200, response.text
        return response.json()

    def deadlines(self, service, holder, **params):
        response = self.call(service, "GET", "/deadlines", holder, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def ledger(self, month, **params):
        response = self.call("routing", "GET", "/ledger", "district",
                             params={"month": month, **params})
        assert response.status_code == 200, response.text
        return response

    def feedback(self, issue_id, rating):
        """The voter's rating, given with the receipt's access code."""
        return self.call("intake", "POST", f"/issues/{issue_id}/feedback",
                         json={"rating": rating, "access_code": self.codes[issue_id]})
