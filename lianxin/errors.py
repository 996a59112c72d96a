"""Why a request or a rule refuses: plain exceptions that know nothing of HTTP.

Rules and use cases raise these with a message and the fields at fault;
``lianxin.web`` maps each kind to its HTTP status (``web.STATUS``).
"""
from __future__ import annotations


class Refused(Exception):
    """A request that cannot be carried out, with the reason per field."""
    code = "bad_request"

    def __init__(self, message: str, fields: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    @classmethod
    def field(cls, name: str, reason: str) -> Refused:
        """The refusal of one field's value."""
        return cls(f"{name}: {reason}", {name: [reason]})

    def body(self) -> dict:
        return {"error": self.code, "message": self.message, "fields": self.fields}


class BadValue(Refused):
    """Well formed, but a value is not acceptable."""
    code = "invalid"


class NotAllowed(Refused):
    """Not allowed in the current state of the thing it acts on."""
    code = "conflict"


class NotFound(Refused):
    code = "not_found"


class NotYours(Refused):
    """The caller is known but does not hold what it acts on."""
    code = "forbidden"


class Unauthenticated(Refused):
    code = "unauthorized"


class TooLarge(Refused):
    code = "too_large"


class Unavailable(Refused):
    """Another service this request needs did not answer in time."""
    code = "unavailable"
