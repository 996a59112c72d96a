"""Errors a rule or a request can raise; the HTTP layer maps each to a status."""


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message, fields=None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def body(self):
        return {"error": self.code, "message": self.message, "fields": self.fields}


class Invalid(ApiError):
    """The request is well formed but a field's value is not acceptable."""
    status = 422
    code = "invalid"

    @classmethod
    def field(cls, name, reason):
        return cls(f"{name}: {reason}", {name: [reason]})


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    """The action is not allowed in the current state of the thing it acts on."""
    status = 409
    code = "conflict"


class TooLarge(ApiError):
    status = 413
    code = "too_large"


class Unavailable(ApiError):
    """Another service this request needs did not answer in time."""
    status = 503
    code = "unavailable"
