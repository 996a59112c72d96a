"""What every service answers: ``GET /health`` and ``GET /openapi.json``."""
from sqlalchemy import text

from lianxin.web import route


class BaseService:
    @route("GET", "/health", summary="Liveness and database check")
    def health(self, request):
        with self.db.reading() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "service": self.name}

    @route("GET", "/openapi.json", summary="This service's OpenAPI document", spec=True)
    def openapi(self, request, spec):
        return spec
