"""Intake's Open311 GeoReport v2 endpoints, with FixMyStreet's servicerequestupdates
(mixed into ``IntakeService``; docs/open311.md). Each answers in XML or JSON by its
path's suffix; the GETs are public and show no voter's personal data, the POSTs need
a client's ``api_key``."""
from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

from lianxin import clock, directory
from lianxin.errors import NotFound
from lianxin.reference import Reference
from services.intake import app as intake
from services.intake.open311 import app, georeport
from services.intake.open311.documents import Document
from services.intake.open311.http import Call, open311

ROOT = "/open311"
V2 = f"{ROOT}/v2"
FMT = ".<any(xml, json):fmt>"


class Open311Endpoints:
    # set by the service class
    db: Any
    data: Any
    open311_catalog = Reference(app.load_catalog)
    open311_environment = Reference(lambda config: str(config.get("ENVIRONMENT", "production")))

    @open311("GET", f"{ROOT}/discovery{FMT}")
    def open311_discovery(self, request: Request, call: Call) -> Document:
        url = request.host_url.rstrip("/") + V2
        return Document("discovery", app.discovery(self.open311_catalog, url,
                                                   self.open311_environment == "production",
                                                   self.data.timezone))

    @open311("GET", f"{V2}/services{FMT}")
    def open311_services(self, request: Request, call: Call) -> Document:
        return Document("services", georeport.service_list(self.open311_catalog))

    @open311("GET", f"{V2}/services/<service_code>{FMT}")
    def open311_definition(self, request: Request, service_code: str, call: Call) -> Document:
        return Document("service_definition",
                        georeport.definition(self.open311_catalog, service_code))

    @open311("POST", f"{V2}/requests{FMT}", client=True)
    def open311_submit(self, request: Request, call: Call) -> Document:
        body, extra = georeport.submission(call.params, self.open311_catalog)
        body = app.check(body)
        placement = directory.locate(
            village_code=body["village_code"], station_id=None, representative_id=None,
            category=body["category"], ladder=self.data.ladder, rules=self.data.rules.start)
        intake.check_placement(placement)
        assert call.client is not None     # client=True: authenticated before the call
        with self.db.transaction() as unit:
            receipt = app.submit(unit, body, placement, extra, call.client.id or "client",
                                 call.uploads, self.data)
        station = self.open311_catalog.stations.get(placement["station_id"], "联络站")
        return Document("service_requests", [{
            "service_request_id": receipt["tracking_no"],
            "service_notice": f"已由{station}受理，跟踪编号 {receipt['tracking_no']}；"
                              "联络站将电话联系您"}])

    @open311("GET", f"{V2}/requests{FMT}")
    def open311_requests(self, request: Request, call: Call) -> Document:
        query = georeport.requests_query(call.params, self.open311_catalog, clock.now())
        with self.db.reading() as session:
            found = app.requests(session, query, self.open311_catalog, self.data.timezone)
        return Document("service_requests", found)

    @open311("GET", f"{V2}/requests/<request_id>{FMT}")
    def open311_request(self, request: Request, request_id: str, call: Call) -> Document:
        with self.db.reading() as session:
            found = app.request(session, request_id, self.open311_catalog, self.data.timezone)
        return Document("service_requests", found)

    @open311("GET", f"{V2}/tokens/<token>{FMT}")
    def open311_token(self, request: Request, token: str, call: Call) -> Document:
        raise NotFound.field("token", "this endpoint answers POST requests with the "
                             "service_request_id itself and issues no tokens")

    @open311("GET", f"{V2}/servicerequestupdates{FMT}")
    def open311_updates(self, request: Request, call: Call) -> Document:
        start, end = georeport.window(call.params, clock.now())
        with self.db.reading() as session:
            found = app.updates(session, start, end, self.open311_catalog, self.data.timezone)
        return Document("service_request_updates", found)

    @open311("POST", f"{V2}/servicerequestupdates{FMT}", client=True)
    def open311_update(self, request: Request, call: Call) -> Document:
        update = georeport.citizen_update(call.params)
        assert call.client is not None
        with self.db.transaction() as unit:
            update_id = app.post_update(unit, update, call.client.id or "client")
        return Document("service_request_updates", [{"update_id": update_id}])

    @open311("*", f"{ROOT}/<path:rest>")
    def open311_unknown(self, request: Request, rest: str, call: Call) -> Document:
        raise NotFound.field("path", f"no Open311 resource {rest!r}")
