"""Intake's endpoints for the grid system (mixed into ``IntakeService``)."""
import requests
from sqlalchemy.exc import IntegrityError

from lianxin.config import read_yaml
from lianxin.consumers import every
from lianxin.reference import Reference
from lianxin.web import json_response, route
from services.intake.grid import reports, roster, schemas, settings, status

SIGNED = "GRID"          # the configuration section with the shared secret
ROSTER_BYTES = 8 * 1024 * 1024      # a district's whole roster in one request


def load_grid(config):
    known = [c["code"] for c in read_yaml(config["DIRECTORY_FILE"])["categories"]]
    return settings.load(config[SIGNED], known)


class GridEndpoints:
    grid = Reference(load_grid)

    @route("POST", "/grid/reports", body=schemas.GridReportIn, response=schemas.GridReceiptOut,
           status=201, signed_with=SIGNED,
           summary="A grid member's report from the grid system: 201 a new issue, 200 the "
                   "same report again")
    def grid_report(self, request, body, signature):
        try:
            with self.db.transaction() as unit:
                reports.note_signature(unit, signature, self.grid.max_skew)
                found = reports.already(unit.session, body["report_id"])
                if found is None:
                    return reports.receive(unit, body, self.grid, self.data)
        except IntegrityError:        # the same report, sent twice at once: one issue
            with self.db.reading() as session:
                found = reports.already(session, body["report_id"])
            if found is None:
                raise
        return json_response(schemas.GridReceiptOut().dump(found), 200)

    @route("PUT", "/grid/roster", body=schemas.RosterIn, response=schemas.RosterReportOut,
           signed_with=SIGNED, max_body=ROSTER_BYTES,
           summary="The grid system's whole roster: grids and people; what it leaves out "
                   "is marked removed")
    def grid_roster(self, request, body, signature):
        return self.take_roster(body, signature, full=True)

    @route("PATCH", "/grid/roster", body=schemas.RosterDeltaIn,
           response=schemas.RosterReportOut, signed_with=SIGNED, max_body=ROSTER_BYTES,
           summary="Changes to the grid system's roster: rows to add or change, ids to remove")
    def grid_roster_delta(self, request, body, signature):
        return self.take_roster(body, signature, full=False)

    @route("GET", "/grid/roster", query=schemas.RosterQuery, response=schemas.RosterListingOut,
           auth=("district",),
           summary="The roster as intake holds it: grids, their leaders' names and head "
                   "counts (no phones), a page at a time")
    def grid_roster_listing(self, request, caller, query):
        with self.db.reading() as session:
            return roster.listing(session, query.get("village_code"), query["page"],
                                  query["limit"])

    def take_roster(self, body, signature, full):
        ladder = self.data.ladder
        with self.db.transaction() as unit:
            reports.note_signature(unit, signature, self.grid.max_skew)
            checked = roster.check(body["grids"], body["people"],
                                   villages=ladder.village_stations,
                                   known_grids=roster.active_grids(unit.session),
                                   representatives=ladder.representatives)
            return roster.apply(unit, checked, full=full, remove=body.get("remove", {}))

    @route("GET", "/grid/feed", query=schemas.FeedQuery, response=schemas.FeedOut,
           signed_with=SIGNED, summary="Status changes for the grid system after a cursor")
    def grid_feed(self, request, query, signature):
        with self.db.reading() as session:
            return status.feed(session, query["after"], query["limit"])

    @route("GET", "/grid/deliveries", query=schemas.DeliveriesQuery,
           response=schemas.DeliveryOut(many=True), auth=("district",),
           summary="The log of status changes pushed to the grid system's webhook")
    def grid_deliveries(self, request, caller, query):
        with self.db.reading() as session:
            return status.listing(session, query.get("status"), query.get("issue_id"),
                                  query["after_id"], query["limit"])

    @route("POST", "/grid/deliveries/replay", body=schemas.ReplayIn,
           response=schemas.ReplayOut, auth=("district",),
           summary="Push again parked changes (or those named) to the grid system")
    def grid_replay(self, request, caller, body):
        with self.db.transaction() as unit:
            return {"replayed": status.replay(unit, body.get("ids"), body["status"])}

    @every("GRID_INTERVAL", 2)
    def push_to_grid(self):
        """Push the status changes owed to the grid system's webhook, in order per issue."""
        status.push_due(self.db, self.grid, requests.post)

    def owe_grid(self, unit, row, event_type, event):
        """Called as each change of an issue is projected, in its transaction."""
        if status.owed(row, self.grid, self.grid_villages):
            status.record(unit, row, event_type, event)

    @property
    def grid_villages(self):
        return set(self.data.ladder.grids.values())
