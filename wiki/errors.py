"""The errors the domain raises on purpose.

No Flask here: each class carries its HTTP status and CONTRACT.md error code as
data, and the views and the API map the tree to responses once
(``wiki.views`` and ``wiki.api``).
"""

from __future__ import annotations


class WikiError(Exception):
    """Root of every error the domain raises on purpose."""

    status: int = 400
    code: str = "invalid_input"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(WikiError):
    status, code = 400, "invalid_input"


class Unauthorized(WikiError):
    status, code = 401, "unauthorized"


class Forbidden(WikiError):
    status, code = 403, "forbidden"


class NotFound(WikiError):
    status, code = 404, "not_found"


class Conflict(WikiError):
    status, code = 409, "conflict"


class EditConflict(Conflict):
    """A save could not be merged with what was saved since its base revision."""

    code = "edit_conflict"


class TooLarge(WikiError):
    status, code = 413, "too_large"


class NeedsConfirmation(WikiError):
    """The edit carries warnings (personal data) the author has not confirmed."""

    status, code = 422, "needs_confirmation"
